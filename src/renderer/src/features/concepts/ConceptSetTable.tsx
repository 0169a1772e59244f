import { formatCount } from '../../lib/format';
import type { ConceptSetInfo } from './types';

/** Concept sets: name, source, count; tick several to combine them, click one to view it. */
export function ConceptSetTable({
  sets,
  openId,
  ticked,
  onOpen,
  onTick,
}: {
  sets: ConceptSetInfo[];
  openId: number | null;
  ticked: number[];
  onOpen: (id: number) => void;
  onTick: (ids: number[]) => void;
}) {
  if (sets.length === 0)
    return <p className="hint">No concept sets yet: create one from a probe set's labels, add the common nouns or import a file.</p>;
  return (
    <div className="table-scroll">
      <table className="table" data-testid="conceptset-list">
        <thead>
          <tr>
            <th aria-label="Select" />
            <th>Name</th>
            <th>Source</th>
            <th className="num">Concepts</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {sets.map((s) => (
            <tr
              key={s.id}
              className={`select-row${s.id === openId ? ' selected' : ''}`}
              onClick={() => onOpen(s.id)}
              data-testid="conceptset-row"
              data-name={s.name}
              data-id={s.id}
              data-source={s.source}
            >
              <td onClick={(e) => e.stopPropagation()}>
                <input
                  type="checkbox"
                  checked={ticked.includes(s.id)}
                  onChange={(e) => onTick(e.target.checked ? [...ticked, s.id] : ticked.filter((x) => x !== s.id))}
                  aria-label={`Select ${s.name}`}
                  data-testid="conceptset-tick"
                />
              </td>
              <td>
                <button type="button" className="link" onClick={() => onOpen(s.id)}>
                  {s.name}
                </button>
              </td>
              <td>
                <span className="badge">{s.source}</span>
              </td>
              <td className="num" data-testid="conceptset-count">
                {formatCount(s.count)}
              </td>
              <td className="nowrap hint">{s.createdAt.replace('T', ' ').slice(0, 16)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
