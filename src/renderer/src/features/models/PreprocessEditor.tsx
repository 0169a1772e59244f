import { useEffect, useState } from 'react';
import { PreprocessPreset, type ModelSummary, type Preprocessing } from '../../../../shared/contract';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { toShownError, type ShownError } from '../../lib/errors';
import { useContractMutation } from '../../lib/query';
import { fromDraft, samePreprocessing, toDraft, type Draft } from './preprocessDraft';

const PRESET_HINT: Record<PreprocessPreset, string> = {
  imagenet: 'torchvision ImageNet: shorter side + centre crop, bilinear, ImageNet mean/std',
  clip: 'OpenAI CLIP: shorter side + centre crop, bicubic, CLIP mean/std',
  siglip: 'SigLIP: squash, bicubic, mean = std = 0.5',
  unit: 'pixels / 255, no normalisation',
  'fashion-mnist': 'Fashion-MNIST: 28×28 grey, mean 0.286, std 0.353',
};

/**
 * The model's preprocessing: apply a preset (saved at once, adapted by the backend to what the file fixes)
 * or edit the fields and save. `onDraft` reports the valid draft so the preview follows unsaved edits.
 */
export function PreprocessEditor({
  model,
  onSaved,
  onDraft,
}: {
  model: ModelSummary;
  onSaved: (p: Preprocessing) => void;
  onDraft: (p: Preprocessing | null) => void;
}) {
  const { notify } = useApp();
  const setPreprocessing = useContractMutation('model.setPreprocessing', { changes: ['models'] });
  const busy = setPreprocessing.busy;
  const saved = model.preprocessing;
  const [draft, setDraft] = useState<Draft>(() => toDraft(saved));
  const [preset, setPreset] = useState<PreprocessPreset>(model.info.channels === 1 ? 'fashion-mnist' : 'imagenet');
  const [error, setError] = useState<ShownError | null>(null);
  const parsed = fromDraft(draft);
  const dirty = !parsed.ok || !samePreprocessing(parsed.value, saved);
  const parsedValue = parsed.ok ? parsed.value : null;
  const parsedKey = parsedValue ? JSON.stringify(parsedValue) : null;

  useEffect(() => {
    onDraft(parsedKey ? (JSON.parse(parsedKey) as Preprocessing) : null);
  }, [parsedKey, onDraft]);

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  async function save(input: { preset?: PreprocessPreset; options?: Preprocessing }) {
    setError(null);
    try {
      const p = await setPreprocessing.run({ modelId: model.id, ...input });
      setDraft(toDraft(p));
      onSaved(p);
      notify({
        kind: 'success',
        title: 'Preprocessing saved',
        message: input.preset ? `Preset “${input.preset}” applied to ${model.name}.` : `${model.name} uses the new values.`,
      });
    } catch (e) {
      setError(toShownError(e));
    }
  }

  const fixes = model.info;
  return (
    <section className="card" aria-labelledby="pre-title" data-testid="preprocess-editor" data-dirty={dirty}>
      <div className="card-head">
        <h3 id="pre-title">Preprocessing</h3>
        {dirty ? <span className="badge badge-warn">unsaved</span> : <span className="badge status-done">saved</span>}
      </div>
      <div className="pre-preset">
        <label htmlFor="pre-preset">Preset</label>
        <select id="pre-preset" value={preset} onChange={(e) => setPreset(PreprocessPreset.parse(e.target.value))} data-testid="pre-preset">
          {PreprocessPreset.options.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <button type="button" disabled={busy} onClick={() => void save({ preset })} data-testid="pre-apply-preset">
          Apply preset
        </button>
      </div>
      <p className="hint">{PRESET_HINT[preset]}. What the file fixes (size, channels, layout) wins over the preset.</p>
      <div className="pre-grid">
        <div className="field">
          <label htmlFor="pre-h">Size (H × W)</label>
          <div className="field-row pre-size">
            <input
              id="pre-h"
              inputMode="numeric"
              value={draft.height}
              onChange={(e) => set('height', e.target.value)}
              data-testid="pre-height"
              aria-label="Height"
            />
            <span>×</span>
            <input
              inputMode="numeric"
              value={draft.width}
              onChange={(e) => set('width', e.target.value)}
              data-testid="pre-width"
              aria-label="Width"
            />
          </div>
        </div>
        <div className="field">
          <label htmlFor="pre-resize">Resize</label>
          <select
            id="pre-resize"
            value={draft.resize}
            onChange={(e) => set('resize', e.target.value === 'squash' ? 'squash' : 'shorter_center_crop')}
            data-testid="pre-resize"
          >
            <option value="squash">squash to size</option>
            <option value="shorter_center_crop">shorter side + centre crop</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="pre-interp">Interpolation</label>
          <select
            id="pre-interp"
            value={draft.interpolation}
            onChange={(e) =>
              set('interpolation', e.target.value === 'nearest' ? 'nearest' : e.target.value === 'bicubic' ? 'bicubic' : 'bilinear')
            }
            data-testid="pre-interpolation"
          >
            <option value="nearest">nearest</option>
            <option value="bilinear">bilinear</option>
            <option value="bicubic">bicubic</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="pre-scale">Scale</label>
          <input
            id="pre-scale"
            value={draft.scale}
            onChange={(e) => set('scale', e.target.value)}
            data-testid="pre-scale"
            title="Multiplies raw 0..255 pixels before mean/std"
          />
        </div>
        <div className="field">
          <label htmlFor="pre-mean">Mean</label>
          <input id="pre-mean" value={draft.mean} onChange={(e) => set('mean', e.target.value)} data-testid="pre-mean" />
        </div>
        <div className="field">
          <label htmlFor="pre-std">Std</label>
          <input id="pre-std" value={draft.std} onChange={(e) => set('std', e.target.value)} data-testid="pre-std" />
        </div>
        <div className="field">
          <label htmlFor="pre-channels">Channels</label>
          <select
            id="pre-channels"
            value={draft.channels}
            onChange={(e) => set('channels', e.target.value === '1' ? 1 : 3)}
            data-testid="pre-channels"
          >
            <option value={1}>1 (grey)</option>
            <option value={3}>3 (RGB)</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="pre-layout">Layout</label>
          <select
            id="pre-layout"
            value={draft.layout}
            onChange={(e) => set('layout', e.target.value === 'NHWC' ? 'NHWC' : 'NCHW')}
            data-testid="pre-layout"
          >
            <option value="NCHW">NCHW</option>
            <option value="NHWC">NHWC</option>
          </select>
        </div>
      </div>
      <p className="hint mono">value = (pixel × scale − mean) / std</p>
      {(draft.channels !== fixes.channels || draft.layout !== fixes.layout) && (
        <p className="warn-text" data-testid="pre-mismatch">
          The model’s input is {fixes.layout} with {fixes.channels} channel{fixes.channels === 1 ? '' : 's'}; other values will fail at
          extraction.
        </p>
      )}
      {!parsed.ok && (
        <p className="warn-text" role="alert" data-testid="pre-invalid">
          {parsed.error}
        </p>
      )}
      <ErrorBox error={error} testId="pre-error" />
      <div className="actions">
        <button type="button" disabled={busy || !dirty} onClick={() => setDraft(toDraft(saved))} data-testid="pre-reset">
          Revert
        </button>
        <button
          type="button"
          className="primary"
          disabled={busy || !dirty || !parsedValue}
          onClick={() => parsedValue && void save({ options: parsedValue })}
          data-testid="pre-save"
        >
          Save preprocessing
        </button>
      </div>
      <p className="hint">Activation sets remember the preprocessing they were made with; changing it starts new ones.</p>
    </section>
  );
}
