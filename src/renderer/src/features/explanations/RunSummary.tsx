import { formatCount } from '../../lib/format';
import { router } from '../../routes';
import { useEncoders } from '../concepts';
import { formatCorr, runMethodLabel } from './format';
import { ReportLink } from '../reports';
import { paramsInWords } from './runParams';
import { runSimulatorKey, useSimulatorNamer } from './simulators';
import type { RunInfo } from './types';
import type { Layer } from './units';

function Metric({ label, value, def, testId }: { label: string; value: string; def: string; testId: string }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
      <dd className="stat-def">{def}</dd>
    </div>
  );
}

/** The run at a glance: its layer and method, mean test correlation of LE vs the baselines (naming the simulator), parameters in words. */
export function RunSummary({ run, layer, runs }: { run: RunInfo; layer?: Layer; runs: RunInfo[] }) {
  const m = run.means;
  const encoders = useEncoders();
  const name = useSimulatorNamer();
  const own = runSimulatorKey(run);
  const sim = name(own, own);
  const encoderName = (id: number) => encoders.data?.find((e) => e.id === id)?.name ?? `encoder #${id}`;
  const sameLayer = runs.filter((r) => r.id !== run.id && r.activationSetId === run.activationSetId);
  return (
    <section className="card run-summary" data-testid="run-summary" data-status={run.status}>
      <ReportLink run={run.id} what={`run #${run.id}`} testId="run-report" className="report-link float-end" />
      <h3>
        Run #{run.id} {runMethodLabel(run)}
        {layer && <span data-testid="run-layer"> · {layer.label}</span>}{' '}
        <span className={`badge status-${run.status === 'done' ? 'done' : run.status === 'running' ? 'running' : 'cancelled'}`}>
          {run.status}
        </span>
        <span className="hint">
          {' '}
          {formatCount(run.neuronsDone)} / {formatCount(run.neuronsTotal)} units · {formatCount(run.concepts)} concepts ·{' '}
          {formatCount(run.dead)} dead
        </span>
      </h3>
      <dl className="stat-row">
        <Metric
          label="LE test corr."
          value={formatCorr(m.testCorrelation)}
          def={`mean Pearson r on the test split, ${sim}`}
          testId="mean-le"
        />
        <Metric
          label="Best concept"
          value={formatCorr(m.bestConceptTest)}
          def={`baseline: single best concept, ${sim}`}
          testId="mean-best"
        />
        <Metric label="Top-5" value={formatCorr(m.top5Test)} def={`baseline: top-5 concepts, no search, ${sim}`} testId="mean-top5" />
        <Metric label="LE val corr." value={formatCorr(m.valCorrelation)} def="used to choose the concepts" testId="mean-val" />
        <Metric label="Mean length" value={m.length.toFixed(2)} def="concepts per explanation" testId="mean-length" />
      </dl>
      <p className="hint" data-testid="run-params">
        Scores: <strong data-testid="run-simulator">{sim}</strong> · {paramsInWords(run, encoderName).join(' · ')}
      </p>
      <details className="hint">
        <summary>All parameters</summary>
        <ul className="plain-list mono">
          {Object.entries(run.params)
            .filter(([k]) => k !== 'neurons' && k !== 'skippedNonFinite')
            .map(([k, v]) => (
              <li key={k}>
                {k}: {typeof v === 'object' ? JSON.stringify(v) : String(v)}
              </li>
            ))}
        </ul>
      </details>
      {layer && (
        <p className="hint">
          <a href={router.href({ screen: 'explanations', view: 'compare', a: { setId: layer.set.id, neuron: 0, runId: run.id } })}>
            Two units side by side
          </a>
          {sameLayer.length > 0 && (
            <>
              {' · '}
              <a href={router.href({ screen: 'explanations', view: 'agree', a: run.id, b: sameLayer[0].id })} data-testid="run-agree-link">
                Compare with another method over this layer (run #{sameLayer[0].id} {runMethodLabel(sameLayer[0])})
              </a>
            </>
          )}
        </p>
      )}
    </section>
  );
}
