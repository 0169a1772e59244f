import { contract } from '../../../../shared/contract';
import { fieldError, numberFromText, shapeOf } from '../../lib/forms';
import { useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { toShownError, type ShownError } from '../../lib/errors';
import { useContractMutation, useContractQuery } from '../../lib/query';
import { formatAB } from './types';

const SET_FIELDS = shapeOf(contract['calibration.set'].input);

/** Use known constants instead of fitting: a preset of a named public model, or a and b typed in. */
export function CalibrationManual({ encoderId }: { encoderId: number }) {
  const presets = useContractQuery('calibration.presets', {});
  const setCalibration = useContractMutation('calibration.set', { changes: ['concepts'] });
  const [preset, setPreset] = useState('');
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [error, setError] = useState<ShownError | null>(null);
  const busy = setCalibration.busy;
  // Checked with calibration.set's schema.
  const aNum = numberFromText(a);
  const bNum = numberFromText(b);
  const aError = fieldError(SET_FIELDS.a, aNum);
  const bError = fieldError(SET_FIELDS.b, bNum);
  const manualOk = aError === null && bError === null;
  const chosen = presets.data?.find((p) => p.name === preset);

  async function use(input: { a: number; b: number; source: 'preset' | 'manual'; label: string }) {
    setError(null);
    try {
      await setCalibration.run({ encoderId, ...input });
    } catch (e) {
      setError(toShownError(e));
    }
  }

  return (
    <div className="grid-2 calibration-manual">
      <div className="stack" data-testid="cal-preset">
        <h4>Use a preset</h4>
        <ErrorBox error={presets.error} />
        <div className="inline-field wrap">
          <label className="inline-field">
            Model{' '}
            <select value={preset} onChange={(e) => setPreset(e.target.value)} data-testid="cal-preset-select">
              <option value="">— choose —</option>
              {presets.data?.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name} ({formatAB(p)})
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            disabled={!chosen || busy}
            onClick={() => chosen && void use({ a: chosen.a, b: chosen.b, source: 'preset', label: chosen.name })}
            data-testid="cal-preset-use"
          >
            Use preset
          </button>
        </div>
        {chosen && <p className="hint">{chosen.note}</p>}
      </div>
      <div className="stack" data-testid="cal-manual">
        <h4>Type a, b</h4>
        <div className="inline-field wrap">
          <label className="inline-field">
            a{' '}
            <input
              className="param-input"
              value={a}
              onChange={(e) => setA(e.target.value)}
              inputMode="decimal"
              data-testid="cal-manual-a"
            />
          </label>
          <label className="inline-field">
            b{' '}
            <input
              className="param-input"
              value={b}
              onChange={(e) => setB(e.target.value)}
              inputMode="decimal"
              data-testid="cal-manual-b"
            />
          </label>
          <button
            type="button"
            disabled={!manualOk || busy}
            onClick={() => void use({ a: aNum, b: bNum, source: 'manual', label: '' })}
            data-testid="cal-manual-use"
          >
            Use these
          </button>
        </div>
        {(a || b) && !manualOk && (
          <p className="warn-text">{[aError && `a ${aError}`, bError && `b ${bError}`].filter(Boolean).join('; ')}.</p>
        )}
      </div>
      <ErrorBox error={error} />
    </div>
  );
}
