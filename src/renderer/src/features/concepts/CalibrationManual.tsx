import { useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { toShownError, type ShownError } from '../../lib/errors';
import { useLoad } from '../../lib/useLoad';
import { formatAB } from './types';

/** Use known constants instead of fitting: a preset of a named public model, or a and b typed in. */
export function CalibrationManual({ encoderId, onSet }: { encoderId: number; onSet: () => void }) {
  const { api } = useApp();
  const presets = useLoad(() => api.call('calibration.presets', {}), [api]);
  const [preset, setPreset] = useState('');
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [error, setError] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const aNum = Number(a);
  const bNum = Number(b);
  const manualOk = a.trim() !== '' && b.trim() !== '' && aNum > 0 && aNum <= 1000 && bNum >= -2 && bNum <= 2;
  const chosen = presets.data?.find((p) => p.name === preset);

  async function use(input: { a: number; b: number; source: 'preset' | 'manual'; label: string }) {
    setBusy(true);
    setError(null);
    try {
      await api.call('calibration.set', { encoderId, ...input });
      onSet();
    } catch (e) {
      setError(toShownError(e));
    } finally {
      setBusy(false);
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
          <button type="button" disabled={!chosen || busy} onClick={() => chosen && void use({ a: chosen.a, b: chosen.b, source: 'preset', label: chosen.name })} data-testid="cal-preset-use">
            Use preset
          </button>
        </div>
        {chosen && <p className="hint">{chosen.note}</p>}
      </div>
      <div className="stack" data-testid="cal-manual">
        <h4>Type a, b</h4>
        <div className="inline-field wrap">
          <label className="inline-field">
            a <input className="param-input" value={a} onChange={(e) => setA(e.target.value)} inputMode="decimal" data-testid="cal-manual-a" />
          </label>
          <label className="inline-field">
            b <input className="param-input" value={b} onChange={(e) => setB(e.target.value)} inputMode="decimal" data-testid="cal-manual-b" />
          </label>
          <button type="button" disabled={!manualOk || busy} onClick={() => void use({ a: aNum, b: bNum, source: 'manual', label: '' })} data-testid="cal-manual-use">
            Use these
          </button>
        </div>
        {(a || b) && !manualOk && <p className="warn-text">a in (0, 1000], b in [−2, 2].</p>}
      </div>
      <ErrorBox error={error} />
    </div>
  );
}
