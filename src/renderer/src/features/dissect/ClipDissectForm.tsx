import { useState } from 'react';
import { ClipDissectParamsSchema, type ActivationSetInfo } from '../../../../shared/contract';
import { useApp } from '../../lib/appContext';
import { checkInput, defaultText, numberFromText, optionalNumber } from '../../lib/forms';
import { useContractQuery } from '../../lib/query';
import { router } from '../../routes';
import { EncoderSelect, useEncoders } from '../concepts';
import { NumberField } from '../describers';
import { JobStatus, jobKey, useJob, useJobStore } from '../jobs';
import { ALL_NEURONS, NeuronsField, neuronsOf, type NeuronsDraft } from './NeuronsField';

const S = ClipDissectParamsSchema.shape;
type Variant = 'soft_wpmi' | 'wpmi' | 'cos';

const VARIANTS: Array<{ id: Variant; name: string; hint: string }> = [
  { id: 'soft_wpmi', name: 'soft-WPMI', hint: 'the reference default: top 100 images, λ 1' },
  { id: 'wpmi', name: 'WPMI', hint: 'hard top-k: top 28 images, λ 0.6' },
  { id: 'cos', name: 'cosine', hint: 'cosine of the neuron’s activations and the concept’s image similarities' },
];

/** CLIP-Dissect labels for neurons of one layer from cached embeddings: encoder, concept set, variant, neurons. */
export function ClipDissectForm({ set }: { set: ActivationSetInfo }) {
  const { project, openScreen } = useApp();
  const store = useJobStore();
  const key = jobKey('clipDissect.run', project?.path, set.id);
  const job = useJob(key);
  const encoders = useEncoders();
  const conceptSets = useContractQuery('conceptSet.list', {});
  const [encoderId, setEncoderId] = useState<number | null>(null);
  const [conceptSetId, setConceptSetId] = useState<number | null>(null);
  const [variant, setVariant] = useState<Variant>('soft_wpmi');
  const [neurons, setNeurons] = useState<NeuronsDraft>(ALL_NEURONS);
  const [topK, setTopK] = useState('');
  const [lambda, setLambda] = useState('');
  const [splitSeed, setSplitSeed] = useState(() => defaultText(S.splitSeed));

  const encoder = encoderId ?? encoders.data?.find((e) => e.status === 'ok')?.id ?? null;
  const conceptSet = conceptSetId ?? conceptSets.data?.[0]?.id ?? null;
  const chosen = neuronsOf(neurons, set.nNeurons);
  const k = optionalNumber(S.topK, topK);
  const l = optionalNumber(S.lambda, lambda);
  const checked = checkInput(ClipDissectParamsSchema, {
    activationSetId: set.id,
    encoderId: encoder ?? undefined,
    conceptSetId: conceptSet ?? undefined,
    variant,
    ...(chosen.neurons ? { neurons: chosen.neurons } : {}),
    ...(k.value !== undefined ? { topK: k.value } : {}),
    ...(l.value !== undefined ? { lambda: l.value } : {}),
    splitSeed: numberFromText(splitSeed),
  });
  const running = job?.status === 'running';
  const ready = checked.ok && chosen.error === null && k.error === null && l.error === null && !running;
  const out = job?.status === 'done' ? job.output : null;

  function run() {
    if (!ready || !checked.ok) return;
    store.dismiss(key);
    void store.start(key, `CLIP-Dissect ${set.tensorName}`, 'clipDissect.run', checked.value);
  }

  return (
    <section className="card stack clip-dissect" data-testid="clip-dissect-form">
      <h3>CLIP-Dissect</h3>
      <p className="hint">
        The concept of a concept set whose image similarities (under the encoder) best follow the neuron’s top activations. Fast: it reads
        cached embeddings, no generative model.
      </p>
      <p className="dissect-note" data-testid="clip-dissect-note">
        A label depends on which neurons are scored together: soft-WPMI subtracts a concept’s mean over <em>these</em> neurons, so the same
        neuron can get another label when scored with a different set. The run records its set.
      </p>
      <div className="try-params">
        <EncoderSelect
          encoders={encoders.data ?? []}
          value={encoder}
          onChange={(v) => setEncoderId(typeof v === 'number' ? v : null)}
          label="Image-text encoder"
          testId="cd-encoder"
          needsCalibration={false}
        />
        <label className="inline-field">
          Concept set{' '}
          <select
            value={conceptSet ?? ''}
            onChange={(e) => setConceptSetId(e.target.value ? Number(e.target.value) : null)}
            data-testid="cd-conceptset"
          >
            {(conceptSets.data ?? []).length === 0 && <option value="">— none yet —</option>}
            {(conceptSets.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.count.toLocaleString('en-US')}, {c.source})
              </option>
            ))}
          </select>
        </label>
      </div>
      {conceptSets.data?.length === 0 && (
        <p className="hint">
          No concept sets yet: make one on the{' '}
          <button type="button" className="link" onClick={() => openScreen('concepts')}>
            Concepts
          </button>{' '}
          screen.
        </p>
      )}
      <div className="inline-field wrap" role="radiogroup" aria-label="Variant">
        <span>Variant</span>
        {VARIANTS.map((v) => (
          <label key={v.id} className="inline-field" title={v.hint}>
            <input type="radio" checked={variant === v.id} onChange={() => setVariant(v.id)} data-testid={`cd-variant-${v.id}`} /> {v.name}
          </label>
        ))}
        <span className="hint">{VARIANTS.find((v) => v.id === variant)?.hint}</span>
      </div>
      <NeuronsField draft={neurons} onDraft={setNeurons} nNeurons={set.nNeurons} testId="cd-neurons" />
      <div className="try-params">
        <NumberField
          label={`Top images per neuron (empty: ${variant === 'wpmi' ? 28 : 100})`}
          value={topK}
          onChange={setTopK}
          error={k.error ?? undefined}
          testId="cd-topK"
        />
        <NumberField
          label={`λ, weight of log P(concept) (empty: ${variant === 'wpmi' ? 0.6 : 1})`}
          value={lambda}
          onChange={setLambda}
          error={l.error ?? undefined}
          testId="cd-lambda"
        />
        <NumberField
          label="Split seed (train / val / test of the scores)"
          value={splitSeed}
          onChange={setSplitSeed}
          error={checked.errors.splitSeed}
          testId="cd-splitSeed"
        />
      </div>
      <div className="actions actions-start">
        <button type="button" className="primary" disabled={!ready} onClick={run} data-testid="cd-run">
          Run CLIP-Dissect
        </button>
      </div>
      <JobStatus runKey={key} testId="cd" />
      {out && (
        <p className="ok-text" data-testid="cd-done" data-run={out.run.id}>
          {out.reused ? 'The same run existed: nothing recomputed. ' : ''}Run #{out.run.id}: {out.run.neuronsDone} neurons labelled in{' '}
          {out.seconds.toFixed(1)} s.{' '}
          <a href={router.href({ screen: 'explanations', view: 'run', runId: out.run.id })} data-testid="cd-open-results">
            Open its results table
          </a>
        </p>
      )}
    </section>
  );
}
