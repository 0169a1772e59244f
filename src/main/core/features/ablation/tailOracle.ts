import { join } from 'node:path';
import { ort } from '../../onnx/ort';
import { AppError } from '../../../../shared/errors';
import type { LinearHeadInfo } from '../../../../shared/contract';
import type { Summary } from '../../../../shared/contract';
import { logSumExp, type FloatArray, type LossOracle, type Matrix, type OracleResult, type OracleWants } from '../../numeric/ablation';
import { neuronSlot, slotRefusal, type NeuronSlot, type NeuronSummary } from '../../numeric/ablation/replaceNeuron';
import type { SetContext } from '../explanations';
import { exposeOutputs, extractTail, tailSideInputs } from '../../onnx/graph';
import { jvpModel, NoDerivativeRule, type JvpModel } from '../../onnx/jvp';
import { loadForRun } from '../models';
import { encodeModel, type ModelProto } from '../../onnx/onnxProto';
import { decodePixels, pixelsToTensor, pixelTable } from '../../onnx/preprocess';
import { createSession, type Session } from '../../onnx/session';
import { planSummary } from '../../numeric/stats/summary';
import { findLayer, getModel } from '../../platform/store/modelRepo';
import { probeImages } from '../../platform/store/imageRepo';
import type { Db } from '../../platform/store/open';

// The tail-graph LossOracle for layers that do not feed a linear head: 4-D maps (NCHW or NHWC) summarised by
// mean/max, token tensors [N,T,D] summarised by cls/token_mean, 2-D features [N,D] (identity). The stored
// activations are summaries, so the full layer tensor is recomputed once from the images (one model run over
// the probe set: expensive), checked against the stored summaries, and kept in memory, together with any
// tensor computed before the layer that the tail also reads (a skip connection, e.g. a transformer block's
// residual around its MLP: it does not depend on the layer, so it is fed unchanged). Replacing neuron k by a
// value v rewrites the layer tensor of each image by replaceNeuron.ts's rule for the summary (neuronSlot) and
// runs graph.extractTail(layer [+ side inputs] -> logits) with onnxruntime. Models with a fixed batch size run
// in batches of exactly that size (the last one zero-padded, its padded rows dropped), like extraction.
// Gradients for Optim: the tail's forward-mode derivative graph (inference/jvp.ts) gives d logits / dv exactly in
// one run per batch (tangent: the replaced neuron's elements move by 1); dL/dv follows by the chain rule. When an
// op of the tail has no derivative rule, Optim falls back to central finite differences and the run says why.

const BATCH = 256;
/** Refuse to hold more than this many bytes of recomputed tensors (layer + side inputs). */
export const TAIL_MAX_BYTES = 1.5e9;
const SUMMARY_TOLERANCE = 1e-4;

export interface TailOracle extends LossOracle {
  evaluate(neuron: number, values: FloatArray, imageIdx: Int32Array, want: OracleWants): Promise<OracleResult>;
  baseline(imageIdx: Int32Array): Promise<{ losses: Float64Array; correct: Uint8Array }>;
  /** Raw logits [imageIdx.length x classes] with neuron `neuron` replaced by values[r] (neuron < 0 or values null: unchanged). */
  logits(neuron: number, values: FloatArray | null, imageIdx: Int32Array): Promise<Float32Array>;
  /** The recomputed layer tensor of image i (a copy), and the layout of one image's tensor. */
  layerTensor(i: number): Float32Array;
  readonly slot: NeuronSlot;
  /** Tensors computed before the layer that the tail reads (skip connections), fed unchanged. */
  readonly sideInputs: readonly string[];
  /** Batch size of every tail run (the model's fixed batch size, else up to 256). */
  readonly batchSize: number;
  release(): Promise<void>;
  /** Max |summary(recomputed tensor) - stored summary|. */
  readonly summaryError: number;
  /** How Optim's dL/dv is computed on this tail (built with `gradients`; without, Optim would use finite differences). */
  readonly gradient: OptimGradient;
}

/** How Optim gets dL/dv (stored with every ablation run; shown by the wizard). */
export type OptimGradient = LinearHeadInfo['gradient'];

/**
 * The forward-mode derivative graph of a tail model (input: the layer tensor), or why there is none (an op
 * without a derivative rule: Optim then uses finite differences).
 */
export function tailJvp(tail: ModelProto, tensorName: string, logitsName: string): { jvp: JvpModel | null; gradient: OptimGradient } {
  try {
    return { jvp: jvpModel(tail, tensorName, [logitsName]), gradient: { method: 'forward-mode', reason: null } };
  } catch (err) {
    if (!(err instanceof NoDerivativeRule)) throw err;
    return { jvp: null, gradient: { method: 'finite-difference', reason: `the tail graph has ${err.message}` } };
  }
}

