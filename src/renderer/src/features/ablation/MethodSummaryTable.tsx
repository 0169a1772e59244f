import { formatMeanSE, methodColor } from './format';
import { methodLabel } from '../explanations';
import type { MethodSummary } from './types';

/** Per method: mean ablation score ± standard error (Optim, Norm) and the mean test correlation. */
export function MethodSummaryTable({ methods, simulator }: { methods: MethodSummary[]; simulator: string }) {
  return (
    <table className="table abl-methods-table" data-testid="abl-method-table">
      <thead>
        <tr>
          <th>Method</th>
          <th
            className="num"
            title={`Mean Pearson r on the test split under the ${simulator} (the simulator this run used; empty until that simulator scored the explanations)`}
          >
            Test corr.
          </th>
          <th className="num" title="Mean ablation score with Optim scaling ± standard error">
            Ablation (Optim)
          </th>
          <th className="num" title="Mean ablation score with Norm scaling ± standard error">
            Ablation (Norm)
          </th>
          <th className="num" title="Neurons scored (flagged: zero denominator, not scored)">
            Neurons
          </th>
        </tr>
      </thead>
      <tbody>
        {methods.map((m) => (
          <tr
            key={m.method}
            data-testid="abl-method-row"
            data-method={m.method}
            data-optim={m.optim.mean ?? ''}
            data-norm={m.norm.mean ?? ''}
          >
            <td>
              <span className="swatch" style={{ background: methodColor(m.method) }} aria-hidden /> {methodLabel(m.method)}
            </td>
            <td className="num">{formatMeanSE(m.correlation, 3)}</td>
            <td className="num strong" data-testid="abl-mean-optim">
              {formatMeanSE(m.optim)}
            </td>
            <td className="num strong" data-testid="abl-mean-norm">
              {formatMeanSE(m.norm)}
            </td>
            <td className="num">
              {Math.max(m.optim.n, m.norm.n)}
              {m.flagged > 0 && <span className="hint"> ({m.flagged} flagged)</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
