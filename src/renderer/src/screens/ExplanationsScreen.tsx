import { useCallback, useEffect, useState } from 'react';
import { useApp } from '../lib/appContext';
import { formatCorr, runMethodLabel } from '../explain/format';
import { ExplainWizard } from '../explain/ExplainWizard';
import { ExportImport } from '../explain/ExportImport';
import { NeuronPage } from '../explain/NeuronPage';
import { ResultsTable } from '../explain/ResultsTable';
import { RunSummary } from '../explain/RunSummary';
import { RunningJobs } from '../explain/RunningJobs';
import { SimulatorPanel } from '../explain/SimulatorPanel';
import type { RunInfo } from '../explain/types';

type View = { kind: 'wizard' } | { kind: 'run'; id: number; neuron: number | null };

function RunList({ runs, view, onSelect, onNew }: { runs: RunInfo[] | null; view: View | null; onSelect: (id: number) => void; onNew: () => void }) {
  return (
    <aside className="split-side" aria-label="Explanation runs">
      <div className="side-head">
        <h1>Explanations</h1>
      </div>
      <button type="button" className={`side-item add${view?.kind === 'wizard' ? ' active' : ''}`} onClick={onNew} data-testid="explain-new">
        + New explanation run
      </button>
      {runs === null && <p className="hint">Loading…</p>}
      {runs?.map((r) => (
        <button
          key={r.id}
          type="button"
          className={`side-item${view?.kind === 'run' && view.id === r.id ? ' active' : ''}`}
          onClick={() => onSelect(r.id)}
          data-testid="run-item"
          data-id={r.id}
          data-status={r.status}
        >
          <span className="side-item-name">
            #{r.id} {runMethodLabel(r)}
          </span>
          <span className="side-item-meta">
            {r.status} · {r.neuronsDone}/{r.neuronsTotal} · test r {formatCorr(r.means.testCorrelation)}
          </span>
        </button>
      ))}
    </aside>
  );
}

/** Explanations: runs of Linear Explanations, the wizard for a new one, results, the neuron page, interchange. */
export function ExplanationsScreen() {
  const { api, reportError } = useApp();
  const [runs, setRuns] = useState<RunInfo[] | null>(null);
  const [view, setView] = useState<View | null>(null);
  const [version, setVersion] = useState(0);

  const reload = useCallback(async () => {
    try {
      const list = await api.call('explain.runs', {});
      setRuns(list);
      setView((v) => v ?? (list.length ? { kind: 'run', id: list[0].id, neuron: null } : { kind: 'wizard' }));
      setVersion((n) => n + 1);
    } catch (e) {
      reportError(e, 'Cannot list explanation runs');
      setView((v) => v ?? { kind: 'wizard' });
    }
  }, [api, reportError]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const openRun = useCallback(
    (id: number) => {
      setView({ kind: 'run', id, neuron: null });
      void reload();
    },
    [reload],
  );
  const run = view?.kind === 'run' ? runs?.find((r) => r.id === view.id) : undefined;
  const setNeuron = useCallback((neuron: number | null) => setView((v) => (v?.kind === 'run' ? { ...v, neuron } : v)), []);

  return (
    <div className="split explanations">
      <RunList runs={runs} view={view} onSelect={(id) => setView({ kind: 'run', id, neuron: null })} onNew={() => setView({ kind: 'wizard' })} />
      <div className="split-main" data-testid="explanations-main">
        {view?.kind !== 'wizard' && <RunningJobs />}
        {view?.kind === 'wizard' && <ExplainWizard onRun={openRun} />}
        {view?.kind === 'run' && run && view.neuron === null && (
          <div className="stack">
            <RunSummary run={run} />
            <ResultsTable runId={run.id} version={version} onOpen={(n) => setNeuron(n)} />
            <SimulatorPanel key={run.id} run={run} onScored={() => void reload()} />
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
