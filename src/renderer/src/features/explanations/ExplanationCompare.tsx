import { formatCorr, METHOD_HINT, METHOD_LABEL } from './format';
import { scoresBySimulator, type SimulatorNamer } from './simulators';
import type { Explanation } from './types';

/**
 * The unit's explanations side by side: LE and both baselines (or an imported one), each with its test and val
 * correlation under every simulator it was scored with, the run's own simulator first, each named.
 */
export function ExplanationCompare({
  explanations,
  ownSimulator,
  name,
}: {
  explanations: Explanation[];
  /** The run's own simulator key ('label', or the explainer encoder's sha of an LE(SigLIP) run). */
  ownSimulator: string;
  name: SimulatorNamer;
}) {
  if (explanations.length === 0) return <p className="hint">No explanation: the unit is dead or not explained yet.</p>;
  return (
    <div className="compare" data-testid="explanations">
      {explanations.map((e) => {
        const test = scoresBySimulator(e, 'test', ownSimulator);
        const val = scoresBySimulator(e, 'val', ownSimulator);
        return (
          <div
            key={e.id}
            className={`compare-card${e.method === 'le_label' || e.method === 'le_siglip' || e.method === 'imported' ? ' primary' : ''}`}
            data-testid="explanation"
            data-method={e.method}
          >
            <h5 title={METHOD_HINT[e.method]}>{METHOD_LABEL[e.method]}</h5>
            <p className="expl-text-full" data-testid="explanation-text">
              {e.text || '—'}
            </p>
            <table className="compare-scores-table">
              <thead>
                <tr>
                  <th>simulator</th>
                  <th className="num">test r</th>
                  <th className="num">val r</th>
                </tr>
              </thead>
              <tbody>
                {test.length === 0 && (
                  <tr>
                    <td colSpan={3} className="hint">
                      not scored
                    </td>
                  </tr>
                )}
                {test.map((s, i) => (
                  <tr
                    key={s.simulator}
                    data-testid="explanation-score"
                    data-simulator={name(s.simulator, ownSimulator)}
                    data-value={s.value}
                  >
                    <td>{name(s.simulator, ownSimulator)}</td>
                    <td className="num mono" data-testid={i === 0 ? 'explanation-test' : undefined}>
                      {formatCorr(s.value)}
                    </td>
                    <td className="num mono">{formatCorr(val.find((x) => x.simulator === s.simulator)?.value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="hint">
              {e.terms.length} term{e.terms.length === 1 ? '' : 's'} · {METHOD_HINT[e.method]}
            </p>
          </div>
        );
      })}
    </div>
  );
}
