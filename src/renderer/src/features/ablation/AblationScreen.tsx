import './ablation.css';
import { useCallback, useEffect } from 'react';
import { AblationResultsView } from './AblationResultsView';
import { AblationWizard } from './AblationWizard';
import { formatScore } from './format';
import { runContext, runSeed, useInventory, type Inventory } from './inventory';
import { TopImpactPanel } from './TopImpactPanel';
import type { AblationRun, Mapping } from './types';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { useContractQuery } from '../../lib/query';
import { useScreenRoute } from '../../routes';
import { formatCount } from '../../lib/format';
import { RunningJobs } from '../jobs';
import { RunSidebar } from '../../components/RunSidebar';

function layerOf(inv: Inventory | null, setId: number): string {
  const set = inv?.sets.find((s) => s.id === setId);
  const model = inv?.models.find((m) => m.id === set?.modelId);
  return set ? `${model?.name ?? 'model'} · ${set.tensorName}` : `activation set ${setId}`;
}

/** The explicit mapping an ablation run was given (its params keep the mapping rows), for Top Impact on the same labels. */
function mappingOf(run: AblationRun): Mapping | null {
  const rows = run.params.mapping;
  if (run.params.mappingSource !== 'explicit' || !Array.isArray(rows)) return null;
  const out: Mapping = {};
  for (const r of rows as unknown[]) {
    if (r && typeof r === 'object' && 'label' in r && 'modelClass' in r && typeof r.label === 'string' && typeof r.modelClass === 'number')
      out[r.label] = r.modelClass;
  }
  return Object.keys(out).length ? out : null;
}

function RunView({ run, inv }: { run: AblationRun; inv: Inventory | null }) {
  const explain = run.explainRunId !== null && inv ? runContext(inv, run.explainRunId) : null;
  const seed = explain ? runSeed(explain.run) : typeof run.params.seed === 'number' ? run.params.seed : 0;
  const label = layerOf(inv, run.activationSetId);
  // The explain run a report is about: the ablation's own, else the layer's newest (Top Impact belongs to the layer).
  const reportRun =
    run.explainRunId ?? inv?.runs.filter((r) => r.activationSetId === run.activationSetId).sort((a, b) => b.id - a.id)[0]?.id;
  return (
    <div className="stack">
      {run.kind === 'ablation' && <AblationResultsView run={run} title={label} />}
      <TopImpactPanel activationSetId={run.activationSetId} seed={seed} mapping={mappingOf(run)} label={label} explainRunId={reportRun} />
    </div>
  );
}

/** Ablation: score explanations by replacing neurons with their simulation (Optim/Norm), and Top Impact of a layer. */
export function AblationScreen() {
  const inv = useInventory();
  // Re-read when an ablation or Top Impact run ends (the job store invalidates the ablation feature).
  const list = useContractQuery('ablation.runs', {});
  const runs = list.data;
  const { navigate } = useApp();
  const route = useScreenRoute('ablation');

  // The default view (#/ablation) becomes the newest run, or the wizard when there is none (or the list fails).
  useEffect(() => {
    if (route.view !== 'default') return;
    if (list.error) navigate({ screen: 'ablation', view: 'new' }, { replace: true });
    else if (runs && !list.loading)
      navigate(runs.length ? { screen: 'ablation', view: 'run', runId: runs[0].id } : { screen: 'ablation', view: 'new' }, {
        replace: true,
      });
  }, [route.view, runs, list.error, list.loading, navigate]);

  const openRun = useCallback((runId: number) => navigate({ screen: 'ablation', view: 'run', runId }), [navigate]);
  const run = route.view === 'run' ? runs?.find((r) => r.id === route.runId) : undefined;

  return (
    <div className="split ablation" data-testid="ablation-screen">
      <RunSidebar
        title="Ablation"
        ariaLabel="Ablation runs"
        newLabel="+ New ablation scoring"
        newTestId="abl-new"
        itemTestId="abl-run-item"
        runs={runs}
        wizardActive={route.view === 'new'}
        selectedId={route.view === 'run' ? route.runId : null}
        onSelect={openRun}
        onNew={() => navigate({ screen: 'ablation', view: 'new' })}
        itemData={(r) => ({ kind: r.kind })}
      >
        {(r) => (
          <>
            <span className="side-item-name">
              #{r.id} {r.kind === 'ablation' ? `Ablation of run #${r.explainRunId ?? '?'}` : 'Top Impact'}
            </span>
            <span className="side-item-meta">
              {r.status} · {formatCount(r.neuronsDone)}/{formatCount(r.neuronsTotal)} · T {formatScore(r.temperature, 2)}
            </span>
            <span className="side-item-meta">{layerOf(inv.data, r.activationSetId)}</span>
          </>
        )}
      </RunSidebar>
      <div className="split-main" data-testid="ablation-main">
        {route.view !== 'new' && <RunningJobs methods={['ablation.run', 'topimpact.run']} testId="abl-running" />}
        <ErrorBox error={inv.error ?? list.error} />
        {route.view === 'new' && inv.data && <AblationWizard inv={inv.data} onDone={openRun} />}
        {route.view === 'run' && runs && !run && !list.loading && (
          <p className="hint" data-testid="abl-run-missing">
            Run #{route.runId} is not in this project.
          </p>
        )}
        {run && <RunView run={run} inv={inv.data} />}
      </div>
    </div>
  );
}
