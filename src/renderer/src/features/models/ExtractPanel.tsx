import { useState, type FormEvent } from 'react';
import { contract, OnNonFinite, Summary, type LayerInfo, type ModelSummary, type ProviderName } from '../../../../shared/contract';
import { optionalNumber, shapeOf } from '../../lib/forms';
import { ProgressBar } from '../../components/ProgressBar';
import { useApp, type ToastInput } from '../../lib/appContext';
import { formatCount } from '../../lib/format';
import type { ProbeSetInfo } from '../../lib/types';
import { jobKey, useJob, useJobStore, type RunState } from '../jobs';
import { PROVIDER_LABEL } from './ProviderPanel';

const SUMMARY_HINT: Record<Summary, string> = {
  auto: 'mean over space for feature maps, CLS token for token sequences, as-is for vectors',
  mean: 'average over the spatial positions of each channel',
  max: 'largest value over the spatial positions of each channel',
  cls: 'the first (CLS) token of a token sequence',
  token_mean: 'average over all tokens of a sequence',
  identity: 'every value of the tensor is a neuron (can be very many)',
};

const NON_FINITE_HINT: Record<OnNonFinite, string> = {
  stop: 'stop at the first batch with NaN or ±Infinity, naming the layer and the image (what came before is kept)',
  flag: 'store them, flag those neurons (stats over their finite values; explanations skip them) and continue',
};

const BATCH_SIZE = shapeOf(contract['activations.extract'].input).batchSize;

/** The toast when an extraction ends: its throughput when done; how to continue when cancelled (no toast when interrupted). */
function extractToast(r: RunState<'activations.extract'>): ToastInput | null {
  if (r.status === 'done' && r.output) {
    const o = r.output;
    return {
      kind: 'success',
      title: `${r.title} finished`,
      message: `${formatCount(o.activationSet.nImages)} images × ${formatCount(o.activationSet.nNeurons)} neurons in ${o.seconds.toFixed(1)} s (${o.imagesPerSecond.toFixed(0)} img/s on ${o.provider.used}).`,
    };
  }
  if (r.status === 'failed' && r.error) return { kind: 'error', title: `${r.title} failed`, message: r.error.message, hint: r.error.hint };
  if (r.status === 'cancelled')
    return { kind: 'info', title: `${r.title} cancelled`, message: 'Start it again with the same settings to continue where it stopped.' };
  return null;
}

/** Which summaries make sense for a layer's measured shape (the backend refuses the others). */
function summariesFor(layer: LayerInfo | undefined): Summary[] {
  const rank = layer?.shape.length ?? 0;
  if (rank === 4) return ['auto', 'mean', 'max', 'identity'];
  if (rank === 3) return ['auto', 'cls', 'token_mean', 'identity'];
  return ['auto', 'identity'];
}

