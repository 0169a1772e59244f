import type { ModelStatus, ModelSummary } from '../../../../shared/contract';
import { formatBytes } from '../../lib/format';

export const STATUS_HINT: Record<ModelStatus, string> = {
  ok: 'The file is where it was added and unchanged.',
  missing: 'The file is no longer at this path. Move it back, or remove this model and add the file from its new place.',
  changed:
    'The file at this path differs from the one added (its SHA-256 changed). Layers and activations belong to the old file: remove the model and add it again to use the new one.',
  invalid:
    'This model was saved by an older version and cannot be used (its input exceeds the limits or its description is damaged). Remove it.',
};

export function StatusBadge({ status }: { status: ModelStatus }) {
  return (
    <span className={`badge model-status model-status-${status}`} title={STATUS_HINT[status]} data-testid="model-status">
      {status}
    </span>
  );
}

/** Side list of the project's models with their file status, and the "add" entry. */
export function ModelList({
  models,
  selectedId,
  adding,
  onSelect,
  onAdd,
}: {
  models: ModelSummary[] | null;
  selectedId: number | null;
  adding: boolean;
  onSelect: (id: number) => void;
  onAdd: () => void;
}) {
  return (
    <aside className="split-side" aria-label="Models">
      <div className="side-head">
        <h1>Models</h1>
      </div>
      <button type="button" className={`side-item add${adding ? ' active' : ''}`} onClick={onAdd} data-testid="model-add">
        + Add ONNX model
      </button>
      {models === null && <p className="hint">Loading…</p>}
      {models?.length === 0 && <p className="hint">None yet. Add a local .onnx file to start.</p>}
      <ul>
        {models?.map((m) => (
          <li key={m.id}>
            <button
              type="button"
              className={`side-item${m.id === selectedId ? ' active' : ''}`}
              onClick={() => onSelect(m.id)}
              data-testid="model-item"
              data-name={m.name}
              data-status={m.status}
              title={m.path}
            >
              <span className="side-item-name">
                {m.name}
                <StatusBadge status={m.status} />
              </span>
              <span className="side-item-meta">
                {m.layers} layers · opset {m.info.opset} · {formatBytes(m.bytes)}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
