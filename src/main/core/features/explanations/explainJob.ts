import type { CallContext } from '../../../../shared/define';
import { ExplainParamsSchema, type ExplainParams, type ExplainRunInfo, type ShardInfo } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import type { Db } from '../../platform/store/open';
import { explainLayer, type DenseMatrix } from '../../numeric/le';
import type { JobKind } from '../../platform/jobs/registry';
import { runNeuronJob } from '../../platform/jobs/neuronRun';
import type { JobRun } from '../../platform/jobs/runner';
import * as repo from '../../platform/store/explanationRepo';
import { nonFiniteNeurons } from '../../platform/store/activationRepo';
import { DEFAULT_FRACTIONS, ensureSplit, getStoredSplit, readColumns, requireSplitFits, resolveSet, setShard } from './context';
import { neuronShardOutput } from '../../platform/jobs/shards';
import { copyConcepts, copyRow } from '../../platform/store/shardRepo';
import { requireGivenSplit } from './splitFile';
import { conceptsOf, planConcepts, type ConceptPlan } from './conceptPlan';
import { loadLabelConcepts, type LabelConcepts } from './labelConcepts';
import { labelWeights, scoreByLabels } from './scoring';
import type { StoredTerm } from '../../platform/store/explanationRepo';
import { runInfo } from './runInfo';
import { writeNeuronResult } from './writeResults';

// explain.run as a job of the shared runner. The work is split into blocks of neurons; each block's
// explanations, scores and "neuron done" rows commit in one transaction with the job's progress, so a
// cancel or kill loses at most the block in flight and a resume (jobs.resume, or the same call again)
// continues with the neurons not yet done. LE results of a neuron do not depend on which block it is in.

export const EXPLAIN_KIND = 'explain.run';

export interface ExplainOutput {
  run: ExplainRunInfo;
  seconds: number;
  reused: boolean;
  shard?: ShardInfo;
}

/** Sorted, unique, in range. */
function neuronList(p: ExplainParams, nNeurons: number): number[] {
  if (!p.neurons) return Array.from({ length: nNeurons }, (_, i) => i);
  const bad = p.neurons.find((k) => k >= nNeurons);
  if (bad !== undefined)
    throw new AppError('bad_input', `Neuron ${bad} is out of range: the layer has ${nNeurons} neurons (0..${nNeurons - 1}).`);
  return [...new Set(p.neurons)].sort((a, b) => a - b);
}

/** What a skipped neuron's "done" row says (results.ts shows `reason`). */
export function skippedDetails(count: number, nImages: number): Record<string, unknown> {
  return {
    skipped: 'non_finite',
    nonFinite: count,
    reason: `skipped: ${count} of ${nImages} activations are NaN or +-Infinity (flagged at extraction)`,
  };
}

/** A call whose neurons are all flagged would explain nothing: refuse it, naming them. */
function refuseAllFlagged(neurons: readonly number[], flagged: ReadonlyMap<number, number>, setId: number, nImages: number): void {
  if (!flagged.size || neurons.some((k) => !flagged.has(k))) return;
  const list = neurons
    .slice(0, 10)
    .map((k) => `${k} (${flagged.get(k)} of ${nImages})`)
    .join(', ');
  throw new AppError(
    'non_finite',
    `Every requested neuron of activation set ${setId} has NaN or +-Infinity activations (flagged at extraction): ${list}${neurons.length > 10 ? ', ...' : ''}. ` +
      'A correlation over them is undefined, so explain.run skips flagged neurons; choose others (activations.list shows nonFiniteNeurons).',
    { activationSetId: setId, neurons: [...neurons] },
  );
}

/** Everything that changes results, canonical: the same key over the same activation set is the same run. */
function runKey(p: ExplainParams, source: ConceptPlan, splitId: number): string {
  const { lambda, lambdaSelection, eta, maxConcepts, width, eps, order, seed } = p;
  return JSON.stringify({
    method: source.method,
    concepts: source.conceptSha,
    ...(source.encoder
      ? {
          encoder: source.encoder.row.sha256,
          a: source.encoder.calibration.a,
          b: source.encoder.calibration.b,
          filter: source.encoder.filter,
        }
      : {}),
    splitId,
    seed,
    lambda: lambdaSelection === 'val' ? null : lambda,
    lambdaSelection,
    eta,
    maxConcepts,
    width,
    eps,
    order,
    neurons: p.neurons ? [...new Set(p.neurons)].sort((a, b) => a - b) : 'all',
  });
}

/** Small problems are exact and fast in float64 JS; big ones need onnxruntime's MatMul. */
const engineFor = (nTrain: number, m: number, kb: number): 'js' | 'onnx' => (nTrain * m * (m + kb) <= 1e8 ? 'js' : 'onnx');

