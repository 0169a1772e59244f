import { useCallback, useEffect, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useContractQuery } from '../../lib/query';
import { formatCorr, runMethodLabel } from './format';
import { ExplainWizard } from './ExplainWizard';
import { ExportImport } from './ExportImport';
import { NeuronPage } from './NeuronPage';
import { ResultsTable } from './ResultsTable';
import { RunSummary } from './RunSummary';
import { RunningJobs } from '../jobs';
import { RunSidebar } from '../../components/RunSidebar';
import { SimulatorPanel } from './SimulatorPanel';

type View = { kind: 'wizard' } | { kind: 'run'; id: number; neuron: number | null };

/** Explanations: runs of Linear Explanations, the wizard for a new one, results, the neuron page, interchange. */
export function ExplanationsScreen() {
  // Re-read when a run ends, is scored by a simulator or is imported (invalidated with the explanations feature).
  const list = useContractQuery('explain.runs', {});
  const runs = list.data;
  const [view, setView] = useState<View | null>(null);

  // Until the user chooses: the newest run, or the wizard when there is none (or the list fails).
  useEffect(() => {
    if (list.error) setView((v) => v ?? { kind: 'wizard' });
    else if (runs && !list.loading) setView((v) => v ?? (runs.length ? { kind: 'run', id: runs[0].id, neuron: null } : { kind: 'wizard' }));
  }, [runs, list.error, list.loading]);

  const openRun = useCallback((id: number) => setView({ kind: 'run', id, neuron: null }), []);
  const run = view?.kind === 'run' ? runs?.find((r) => r.id === view.id) : undefined;
  const setNeuron = useCallback((neuron: number | null) => setView((v) => (v?.kind === 'run' ? { ...v, neuron } : v)), []);

  return (
    <div className="split explanations">
      <RunSidebar
        title="Explanations"
        ariaLabel="Explanation runs"
        newLabel="+ New explanation run"
        newTestId="explain-new"
        itemTestId="run-item"
        runs={runs}
        wizardActive={view?.kind === 'wizard'}
        selectedId={view?.kind === 'run' ? view.id : null}
        onSelect={(id) => setView({ kind: 'run', id, neuron: null })}
        onNew={() => setView({ kind: 'wizard' })}
      >
        {(r) => (
          <>
            <span className="side-item-name">
              #{r.id} {runMethodLabel(r)}
            </span>
            <span className="side-item-meta">
              {r.status} · {r.neuronsDone}/{r.neuronsTotal} · test r {formatCorr(r.means.testCorrelation)}
            </span>
          </>
        )}
      </RunSidebar>
      <div className="split-main" data-testid="explanations-main">
        {view?.kind !== 'wizard' && <RunningJobs methods={['explain.run']} testId="explain-running" />}
        <ErrorBox error={list.error} />
        {view?.kind === 'wizard' && <ExplainWizard onRun={openRun} />}
        {view?.kind === 'run' && run && view.neuron === null && (
          <div className="stack">
            <RunSummary run={run} />
            <ResultsTable runId={run.id} onOpen={(n) => setNeuron(n)} />
            <SimulatorPanel key={run.id} run={run} />
            <ExportImport run={run} onImported={openRun} />
          </div>
        )}
        {view?.kind === 'run' && run && view.neuron !== null && (
          <NeuronPage run={run} runs={runs ?? []} neuron={view.neuron} onGo={(n) => setNeuron(n)} onBack={() => setNeuron(null)} />
        )}
      </div>
    </div>
  );
}