/** Layer + probe set + summary + batch size, then activations.extract as a job with progress and Cancel. */
export function ExtractPanel({
  model,
  layers,
  layer,
  onLayer,
  probeSets,
  provider,
}: {
  model: ModelSummary;
  layers: LayerInfo[];
  layer: string | null;
  onLayer: (tensor: string) => void;
  probeSets: ProbeSetInfo[];
  provider: ProviderName | null;
}) {
  const { openScreen, project } = useApp();
  const store = useJobStore();
  const key = jobKey('activations.extract', project?.path, model.id);
  const run = useJob(key);
  const running = run?.status === 'running';
  const [probeSetId, setProbeSetId] = useState<number | null>(null);
  const [summary, setSummary] = useState<Summary>('auto');
  const [batch, setBatch] = useState('');
  const [onNonFinite, setOnNonFinite] = useState<OnNonFinite>('stop');
  const chosenSet = probeSets.find((s) => s.id === probeSetId) ?? probeSets[0];
  const chosenLayer = layers.find((l) => l.tensorName === layer);
  const options = summariesFor(chosenLayer);
  // Checked with activations.extract's schema: empty = automatic.
  const { value: batchSize, error: batchError } = optionalNumber(BATCH_SIZE, batch);
  const batchOk = batchError === null;
  const canStart = !!chosenLayer && !!chosenSet && batchOk && !running && model.status !== 'missing' && model.status !== 'invalid';
  const sorted = [...layers].sort((a, b) => Number(b.suggested) - Number(a.suggested));

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!canStart || !chosenLayer || !chosenSet) return;
    store.dismiss(key);
    const title = `Extract ${chosenLayer.friendly || chosenLayer.tensorName} on ${chosenSet.name}`;
    const input = {
      modelId: model.id,
      layer: chosenLayer.tensorName,
      probeSetId: chosenSet.id,
      summary: options.includes(summary) ? summary : 'auto',
      ...(batchSize !== undefined ? { batchSize } : {}),
      ...(provider ? { provider } : {}),
      onNonFinite,
    };
    void store.start(key, title, 'activations.extract', input, { toast: extractToast });
  }

  if (probeSets.length === 0) {
    return (
      <section className="card">
        <h3>Extract activations</h3>
        <p className="hint">Import a probe set first: extraction runs the model over its images.</p>
        <button type="button" onClick={() => openScreen('probes')}>
          Open Probe sets
        </button>
      </section>
    );
  }

  return (
    <section className="card" aria-labelledby="extract-title">
      <form onSubmit={submit} data-testid="extract-form">
        <h3 id="extract-title">Extract activations</h3>
        <div className="extract-grid">
          <div className="field">
            <label htmlFor="extract-layer">Layer</label>
            <select id="extract-layer" value={layer ?? ''} onChange={(e) => onLayer(e.target.value)} data-testid="extract-layer">
              {!layer && <option value="">Choose a layer…</option>}
              {sorted.map((l) => (
                <option key={l.id} value={l.tensorName}>
                  {l.suggested ? '★ ' : ''}
                  {l.friendly || l.tensorName} — {l.opType} [{l.shape.join('×')}]
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="extract-probeset">Probe set</label>
            <select
              id="extract-probeset"
              value={chosenSet?.id ?? ''}
              onChange={(e) => setProbeSetId(Number(e.target.value))}
              data-testid="extract-probeset"
            >
              {probeSets.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name} ({formatCount(s.images)} images)
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="extract-summary">Summary per image</label>
            <select
              id="extract-summary"
              value={options.includes(summary) ? summary : 'auto'}
              onChange={(e) => setSummary(Summary.parse(e.target.value))}
              data-testid="extract-summary"
            >
              {options.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="extract-batch">Batch size</label>
            <input
              id="extract-batch"
              inputMode="numeric"
              value={batch}
              onChange={(e) => setBatch(e.target.value)}
              placeholder={model.info.fixedBatch ? `fixed: ${model.info.fixedBatch}` : 'automatic'}
              data-testid="extract-batch"
              aria-invalid={!batchOk}
            />
          </div>
          <div className="field">
            <label htmlFor="extract-nonfinite">NaN / ±Infinity</label>
            <select
              id="extract-nonfinite"
              value={onNonFinite}
              onChange={(e) => setOnNonFinite(OnNonFinite.parse(e.target.value))}
              data-testid="extract-nonfinite"
              aria-describedby="extract-nonfinite-hint"
            >
              <option value="stop">stop</option>
              <option value="flag">flag and continue</option>
            </select>
            <span className="hint" id="extract-nonfinite-hint" data-testid="extract-nonfinite-hint">
              {NON_FINITE_HINT[onNonFinite]}
            </span>
          </div>
        </div>
        <p className="hint">
          {SUMMARY_HINT[options.includes(summary) ? summary : 'auto']}.
          {chosenLayer && chosenSet && (
            <>
              {' '}
              Runs the model on {formatCount(chosenSet.images)} images{provider ? ` (${PROVIDER_LABEL[provider]} first)` : ''}; a stopped
              run continues where it left off when started again with the same settings.
            </>
          )}
        </p>
        {!batchOk && <p className="warn-text">Batch size {batchError}, or empty for automatic.</p>}
        {model.status === 'missing' && <p className="warn-text">The model file is missing: it cannot run.</p>}
        {model.status === 'invalid' && <p className="warn-text">This model cannot run: {model.problem}</p>}
        <div className="actions">
          <button type="submit" className="primary" disabled={!canStart} data-testid="extract-start">
            {running ? 'Extracting…' : 'Extract'}
          </button>
        </div>
      </form>
      {run && <ExtractStatus run={run} onCancel={() => store.cancel(key)} />}
    </section>
  );
}

function ExtractStatus({ run, onCancel }: { run: RunState<'activations.extract'>; onCancel: () => void }) {
  const p = run.progress;
  return (
    <div className="extract-status" data-testid="extract-status" data-status={run.status}>
      <h4>{run.title}</h4>
      {run.status === 'running' && (
        <div className="job-progress">
          <ProgressBar
            done={p?.done ?? 0}
            total={p?.total ?? 0}
            etaSeconds={p?.etaSeconds}
            message={p?.message}
            testId="extract-progress"
          />
          <button type="button" className="danger" onClick={onCancel} data-testid="extract-cancel">
            Cancel
          </button>
        </div>
      )}
      {run.status === 'done' && run.output && (
        <p data-testid="extract-result">
          Done: {formatCount(run.output.activationSet.nImages)} images × {formatCount(run.output.activationSet.nNeurons)} neurons (
          {run.output.activationSet.summary}) in {run.output.seconds.toFixed(1)} s, {run.output.imagesPerSecond.toFixed(0)} images/s on{' '}
          {PROVIDER_LABEL[run.output.provider.used]}.
        </p>
      )}
      {run.status === 'cancelled' && (
        <p className="warn-text">Cancelled. What was computed is kept: extract again with the same settings to continue.</p>
      )}
      {run.status === 'interrupted' && (
        <p className="warn-text">Interrupted: the connection to the backend closed. Resume it from the Jobs screen after a restart.</p>
      )}
      {run.status === 'failed' && run.error && (
        <div className="error-box" role="alert" data-testid="extract-error" data-code={run.error.code}>
          <strong>{run.error.title}</strong>
          <p>{run.error.message}</p>
          <p className="hint">{run.error.hint}</p>
        </div>
      )}
    </div>
  );
}
