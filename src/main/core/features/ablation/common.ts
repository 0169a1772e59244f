import type { AblationRunInfo, ClassMapping, TemperatureInfo } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { fitTemperature, matrix, SPLIT_VAL, splitRows, type LossOracle, type Matrix } from '../../numeric/ablation';
import { resolveSet, ensureSplit, loadLabelConcepts, type SetContext } from '../explanations';
import { encoderSimulator, labelSimulator, type ExplanationSimulator } from '../concepts';
import type { StoredExplanation } from '../../platform/store/explanationRepo';
import * as acts from '../../platform/store/activationRepo';
import * as repo from '../../platform/store/ablationRepo';
import { getJob } from '../../platform/store/jobRepo';
import { findLayer } from '../../platform/store/modelRepo';
import type { Db } from '../../platform/store/open';
import type { NeuronRunStore } from '../../platform/jobs/neuronRun';
import type { JobRun } from '../../platform/jobs/runner';
import type { SplitRow } from '../../platform/store/splitRepo';
import { linearHeadOracle } from '../../numeric/ablation';
import { discoverHead, type FoundHead } from './head';
import { tailGraphOracle, tailRefusal, type OptimGradient } from './tailOracle';
import { requireMapped, resolveMapping, type ResolvedMapping } from './mapping';

// What both ablation jobs need: the activation set, its verified linear head, the class mapping (labels per
// image), the split and the temperature (given, or fitted on val and stored).

export type OraclePath = 'closed-form' | 'tail-graph';

export interface Prepared {
  src: SetContext;
  head: FoundHead;
  /** closed-form: the layer feeds the verified linear head; tail-graph: extractTail + onnxruntime on the recomputed layer tensor (any layout tailRefusal accepts). */
  path: OraclePath;
  mapping: ResolvedMapping;
  labels: Int32Array;
}

/**
 * Ablation and Top Impact refuse a set with NaN / +-Infinity (flagged at extraction): the loss of ablating one
 * neuron is computed from the whole layer (all neurons feed the head) and from the logits, so one non-finite
 * value makes that image's loss undefined for every neuron. Skipping the flagged neurons would not help.
 */
export function refuseNonFinite(set: SetContext['set'], what: string): void {
  if (!set.nonFiniteNeurons.length && !set.nonFiniteLogits) return;
  const parts = [
    ...(set.nonFiniteNeurons.length
      ? [
          `neurons ${set.nonFiniteNeurons.slice(0, 10).join(', ')}${set.nonFiniteNeurons.length > 10 ? ', ...' : ''} have NaN or +-Infinity activations`,
        ]
      : []),
    ...(set.nonFiniteLogits ? [`${set.nonFiniteLogits} stored logits are NaN or +-Infinity`] : []),
  ];
  throw new AppError(
    'non_finite',
    `${what} cannot use activation set ${set.id} (layer '${set.tensorName}'): ${parts.join(', and ')} (flagged at extraction). ` +
      "Ablating one neuron recomputes the loss from the whole layer, so these values would make every neuron's score undefined. " +
      'Fix the model (or pick a layer without non-finite values) and extract again.',
    { activationSetId: set.id, nonFiniteNeurons: set.nonFiniteNeurons, nonFiniteLogits: set.nonFiniteLogits },
  );
}

export async function prepare(db: Db, activationSetId: number, mapping?: ClassMapping, what = 'Ablation'): Promise<Prepared> {
  const src = resolveSet(db, activationSetId);
  refuseNonFinite(src.set, what);
  const head = await discoverHead(db, src);
  let path: OraclePath = 'closed-form';
  if (!head.head) {
    const shape = findLayer(db, src.set.modelId, src.set.tensorName)?.shape ?? [];
    const why = tailRefusal(shape, src.set.summary);
    if (why) {
      throw new AppError(
        'bad_input',
        `ablation cannot score layer '${src.set.tensorName}' (${src.set.summary}): it feeds no linear head (${head.info.reason ?? 'not linear'}), and for the tail-graph path ${why}.`,
        head.info,
      );
    }
    path = 'tail-graph';
  }
  const m = resolveMapping(db, src, mapping);
  return { src, head, path, mapping: m, labels: requireMapped(m) };
}

