import type { MatmulEngine } from '../../onnx/gemm';
import { argmax, logSumExp } from './crossEntropy';
import { absChangeRows, CUMULANT_TERMS, cumulantBlock, cumulantChange, type CumulantBlock } from './cumulant';
import { computeLogits } from './logits';
import { correctAfterChange, rankOneChange } from './rankOne';
import {
  ColumnCache,
  type AbsChangeValue,
  type FloatArray,
  type LinearHead,
  type LossOracle,
  type Matrix,
  type OracleResult,
  type OracleWants,
} from './types';

export type LossModel = 'exact' | 'cumulant';

export interface LinearHeadOracleOptions {
  /** 'exact': rank-one log-sum-exp over all C classes. 'cumulant': quartic cumulant expansion inside the
   *  trust radius, exact outside (cumulant.ts). Default: 'exact' when C <= 128, else 'cumulant'. */
  lossModel?: LossModel;
  /** Cumulant only: use the expansion when |delta| * range(W[:,k] / T) <= trustRadius, else the exact formula.
   *  Default 1.5. The series converges below pi; the worst case (a two-point distribution, K = log cosh) loses
   *  0.3% of that image's change at 1 and 1.6% at 1.5. Measured on a realistic paper-scale layer
   *  (bench/ablation.ts): |score error| ~2e-8 at 1, ~4e-6 at 1.5, with 40x fewer exact fallbacks at 1.5. */
  trustRadius?: number;
  /** Cumulant only: neurons per block of moment products (memory ~ 32 * N * blockSize bytes). Default 64. */
  blockSize?: number;
  /** Engine for the logits and moment products (logits.ts). Default: by size. */
  engine?: MatmulEngine;
  /** Top classes kept per image to prune the argmax after a change. Default 16. */
  orderLength?: number;
}

export interface LinearHeadOracle extends LossOracle {
  readonly lossModel: LossModel;
  readonly temperature: number;
  /** Unscaled logits z = A W^T + b, N x C. */
  readonly logits: Float64Array;
  /** Counters: changes evaluated, and how many of them fell back to the exact formula (cumulant model). */
  readonly stats: { evaluations: number; exactFallbacks: number };
  evaluate(neuron: number, values: FloatArray, imageIdx: Int32Array, want: OracleWants): Promise<OracleResult>;
  absChangeObjective(neuron: number, sims: Float64Array, imageIdx: Int32Array): Promise<(c: number, d: number) => AbsChangeValue>;
  baseline(imageIdx: Int32Array): Promise<{ losses: Float64Array; correct: Uint8Array }>;
}

/**
 * LossOracle for a layer that feeds a linear head (pooled features -> fc): logits = W a + b, loss =
 * cross-entropy of softmax(logits / T). Logits are computed once and shared by all neurons; each
 * replacement is the rank-one closed form of rankOne.ts (or its cumulant expansion). No network run.
 */
