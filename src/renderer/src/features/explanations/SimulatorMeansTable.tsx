import type { SimulatorMeans } from '../concepts';
import { formatCorr, methodLabel } from './format';

const ORDER = ['le_label', 'le_siglip', 'best_concept', 'top5', 'imported'];

/** Label simulator first, then encoders by name, then scores reported by an imported file. */
export function sortSimulators(rows: SimulatorMeans[]): SimulatorMeans[] {
  const rank = (s: string) => (s === 'label' ? 0 : s === 'reported' ? 2 : 1);
  return [...rows].sort((a, b) => rank(a.simulator) - rank(b.simulator) || a.name.localeCompare(b.name));
}

function kindOf(simulator: string): 'label' | 'reported' | 'encoder' {
  return simulator === 'label' || simulator === 'reported' ? simulator : 'encoder';
}

/** Mean test correlation per simulator (rows) and explanation method (columns), so simulators compare side by side. */
export function SimulatorMeansTable({ means, explainerSha }: { means: SimulatorMeans[]; explainerSha?: string }) {
  const rows = sortSimulators(means);
  const methods = [...new Set(rows.flatMap((r) => Object.keys(r.methods)))].sort((a, b) => {
    const ia = ORDER.indexOf(a);
    const ib = ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  return (
    <div className="table-scroll">
      <table className="table" data-testid="sim-means" data-rows={rows.length}>
        <thead>
          <tr>
            <th>Simulator</th>
            {methods.map((m) => (
              <th key={m} className="num">
                {methodLabel(m)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr
              key={r.simulator}
              data-testid="sim-means-row"
              data-simulator={kindOf(r.simulator)}
              data-name={r.name}
              data-explainer={r.simulator === explainerSha}
            >
              <td>
                {r.simulator === 'label' ? 'Label simulator' : r.simulator === 'reported' ? 'Reported in the file' : r.name}
                {r.simulator === explainerSha && ' '}
                {r.simulator === explainerSha && (
                  <span className="badge badge-warn" title="The encoder that produced the explanations scores them: optimistic">
                    explainer
                  </span>
                )}
              </td>
              {methods.map((m) => {
                const v = r.methods[m];
                return (
                  <td key={m} className="num mono" data-method={m} data-value={v?.mean ?? ''} title={v ? `${v.n} neurons` : 'not scored'}>
                    {formatCorr(v?.mean)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
