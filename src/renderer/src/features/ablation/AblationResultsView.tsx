import { useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useContractQuery } from '../../lib/query';
import { formatCount } from '../../lib/format';
import { AblationScatter } from './AblationScatter';
import { methodColor, MODE_LABEL } from './format';
import { methodLabel } from '../explanations';
import { MethodSummaryTable } from './MethodSummaryTable';
import { NeuronScoreTable } from './NeuronScoreTable';
import { ReportLink } from '../reports';
import type { AblationRun, Mode } from './types';

function MethodToggles({ methods, hidden, onToggle }: { methods: string[]; hidden: ReadonlySet<string>; onToggle: (m: string) => void }) {
  return (
    <div className="abl-toggles" role="group" aria-label="Methods shown">
      {methods.map((m) => (
        <label key={m} className="inline-field">
          <input type="checkbox" checked={!hidden.has(m)} onChange={() => onToggle(m)} data-testid={`abl-show-${m}`} />
          <span className="swatch" style={{ background: methodColor(m) }} aria-hidden /> {methodLabel(m)}
        </label>
      ))}
    </div>
  );
}

/** An ablation run: per-method means ± SE, the correlation-vs-ablation scatter with fits, the per-neuron table. */
export function AblationResultsView({ run, title }: { run: AblationRun; title: string }) {
  // Re-read when the run changes (the ablation feature is invalidated when its job ends).
  const res = useContractQuery('ablation.results', { ablationRunId: run.id, offset: 0, limit: 5000 });
  const given: unknown[] = Array.isArray(run.params.modes) ? run.params.modes : ['optim', 'norm'];
  const modes = (['optim', 'norm'] as const).filter((m) => given.includes(m));
  const [mode, setMode] = useState<Mode>(modes[0] ?? 'optim');
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const data = res.data;
  const simulatorName = typeof run.params.simulatorName === 'string' ? run.params.simulatorName : 'label simulator';
  const oracle = run.params.oraclePath === 'tail-graph' ? 'tail sub-graph' : 'closed-form head';
  // Runs made before the head info carried it used finite differences on the tail graph.
  const gradient =
    (run.params.head as { gradient?: { method: string } } | undefined)?.gradient?.method ??
    (run.params.oraclePath === 'tail-graph' ? 'finite-difference' : 'closed-form');
  function toggle(m: string) {
    setHidden((h) => {
      const n = new Set(h);
      if (n.has(m)) n.delete(m);
      else n.add(m);
      return n;
    });
  }
  return (
    <div className="stack" data-testid="abl-results" data-loaded={data !== null} data-run={run.id}>
      <section className="card">
        {run.explainRunId !== null && (
          <ReportLink
            run={run.explainRunId}
            sections={['ablation']}
            ablationRunId={run.id}
            what={`the ablation scores of run #${run.id}`}
            testId="abl-report"
            className="report-link float-end"
          />
        )}
        <h3>
          Ablation run #{run.id} <span className={`badge status-${run.status}`}>{run.status}</span>{' '}
          <span className="hint">
            {title} · {formatCount(run.neuronsDone)} / {formatCount(run.neuronsTotal)} neurons · T = {run.temperature.toFixed(3)} (
            {run.temperatureSource}) · {modes.map((m) => MODE_LABEL[m]).join(' + ')} · simulator:{' '}
            <span data-testid="abl-simulator-name">{simulatorName}</span> · {oracle}
            {modes.includes('optim') && (
              <>
                , Optim gradient: <span data-testid="abl-gradient-used">{gradient}</span>
              </>
            )}
          </span>
        </h3>
        <p className="hint">
          Ablation score α = 1 − Σ|L(f with neuron ← c·s + d) − L(f)| / Σ|L(f with neuron ← val mean) − L(f)| on the test split: 1 means the
          explanation's simulation can stand in for the neuron without changing the loss, 0 means it is no better than the neuron's mean.
        </p>
        <ErrorBox error={res.error} />
        {res.loading && !data && <p className="hint">Loading results…</p>}
        {data && <MethodSummaryTable methods={data.methods} simulator={simulatorName} />}
      </section>
      {data && (
        <section className="card">
          <div className="abl-chart-tools">
            <MethodToggles methods={data.methods.map((m) => m.method)} hidden={hidden} onToggle={toggle} />
            {modes.length > 1 && (
              <div className="tabs" role="tablist" aria-label="Scaling mode">
                {modes.map((m) => (
                  <button
                    key={m}
                    type="button"
                    role="tab"
                    aria-selected={mode === m}
                    className={`tab${mode === m ? ' active' : ''}`}
                    onClick={() => setMode(m)}
                    data-testid={`abl-scatter-mode-${m}`}
                  >
                    {MODE_LABEL[m]}
                  </button>
                ))}
              </div>
            )}
          </div>
          <AblationScatter
            data={data}
            mode={mode}
            hidden={hidden}
            about={{
              runId: run.id,
              title,
              simulator: simulatorName,
              setId: run.activationSetId,
              explainRunId: run.explainRunId ?? undefined,
            }}
          />
        </section>
      )}
      {data && (
        <section className="card">
          <h3>Per neuron</h3>
          <NeuronScoreTable
            rows={data.rows}
            total={data.total}
            hidden={hidden}
            setId={run.activationSetId}
            explainRunId={run.explainRunId ?? undefined}
            simulator={simulatorName}
          />
        </section>
      )}
    </div>
  );
}