/**
 * The LossOracle of a prepared set: closed form through the linear head, else the tail graph (recomputes maps;
 * `gradients`: also load its derivative graph, for Optim), and how it differentiates.
 */
export async function makeOracle(
  db: Db,
  prep: Prepared,
  A: Matrix,
  temperature: number,
  signal?: AbortSignal,
  gradients = true,
): Promise<{ oracle: LossOracle; gradient: OptimGradient; release: () => Promise<void> }> {
  if (prep.head.head)
    return {
      oracle: await linearHeadOracle(A, prep.head.head, prep.labels, temperature),
      gradient: prep.head.info.gradient,
      release: async () => undefined,
    };
  const t = await tailGraphOracle(db, prep.src, A, prep.labels, temperature, signal, undefined, gradients);
  return { oracle: t, gradient: t.gradient, release: () => t.release() };
}

/**
 * The stored temperature fit for (set, split, mapping), fitting and storing it when missing; `storedOnly` (a shard,
 * which only reads the project) refuses when it is missing.
 */
export function ensureTemperature(
  db: Db,
  src: SetContext,
  split: SplitRow,
  m: ResolvedMapping,
  labels: Int32Array,
  storedOnly = false,
): TemperatureInfo {
  const found = repo.getTemperature(db, src.set.id, split.id, m.key);
  const info = (t: repo.TemperatureRow | Omit<repo.TemperatureRow, 'id'>): TemperatureInfo => ({
    activationSetId: src.set.id,
    splitId: split.id,
    temperature: t.temperature,
    nll: t.nll,
    nllAtOne: t.nllAtOne,
    valImages: t.valImages,
    atBound: t.atBound,
  });
  if (found) return info(found);
  if (storedOnly)
    throw new AppError(
      'bad_input',
      `The project has no fitted temperature for activation set ${src.set.id} (split seed ${split.seed}) yet, and a shard only reads the project: run ablation.temperature --activationSetId ${src.set.id} --seed ${split.seed} once before the shards (cluster.submit does), or give --temperature.`,
      { activationSetId: src.set.id, field: 'temperature' },
    );
  const val = splitRows(split.assignment, SPLIT_VAL);
  if (!val.length) throw new AppError('bad_input', 'The split has no val images to fit the temperature on.');
  const z = acts.readMatrix(db, src.set.id, 'logits');
  const fit = fitTemperature(matrix(z, src.set.nImages, src.set.nLogits), labels, val);
  const row = {
    activationSetId: src.set.id,
    splitId: split.id,
    mappingKey: m.key,
    temperature: fit.temperature,
    nll: fit.nll,
    nllAtOne: fit.nllAtOne,
    valImages: val.length,
    atBound: fit.atBound,
  };
  repo.putTemperature(db, row);
  return info(row);
}

export function defaultSplit(db: Db, src: SetContext, seed: number): SplitRow {
  return ensureSplit(db, src.probe.id, seed).split;
}

/** The stored activations as an N x K matrix. */
export function activations(db: Db, src: SetContext): Matrix {
  return matrix(acts.readMatrix(db, src.set.id, 'act'), src.set.nImages, src.set.nNeurons);
}

/** Columns `cols` of an N x K matrix as N x cols.length (float64). */
export function subColumns(m: Matrix, cols: readonly number[]): Matrix {
  const out = new Float64Array(m.rows * cols.length);
  for (let r = 0; r < m.rows; r++) for (let j = 0; j < cols.length; j++) out[r * cols.length + j] = m.data[r * m.cols + cols[j]];
  return matrix(out, m.rows, cols.length);
}