export async function runExplain(state: BackendState, p: ExplainParams, ctx: CallContext, resumeJobId?: number): Promise<ExplainOutput> {
  const project = state.requireProject();
  const { db } = project;
  // Refuse bad input before a job row exists.
  const src = resolveSet(db, p.activationSetId);
  const neurons = neuronList(p, src.set.nNeurons);
  const flagged = nonFiniteNeurons(db, src.set.id);
  refuseAllFlagged(neurons, flagged, src.set.id, src.set.nImages);
  if (p.splitId === undefined) requireSplitFits(src.probe);
  const given = p.splitId === undefined ? null : requireGivenSplit(db, src.probe, p.splitId);
  const plan = planConcepts(db, p, src.probe.id, src.probe.name);
  const split = given ?? (p.shard ? shardSplit(db, src.probe.id, p.seed) : ensureSplit(db, src.probe.id, p.seed).split);
  const key = runKey(p, plan, split.id);
  // The concept set the key names (labels, or the encoder's source set; a top-5 filtered set is found later).
  const sourceSetId = plan.labels?.conceptSetId ?? plan.encoder!.conceptSetId;
  // A shard computes a contiguous range of the run's neurons into its shard file: the run machinery (job row,
  // provenance, blocks, resume) works on the shard file; the project (activations, labels, split) is only read.
  const { shard: _shard, ...stored } = p;
  const shardOf = setShard(src, split.id, sourceSetId, plan.encoder ? { encoderId: plan.encoder.row.id } : {});
  const { out, mine, finish } = await neuronShardOutput(
    project,
    p.shard,
    neurons,
    () => ({
      kind: 'explain.run',
      ...shardOf.identity,
      params: { key: JSON.parse(key) as unknown, neurons },
      seeds: { split: p.seed },
    }),
    () => shardOf.copies,
    (outDb) => copyConcepts(db, outDb, sourceSetId),
  );
  const title = `Explain ${src.set.tensorName} (${plan.method === 'le_label' ? 'LE, labels' : `LE, ${plan.encoder!.row.name}`}, ${neurons.length} neurons)`;
  let concepts!: Awaited<ReturnType<typeof conceptsOf>>;
  const skipped = neurons.filter((k) => flagged.has(k));
  const wdb = out.db;

  const result = runNeuronJob(
    out,
    {
      kind: EXPLAIN_KIND,
      title: p.shard ? `${title}, shard ${p.shard.index}/${p.shard.count}` : title,
      key,
      params: stored,
      scope: { activationSetId: p.activationSetId },
      what: 'explanation run',
      neurons: mine,
      resumeJobId,
      store: {
        find: () => repo.findExplainRun(wdb, p.activationSetId, key),
        create: (run) =>
          repo.createExplainRun(wdb, {
            activationSetId: p.activationSetId,
            method: plan.method,
            runId: run.runId,
            jobId: run.jobId,
            conceptSetId: concepts.conceptSetId,
            splitId: split.id,
            key,
            neurons,
            params: {
              ...stored,
              ...(plan.encoder
                ? { explainerSha: plan.encoder.row.sha256, calibration: { a: plan.encoder.calibration.a, b: plan.encoder.calibration.b } }
                : {}),
              ...(skipped.length ? { skippedNonFinite: skipped } : {}),
            },
          }),
        attach: (id, run) => repo.setExplainRunJob(wdb, id, run.jobId, run.runId),
        doneNeurons: (id) => repo.doneNeurons(wdb, id),
        complete: (id) => repo.completeExplainRun(wdb, id),
      },
      result: (id, seconds, reused) => ({ run: runInfo(wdb, repo.getExplainRun(wdb, id)!), seconds, reused }),
    },
    ctx,
    async ({ run, id, todo, neuronsDone, status }) => {
      const q = readColumns(db, src.set, todo);
      await explainBlocks(
        run,
        {
          q,
          todo,
          matrix: concepts.matrix,
          names: concepts.names,
          split: split.assignment,
          p,
          explainRunId: id,
          activationSetId: src.set.id,
          method: plan.method,
          simulator: plan.simulator,
          labels: plan.method === 'le_siglip' ? loadLabelConcepts(db, src.probe.id) : undefined,
          engineNeurons: neurons.length,
        },
        { neuronsDone, status },
      );
    },
    {
      startMessage: 'explaining',
      prepare: async (run) => {
        // A shard reads the embeddings (and a filtered set) stored beforehand; prepareExplainShards stores them.
        concepts = await conceptsOf(db, plan, src.probe.id, {
          signal: run.signal,
          progress: (message) => run.progress(0, 1, message),
          cachedOnly: p.shard ? 'store them once before the shards (cluster.submit does, as explain.run would).' : undefined,
        });
        if (wdb !== db && concepts.conceptSetId !== sourceSetId)
          wdb.transaction(() => {
            copyRow(db, wdb, 'concept_sets', concepts.conceptSetId);
            copyConcepts(db, wdb, concepts.conceptSetId);
          })();
      },
      start: (run, id) => {
        run.recordProvenance({
          hashes: {
            model: src.modelSha,
            manifest: src.manifestHash,
            conceptSet: plan.conceptSha,
            activationSet: String(src.set.id),
            ...(plan.encoder ? { encoder: plan.encoder.row.sha256 } : {}),
          },
          seeds: { split: p.seed },
        });
        // Neurons flagged at extraction (NaN / +-Infinity stored): a correlation over them is undefined, so they
        // are skipped, each with its reason recorded as its "done" row (results show it; means leave it out).
        const done = repo.doneNeurons(wdb, id);
        const skip = mine.filter((k) => flagged.has(k) && !done.has(k));
        if (skip.length) {
          wdb.transaction(() => {
            for (const k of skip) repo.putNeuronState(wdb, id, k, false, skippedDetails(flagged.get(k)!, src.set.nImages));
          })();
        }
      },
    },
  );
  return finish(result);
}

