import { useEffect, useState, type FormEvent } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { useContractQuery } from '../../lib/query';
import { router } from '../../routes';
import { HistogramPanel, ScatterPanel } from './charts';
import { useChartContext } from './chartContext';
import { ExampleImages } from './ExampleImages';
import { ExplanationCompare } from './ExplanationCompare';
import { runMethodLabel } from './format';
import { unitRoute } from './JumpBox';
import { NeuronStats } from './NeuronStats';
import type { UnitRef } from './route';
import { runSimulatorKey, scoreUnder, useSimulatorNamer } from './simulators';
import type { RunInfo } from './types';
import { rangeProblem, type Layer } from './units';
import { UnitTitle } from './UnitPage';

function UnitBody({ run, neuron }: { run: RunInfo; neuron: number }) {
  const view = useContractQuery('explain.neuron', { runId: run.id, neuron, topK: 12, perBand: 0, randomK: 0 });
  const v = view.data?.neuron === neuron && view.data.run.id === run.id ? view.data : null;
  const context = useChartContext(run, neuron);
  const name = useSimulatorNamer();
  const own = runSimulatorKey(run);
  const primary = v?.explanations.find((e) => e.method === v.scatter?.method) ?? v?.explanations[0];
  const ownScore = primary ? scoreUnder(primary, 'test', own) : null;
  return (
    <div className="stack" data-testid="side-body" data-loaded={!!v}>
      <ErrorBox error={view.error} />
      {!v && !view.error && <p className="hint">Loading unit {neuron}…</p>}
      {v && (
        <>
          <section className="card">
            <NeuronStats stat={v.stat} images={v.histogram.counts.reduce((a, b) => a + b, 0)} />
            <ExplanationCompare explanations={v.explanations} ownSimulator={own} name={name} />
          </section>
          <section className="card">
            {v.scatter ? (
              <ScatterPanel
                scatter={v.scatter}
                stored={ownScore?.simulator === own ? ownScore.value : null}
                simulator={name(own, own)}
                context={context}
                explanation={primary?.text}
              />
            ) : (
              <p className="hint">No simulation: the unit is dead or has no explanation.</p>
            )}
          </section>
          <section className="card">
            <HistogramPanel histogram={v.histogram} context={context} />
          </section>
          <ExampleImages examples={{ top: v.examples.top, bands: [], random: [] }} activationSetId={run.activationSetId} neuron={neuron} />
        </>
      )}
    </div>
  );
}

/** One side: pick layer, unit and run; the unit's explanations, scores, scatter, histogram and top images. */
function Side({
  which,
  unit,
  layers,
  runs,
  onChange,
}: {
  which: 'a' | 'b';
  unit: UnitRef;
  layers: Layer[];
  runs: RunInfo[];
  onChange: (u: UnitRef) => void;
}) {
  const layer = layers.find((l) => l.set.id === unit.setId);
  const [text, setText] = useState(String(unit.neuron));
  useEffect(() => setText(String(unit.neuron)), [unit.neuron]);
  const mine = runs.filter((r) => r.activationSetId === unit.setId);
  const run = unit.runId !== undefined ? mine.find((r) => r.id === unit.runId) : mine[0];
  const problem = layer ? rangeProblem(layer, unit.neuron) : `Activation set #${unit.setId} is not in this project.`;
  const [typed, setTyped] = useState<string | null>(null);
  function submit(e: FormEvent) {
    e.preventDefault();
    const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
    const p = !layer ? null : Number.isNaN(n) ? `"${text}" is not a unit number.` : rangeProblem(layer, n);
    setTyped(p);
    if (!p) onChange({ ...unit, neuron: n });
  }
  return (
    <div className="stack" data-testid={`side-${which}`} data-set={unit.setId} data-neuron={unit.neuron} data-run={run?.id ?? ''}>
      <section className="card">
        <h3>
          {which.toUpperCase()}:{' '}
          {layer ? <UnitTitle layer={layer} neuron={unit.neuron} testId={`side-${which}-title`} /> : `set #${unit.setId}`}
        </h3>
        <form className="side-pick" onSubmit={submit}>
          <label className="inline-field">
            Layer
            <select
              value={unit.setId}
              onChange={(e) => onChange({ setId: Number(e.target.value), neuron: 0 })}
              data-testid={`side-${which}-layer`}
            >
              {layers.map((l) => (
                <option key={l.set.id} value={l.set.id}>
                  {l.label} ({l.set.nNeurons} units, {l.detail})
                </option>
              ))}
            </select>
          </label>
          <label className="inline-field">
            Unit
            <input value={text} onChange={(e) => setText(e.target.value)} className="jump-input" data-testid={`side-${which}-unit`} />
          </label>
          <button type="submit" data-testid={`side-${which}-go`}>
            Show
          </button>
          {mine.length > 0 && (
            <label className="inline-field">
              Run
              <select
                value={run?.id ?? ''}
                onChange={(e) => onChange({ ...unit, runId: Number(e.target.value) })}
                data-testid={`side-${which}-run`}
              >
                {mine.map((r) => (
                  <option key={r.id} value={r.id}>
                    #{r.id} {runMethodLabel(r)}
                  </option>
                ))}
              </select>
            </label>
          )}
          {layer && !problem && (
            <a href={router.href(unitRoute(layer, unit.neuron, run?.id))} data-testid={`side-${which}-open`}>
              Open its page
            </a>
          )}
        </form>
        {(typed ?? problem) && (
          <p className="warn-text" role="alert" data-testid={`side-${which}-error`}>
            {typed ?? problem}
          </p>
        )}
        {!problem && mine.length === 0 && <p className="hint">No explanation run of this layer yet.</p>}
      </section>
      {!problem && run && <UnitBody key={`${run.id}:${unit.neuron}`} run={run} neuron={unit.neuron} />}
    </div>
  );
}

/** Two units of any layers side by side (#/explanations/compare?a=set:unit[:run]&b=...). */
export function CompareUnits({ a, b, layers, runs }: { a?: UnitRef; b?: UnitRef; layers: Layer[]; runs: RunInfo[] }) {
  const { navigate } = useApp();
  const first = layers[0];
  if (!first)
    return (
      <p className="hint" data-testid="compare-empty">
        No activations yet: extract a layer on the Models screen first.
      </p>
    );
  const ua: UnitRef = a ?? { setId: first.set.id, neuron: 0 };
  const la = layers.find((l) => l.set.id === ua.setId);
  const ub: UnitRef = b ?? { setId: ua.setId, neuron: la && ua.neuron + 1 < la.set.nNeurons ? ua.neuron + 1 : 0 };
  const set = (next: { a: UnitRef; b: UnitRef }) => navigate({ screen: 'explanations', view: 'compare', ...next });
  return (
    <div className="stack compare-units" data-testid="compare-units">
      <section className="card">
        <h3>Two units side by side</h3>
        <p className="hint">
          Any two units of any layers, each with the explanations of the run you pick (default: its layer's newest), every score naming its
          simulator. The address keeps both, so this view can be linked to.{' '}
          <button type="button" className="link" onClick={() => set({ a: ub, b: ua })} data-testid="compare-swap">
            Swap A and B
          </button>
        </p>
      </section>
      <div className="side-by-side">
        <Side which="a" unit={ua} layers={layers} runs={runs} onChange={(u) => set({ a: u, b: ub })} />
        <Side which="b" unit={ub} layers={layers} runs={runs} onChange={(u) => set({ a: ua, b: u })} />
      </div>
    </div>
  );
}
