import './explanations.css';
import { useCallback, useEffect } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { BookmarkList } from './Bookmarks';
import { useApp } from '../../lib/appContext';
import { useContractQuery } from '../../lib/query';
import { useScreenRoute } from '../../routes';
import { formatCorr, runMethodLabel } from './format';
import { ExplainWizard } from './ExplainWizard';
import { ExportImport } from './ExportImport';
import { NeuronPage } from './NeuronPage';
import { ResultsTable } from './ResultsTable';
import { RunSummary } from './RunSummary';
import { RunningJobs } from '../jobs';
import { RunSidebar } from '../../components/RunSidebar';
import { SimulatorPanel } from './SimulatorPanel';
import { UnitSearch } from './UnitSearch';

/** Explanations: runs of Linear Explanations, the wizard for a new one, results, the neuron page, interchange. */
export function ExplanationsScreen() {
  const { navigate } = useApp();
  const route = useScreenRoute('explanations');
  // Re-read when a run ends, is scored by a simulator or is imported (invalidated with the explanations feature).
  const list = useContractQuery('explain.runs', {});
  const runs = list.data;

  // The default view (#/explanations) becomes the newest run, or the wizard when there is none (or the list fails).
  useEffect(() => {
    if (route.view !== 'default') return;
    if (list.error) navigate({ screen: 'explanations', view: 'new' }, { replace: true });
    else if (runs && !list.loading)
      navigate(runs.length ? { screen: 'explanations', view: 'run', runId: runs[0].id } : { screen: 'explanations', view: 'new' }, {
        replace: true,
      });
  }, [route.view, runs, list.error, list.loading, navigate]);

  const openRun = useCallback(
    (runId: number, neuron?: number) =>
      navigate({ screen: 'explanations', view: 'run', runId, ...(neuron !== undefined ? { neuron } : {}) }),
    [navigate],
  );
  const run = route.view === 'run' ? runs?.find((r) => r.id === route.runId) : undefined;
  const neuron = route.view === 'run' ? (route.neuron ?? null) : null;

  return (
    <div className="split explanations">
      <RunSidebar
        title="Explanations"
        ariaLabel="Explanation runs"
        newLabel="+ New explanation run"
        newTestId="explain-new"
        itemTestId="run-item"
        runs={runs}
        wizardActive={route.view === 'new'}
        selectedId={route.view === 'run' ? route.runId : null}
        onSelect={(id) => openRun(id)}
        onNew={() => navigate({ screen: 'explanations', view: 'new' })}
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
        {route.view !== 'new' && <RunningJobs methods={['explain.run']} testId="explain-running" />}
        <ErrorBox error={list.error} />
        {route.view === 'new' && <ExplainWizard onRun={openRun} />}
        {route.view === 'run' && runs && !run && !list.loading && (
          <p className="hint" data-testid="run-missing">
            Run #{route.runId} is not in this project.
          </p>
        )}
        {run && neuron === null && (
          <div className="stack">
            <RunSummary run={run} />
            <UnitSearch />
            <BookmarkList runId={run.id} activationSetId={run.activationSetId} />
            <ResultsTable runId={run.id} onOpen={(n) => openRun(run.id, n)} />
            <SimulatorPanel key={run.id} run={run} />
            <ExportImport run={run} onImported={openRun} />
          </div>
        )}
        {run && neuron !== null && (
          <NeuronPage run={run} runs={runs ?? []} neuron={neuron} onGo={(n) => openRun(run.id, n)} onBack={() => openRun(run.id)} />
        )}
      </div>
    </div>
  );
}