/** A shard only reads the project: the seeded split must be stored already (split.ensure), as the single run would make it. */
export function shardSplit(db: Db, probeSetId: number, seed: number) {
  const s = getStoredSplit(db, probeSetId, seed, DEFAULT_FRACTIONS);
  if (!s)
    throw new AppError(
      'bad_input',
      `The project has no split of probe set ${probeSetId} with seed ${seed} yet: run split.ensure --probeSetId ${probeSetId} --seed ${seed} once before the shards.`,
    );
  return s;
}

interface BlockInput {
  q: DenseMatrix;
  todo: number[];
  matrix: DenseMatrix;
  names: string[];
  split: Uint8Array;
  p: ExplainParams;
  explainRunId: number;
  activationSetId: number;
  method: 'le_label' | 'le_siglip';
  simulator: string;
  /** The probe set's labels (LE(SigLIP) runs: for label-simulator scores). */
  labels?: LabelConcepts;
  /** Neurons of the whole run (a shard does a part): the engine choice must not depend on the shard. */
  engineNeurons: number;
}

async function explainBlocks(
  run: JobRun,
  b: BlockInput,
  report: { neuronsDone: (n: number) => void; status: (message: string) => void },
): Promise<void> {
  const { q, todo, p } = b;
  const nTrain = b.split.reduce((a, s) => a + (s === 0 ? 1 : 0), 0);
  // LE(SigLIP) explanations made only of labels are also scored under the label simulator, so the means
  // table can put them next to LE(Label) under the same simulator.
  const labelScore = (col: number) => (terms: StoredTerm[], bias: number) => {
    const w = b.labels ? labelWeights(b.labels, terms) : null;
    if (!w) return null;
    const act = Float32Array.from({ length: q.rows }, (_, r) => q.data[r * q.cols + col]);
    return scoreByLabels(b.labels!, b.split, act, w, bias);
  };
  // One explainLayer call for all neurons still to do: the concepts' Gram matrix (the expensive part with
  // thousands of image-text concepts) is computed once; each block of neurons commits in one transaction
  // with the job's progress as soon as it is done.
  await explainLayer(
    { concepts: b.matrix, activations: q, split: b.split },
    {
      lambda: p.lambda,
      eta: p.eta,
      lambdaSelection: p.lambdaSelection === 'val' ? 'valPath' : 'fixed',
      greedy: { maxConcepts: p.maxConcepts, width: p.width, eps: p.eps, order: p.order },
      blockSize: p.blockSize,
      engine: engineFor(nTrain, b.matrix.cols, b.engineNeurons),
      signal: run.signal,
      onRows: (done, total) => report.status(`concept cross products: ${done} of ${total} train images`),
      onBlock: (results) => {
        run.throwIfCancelled();
        run.db.transaction(() => {
          for (const r of results) {
            writeNeuronResult(run, {
              explainRunId: b.explainRunId,
              activationSetId: b.activationSetId,
              neuron: todo[r.neuron],
              names: b.names,
              result: r,
              method: b.method,
              simulator: b.simulator,
              labelScore: b.method === 'le_siglip' ? labelScore(r.neuron) : undefined,
            });
          }
          report.neuronsDone(results.length);
        })();
      },
    },
  );
}

export const explainJobKind: JobKind = {
  kind: EXPLAIN_KIND,
  // Small writes per block; must not block extraction of another layer (SQLite serialises the commits).
  writeHeavy: false,
  resume: (state, stored, ctx, jobId) => runExplain(state, ExplainParamsSchema.parse(stored), ctx, jobId),
};

/**
 * What explain.run shards need stored in the project before they run read-only: the seeded split, and the label
 * concept set (labels) or the image and concept embeddings and the top-5 filtered set (encoder concepts), all the
 * rows the single run would store. cluster.submit calls it.
 */
export async function prepareExplainShards(db: Db, p: ExplainParams): Promise<void> {
  const src = resolveSet(db, p.activationSetId);
  const plan = planConcepts(db, p, src.probe.id, src.probe.name);
  if (p.splitId === undefined) {
    requireSplitFits(src.probe);
    ensureSplit(db, src.probe.id, p.seed);
  }
  await conceptsOf(db, plan, src.probe.id);
}
