import { useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { BookmarkToggle } from './Bookmarks';
import { HistogramPanel, RangeChart, ScatterPanel, type ChartContext } from './charts';
import { useChartContext } from './chartContext';
import { ExampleImages } from './ExampleImages';
import { UnitPositionLabel } from './Heatmaps';
import { CompareRun } from './CompareRun';
import { ExplanationCompare } from './ExplanationCompare';
import { runMethodLabel } from './format';
import { NeuronStats } from './NeuronStats';
import { runSimulatorKey, scoreUnder, useSimulatorNamer } from './simulators';
import { ScoreTextBox } from './ScoreTextBox';
import { SimilarUnits } from './SimilarUnits';
import type { NeuronView, RangeKind, RunInfo } from './types';
import { useContractQuery } from '../../lib/query';
import { DndChainSection } from '../dissect';

function RangeSection({ view, context }: { view: NeuronView; context: ChartContext }) {
  const kinds = (['class', 'superclass', 'csv', 'concept'] as const).filter((k) => view.range.labels.some((l) => l.kind === k));
  const [kind, setKind] = useState<RangeKind>('class');
  const shown = kinds.includes(kind) ? kind : (kinds[0] ?? 'class');
  return (
    <section className="card" data-testid="range-section">
      <div className="card-head">
        <h4>Activation ranges: what the neuron responds to across its whole range</h4>
        <div className="tabs" role="tablist">
          {kinds.map((k) => (
            <button
              key={k}
              type="button"
              role="tab"
              aria-selected={shown === k}
              className={`tab${shown === k ? ' active' : ''}`}
              onClick={() => setKind(k)}
              data-testid={`range-kind-${k}`}
            >
              {k === 'class'
                ? 'classes'
                : k === 'superclass'
                  ? 'superclasses'
                  : k === 'csv'
                    ? 'CSV labels'
                    : 'explanation concepts (mean P)'}
            </button>
          ))}
        </div>
      </div>
      <RangeChart range={view.range} kind={shown} context={context} />
    </section>
  );
}

/** One unit as one run explains it: stats, explanations compared, simulated vs true, histogram, ranges, examples. */
export function NeuronPage({ run, runs, neuron }: { run: RunInfo; runs: RunInfo[]; neuron: number }) {
  const runId = run.id;
  const view = useContractQuery('explain.neuron', { runId, neuron });
  const v = view.data?.neuron === neuron && view.data.run.id === runId ? view.data : null;
  const primary = v?.explanations.find((e) => e.method === v.scatter?.method) ?? v?.explanations[0];
  const concepts = v ? [...new Set(v.range.labels.map((l) => l.name))] : [];
  const context = useChartContext(run, neuron);
  const name = useSimulatorNamer();
  const own = runSimulatorKey(run);
  const ownScore = primary ? scoreUnder(primary, 'test', own) : null;
  return (
    <div className="neuron-page stack" data-testid="neuron-page" data-neuron={neuron} data-run={runId} data-loaded={!!v}>
      <BookmarkToggle activationSetId={run.activationSetId} neuron={neuron} />
      <ErrorBox error={view.error} />
      {!v && !view.error && <p className="hint">Loading unit {neuron}…</p>}
      {v && (
        <>
          <section className="card">
            <h3>
              Run #{run.id} {runMethodLabel(run)}: unit {neuron} <UnitPositionLabel activationSetId={run.activationSetId} neuron={neuron} />{' '}
              {v.dead && <span className="badge badge-dead">dead</span>}
            </h3>
            <NeuronStats stat={v.stat} images={v.histogram.counts.reduce((a, b) => a + b, 0)} />
            <ExplanationCompare explanations={v.explanations} ownSimulator={own} name={name} />
            <CompareRun runs={runs} current={run} neuron={neuron} />
            <ScoreTextBox runId={runId} neuron={neuron} concepts={concepts} />
          </section>
          {run.method === 'dnd' && (
            <DndChainSection
              runId={runId}
              neuron={neuron}
              topGlobal={typeof run.params.topGlobal === 'number' ? run.params.topGlobal : undefined}
            />
          )}
          <div className="grid-2 chart-grid">
            <section className="card">
              {v.scatter ? (
                <ScatterPanel
                  scatter={v.scatter}
                  stored={ownScore?.simulator === own ? ownScore.value : null}
                  simulator={name(own, own)}
                  context={context}
                  explanation={v.explanations.find((e) => e.method === v.scatter?.method)?.text}
                />
              ) : (
                <p className="hint">No simulation: the unit is dead or has no explanation.</p>
              )}
            </section>
            <section className="card">
              <HistogramPanel histogram={v.histogram} context={context} />
            </section>
          </div>
          <SimilarUnits activationSetId={run.activationSetId} neuron={neuron} runId={runId} />
          <RangeSection view={v} context={context} />
          <ExampleImages examples={v.examples} activationSetId={run.activationSetId} neuron={neuron} />
        </>
      )}
    </div>
  );
}
