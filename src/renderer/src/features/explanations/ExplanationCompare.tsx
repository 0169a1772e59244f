import { formatCorr, METHOD_HINT, METHOD_LABEL, scoreOf } from './format';
import type { Explanation } from './types';

/** The neuron's explanations side by side: LE and both baselines (or an imported one) with their scores. */
export function ExplanationCompare({ explanations }: { explanations: Explanation[] }) {
  if (explanations.length === 0) return <p className="hint">No explanation: the neuron is dead or not explained yet.</p>;
  return (
    <div className="compare" data-testid="explanations">
      {explanations.map((e) => (
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
          <dl className="compare-scores">
            <dt>test r</dt>
            <dd data-testid="explanation-test">{formatCorr(scoreOf(e, 'test'))}</dd>
            <dt>val r</dt>
            <dd>{formatCorr(scoreOf(e, 'val'))}</dd>
            <dt>terms</dt>
            <dd>{e.terms.length}</dd>
          </dl>
          <p className="hint">{METHOD_HINT[e.method]}</p>
        </div>
      ))}
    </div>
  );
}
