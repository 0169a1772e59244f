import { useState } from 'react';
import type { RatingResults } from '../../../../shared/contract';
import { methodLabel } from '../../../../shared/methodNames';
import { ErrorBox } from '../../components/ErrorBox';
import { ExportToPath } from '../../components/ExportToPath';
import { MeanBarChart } from '../../components/MeanBarChart';
import { useApp } from '../../lib/appContext';
import { dirOf, formatCount, formatMeanSE, joinPath } from '../../lib/format';
import { useContractMutation, useContractQuery } from '../../lib/query';
import { router } from '../../routes';

const source = (s: { runId: number; method: string }) => `run #${s.runId} · ${methodLabel(s.method)}`;
const fixed = (v: number | null, digits = 3) => (v === null ? '—' : v.toFixed(digits));

/** A study's results, methods revealed: mean rating ± SE per source, raters' agreement, every label's mean, CSV export. */
export function ResultsView({ studyId }: { studyId: number }) {
  const q = useContractQuery('ratings.results', { studyId });
  const r = q.data;
  if (!r) return <ErrorBox error={q.error} />;
  const where = `study #${r.studyId} "${r.name}", layer ${r.layer}`;
  return (
    <div className="stack" data-testid="ratings-results">
      <section className="card stack">
        <h1>Results: {r.name}</h1>
        <p className="hint">
          Layer {r.layer} (activation set #{r.activationSetId}) · raters:{' '}
          {r.raters.length ? r.raters.map((x) => `${x.name} (${x.rated} labels)`).join(', ') : 'none yet'} ·{' '}
          <a href={router.href({ screen: 'ratings', view: 'rate', studyId })}>rate</a>
        </p>
        <h2>Mean rating per method</h2>
        <table className="table" data-testid="ratings-method-table">
          <thead>
            <tr>
              <th>Run</th>
              <th>Method</th>
              <th title="Labels of this source in the study / rated by someone">Labels</th>
              <th>Ratings</th>
              <th title={`Mean over its labels of each label's mean rating (1-5) ± SE over labels; ${where}`}>Mean rating ± SE</th>
              {r.raters.map((x) => (
                <th key={x.name} title={`${x.name}'s own mean rating of this source's labels`}>
                  {x.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {r.methods.map((m) => (
              <tr key={`${m.runId}:${m.method}`} data-testid="ratings-method-row" data-run={m.runId} data-method={m.method}>
                <td>
                  <a href={router.href({ screen: 'explanations', view: 'run', runId: m.runId })}>run #{m.runId}</a>
                </td>
                <td>{methodLabel(m.method)}</td>
                <td className="num">
                  {m.items} / {m.rated.n}
                </td>
                <td className="num">{formatCount(m.ratings)}</td>
                <td className="num" data-testid="ratings-mean">
                  {formatMeanSE(m.rated, 2)}
                </td>
                {r.raters.map((x) => (
                  <td key={x.name} className="num">
                    {fixed(m.raterMeans[x.name] ?? null, 2)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <p className="hint">
          A label&apos;s rating is the mean over the raters who rated it; a method&apos;s mean ± SE (sample SD / √n) is over its rated
          labels. A text two methods gave the same neuron was shown once and counts for both.
        </p>
        <RatingsChart r={r} />
      </section>
      <Agreement r={r} />
      <PerNeuron r={r} />
      <section className="card stack">
        <h2>Export</h2>
        <ExportRatings studyId={studyId} />
      </section>
    </div>
  );
}

function RatingsChart({ r }: { r: RatingResults }) {
  return (
    <MeanBarChart
      bars={r.methods.map((m) => ({ name: source(m), mean: m.rated.mean, se: m.rated.standardError }))}
      yLabel="rating"
      domain={[1, 5]}
      digits={2}
      label="Mean blind rating per method, with standard errors"
      name={`ratings-study${r.studyId}`}
      caption={{
        title: 'Blind ratings: mean rating (1-5) per method ± 1 standard error',
        lines: [
          `Study #${r.studyId} "${r.name}" · layer ${r.layer} · ${r.raters.length} rater(s)`,
          'Mean over each method’s labels of the label’s mean rating; SE over labels',
        ],
      }}
      heading={<h3>Mean rating ± SE</h3>}
      testId="ratings-chart"
    />
  );
}

function Agreement({ r }: { r: RatingResults }) {
  const a = r.agreement;
  return (
    <section className="card stack" data-testid="ratings-agreement">
      <h2>Rater agreement</h2>
      {r.raters.length < 2 ? (
        <p className="hint">Agreement needs a second rater: open the study under another name.</p>
      ) : (
        <>
          <p>
            Krippendorff&apos;s α (ordinal): <strong data-testid="ratings-alpha">{fixed(a.alphaOrdinal)}</strong> · α (interval):{' '}
            {fixed(a.alphaInterval)} · on {a.pairableItems} labels rated by at least two raters
          </p>
          <p className="hint">
            α = 1: raters agree fully; 0: no more than chance (ratings drawn from the pooled ratings); below 0: systematic disagreement.
            Undefined (—) with fewer than two ratings of any label or when every rating is the same.
          </p>
          <table className="table" data-testid="ratings-pairs">
            <thead>
              <tr>
                <th>Raters</th>
                <th>Shared labels</th>
                <th>Pearson r</th>
                <th>Same score</th>
                <th>Within 1</th>
              </tr>
            </thead>
            <tbody>
              {a.pairs.map((p) => (
                <tr key={`${p.a}|${p.b}`}>
                  <td>
                    {p.a} · {p.b}
                  </td>
                  <td className="num">{p.shared}</td>
                  <td className="num">{fixed(p.pearson)}</td>
                  <td className="num">{p.exact === null ? '—' : `${Math.round(p.exact * 100)}%`}</td>
                  <td className="num">{p.withinOne === null ? '—' : `${Math.round(p.withinOne * 100)}%`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function PerNeuron({ r }: { r: RatingResults }) {
  return (
    <section className="card stack">
      <h2>Every label</h2>
      <table className="table" data-testid="ratings-neurons">
        <thead>
          <tr>
            <th>Neuron</th>
            <th>Label</th>
            <th>Given by</th>
            <th>Mean rating</th>
            <th>Raters</th>
          </tr>
        </thead>
        <tbody>
          {r.neurons.flatMap((n) =>
            n.items.map((x, i) => (
              <tr key={`${n.neuron}:${i}`}>
                <td>
                  {i === 0 && x.sources[0] && (
                    <a href={router.href({ screen: 'explanations', view: 'run', runId: x.sources[0].runId, neuron: n.neuron })}>
                      unit {n.neuron}
                    </a>
                  )}
                </td>
                <td>{x.label}</td>
                <td>{x.sources.map(source).join('; ')}</td>
                <td className="num">{fixed(x.mean, 2)}</td>
                <td className="num">{x.n}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </section>
  );
}

function ExportRatings({ studyId }: { studyId: number }) {
  const { project } = useApp();
  const call = useContractMutation('ratings.export', { changes: 'nothing' });
  const [path, setPath] = useState(() => joinPath(dirOf(project?.path ?? '/tmp/x'), `ratings_study${studyId}.csv`));
  return (
    <ExportToPath
      title="Every rating as CSV (study, layer, neuron, label, run, method, rater, score, rated_at)"
      path={path}
      setPath={setPath}
      write={(to, overwrite) => call.run({ studyId, path: to, overwrite })}
      busy={call.busy}
      testId="ratings-export"
    />
  );
}