/** An oracle whose neuron j is neuron cols[j] of `inner`: lets the core run on a block's sub-matrix. */
export function blockOracle<O extends LossOracle>(inner: O, cols: readonly number[]): LossOracle {
  const g = (j: number): number => cols[j];
  return {
    numImages: inner.numImages,
    losses: (j, v, idx) => inner.losses(g(j), v, idx),
    evaluate: inner.evaluate ? (j, v, idx, want) => inner.evaluate!(g(j), v, idx, want) : undefined,
    baseline: inner.baseline ? (idx) => inner.baseline!(idx) : undefined,
    absChangeObjective: inner.absChangeObjective ? (j, s, idx) => inner.absChangeObjective!(g(j), s, idx) : undefined,
  };
}

/** NaN / infinities to null (JSON and the contract carry finite numbers only). */
export const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function sortedNeurons(list: readonly number[] | undefined, all: readonly number[], nNeurons: number): number[] {
  if (!list) return [...all];
  const bad = list.find((k) => k >= nNeurons);
  if (bad !== undefined)
    throw new AppError('bad_input', `Neuron ${bad} is out of range: the layer has ${nNeurons} neurons (0..${nNeurons - 1}).`);
  const have = new Set(all);
  return [...new Set(list)].filter((k) => have.has(k)).sort((a, b) => a - b);
}

export function ablationRunInfo(db: Db, r: repo.AblationRunRow): AblationRunInfo {
  const done = repo.countAblationNeurons(db, r.id);
  let status: AblationRunInfo['status'] = 'done';
  if (!r.complete) {
    const job = r.jobId === null ? undefined : getJob(db, r.jobId);
    status = job && job.status !== 'done' ? job.status : 'interrupted';
  }
  return {
    id: r.id,
    kind: r.kind,
    activationSetId: r.activationSetId,
    explainRunId: r.explainRunId,
    status,
    jobId: r.jobId,
    temperature: r.params.temperature as number,
    temperatureSource: r.params.temperatureSource as 'fitted' | 'given',
    neuronsTotal: r.neurons.length,
    neuronsDone: done,
    params: r.params,
    createdAt: r.createdAt,
  };
}

export function requireAblationRun(db: Db, id: number, kind: repo.AblationKind): repo.AblationRunRow {
  const r = repo.getAblationRun(db, id);
  if (!r || r.kind !== kind)
    throw new AppError('not_found', `${kind === 'ablation' ? 'Ablation' : 'Top Impact'} run ${id} does not exist in this project.`);
  return r;
}

/** The ablation_runs rows of one keyed run (ablation or Top Impact) for the shared neuron-run routine. */
export function ablationRunStore(
  db: Db,
  kind: repo.AblationKind,
  activationSetId: number,
  key: string,
  neurons: readonly number[],
  row: (run: JobRun) => { explainRunId: number | null; params: Record<string, unknown> },
): NeuronRunStore {
  return {
    find: () => repo.findAblationRun(db, kind, activationSetId, key),
    create: (run) =>
      repo.createAblationRun(db, { kind, activationSetId, key, neurons: [...neurons], runId: run.runId, jobId: run.jobId, ...row(run) }),
    attach: (id, run) => repo.setAblationRunJob(db, id, run.jobId),
    doneNeurons: (id) => repo.doneAblationNeurons(db, id),
    complete: (id) => repo.completeAblationRun(db, id),
  };
}

/**
 * The simulator ablation.run scores under: the label simulator, or a calibrated encoder over every concept text of
 * the run's explanations (the same list in every shard, so P_sim is the same). `cachedOnly`: a shard's hint.
 */
export async function ablationSimulator(
  db: Db,
  simulator: 'label' | number,
  probeSetId: number,
  explanations: readonly StoredExplanation[],
  phase: { signal?: AbortSignal; cachedOnly?: string } = {},
): Promise<ExplanationSimulator> {
  if (simulator === 'label') return labelSimulator(loadLabelConcepts(db, probeSetId));
  const texts = explanations.flatMap((e) => e.terms.map((t) => t.concept));
  return encoderSimulator(db, simulator, probeSetId, texts, phase);
}
