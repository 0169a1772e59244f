import { DndParamsSchema, type DndParams } from '../../../../shared/contract';
import type { CallContext } from '../../../../shared/define';
import { AppError } from '../../../../shared/errors';
import { embedTextsCached, encoderSession, requireEncoder } from '../concepts';
import { checkCaptionOptions, libraryOf, requireUsable, runtimeFor, type LibraryEntry } from '../describers';
import { ensureSplit, readColumns, resolveSet, setShard, shardSplit, skippedDetails } from '../explanations';
import { sessionsOf, tensorCacheOf } from '../models';
import type { BackendState } from '../../platform/context';
import type { JobKind } from '../../platform/jobs/registry';
import { runNeuronJob } from '../../platform/jobs/neuronRun';
import { neuronShardOutput } from '../../platform/jobs/shards';
import type { Db } from '../../platform/store/open';
import { copyConcepts } from '../../platform/store/shardRepo';
import { getStats, nonFiniteNeurons } from '../../platform/store/activationRepo';
import { conceptNames, conceptSetSha } from '../../platform/store/conceptRepo';
import * as repo from '../../platform/store/explanationRepo';
import { describeNeuron, type DndEnv, type NeuronChain } from './dnd';
import type { Embedder } from './embed';
import { labelRunStore, labelScoring, runResult, storeLabels } from './runStore';

// dnd.run: Describe-and-Dissect over neurons of a layer as a resumable neuron run. Each neuron's labels, their
// label-simulator scores and its whole chain commit in one transaction, so a cancel or kill resumes at the next
// neuron; every model call is cached in the project, so even the neuron in flight costs little to redo.

export const DND_KIND = 'dnd.run';

function neuronList(neurons: number[] | undefined, n: number): number[] {
  if (!neurons) return Array.from({ length: n }, (_, i) => i);
  const bad = neurons.find((k) => k >= n);
  if (bad !== undefined) throw new AppError('bad_input', `Neuron ${bad} is out of range: the layer has ${n} neurons (0..${n - 1}).`);
  return [...new Set(neurons)].sort((a, b) => a - b);
}

/** The models a configuration needs, each refused with what to do when missing or unusable. */
function requireModels(state: BackendState, p: DndParams) {
  const lib = libraryOf(state);
  const need = <R extends 'captioner' | 'language_model' | 'image_generator'>(
    id: number | undefined,
    role: R,
    why: string,
    flag: string,
  ) => {
    if (id === undefined)
      throw new AppError(
        'bad_input',
        `Describe-and-Dissect needs ${why}: give ${flag} (describer.list shows the library), or switch that stage off.`,
      );
    return requireUsable(lib, id, role);
  };
  return {
    captioner: p.captioning === 'captioner' ? need(p.captionerId, 'captioner', 'a captioner', '--captionerId') : undefined,
    lm: p.summarise || p.simplify ? need(p.languageModelId, 'language_model', 'a language model', '--languageModelId') : undefined,
    generator: p.select ? need(p.generatorId, 'image_generator', 'an image generator', '--generatorId') : undefined,
  };
}

