import type { ActivationSetInfo, ModelSummary } from '../../../../shared/contract';
import { formatCount } from '../../lib/format';
import type { ProbeSetInfo } from '../../lib/types';

/** Step 1: a model, then one of its layers with a complete activation set (incomplete ones are shown, disabled). */
export function StepLayer({
  models,
  sets,
  probeSets,
  modelId,
  setId,
  onModel,
  onSet,
  onOpenModels,
}: {
  models: ModelSummary[];
  sets: ActivationSetInfo[];
  probeSets: ProbeSetInfo[];
  modelId: number | null;
  setId: number | null;
  onModel: (id: number) => void;
  onSet: (id: number) => void;
  onOpenModels: () => void;
}) {
  if (models.length === 0)
    return (
      <div>
        <p className="hint">No models yet: add an ONNX model and extract a layer first.</p>
        <button type="button" onClick={onOpenModels}>
          Open Models
        </button>
      </div>
    );
  const mine = sets.filter((s) => s.modelId === modelId);
  const probeName = (id: number) => probeSets.find((p) => p.id === id)?.name ?? `probe set ${id}`;
  return (
    <div className="stack">
      <div className="field">
        <label htmlFor="wiz-model">Model</label>
        <select id="wiz-model" value={modelId ?? ''} onChange={(e) => onModel(Number(e.target.value))} data-testid="wiz-model">
          {modelId === null && <option value="">Choose a model…</option>}
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="wiz-sets">
        <legend>Layer with extracted activations</legend>
        {mine.length === 0 && (
          <p className="hint">
            No activations of this model yet: extract a layer on the Models page.{' '}
            <button type="button" className="link" onClick={onOpenModels}>
              Open Models
            </button>
          </p>
        )}
        {mine.map((s) => (
          <label
            key={s.id}
            className={`wiz-set${s.complete ? '' : ' disabled'}`}
            data-testid="wiz-set"
            data-tensor={s.tensorName}
            data-complete={s.complete}
          >
            <input type="radio" name="wiz-set" checked={setId === s.id} disabled={!s.complete} onChange={() => onSet(s.id)} />
            <span className="mono">{s.tensorName}</span>
            <span className="hint">
              {formatCount(s.nNeurons)} neurons · {probeName(s.probeSetId)} ({formatCount(s.nImages)} images) · {s.summary}
              {!s.complete && ` · incomplete (${formatCount(s.rowsDone)} / ${formatCount(s.nImages)}): finish the extraction first`}
            </span>
          </label>
        ))}
      </fieldset>
    </div>
  );
}
