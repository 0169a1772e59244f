import { useCallback, useEffect } from 'react';
import { useApp } from '../../lib/appContext';
import { router } from '../../routes';
import { unitLabel } from '../../../../shared/unitAddress';
import { runMethodLabel } from './format';
import { openJumpBox, unitRoute } from './JumpBox';
import { NeuronNav } from './NeuronNav';
import { NeuronPage } from './NeuronPage';
import type { RunInfo } from './types';
import { pushRecent, rangeProblem, type Layer } from './units';

/** Where a unit lives, in words: "fmnist_cnn / Flatten / unit 42" (and "channel 3 / y 2 / x 1" for identity units of a map). */
export function UnitTitle({ layer, neuron, testId = 'unit-title' }: { layer: Layer; neuron: number; testId?: string }) {
  // Identity units of a map or token tensor also say where they are: channel 3 / y 2 / x 1.
  const position = layer.geometry ? unitLabel(layer.geometry, neuron) : '';
  return (
    <span data-testid={testId} data-model={layer.model?.name ?? ''} data-layer={layer.set.tensorName} data-neuron={neuron}>
      <span className="unit-part" title="model">
        {layer.model?.name ?? `model #${layer.set.modelId}`}
      </span>
      <span className="unit-sep"> / </span>
      <span className="unit-part" title={`layer ${layer.set.tensorName} (${layer.detail})`}>
        {layer.short}
      </span>
      <span className="unit-sep"> / </span>
      <span className="unit-part">unit {neuron}</span>
      {position && (
        <span className="unit-position mono" data-testid="unit-title-position">
          {position}
        </span>
      )}
    </span>
  );
}

/**
 * A unit's page at its own address (model / layer / unit): the header names all three, prev / next / random / jump
 * step through the layer, the tabs pick which run's explanations are shown (default: the layer's newest run).
 */
export function UnitPage({
  layer,
  layers,
  neuron,
  runId,
  runs,
}: {
  layer: Layer;
  layers: Layer[];
  neuron: number;
  /** The run asked for in the address (undefined: the layer's newest run). */
  runId?: number;
  runs: RunInfo[];
}) {
  const { navigate, project } = useApp();
  const mine = runs.filter((r) => r.activationSetId === layer.set.id);
  const run = runId !== undefined ? mine.find((r) => r.id === runId) : mine[0];
  const problem = rangeProblem(layer, neuron);
  useEffect(() => {
    if (!problem) pushRecent(project?.path, { setId: layer.set.id, neuron });
  }, [problem, project?.path, layer.set.id, neuron]);
  const go = useCallback(
    (setId: number, n: number) => {
      const target = layers.find((l) => l.set.id === setId) ?? layer;
      navigate(unitRoute(target, n, setId === layer.set.id ? runId : undefined));
    },
    [layers, layer, navigate, runId],
  );
  const compareHref = router.href({
    screen: 'explanations',
    view: 'compare',
    a: { setId: layer.set.id, neuron, ...(run ? { runId: run.id } : {}) },
  });
  return (
    <div className="stack unit-page" data-testid="unit-page" data-set={layer.set.id} data-neuron={neuron} data-run={run?.id ?? ''}>
      <section className="card unit-head">
        <h2>
          <UnitTitle layer={layer} neuron={neuron} />
        </h2>
        <p className="hint">
          Layer <span className="mono">{layer.set.tensorName}</span> · {layer.set.nNeurons.toLocaleString('en-US')} units · {layer.detail} ·{' '}
          {layer.set.nImages.toLocaleString('en-US')} probe images ·{' '}
          <a href={compareHref} data-testid="unit-compare">
            Compare side by side…
          </a>
        </p>
        <NeuronNav
          neuron={neuron}
          layer={layer}
          layers={layers}
          onGo={go}
          onBack={run ? () => navigate({ screen: 'explanations', view: 'run', runId: run.id }) : undefined}
          onOpenJumpBox={openJumpBox}
        />
        {mine.length > 0 && (
          <div className="tabs unit-runs" role="tablist" aria-label="Explanations from run">
            <span className="hint">Explanations from:</span>
            {mine.map((r) => (
              <button
                key={r.id}
                type="button"
                role="tab"
                aria-selected={r.id === run?.id}
                className={`tab${r.id === run?.id ? ' active' : ''}`}
                onClick={() => navigate(unitRoute(layer, neuron, r.id))}
                data-testid="unit-run-tab"
                data-run={r.id}
              >
                #{r.id} {runMethodLabel(r)}
              </button>
            ))}
          </div>
        )}
      </section>
      {problem && (
        <p className="banner banner-warn" role="alert" data-testid="unit-range-error">
          {problem}
        </p>
      )}
      {!problem && runId !== undefined && !run && (
        <p className="hint" data-testid="unit-run-missing">
          Run #{runId} does not explain this layer{mine.length ? ': pick one of its runs above.' : '.'}
        </p>
      )}
      {!problem && mine.length === 0 && (
        <p className="hint" data-testid="unit-no-run">
          No explanation run of this layer yet.{' '}
          <a
            href={router.href({
              screen: 'models',
              view: 'model',
              modelId: layer.set.modelId,
              tab: 'activations',
              setId: layer.set.id,
              neuron,
            })}
          >
            Its histogram and stats
          </a>{' '}
          · <a href={router.href({ screen: 'explanations', view: 'new' })}>New explanation run</a>
        </p>
      )}
      {!problem && run && <NeuronPage key={run.id} run={run} runs={runs} neuron={neuron} />}
    </div>
  );
}