/** tailJvp for the tail of `model` from `tensorName` (shapes left symbolic): what the wizard shows before a run. */
export function tailGradient(model: ModelProto, tensorName: string, logitsName: string): OptimGradient {
  let tail: ModelProto;
  try {
    const sides = tailSideInputs(model, tensorName, [logitsName]);
    tail = extractTail(model, tensorName, [logitsName], ['batch'], Object.fromEntries(sides.map((t) => [t, ['batch']])));
  } catch (err) {
    return { method: 'finite-difference', reason: err instanceof Error ? err.message : String(err) };
  }
  return tailJvp(tail, tensorName, logitsName).gradient;
}

/** Why the tail-graph path cannot replace a neuron of this layer (shape with batch axis), or null. */
export function tailRefusal(shape: readonly number[], summary: string): string | null {
  return slotRefusal(shape, summary);
}

export async function tailGraphOracle(
  db: Db,
  src: SetContext,
  acts: Matrix,
  labels: Int32Array,
  temperature: number,
  signal?: AbortSignal,
  onProgress?: (done: number, total: number) => void,
  /** Build the derivative session (Optim needs it; Norm and Top Impact do not: it is a second copy of the tail's weights). */
  gradients = true,
): Promise<TailOracle> {
  const { set } = src;
  const model = getModel(db, set.modelId)!;
  const layer = findLayer(db, set.modelId, set.tensorName);
  const shape = layer?.shape ?? [];
  const refusal = slotRefusal(shape, set.summary);
  if (refusal) throw new AppError('bad_input', `The tail-graph ablation path cannot use layer '${set.tensorName}': ${refusal}.`);
  const summary = set.summary as NeuronSummary;
  const channelAxis = shape.length === 4 ? (planSummary(shape, summary as Summary, model.info.layout).channelAxis ?? 1) : 1;
  const n = set.nImages;
  const fixed = model.info.fixedBatch;
  const step = fixed ?? BATCH;
  const loaded = await loadForRun(model);
  const logitsName = model.info.logitsOutput;
  const sides = tailSideInputs(loaded.proto, set.tensorName, [logitsName]);
  const pre = model.preprocessing;
  const table = pixelTable(pre);
  const rank = model.info.inputs.find((i) => i.name === model.info.imageInput)?.dims.length ?? 4;
  const [ph, pw] = pre.size;
  const perIn = ph * pw * pre.channels;
  const inDims = (b: number): number[] =>
    rank === 3 ? [b, ph, pw] : pre.layout === 'NHWC' ? [b, ph, pw, pre.channels] : [b, pre.channels, ph, pw];

  // 1. The layer tensor (and the side inputs) of every image (image-id order = activation rows).
  const paths = probeImages(db, src.probe.id).map((r) => join(src.probe.rootPath, r.relPath));
  const names = [set.tensorName, ...sides];
  let slot: NeuronSlot | null = null;
  let sideDims: number[][] = [];
  let sizes: number[] = [];
  let store: Float32Array[] = [];
  const full = (await createSession(encodeModel(exposeOutputs(loaded.proto, names)))).session;
  try {
    for (let s = 0; s < n; s += step) {
      signal?.throwIfAborted();
      const b = Math.min(step, n - s);
      const x = new Float32Array((fixed ?? b) * perIn); // a fixed batch is zero-padded; padded rows are dropped
      await Promise.all(
        Array.from({ length: b }, async (_, i) => pixelsToTensor(await decodePixels(paths[s + i], pre), pre, table, x, i * perIn)),
      );
      const res = await full.run({ [model.info.imageInput]: new ort.Tensor('float32', x, inDims(fixed ?? b)) }, names);
      const outs = names.map((name) => {
        const t = res[name];
        if (t.type !== 'float32')
          throw new AppError(
            'bad_input',
            `The tail-graph ablation path needs float32 tensors; '${name}' is ${t.type}${name === set.tensorName ? '' : ' (a tensor computed before the layer that the tail also reads)'}.`,
          );
        if (t.dims[0] !== (fixed ?? b))
          throw new AppError(
            'bad_input',
            `The tail-graph ablation path needs per-image tensors with the batch first; '${name}' has shape [${t.dims.join(', ')}] for a batch of ${fixed ?? b}.`,
          );
        return { data: t.data as Float32Array, dims: t.dims.map(Number) };
      });
      if (!slot) {
        const dims = outs[0].dims.slice(1);
        slot = neuronSlot(dims, summary, channelAxis);
        if (slot.neurons !== set.nNeurons)
          throw new AppError(
            'bad_input',
            `Layer '${set.tensorName}' gives ${slot.neurons} neurons per image [${dims.join(', ')}] but the activation set stored ${set.nNeurons}. Extract the layer again.`,
          );
        sideDims = outs.slice(1).map((o) => o.dims.slice(1));
        sizes = [slot.size, ...sideDims.map((d) => d.reduce((a, c) => a * c, 1))];
        const bytes = n * sizes.reduce((a, c) => a + c, 0) * 4;
        if (bytes > TAIL_MAX_BYTES) {
          throw new AppError(
            'bad_input',
            `Recomputing '${set.tensorName}'${sides.length ? ` and ${sides.length} skip-connection tensor(s)` : ''} for ${n} images needs ${(bytes / 1e9).toFixed(2)} GB of memory (limit ${TAIL_MAX_BYTES / 1e9} GB). Use fewer images or a pooled layer.`,
          );
        }
        store = sizes.map((sz) => new Float32Array(n * sz));
      }
      outs.forEach((o, j) => {
        if (o.data.length !== (fixed ?? b) * sizes[j])
          throw new AppError('bad_input', `'${names[j]}' changed shape between batches ([${o.dims.join(', ')}]).`);
        store[j].set(o.data.subarray(0, b * sizes[j]), s * sizes[j]);
      });
      onProgress?.(Math.min(n, s + b), n);
    }
  } finally {
    await full.release();
  }
  if (!slot) throw new AppError('bad_input', 'The activation set has no images.');
  const sl: NeuronSlot = slot;
  const maps = store[0];
  const per = sl.size;
  let summaryError = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < sl.neurons; k++) {
      const v = sl.read(maps, i * per, k);
      const want = acts.data[i * acts.cols + k];
      const err = Math.abs(v - want);
      summaryError = Math.max(summaryError, err);
      if (!(err <= SUMMARY_TOLERANCE * Math.max(1, Math.abs(want)))) {
        throw new AppError(
          'bad_input',
          `Recomputed '${set.tensorName}' differs from the stored activations (image row ${i}, neuron ${k}: ${v} vs ${want}). Was the model or its preprocessing changed? Extract the layer again.`,
        );
      }
    }
  }

  // 2. The tail sub-graph (layer + side inputs -> logits) and the unablated losses.
  const batchDim = fixed ?? 'batch';
  const sideSpec = Object.fromEntries(sides.map((t, j) => [t, [batchDim, ...sideDims[j]]]));
  const tailModel = extractTail(loaded.proto, set.tensorName, [logitsName], [batchDim, ...sl.dims], sideSpec);
  const tail: Session = (await createSession(encodeModel(tailModel))).session;
  const derivative = tailJvp(tailModel, set.tensorName, logitsName);
  let gradient = derivative.gradient;
  let jvp: { session: Session; input: string; output: string } | null = null;
  if (gradients && derivative.jvp) {
    try {
      jvp = {
        session: (await createSession(encodeModel(derivative.jvp.model))).session,
        input: derivative.jvp.tangentInput,
        output: derivative.jvp.tangentOutputs[0],
      };
    } catch (err) {
      // A derivative graph onnxruntime refuses (an op/type combination a rule did not foresee): finite differences,
      // and the run says why, rather than a failed job.
      gradient = {
        method: 'finite-difference',
        reason: `onnxruntime could not load the tail's derivative graph: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  }
  const nClasses = set.nLogits;
  const invT = 1 / temperature;
  const lossOf = (z: FloatArray, o: number, y: number): number => logSumExp(z, o, nClasses, invT) - z[o + y] * invT;
  const argmax = (z: FloatArray, o: number): number => {
    let best = 0;
    for (let j = 1; j < nClasses; j++) if (z[o + j] > z[o + best]) best = j;
    return best;
  };
  // The tangent batch of neuron k, built once per neuron (grown to the largest batch) and reused by every Adam
  // step: d(replace(x, k, v))/dv is 1 on every element the replacement rule writes (it shifts or sets them to
  // follow v), i.e. replace() applied to zeros with v = 1, the same for every image (padded rows get it too).
  let tangentCache: { neuron: number; rows: number; data: Float32Array } | null = null;
  function tangentBatch(neuron: number, rows: number): Float32Array {
    if (tangentCache?.neuron !== neuron || tangentCache.rows < rows) {
      const one = new Float32Array(per);
      sl.replace(one, 0, neuron, 1);
      const data = new Float32Array(rows * per);
      for (let r = 0; r < rows; r++) data.set(one, r * per);
      tangentCache = { neuron, rows, data };
    }
    return tangentCache.data.subarray(0, rows * per);
  }
  /**
   * Logits of images idx with neuron `neuron` of each replaced so its summary is values[r] (neuron < 0: unchanged);
   * with `tangents`, also d logits / d values[r] (the derivative graph; needs jvp and neuron >= 0).
   */
  async function run(neuron: number, values: FloatArray | null, idx: Int32Array, tangents?: Float32Array): Promise<Float32Array> {
    const z = new Float32Array(idx.length * nClasses);
    for (let s = 0; s < idx.length; s += step) {
      const b = Math.min(step, idx.length - s);
      const rows = fixed ?? b;
      const xs = sizes.map((sz) => new Float32Array(rows * sz));
      for (let r = 0; r < b; r++) {
        const i = idx[s + r];
        sizes.forEach((sz, j) => xs[j].set(store[j].subarray(i * sz, (i + 1) * sz), r * sz));
        if (neuron >= 0 && values) sl.replace(xs[0], r * per, neuron, values[s + r]);
      }
      const feeds: Record<string, ort.Tensor> = { [set.tensorName]: new ort.Tensor('float32', xs[0], [rows, ...sl.dims]) };
      sides.forEach((t, j) => (feeds[t] = new ort.Tensor('float32', xs[j + 1], [rows, ...sideDims[j]])));
      if (tangents && jvp) {
        feeds[jvp.input] = new ort.Tensor('float32', tangentBatch(neuron, rows), [rows, ...sl.dims]);
        const res = await jvp.session.run(feeds, [logitsName, jvp.output]);
        z.set((res[logitsName].data as Float32Array).subarray(0, b * nClasses), s * nClasses);
        tangents.set((res[jvp.output].data as Float32Array).subarray(0, b * nClasses), s * nClasses);
        continue;
      }
      const out = (await tail.run(feeds, [logitsName]))[logitsName];
      z.set((out.data as Float32Array).subarray(0, b * nClasses), s * nClasses);
    }
    return z;
  }
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const z0 = await run(-1, null, all);
  const base = new Float64Array(n);
  const baseCorrect = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    base[i] = lossOf(z0, i * nClasses, labels[i]);
    baseCorrect[i] = argmax(z0, i * nClasses) === labels[i] ? 1 : 0;
  }

  async function evaluate(neuron: number, values: FloatArray, imageIdx: Int32Array, want: OracleWants): Promise<OracleResult> {
    if (!(neuron >= 0 && neuron < sl.neurons)) throw new Error(`tailGraphOracle: neuron ${neuron} outside 0..${sl.neurons - 1}`);
    const m = imageIdx.length;
    const dz = want.grads && jvp ? new Float32Array(m * nClasses) : undefined;
    const z = await run(neuron, values, imageIdx, dz);
    const losses = new Float64Array(m);
    const changes = new Float64Array(m);
    const correct = want.correct ? new Uint8Array(m) : undefined;
    const grads = dz ? new Float64Array(m) : undefined;
    for (let r = 0; r < m; r++) {
      const i = imageIdx[r];
      const o = r * nClasses;
      losses[r] = lossOf(z, o, labels[i]);
      changes[r] = losses[r] - base[i];
      if (correct) correct[r] = argmax(z, o) === labels[i] ? 1 : 0;
      if (grads && dz) {
        // L = logsumexp(z/T) - z_y/T: dL/dv = sum_j (softmax(z/T)_j - [j = y]) dz_j / T.
        const lse = logSumExp(z, o, nClasses, invT);
        let g = -dz[o + labels[i]];
        for (let j = 0; j < nClasses; j++) g += Math.exp(z[o + j] * invT - lse) * dz[o + j];
        grads[r] = g * invT;
      }
    }
    return grads ? { losses, changes, correct, grads } : { losses, changes, correct };
  }

  return {
    numImages: n,
    summaryError,
    gradient,
    slot: sl,
    sideInputs: sides,
    batchSize: step,
    evaluate,
    logits: (neuron, values, idx) => run(neuron, values, idx),
    layerTensor: (i) => maps.slice(i * per, (i + 1) * per),
    async losses(neuron, values, imageIdx) {
      return (await evaluate(neuron, values, imageIdx, {})).losses;
    },
    async baseline(imageIdx) {
      return { losses: Float64Array.from(imageIdx, (i) => base[i]), correct: Uint8Array.from(imageIdx, (i) => baseCorrect[i]) };
    },
    async release() {
      await tail.release();
      await jvp?.session.release();
    },
  };
}
