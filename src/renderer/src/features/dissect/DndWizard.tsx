import { useState } from 'react';
import { DndParamsSchema, type ActivationSetInfo, type DndParamsInput } from '../../../../shared/contract';
import { DEFAULT_SIMPLIFY, DEFAULT_SUMMARISE } from '../../../../shared/dndPrompts';
import { useApp } from '../../lib/appContext';
import { checkInput, defaultText, numberFromText } from '../../lib/forms';
import { useContractQuery } from '../../lib/query';
import { router } from '../../routes';
import { EncoderSelect, useEncoders } from '../concepts';
import { NumberField } from '../describers';
import { JobStatus, jobKey, useJob, useJobStore } from '../jobs';
import { ALL_NEURONS, NeuronsField, neuronsOf, type NeuronsDraft } from './NeuronsField';
import { RoleSelect } from './RoleSelect';

const S = DndParamsSchema.shape;
type Scheduler = 'config' | 'ddim' | 'euler';

/** The numbers of the form, with what each one is (defaults from the contract). */
const MAIN_NUMBERS = [
  ['topImages', 'Images captioned (top originals and crops)'],
  ['candidates', 'Candidate concepts (language-model calls)'],
  ['imagesPerConcept', 'Q: generated images per candidate'],
  ['steps', 'Denoising steps'],
  ['guidance', 'Guidance scale (1 = none)'],
  ['temperature', 'Language-model temperature'],
  ['seed', 'Seed (shuffles, samples, images)'],
  ['splitSeed', 'Split seed (train / val / test of the scores)'],
] as const;
const ADVANCED_NUMBERS = [
  ['maxIou', 'Crops: max IoU between kept boxes'],
  ['maxWholeIou', 'Crops: IoU with the whole image below'],
  ['beta', 'β: best ranks averaged in the rank term'],
  ['topGlobal', 'Global top images of the weight term'],
  ['labels', 'Labels kept per neuron'],
  ['maxLabelSimilarity', 'Drop a label more similar than this to a better one'],
  ['numBeams', 'Captioner beams (1 = greedy)'],
  ['maxNewTokens', 'Captioner: most tokens per caption'],
] as const;
type NumKey = (typeof MAIN_NUMBERS)[number][0] | (typeof ADVANCED_NUMBERS)[number][0] | 'cropsPerImage';
const NUM_KEYS: NumKey[] = ['cropsPerImage', ...MAIN_NUMBERS.map(([k]) => k), ...ADVANCED_NUMBERS.map(([k]) => k)];
const DEFAULT_NUMBERS = Object.fromEntries(NUM_KEYS.map((k) => [k, defaultText(S[k])])) as Record<NumKey, string>;

interface Stages {
  crops: boolean;
  captioning: 'captioner' | 'concepts';
  simplify: boolean;
  summarise: boolean;
  select: boolean;
}
const FULL: Stages = { crops: true, captioning: 'captioner', simplify: false, summarise: true, select: true };

/** The paper's ablations: each switches one stage of the full method off or swaps it. */
const PRESETS: Array<{ id: string; name: string; hint: string; stages: Stages }> = [
  { id: 'full', name: 'Full DnD', hint: 'crops, captioner, summary, best-concept selection', stages: FULL },
  { id: 'no-crops', name: 'No crops', hint: 'caption the top images only', stages: { ...FULL, crops: false } },
  {
    id: 'clip-captioning',
    name: 'CLIP captioning',
    hint: 'the nearest concept of a concept set instead of a caption',
    stages: { ...FULL, captioning: 'concepts' },
  },
  { id: 'no-summary', name: 'No summary', hint: 'the captions themselves are the candidates', stages: { ...FULL, summarise: false } },
  {
    id: 'no-selection',
    name: 'No selection',
    hint: 'the first candidates are the labels; no images generated',
    stages: { ...FULL, select: false },
  },
];
const sameStages = (a: Stages, b: Stages) => (Object.keys(a) as Array<keyof Stages>).every((k) => a[k] === b[k]);

/**
 * Describe-and-Dissect for neurons of one layer: the models, each stage switchable (the paper's ablations are one
 * click each), the numbers, the prompts under Advanced; Run starts dnd.run with progress and Cancel and ends with a
 * link to the run's results table.
 */
