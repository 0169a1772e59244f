import type { ActivationSetInfo, LayerInfo } from '../../../../shared/contract';
import { formatCount, formatDate } from '../../lib/format';
import type { ProbeSetInfo } from '../../lib/types';

/** The model's activation sets (activations.list); clicking one shows its neurons. */
export function ActivationSetList({
  sets,
  layers,
  probeSets,
  selectedId,
  onSelect,
}: {
  sets: ActivationSetInfo[];
  layers: LayerInfo[];
  probeSets: ProbeSetInfo[];
  selectedId: number | null;
  onSelect: (id: number) => void;
}) {
  if (sets.length === 0) return <p className="hint">No activation sets yet: extract a layer above.</p>;
  const layerName = (t: string) => layers.find((l) => l.tensorName === t)?.friendly || t;
  const setName = (id: number) => probeSets.find((p) => p.id === id)?.name ?? `probe set ${id}`;
  return (
    <div className="table-scroll">
      <table className="table actsets" data-testid="actsets-table">
        <thead>
          <tr>
            <th scope="col">Layer</th>
            <th scope="col">Probe set</th>
            <th scope="col">Summary</th>
            <th scope="col" className="num">
              Images × neurons
            </th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {sets.map((s) => (
            <tr
              key={s.id}
              className={`count-row${s.id === selectedId ? ' selected' : ''}`}
              onClick={() => onSelect(s.id)}
              tabIndex={0}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  onSelect(s.id);
                }
              }}
              aria-selected={s.id === selectedId}
              data-testid="actset-row"
              data-id={s.id}
              data-tensor={s.tensorName}
              data-complete={s.complete}
            >
              <td title={s.tensorName}>
                {layerName(s.tensorName)} <span className="mono hint">{s.tensorName}</span>
              </td>
              <td className="nowrap">{setName(s.probeSetId)}</td>
              <td className="mono">{s.summary}</td>
              <td className="num">
                {formatCount(s.nImages)} × {formatCount(s.nNeurons)}
              </td>
              <td className="nowrap">
                {s.complete ? (
                  <span className="badge status-done">complete</span>
                ) : (
                  <span className="badge status-cancelled" title="Extract again with the same settings to finish it">
                    {formatCount(s.rowsDone)} / {formatCount(s.nImages)}
                  </span>
                )}
                {s.provider && <span className="hint"> {s.provider}</span>}
              </td>
              <td className="nowrap">{formatDate(s.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
