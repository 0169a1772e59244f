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
import { ResultsTable } from './ResultsTable';
import { RunSummary } from './RunSummary';
import { RunningJobs } from '../jobs';
import { RunSidebar } from '../../components/RunSidebar';
import { SimulatorPanel } from './SimulatorPanel';
import { UnitSearch } from './UnitSearch';
import { UnitPage } from './UnitPage';
import { CompareUnits } from './CompareUnits';
import { AgreementView } from './AgreementView';
import { unitRoute } from './JumpBox';
import { useLayers } from './units';

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

  const { layers, error: layersError } = useLayers();
  const openRun = useCallback(
    (runId: number, neuron?: number) =>
      navigate({ screen: 'explanations', view: 'run', runId, ...(neuron !== undefined ? { neuron } : {}) }),
    [navigate],
  );
  const run =
    route.view === 'run'
      ? runs?.find((r) => r.id === route.runId)
      : route.view === 'unit' && route.runId !== undefined
        ? runs?.find((r) => r.id === route.runId)
        : undefined;
  const layerOf = (setId: number) => layers?.find((l) => l.set.id === setId);
  const runLayer = run ? layerOf(run.activationSetId) : undefined;
  // The old neuron address of a run (#/explanations/run/3/neuron/42) becomes the unit's own address.
  const oldNeuron = route.view === 'run' ? route.neuron : undefined;
  useEffect(() => {
    if (oldNeuron !== undefined && run && runLayer) navigate(unitRoute(runLayer, oldNeuron, run.id), { replace: true });
  }, [oldNeuron, run, runLayer, navigate]);
  const openUnit = useCallback(
    (r: { id: number; activationSetId: number }, neuron: number) => {
      const l = layers?.find((x) => x.set.id === r.activationSetId);
      if (l) navigate(unitRoute(l, neuron, r.id));
      else openRun(r.id, neuron);
    },
    [layers, navigate, openRun],
  );
  const unitLayer = route.view === 'unit' ? layerOf(route.setId) : undefined;
  const selectedRunId =
    route.view === 'run'
      ? route.runId
      : route.view === 'unit'
        ? (route.runId ?? runs?.find((r) => r.activationSetId === route.setId)?.id ?? null)
        : null;

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
        selectedId={selectedRunId}
        onSelect={(id) => openRun(id)}
        onNew={() => navigate({ screen: 'explanations', view: 'new' })}
      >
        {(r) => (
          <>
            <span className="side-item-name">
              #{r.id} {runMethodLabel(r)}
            </span>
            <span className="side-item-meta" data-testid="run-item-layer">
              {layerOf(r.activationSetId)?.label ?? `activation set #${r.activationSetId}`}
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
        <ErrorBox error={layersError} />
        {route.view === 'run' && run && route.neuron === undefined && (
          <div className="stack">
            <RunSummary run={run} layer={runLayer} runs={runs ?? []} />
            <UnitSearch />
            <BookmarkList runId={run.id} activationSetId={run.activationSetId} />
            <ResultsTable run={run} onOpen={(n) => openUnit(run, n)} />
            <SimulatorPanel key={run.id} run={run} />
            <ExportImport run={run} onImported={openRun} />
          </div>
        )}
        {route.view === 'run' && route.neuron !== undefined && run && !runLayer && layers && (
          <p className="hint">Run #{run.id}'s activation set is not in this project.</p>
        )}
        {route.view === 'unit' && layers && !unitLayer && (
          <p className="hint" data-testid="unit-missing">
            Activation set #{route.setId} is not in this project.
          </p>
        )}
        {route.view === 'unit' && unitLayer && runs && layers && (
          <UnitPage layer={unitLayer} layers={layers} neuron={route.neuron} runId={route.runId} runs={runs} />
        )}
        {route.view === 'compare' && runs && layers && <CompareUnits a={route.a} b={route.b} layers={layers} runs={runs} />}
        {route.view === 'agree' && runs && layers && <AgreementView a={route.a} b={route.b} layers={layers} runs={runs} />}
      </div>
    </div>
  );
}
