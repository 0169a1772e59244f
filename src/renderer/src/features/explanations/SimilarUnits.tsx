import './browse.css';
import { ErrorBox } from '../../components/ErrorBox';
import { formatValue } from '../../lib/format';
import { useContractQuery } from '../../lib/query';
import { router } from '../../routes';
import { formatCorr, methodLabel } from './format';

/** The address of a unit of the same layer, shown with this run's explanations. */
const unitHref = (runId: number, neuron: number) => router.href({ screen: 'explanations', view: 'run', runId, neuron });

/**
 * "Similar units" on the neuron page: the units of the same layer most correlated by activation (Pearson r over the
 * basis the backend names), and the units whose explanation in this run shares a concept with this one's.
 */
export function SimilarUnits({ activationSetId, neuron, runId }: { activationSetId: number; neuron: number; runId: number }) {
  const q = useContractQuery('neuron.similar', { activationSetId, neuron, runId, limit: 8 });
  const s = q.data?.neuron === neuron && q.data.activationSetId === activationSetId ? q.data : null;
  return (
    <section className="card similar-units" data-testid="similar-units" data-loaded={!!s}>
      <h4>Similar units</h4>
      <ErrorBox error={q.error} />
      {!s && !q.error && <p className="hint">Finding units similar to unit {neuron}…</p>}
      {s && (
        <div className="grid-2">
          <div>
            <h5>Most correlated by activation</h5>
            <p className="hint" data-testid="similar-basis">
              Pearson r of activations over {s.basis.text}
              {s.excluded > 0 && `; ${s.excluded} constant or non-finite unit${s.excluded === 1 ? '' : 's'} left out`}.
            </p>
            {s.note && <p className="warn-text">{s.note}</p>}
            <ol className="similar-list" data-testid="similar-correlated">
              {s.correlated.map((u) => (
                <li key={u.neuron} data-neuron={u.neuron}>
                  <a href={unitHref(runId, u.neuron)} data-testid="similar-link" title={`Open unit ${u.neuron}`}>
                    unit {u.neuron}
                  </a>{' '}
                  <span className="mono" title="Pearson correlation of the two units' activations">
                    r = {formatCorr(u.r)}
                  </span>
                </li>
              ))}
            </ol>
          </div>
          <div>
            <h5>Share a concept in their explanation</h5>
            {!s.shared && <p className="hint">No explanation run of this layer yet.</p>}
            {s.shared && (
              <>
                <p className="hint" data-testid="similar-shared-basis">
                  {methodLabel(s.shared.method)} explanations of run #{s.shared.runId}; a concept counts when both give it a weight of the
                  same sign.{' '}
                  {s.shared.concepts.length
                    ? `Unit ${neuron}: ${s.shared.concepts.map((c) => `${formatValue(c.weight)} × ${c.concept}`).join(', ')}.`
                    : `Unit ${neuron} has no concept in this run.`}
                </p>
                {s.shared.concepts.length > 0 && s.shared.units.length === 0 && <p className="hint">No other unit shares one.</p>}
                <ol className="similar-list" data-testid="similar-shared">
                  {s.shared.units.map((u) => (
                    <li key={u.neuron} data-neuron={u.neuron}>
                      <a href={unitHref(s.shared!.runId, u.neuron)} data-testid="similar-link" title={u.text}>
                        unit {u.neuron}
                      </a>{' '}
                      shares <strong>{u.shared.join(', ')}</strong>
                      <span className="hint"> · test r {formatCorr(u.testCorrelation)} (run&apos;s own simulator)</span>
                      <div className="similar-text">{u.text}</div>
                    </li>
                  ))}
                </ol>
              </>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