export async function linearHeadOracle(
  acts: Matrix,
  head: LinearHead,
  labels: Int32Array,
  temperature: number,
  opts: LinearHeadOracleOptions = {},
): Promise<LinearHeadOracle> {
  const n = acts.rows;
  const kCount = acts.cols;
  const c = head.classes;
  if (labels.length !== n) throw new Error(`linearHeadOracle: ${labels.length} labels for ${n} images`);
  if (!(temperature > 0)) throw new Error('linearHeadOracle: temperature must be > 0');
  const engine: MatmulEngine = opts.engine ?? (n * kCount * c <= 5e7 ? 'js' : 'onnx');
  const lossModel: LossModel = opts.lossModel ?? (c <= 128 ? 'exact' : 'cumulant');
  const trustRadius = opts.trustRadius ?? 1.5;
  const blockSize = Math.max(1, opts.blockSize ?? 64);
  const orderLength = Math.min(c, opts.orderLength ?? 16);
  const invT = 1 / temperature;
  const z = await computeLogits(acts, head, { engine });
  const lse0 = new Float64Array(n);
  const base = new Float64Array(n);
  const baseCorrect = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    lse0[i] = logSumExp(z, i * c, c, invT);
    base[i] = lse0[i] - z[i * c + labels[i]] * invT;
    baseCorrect[i] = argmax(z, i * c, c) === labels[i] ? 1 : 0;
  }

  // Per-neuron column cache (the layer scorer visits neurons in order).
  let colNeuron = -1;
  const wCol = new Float64Array(c);
  const wOverT = new Float64Array(c);
  let wMax = 0;
  let wMin = 0;
  const useColumn = (k: number): void => {
    if (k === colNeuron) return;
    if (!(k >= 0 && k < kCount)) throw new Error(`linearHeadOracle: neuron ${k} outside 0..${kCount - 1}`);
    wMax = -Infinity;
    wMin = Infinity;
    for (let j = 0; j < c; j++) {
      wCol[j] = head.weight[j * kCount + k];
      wOverT[j] = wCol[j] * invT;
      wMax = Math.max(wMax, wCol[j]);
      wMin = Math.min(wMin, wCol[j]);
    }
    colNeuron = k;
  };

  const actColumns = new ColumnCache(acts, blockSize);
  let top: TopClasses | null = null;
  const topOf = (): TopClasses => (top ??= topClasses(z, n, c, orderLength));
  const zLabel = Float64Array.from({ length: n }, (_, i) => z[i * c + labels[i]]);

  let probs: Float32Array | null = null;
  let block: CumulantBlock | null = null;
  const useBlock = async (k: number): Promise<CumulantBlock> => {
    if (block && k >= block.k0 && k < block.k0 + block.count) return block;
    probs ??= softmaxRows(z, n, c, invT);
    const k0 = Math.floor(k / blockSize) * blockSize;
    block = null; // release the previous block before building the next
    block = await cumulantBlock(probs, n, c, head.weight, kCount, labels, temperature, k0, Math.min(blockSize, kCount - k0), engine);
    return block;
  };

  const stats = { evaluations: 0, exactFallbacks: 0 };

  async function evaluate(neuron: number, values: FloatArray, imageIdx: Int32Array, want: OracleWants): Promise<OracleResult> {
    if (values.length !== imageIdx.length) throw new Error('linearHeadOracle: values and imageIdx differ in length');
    const m = imageIdx.length;
    const losses = new Float64Array(m);
    const changes = new Float64Array(m);
    const grads = want.grads ? new Float64Array(m) : null;
    const correct = want.correct ? new Uint8Array(m) : undefined;
    const tops = correct ? topOf() : null;
    const act = actColumns.get(neuron);
    const blk = lossModel === 'cumulant' ? await useBlock(neuron) : null;
    useColumn(neuron); // after the await: a concurrent call may have switched the cached column meanwhile
    const radius = blk ? trustRadius / ((wMax - wMin) * invT || 1e-300) : 0;
    const blkOff = blk ? (neuron - blk.k0) * n * CUMULANT_TERMS : 0;
    for (let r = 0; r < m; r++) {
      const i = imageIdx[r];
      const delta = values[r] - act[i];
      let dl: number;
      if (blk && Math.abs(delta) <= radius) {
        dl = cumulantChange(blk.coef, blkOff + i * CUMULANT_TERMS, delta, grads, r);
      } else {
        if (blk) stats.exactFallbacks++;
        dl = rankOneChange(z, i * c, c, wOverT, labels[i], invT, lse0[i], delta, grads, r);
      }
      changes[r] = dl;
      losses[r] = base[i] + dl;
      if (correct && tops) {
        const ok = correctAfterChange(
          z,
          i * c,
          c,
          wCol,
          wMax,
          wMin,
          labels[i],
          zLabel[i],
          delta,
          tops.index,
          tops.logit,
          i * orderLength,
          orderLength,
        );
        correct[r] = ok ? 1 : 0;
      }
    }
    stats.evaluations += m;
    return { losses, changes, grads: grads ?? undefined, correct };
  }

  /**
   * Fused Optim objective: the same arithmetic as evaluate + optimScaling.absChangeObjective, in one loop over
   * the rows with the rows' activations and cumulant coefficients gathered once (Optim calls it 100 times).
   */
  async function absChangeObjective(
    neuron: number,
    sims: Float64Array,
    imageIdx: Int32Array,
  ): Promise<(c: number, d: number) => AbsChangeValue> {
    const m = imageIdx.length;
    const act = actColumns.at(neuron, imageIdx);
    const blk = lossModel === 'cumulant' ? await useBlock(neuron) : null;
    useColumn(neuron);
    const radius = blk ? trustRadius / ((wMax - wMin) * invT || 1e-300) : -1;
    const coef = new Float64Array(blk ? m * CUMULANT_TERMS : 0);
    if (blk) {
      const o = (neuron - blk.k0) * n * CUMULANT_TERMS;
      for (let r = 0; r < m; r++)
        for (let q = 0; q < CUMULANT_TERMS; q++) coef[r * CUMULANT_TERMS + q] = blk.coef[o + imageIdx[r] * CUMULANT_TERMS + q];
    }
    const w = wOverT.slice();
    const g1 = new Float64Array(1);
    const res = new Float64Array(4);
    const exact = (r: number, delta: number, g: Float64Array): number => {
      const i = imageIdx[r];
      return rankOneChange(z, i * c, c, w, labels[i], invT, lse0[i], delta, g, 0);
    };
    return (cc, dd) => {
      absChangeRows(sims, act, coef, radius, cc, dd, exact, g1, res);
      stats.evaluations += m;
      if (blk) stats.exactFallbacks += res[3];
      return { value: res[0], gc: res[1], gd: res[2] };
    };
  }

  return {
    numImages: n,
    absChangeObjective,
    lossModel,
    temperature,
    logits: z,
    stats,
    evaluate,
    async losses(neuron, values, imageIdx) {
      return (await evaluate(neuron, values, imageIdx, {})).losses;
    },
    async baseline(imageIdx) {
      const losses = new Float64Array(imageIdx.length);
      const correct = new Uint8Array(imageIdx.length);
      for (let r = 0; r < imageIdx.length; r++) {
        losses[r] = base[imageIdx[r]];
        correct[r] = baseCorrect[imageIdx[r]];
      }
      return { losses, correct };
    },
  };
}