export function DndWizard({ set }: { set: ActivationSetInfo }) {
  const { project } = useApp();
  const store = useJobStore();
  const key = jobKey('dnd.run', project?.path, set.id);
  const job = useJob(key);
  const describers = useContractQuery('describer.list', {});
  const encoders = useEncoders();
  const conceptSets = useContractQuery('conceptSet.list', {});
  const models = describers.data ?? [];
  const firstOk = (role: string) => models.find((m) => m.role === role && m.status === 'ok')?.id ?? null;

  const [neurons, setNeurons] = useState<NeuronsDraft>(ALL_NEURONS);
  const [encoderId, setEncoderId] = useState<number | null>(null);
  const [picked, setPicked] = useState<Record<string, number | null>>({});
  const [stages, setStages] = useState<Stages>(FULL);
  const [conceptSetId, setConceptSetId] = useState<number | null>(null);
  const [nums, setNums] = useState(DEFAULT_NUMBERS);
  const [scheduler, setScheduler] = useState<Scheduler>('config');
  const [prompts, setPrompts] = useState({ summarisePrompt: '', simplifyPrompt: '', promptTemplate: '' });

  // A model not chosen yet is the library's first usable one of its role (the usual case: one of each).
  const modelId = (role: string) => (role in picked ? picked[role] : firstOk(role));
  const encoder = encoderId ?? encoders.data?.find((e) => e.status === 'ok')?.id ?? null;
  const conceptSet = conceptSetId ?? conceptSets.data?.[0]?.id ?? null;
  const chosen = neuronsOf(neurons, set.nNeurons);
  const needs = {
    captioner: stages.captioning === 'captioner',
    language_model: stages.summarise || stages.simplify,
    image_generator: stages.select,
  };
  const input: Record<string, unknown> = {
    activationSetId: set.id,
    ...(chosen.neurons ? { neurons: chosen.neurons } : {}),
    encoderId: encoder ?? undefined,
    ...(needs.captioner ? { captionerId: modelId('captioner') ?? undefined } : {}),
    ...(needs.language_model ? { languageModelId: modelId('language_model') ?? undefined } : {}),
    ...(needs.image_generator ? { generatorId: modelId('image_generator') ?? undefined } : {}),
    ...Object.fromEntries(NUM_KEYS.map((k) => [k, numberFromText(nums[k])])),
    cropsPerImage: stages.crops ? numberFromText(nums.cropsPerImage) : 0,
    captioning: stages.captioning,
    ...(stages.captioning === 'concepts' && conceptSet !== null ? { conceptSetId: conceptSet } : {}),
    simplify: stages.simplify,
    summarise: stages.summarise,
    select: stages.select,
    scheduler,
    ...Object.fromEntries(Object.entries(prompts).filter(([, v]) => v.trim() !== '')),
  };
  const checked = checkInput(DndParamsSchema, input);
  const missing = [
    encoder === null && 'an image-text encoder',
    needs.captioner && modelId('captioner') === null && 'a captioner',
    needs.language_model && modelId('language_model') === null && 'a language model',
    needs.image_generator && modelId('image_generator') === null && 'an image generator',
    stages.captioning === 'concepts' && conceptSet === null && 'a concept set (CLIP captioning)',
  ].filter((x): x is string => typeof x === 'string');
  const running = job?.status === 'running';
  const ready = checked.ok && chosen.error === null && missing.length === 0 && !running;
  const out = job?.status === 'done' ? job.output : null;
  const err = (k: string) => checked.errors[k];
  const num = (k: NumKey, label: string) => (
    <NumberField key={k} label={label} value={nums[k]} onChange={(v) => setNums({ ...nums, [k]: v })} error={err(k)} testId={`dnd-${k}`} />
  );
  const stage = (k: 'simplify' | 'summarise' | 'select', text: string) => (
    <label className="inline-field">
      <input
        type="checkbox"
        checked={stages[k]}
        onChange={(e) => setStages({ ...stages, [k]: e.target.checked })}
        data-testid={`dnd-stage-${k}`}
      />{' '}
      {text}
    </label>
  );

  function run() {
    if (!ready || !checked.ok) return;
    store.dismiss(key);
    void store.start(key, `Describe-and-Dissect ${set.tensorName}`, 'dnd.run', checked.value as DndParamsInput);
  }

  return (
    <section className="card stack dnd-wizard" data-testid="dnd-wizard">
      <h3>Describe-and-Dissect</h3>
      <p className="hint">
        For each neuron: its top probe images and attention crops are captioned, the language model turns the captions into candidate
        concepts, the image generator makes images of each candidate, and the candidate whose images drive the neuron hardest (and look like
        its top images) becomes the label. Each stage can be switched off below.
      </p>
      <NeuronsField draft={neurons} onDraft={setNeurons} nNeurons={set.nNeurons} testId="dnd-neurons" />

      <fieldset className="stack">
        <legend>Models</legend>
        <EncoderSelect
          encoders={encoders.data ?? []}
          value={encoder}
          onChange={(v) => setEncoderId(typeof v === 'number' ? v : null)}
          label="Image-text encoder (image similarities, label de-duplication, CLIP captioning)"
          testId="dnd-encoder"
          needsCalibration={false}
        />
        <div className="try-params">
          <RoleSelect
            role="captioner"
            models={models}
            value={modelId('captioner')}
            onChange={(id) => setPicked({ ...picked, captioner: id })}
            disabled={!needs.captioner}
            why="captions the top images"
          />
          <RoleSelect
            role="language_model"
            models={models}
            value={modelId('language_model')}
            onChange={(id) => setPicked({ ...picked, language_model: id })}
            disabled={!needs.language_model}
            why="captions → candidate concepts"
          />
          <RoleSelect
            role="image_generator"
            models={models}
            value={modelId('image_generator')}
            onChange={(id) => setPicked({ ...picked, image_generator: id })}
            disabled={!needs.image_generator}
            why="images of each candidate"
          />
        </div>
      </fieldset>

      <fieldset className="stack">
        <legend>Stages</legend>
        <div className="inline-field wrap dnd-presets" role="group" aria-label="Ablations">
          <span className="hint">One click:</span>
          {PRESETS.map((p) => (
            <button
              key={p.id}
              type="button"
              className={sameStages(stages, p.stages) ? 'tab active' : 'tab'}
              aria-pressed={sameStages(stages, p.stages)}
              title={p.hint}
              onClick={() => setStages(p.stages)}
              data-testid={`dnd-preset-${p.id}`}
            >
              {p.name}
            </button>
          ))}
        </div>
        <ol className="dnd-stages">
          <li>
            <label className="inline-field">
              <input
                type="checkbox"
                checked={stages.crops}
                onChange={(e) => setStages({ ...stages, crops: e.target.checked })}
                data-testid="dnd-stage-crops"
              />{' '}
              Attention crops of the top images
            </label>
            {stages.crops && num('cropsPerImage', 'Crops per image (at most)')}
            <span className="hint">
              Otsu threshold of the neuron’s spatial map, boxes of its regions. Layers without a map (e.g. logits) get no crops.
            </span>
          </li>
          <li>
            <span>Captions by </span>
            <label className="inline-field">
              <input
                type="radio"
                checked={stages.captioning === 'captioner'}
                onChange={() => setStages({ ...stages, captioning: 'captioner' })}
                data-testid="dnd-captioning-captioner"
              />{' '}
              the captioner
            </label>
            <label className="inline-field">
              <input
                type="radio"
                checked={stages.captioning === 'concepts'}
                onChange={() => setStages({ ...stages, captioning: 'concepts' })}
                data-testid="dnd-captioning-concepts"
              />{' '}
              the nearest concept of a concept set (“CLIP captioning”)
            </label>
            {stages.captioning === 'concepts' && (
              <select
                value={conceptSet ?? ''}
                onChange={(e) => setConceptSetId(e.target.value ? Number(e.target.value) : null)}
                data-testid="dnd-conceptset"
              >
                {(conceptSets.data ?? []).length === 0 && <option value="">no concept sets: make one on the Concepts screen</option>}
                {(conceptSets.data ?? []).map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name} ({c.count.toLocaleString('en-US')})
                  </option>
                ))}
              </select>
            )}
          </li>
          <li>{stage('simplify', 'Simplify each caption with the language model first')}</li>
          <li>
            {stage('summarise', 'Summarise the captions into candidate concepts')}
            {!stages.summarise && <span className="hint"> off: the captions themselves are the candidates</span>}
          </li>
          <li>
            {stage('select', 'Best-concept selection with generated images')}
            {!stages.select && <span className="hint"> off: the first candidates are the labels, no images are generated</span>}
          </li>
        </ol>
      </fieldset>

      <fieldset>
        <legend>Numbers</legend>
        <div className="try-params">
          {MAIN_NUMBERS.map(([k, label]) => num(k, label))}
          <label className="try-field">
            <span>Scheduler</span>
            <select value={scheduler} onChange={(e) => setScheduler(e.target.value as Scheduler)} data-testid="dnd-scheduler">
              <option value="config">as the generator is configured</option>
              <option value="ddim">DDIM (deterministic)</option>
              <option value="euler">Euler</option>
            </select>
          </label>
        </div>
      </fieldset>

      <details className="dnd-advanced" data-testid="dnd-advanced">
        <summary>Advanced: prompts and selection constants</summary>
        <div className="stack">
          <label className="try-field">
            <span>
              Summarise prompt (one language-model call per candidate; <code>{'{captions}'}</code> = the captions, shuffled, joined by “;
              ”). Empty: the default shown.
            </span>
            <textarea
              className="mono"
              rows={4}
              value={prompts.summarisePrompt}
              placeholder={DEFAULT_SUMMARISE}
              onChange={(e) => setPrompts({ ...prompts, summarisePrompt: e.target.value })}
              data-testid="dnd-summarisePrompt"
            />
            {err('summarisePrompt') && <span className="warn-text">{err('summarisePrompt')}</span>}
          </label>
          <label className="try-field">
            <span>
              Simplify prompt (one call per caption when Simplify is on; <code>{'{caption}'}</code> = the caption). Empty: the default
              shown.
            </span>
            <textarea
              className="mono"
              rows={2}
              value={prompts.simplifyPrompt}
              placeholder={DEFAULT_SIMPLIFY}
              onChange={(e) => setPrompts({ ...prompts, simplifyPrompt: e.target.value })}
              data-testid="dnd-simplifyPrompt"
            />
          </label>
          <label className="try-field">
            <span>
              Image prompt per candidate (<code>{'{concept}'}</code> = the candidate). Empty: “{String(S.promptTemplate.parse(undefined))}”.
            </span>
            <input
              value={prompts.promptTemplate}
              placeholder={String(S.promptTemplate.parse(undefined))}
              onChange={(e) => setPrompts({ ...prompts, promptTemplate: e.target.value })}
              data-testid="dnd-promptTemplate"
            />
            {err('promptTemplate') && <span className="warn-text">{err('promptTemplate')}</span>}
          </label>
          <div className="try-params">{ADVANCED_NUMBERS.map(([k, label]) => num(k, label))}</div>
        </div>
      </details>

      {missing.length > 0 && (
        <p className="warn-text" data-testid="dnd-missing">
          Choose {missing.join(', ')} first.
        </p>
      )}
      <div className="actions actions-start">
        <button type="button" className="primary" disabled={!ready} onClick={run} data-testid="dnd-run">
          Run Describe-and-Dissect
          {chosen.error === null ? ` on ${(chosen.neurons?.length ?? set.nNeurons).toLocaleString('en-US')} neurons` : ''}
        </button>
      </div>
      <JobStatus runKey={key} testId="dnd" />
      {out && (
        <p className="ok-text" data-testid="dnd-done" data-run={out.run.id}>
          {out.reused ? 'The same run existed: nothing recomputed. ' : ''}Run #{out.run.id}: {out.run.neuronsDone} of {out.run.neuronsTotal}{' '}
          neurons described ({out.run.dead} dead) in {out.seconds.toFixed(1)} s
          {Object.keys(out.stageSeconds).length > 0 &&
            ` (${Object.entries(out.stageSeconds)
              .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
              .join(', ')})`}
          .{' '}
          <a href={router.href({ screen: 'explanations', view: 'run', runId: out.run.id })} data-testid="dnd-open-results">
            Open its results table
          </a>
        </p>
      )}
    </section>
  );
}
