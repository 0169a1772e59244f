import { formatCount } from '../../lib/format';
import { formatCorr } from './format';
import { ReportLink } from '../reports';
import type { RunInfo } from './types';

function Metric({ label, value, def, testId }: { label: string; value: string; def: string; testId: string }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
      <dd className="stat-def">{def}</dd>
    </div>
  );
}

/** The run at a glance: mean test correlation of LE vs the baselines, mean length, dead neurons, provenance. */
export function RunSummary({ run }: { run: RunInfo }) {
  const m = run.means;
  const p = run.params;
  return (
    <section className="card run-summary" data-testid="run-summary" data-status={run.status}>
      <ReportLink run={run.id} what={`run #${run.id}`} testId="run-report" className="report-link float-end" />
      <h3>
        Run #{run.id}{' '}
        <span className={`badge status-${run.status === 'done' ? 'done' : run.status === 'running' ? 'running' : 'cancelled'}`}>
          {run.status}
        </span>
        <span className="hint">
          {' '}
          {formatCount(run.neuronsDone)} / {formatCount(run.neuronsTotal)} neurons · {formatCount(run.concepts)} concepts ·{' '}
          {formatCount(run.dead)} dead
        </span>
      </h3>
      <dl className="stat-row">
        <Metric label="LE test corr." value={formatCorr(m.testCorrelation)} def="mean Pearson r on the test split" testId="mean-le" />
        <Metric label="Best concept" value={formatCorr(m.bestConceptTest)} def="baseline: single best concept" testId="mean-best" />
        <Metric label="Top-5" value={formatCorr(m.top5Test)} def="baseline: top-5 concepts, no search" testId="mean-top5" />
        <Metric label="LE val corr." value={formatCorr(m.valCorrelation)} def="used to choose the concepts" testId="mean-val" />
        <Metric label="Mean length" value={m.length.toFixed(2)} def="concepts per explanation" testId="mean-length" />
      </dl>
      <p className="hint mono" title="Every parameter of this run">
        {Object.entries(p)
          .filter(([k]) => k !== 'neurons')
          .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
          .join(' · ')}
      </p>
    </section>
  );
}
