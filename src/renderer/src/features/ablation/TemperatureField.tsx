import { contract } from '../../../../shared/contract';
import { optionalNumber, shapeOf } from '../../lib/forms';
import { ErrorBox } from '../../components/ErrorBox';
import type { Loaded } from '../../lib/query';
import type { TemperatureInfo } from './types';

const TEMPERATURE = shapeOf(contract['ablation.run'].input).temperature;

/** The temperature fitted on val (NLL at T and at 1), with an optional override. */
export function TemperatureField({
  fit,
  override,
  onOverride,
}: {
  fit: Loaded<TemperatureInfo>;
  override: string;
  onOverride: (v: string) => void;
}) {
  const t = fit.data;
  const { error } = optionalNumber(TEMPERATURE, override);
  const bad = error !== null;
  return (
    <div className="stack abl-temperature" data-testid="abl-temperature" data-value={t?.temperature ?? ''}>
      {fit.loading && !t && <p className="hint">Fitting the temperature on the val split…</p>}
      <ErrorBox error={fit.error} />
      {t && (
        <p>
          Fitted on val ({t.valImages} images): <strong data-testid="abl-temperature-value">T = {t.temperature.toFixed(3)}</strong>{' '}
          <span className="hint">
            (NLL {t.nll.toFixed(4)} at T vs {t.nllAtOne.toFixed(4)} at T = 1{t.atBound ? '; at the search bound' : ''})
          </span>
        </p>
      )}
      <div className="field-row">
        <label className="inline-field" htmlFor="abl-t-override">
          Override T
        </label>
        <input
          id="abl-t-override"
          className="param-input"
          type="text"
          inputMode="decimal"
          placeholder={t ? t.temperature.toFixed(3) : 'fitted'}
          value={override}
          onChange={(e) => onOverride(e.target.value)}
          aria-invalid={bad}
          data-testid="abl-t-override"
        />
        <span className="hint">{bad ? `T ${error}` : 'empty: use the fitted value. Logits are divided by T before the loss.'}</span>
      </div>
    </div>
  );
}

/** An override of T as ablation.run's schema takes it: empty (the fitted value) or a valid temperature. */
export function temperatureValid(override: string): boolean {
  return optionalNumber(TEMPERATURE, override).error === null;
}