export async function runDnd(state: BackendState, p: DndParams, ctx: CallContext, resumeJobId?: number) {
  const project = state.requireProject();
  const { db } = project;
  // Refuse bad input before a job row exists.
  const src = resolveSet(db, p.activationSetId);
  const neurons = neuronList(p.neurons, src.set.nNeurons);
  const models = requireModels(state, p);
  if (models.captioner) checkCaptionOptions(models.captioner.details, p);
  const encoder = requireEncoder(db, p.encoderId);
  if (p.captioning === 'concepts' && p.conceptSetId === undefined)
    throw new AppError('bad_input', 'CLIP captioning (captioning: concepts) needs a concept set: give --conceptSetId (conceptSet.list).');
  const conceptSha = p.conceptSetId === undefined ? null : conceptSetSha(db, p.conceptSetId);
  if (p.conceptSetId !== undefined && !conceptSha) throw new AppError('not_found', `Concept set ${p.conceptSetId} does not exist.`);
  // A shard only reads the project (the split must be stored: cluster.submit stores it); its model calls are cached
  // in its own file, so it computes what the single run would have found cached (the same models and seeds).
  const split = p.shard ? shardSplit(db, src.probe.id, p.splitSeed) : ensureSplit(db, src.probe.id, p.splitSeed).split;
  const shas = {
    model: src.modelSha,
    manifest: src.manifestHash,
    encoder: encoder.sha256,
    ...(models.captioner ? { captioner: models.captioner.sha256 } : {}),
    ...(models.lm ? { languageModel: models.lm.sha256 } : {}),
    ...(models.generator ? { generator: models.generator.sha256 } : {}),
    ...(conceptSha && p.captioning === 'concepts' ? { conceptSet: conceptSha } : {}),
  };
  // Everything that changes labels: the parameters (model ids replaced by their content hashes) and the split.
  const {
    captionerId: _c,
    languageModelId: _l,
    generatorId: _g,
    encoderId: _e,
    conceptSetId: _s,
    activationSetId: _a,
    shard: _shard,
    ...settings
  } = p;
  const { shard: _sh, ...stored } = p;
  const key = JSON.stringify({ method: 'dnd', ...settings, neurons: p.neurons ? neurons : 'all', shas, splitId: split.id });
  const flagged = nonFiniteNeurons(db, src.set.id);
  const dead = new Map(getStats(db, src.set.id).map((s) => [s.neuron, s.dead]));
  const stageSeconds: Record<string, number> = {};

  const captionSet = p.captioning === 'concepts' ? p.conceptSetId! : null;
  const shardOf = setShard(src, split.id, captionSet, { encoderId: encoder.id });
  const { out, mine, finish } = await neuronShardOutput(
    project,
    p.shard,
    neurons,
    () => ({
      kind: DND_KIND,
      ...shardOf.identity,
      params: { key: JSON.parse(key) as unknown, neurons },
      seeds: { dnd: p.seed, split: p.splitSeed },
    }),
    () => shardOf.copies,
    (outDb: Db) => {
      if (captionSet !== null) copyConcepts(db, outDb, captionSet);
    },
  );
  // Everything the job writes goes to `wdb` (the project, or the shard file, which also holds its model-call caches).
  const wdb = out.db;

  const result = await finish(
    runNeuronJob(
      out,
      {
        kind: DND_KIND,
        title: `Describe-and-Dissect ${src.set.tensorName} (${neurons.length} neurons)${p.shard ? `, shard ${p.shard.index}/${p.shard.count}` : ''}`,
        key,
        params: stored,
        scope: { activationSetId: p.activationSetId },
        what: 'Describe-and-Dissect run',
        neurons: mine,
        resumeJobId,
        store: labelRunStore(wdb, {
          activationSetId: src.set.id,
          method: 'dnd',
          key,
          conceptSetId: null,
          splitId: split.id,
          neurons,
          params: { ...stored, shas },
        }),
        result: runResult(wdb),
      },
      ctx,
      async ({ run, id, todo, neuronsDone, status }) => {
        run.recordProvenance({ hashes: shas, seeds: { dnd: p.seed, split: p.splitSeed } });
        const role = <M>(entry: LibraryEntry | undefined) =>
          entry && { entry, load: () => runtimeFor(entry as LibraryEntry & { role: never }, { signal: run.signal }) as Promise<M> };
        const enc = await encoderSession(encoder);
        const embedder: Embedder = {
          encoder: enc,
          dim: enc.dim,
          texts: async (texts, signal) => (await embedTextsCached(wdb, enc, texts, { signal })).vectors,
        };
        const concepts =
          p.captioning === 'concepts'
            ? await (async () => {
                const names = conceptNames(db, p.conceptSetId!);
                status(`embedding ${names.length} concepts`);
                return { names, vectors: await embedder.texts(names, run.signal) };
              })()
            : undefined;
        const scoring = labelScoring(db, src.probe.id, split.assignment);
        const imageIds = scoring.labels.imageIds;
        const env: Omit<DndEnv, 'column'> = {
          db,
          cache: wdb,
          deps: { db, sessions: sessionsOf(state), cache: tensorCacheOf(state), signal: run.signal },
          p,
          signal: run.signal,
          imageIds,
          embedder,
          captioner: role(models.captioner),
          lm: role(models.lm),
          generator: role(models.generator),
          concepts,
          status,
        };
        for (const neuron of todo) {
          run.throwIfCancelled();
          const column = readColumns(db, src.set, [neuron]).data;
          const isDead = dead.get(neuron) ?? false;
          let chain: NeuronChain | null = null;
          if (!isDead && !flagged.has(neuron)) {
            chain = await describeNeuron({ ...env, column }, neuron);
            for (const [k, v] of Object.entries(chain.seconds)) stageSeconds[k] = (stageSeconds[k] ?? 0) + v;
          }
          wdb.transaction(() => {
            const at = { explainRunId: id, activationSetId: src.set.id, neuron, runId: run.runId };
            const labels = chain?.labels.map((l) => l.concept) ?? [];
            if (labels.length) {
              storeLabels(wdb, at, 'dnd', [labels[0]], column, scoring);
              if (labels[1]) storeLabels(wdb, at, 'dnd_label2', [labels[1]], column, scoring);
              if (labels[2]) storeLabels(wdb, at, 'dnd_label3', [labels[2]], column, scoring);
              if (labels.length > 1) storeLabels(wdb, at, 'dnd_labels', labels, column, scoring);
            }
            const details = flagged.has(neuron)
              ? skippedDetails(flagged.get(neuron)!, src.set.nImages)
              : isDead
                ? { reason: 'dead: its largest activation on the probe set is below 0.01' }
                : { chain };
            repo.putNeuronState(wdb, id, neuron, isDead, details);
            neuronsDone(1);
          })();
        }
      },
      { startMessage: 'describing' },
    ),
  );
  return { ...result, stageSeconds };
}

export const dndJobKind: JobKind = {
  kind: DND_KIND,
  writeHeavy: false,
  // The stored params carry the run key too: parsing drops it, so the key is rebuilt from the parameters alone.
  resume: (state, stored, ctx, jobId) => runDnd(state, DndParamsSchema.parse(stored), ctx, jobId),
};

/** What dnd.run shards read from the project (they only read it): the seeded split. cluster.submit calls it. */
export function prepareDndShards(db: Db, input: unknown): void {
  const p = DndParamsSchema.parse(input);
  ensureSplit(db, resolveSet(db, p.activationSetId).probe.id, p.splitSeed);
}
