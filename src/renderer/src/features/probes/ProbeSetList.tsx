import { formatCount } from '../../lib/format';
import type { ProbeSetInfo } from '../../lib/types';

export function ProbeSetList({
  sets,
  selectedId,
  adding,
  onSelect,
  onAdd,
}: {
  sets: ProbeSetInfo[] | null;
  selectedId: number | null;
  adding: boolean;
  onSelect: (id: number) => void;
  onAdd: () => void;
}) {
  return (
    <aside className="split-side" aria-label="Probe sets">
      <div className="side-head">
        <h1>Probe sets</h1>
      </div>
      <button type="button" className={`side-item add${adding ? ' active' : ''}`} onClick={onAdd} data-testid="probeset-add">
        + Add probe set
      </button>
      {sets === null && <p className="hint">Loading…</p>}
      {sets?.length === 0 && <p className="hint">None yet. Import an image folder to start.</p>}
      <ul>
        {sets?.map((s) => (
          <li key={s.id}>
            <button
              type="button"
              className={`side-item${s.id === selectedId ? ' active' : ''}`}
              onClick={() => onSelect(s.id)}
              data-testid="probeset-item"
              data-name={s.name}
              title={s.rootPath}
            >
              <span className="side-item-name">
                {s.name}
                {!s.complete && <span className="badge badge-warn">incomplete</span>}
              </span>
              <span className="side-item-meta">
                {formatCount(s.images)} images · {s.classes} classes{s.skipped ? ` · ${s.skipped} skipped` : ''}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
