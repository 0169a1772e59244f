import type { ActivationSetInfo } from '../../../../shared/contract';
import { methodLabel } from '../../../../shared/methodNames';
import { ErrorBox } from '../../components/ErrorBox';
import { formatMeanSE } from '../../lib/format';
import { useContractQuery } from '../../lib/query';
import { router } from '../../routes';

/**
 * The fourth comparison next to the other three: people's blind ratings of this layer's labels (the Rate labels
 * screen). The newest study someone rated, per method its mean rating ± SE, and a way to make or rate one.
 */
export function RatingsSummary({ set }: { set: ActivationSetInfo }) {
  const studies = useContractQuery('ratings.studies', { activationSetId: set.id });
  const rated = (studies.data ?? []).find((s) => s.raters.some((r) => r.rated > 0));
  const results = useContractQuery('ratings.results', rated ? { studyId: rated.id } : null);
  return (
    <section className="card stack" data-testid="compare-ratings">
      <h2>Blind ratings</h2>
      <ErrorBox error={studies.error ?? results.error} />
      {studies.data && !rated && (
        <p className="hint">
          Nobody has rated this layer&apos;s labels yet.{' '}
          <a href={router.href({ screen: 'ratings', view: 'layer', setId: set.id })}>Make or rate a study</a>: people rate each
          method&apos;s labels 1-5 without knowing the method.
        </p>
      )}
      {rated && results.data && (
        <>
          <p className="hint">
            Study #{rated.id} &quot;{rated.name}&quot; ({results.data.raters.map((r) => `${r.name}: ${r.rated}`).join(', ')} labels rated) ·
            Krippendorff&apos;s α (ordinal) {results.data.agreement.alphaOrdinal?.toFixed(3) ?? '—'} ·{' '}
            <a href={router.href({ screen: 'ratings', view: 'results', studyId: rated.id })}>all results</a>
          </p>
          <table className="table">
            <thead>
              <tr>
                <th>Run</th>
                <th>Method</th>
                <th title="Mean over the method's labels of each label's mean rating (1-5), ± SE over labels">Mean rating ± SE</th>
                <th>Labels rated</th>
              </tr>
            </thead>
            <tbody>
              {results.data.methods.map((m) => (
                <tr key={`${m.runId}:${m.method}`} data-testid="compare-rating-row" data-run={m.runId} data-method={m.method}>
                  <td>#{m.runId}</td>
                  <td>{methodLabel(m.method)}</td>
                  <td className="num">{formatMeanSE(m.rated, 2)}</td>
                  <td className="num">
                    {m.rated.n} / {m.items}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