function softmaxRows(z: Float64Array, n: number, c: number, invT: number): Float32Array {
  const p = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    const lse = logSumExp(z, i * c, c, invT);
    for (let j = 0; j < c; j++) p[i * c + j] = Math.exp(z[i * c + j] * invT - lse);
  }
  return p;
}

interface TopClasses {
  index: Uint16Array | Int32Array;
  /** The same classes' logits, stored next to each other so the pruned argmax reads memory sequentially. */
  logit: Float64Array;
}

/** Per image, the indices of its `m` largest logits in descending order (insertion into a short list). */
function topClasses(z: Float64Array, n: number, c: number, m: number): TopClasses {
  const out = c <= 65535 ? new Uint16Array(n * m) : new Int32Array(n * m);
  const logit = new Float64Array(n * m);
  const idx = new Int32Array(m);
  for (let i = 0; i < n; i++) {
    const o = i * c;
    let len = 0;
    for (let j = 0; j < c; j++) {
      const v = z[o + j];
      if (len === m && v <= z[o + idx[m - 1]]) continue;
      let p = len < m ? len++ : m - 1;
      while (p > 0 && z[o + idx[p - 1]] < v) {
        idx[p] = idx[p - 1];
        p--;
      }
      idx[p] = j;
    }
    for (let r = 0; r < m; r++) {
      out[i * m + r] = idx[r];
      logit[i * m + r] = z[o + idx[r]];
    }
  }
  return { index: out, logit };
}
