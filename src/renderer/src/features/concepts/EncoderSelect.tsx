import { useApp } from '../../lib/appContext';
import { formatAB, isCalibrated, type EncoderInfo, type SimulatorRef } from './types';

/**
 * Choose an image-text encoder (only calibrated ones are selectable) or, with `allowLabel`, the label
 * simulator. Encoders without a calibration are listed disabled, with a hint to calibrate them first; with
 * `needsCalibration` false (a method that only compares embeddings) every usable encoder can be chosen.
 */
export function EncoderSelect({
  encoders,
  value,
  onChange,
  allowLabel = false,
  label,
  testId,
  needsCalibration = true,
}: {
  encoders: EncoderInfo[];
  value: SimulatorRef | null;
  onChange: (v: SimulatorRef | null) => void;
  allowLabel?: boolean;
  label: string;
  testId: string;
  needsCalibration?: boolean;
}) {
  const { openScreen } = useApp();
  const usable = (e: EncoderInfo) => (needsCalibration ? isCalibrated(e) : e.status === 'ok');
  const uncalibrated = needsCalibration ? encoders.filter((e) => !isCalibrated(e)) : [];
  return (
    <div className="encoder-select">
      <label className="inline-field">
        {label}{' '}
        <select
          value={value === null ? '' : String(value)}
          onChange={(e) => onChange(e.target.value === '' ? null : e.target.value === 'label' ? 'label' : Number(e.target.value))}
          data-testid={testId}
        >
          {!allowLabel && <option value="">— choose an encoder —</option>}
          {allowLabel && <option value="label">Label simulator (probe-set labels)</option>}
          {encoders.map((e) => (
            <option key={e.id} value={e.id} disabled={!usable(e)}>
              {e.name}
              {e.calibration
                ? ` (${formatAB(e.calibration)})`
                : e.status !== 'ok'
                  ? ` (${e.status})`
                  : needsCalibration
                    ? ' (not calibrated)'
                    : ''}
            </option>
          ))}
        </select>
      </label>
      {uncalibrated.length > 0 && (
        <p className="hint" data-testid={`${testId}-hint`}>
          {uncalibrated.map((e) => e.name).join(', ')}: calibrate {uncalibrated.length === 1 ? 'it' : 'them'} first on the{' '}
          <button type="button" className="link" onClick={() => openScreen('concepts')}>
            Concepts
          </button>{' '}
          screen (P = sigmoid(a·(cos + b)) needs a and b).
        </p>
      )}
      {encoders.length === 0 && !allowLabel && (
        <p className="hint" data-testid={`${testId}-none`}>
          No image-text encoders yet: add a SigLIP/CLIP folder on the{' '}
          <button type="button" className="link" onClick={() => openScreen('concepts')}>
            Concepts
          </button>{' '}
          screen.
        </p>
      )}
    </div>
  );
}
