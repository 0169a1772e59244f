import type { Loaded } from '../../lib/query';
import { formatCount } from '../../lib/format';
import { MODE_LABEL } from './format';
import { methodLabel } from '../explanations';
import { TemperatureField } from './TemperatureField';
import type { Mode, TemperatureInfo } from './types';

/** Step 3: the explanations that will be scored, the scaling modes and the temperature. */
export function StepScore({
  methods,
  excluded,
  onExcluded,
  neurons,
  modes,
  onModes,
  fit,
  tOverride,
  onTOverride,
}: {
  methods: string[];
  /** Methods the user unticked; the rest are scored. */
  excluded: string[];
  onExcluded: (m: string[]) => void;
  neurons: number;
  modes: Mode[];
  onModes: (m: Mode[]) => void;
  fit: Loaded<TemperatureInfo>;
  tOverride: string;
  onTOverride: (v: string) => void;
}) {
  function toggle(m: Mode, on: boolean) {
    onModes((['optim', 'norm'] as const).filter((x) => (x === m ? on : modes.includes(x))));
  }
  return (
    <div className="stack" data-testid="abl-score-step">
      <div>
        <h4>Explanations scored</h4>
        <ul className="chip-list" data-testid="abl-methods">
          {methods.map((m) => (
            <li key={m} className="chip" data-method={m}>
              <label className="inline-field">
                <input
                  type="checkbox"
                  checked={!excluded.includes(m)}
                  onChange={(e) => onExcluded(e.target.checked ? excluded.filter((x) => x !== m) : [...excluded, m])}
                  data-testid={`abl-method-${m}`}
                />{' '}
                {methodLabel(m)}
              </label>
            </li>
          ))}
        </ul>
        <p className="hint">
          The ticked explanations of the run ({formatCount(neurons)} neurons × {methods.length - excluded.length} methods) are simulated
          with the chosen simulator (below) and scored on the test split.
        </p>
        {excluded.length === methods.length && <p className="warn-text">Choose at least one explanation method.</p>}
      </div>
      <fieldset className="abl-modes">
        <legend>Scaling of the simulated activation s_abl = c·s + d</legend>
        <label className="inline-field">
          <input
            type="checkbox"
            checked={modes.includes('optim')}
            onChange={(e) => toggle('optim', e.target.checked)}
            data-testid="abl-mode-optim"
          />{' '}
          {MODE_LABEL.optim}: c, d fitted by Adam on val (minimise Σ|ΔL|)
        </label>
        <label className="inline-field">
          <input
            type="checkbox"
            checked={modes.includes('norm')}
            onChange={(e) => toggle('norm', e.target.checked)}
            data-testid="abl-mode-norm"
          />{' '}
          {MODE_LABEL.norm}: c, d from val statistics (ρ·σ_act/σ_s, matched means)
        </label>
        {modes.length === 0 && <p className="warn-text">Choose at least one mode.</p>}
      </fieldset>
      <div>
        <h4>Temperature</h4>
        <TemperatureField fit={fit} override={tOverride} onOverride={onTOverride} />
      </div>
    </div>
  );
}
