import type { FloatArray } from './types';

/** The betas docs/methods.md "Top Impact" reports (reference ResNet-50: .258%, 1.52%, 10.2%, 31.4%, 77.5%). */
export const TOP_IMPACT_BETAS: readonly number[] = Object.freeze([0.0003, 0.002, 0.02, 0.1, 0.5]);

/** `points` betas spaced geometrically from `minBeta` to 1 (the full curve for the chart). Defaults 100, 1e-4. */
export function topImpactGrid(points = 100, minBeta = 1e-4): Float64Array {
  const out = new Float64Array(points);
  for (let i = 0; i < points; i++) out[i] = points === 1 ? 1 : Math.pow(minBeta, 1 - i / (points - 1));
  return out;
}

/**
 * Number of top images a beta covers: ceil(beta * n), clamped to [0, n]; beta <= 0 gives 0.
 * Why ceil: any beta > 0 covers at least one image, so tiny betas on small probe sets are not empty.
 * The product is shrunk by 1e-12 first so that 0.1 * 30 = 3.0000000000000004 counts 3, not 4.
 */
export function topCount(beta: number, n: number): number {
  if (!(beta > 0)) return 0;
  return Math.min(n, Math.ceil(beta * n * (1 - 1e-12)));
}

export interface ImageImpacts {
  /** I_k per image. */
  impacts: Float64Array;
  /** false when sum(acc_orig) = 0 (no correct image): the accuracy term is dropped (0), not NaN. */
  accTermUsed: boolean;
  /** false when sum(L_orig) = 0: the loss term is dropped. */
  lossTermUsed: boolean;
}

/** I = 0.5 * [ (acc_orig - acc_new) / sum(acc_orig) + (L_new - L_orig) / sum(L_orig) ] per image (docs/methods.md "Top Impact"). */
export function imageImpacts(accOrig: Uint8Array, accNew: Uint8Array, lossOrig: FloatArray, lossNew: FloatArray): ImageImpacts {
  const n = accOrig.length;
  let accSum = 0;
  let lossSum = 0;
  for (let i = 0; i < n; i++) {
    accSum += accOrig[i];
    lossSum += lossOrig[i];
  }
  const accTermUsed = accSum > 0;
  const lossTermUsed = lossSum > 0;
  const impacts = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = accTermUsed ? (accOrig[i] - accNew[i]) / accSum : 0;
    const l = lossTermUsed ? (lossNew[i] - lossOrig[i]) / lossSum : 0;
    impacts[i] = 0.5 * (a + l);
  }
  return { impacts, accTermUsed, lossTermUsed };
}

const IDX_BITS = 2 ** 21;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Image indices by activation DESCENDING, ties by index ascending. The order uses each activation's float32
 * value (activations are stored as float32). Fast path: one native sort of float64 keys
 * (inverted sortable float bits) * 2^21 + index, exact integers below 2^53; comparator sort for n >= 2^21.
 */
export function activationOrder(act: FloatArray): Int32Array {
  const n = act.length;
  if (n >= IDX_BITS) {
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    const v = Float32Array.from(act);
    return idx.sort((a, b) => v[b] - v[a] || a - b);
  }
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    f32[0] = act[i] + 0; // -0 -> +0: equal values must tie
    const b = u32[0];
    const sortable = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    keys[i] = (0xffffffff - sortable) * IDX_BITS + i;
  }
  keys.sort();
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) out[r] = keys[r] % IDX_BITS;
  return out;
}

export interface TopImpactCurve {
  /** TI(beta) per beta: cumulative |I| of the top ceil(beta n) images by activation / total |I|; NaN when total is 0. */
  values: Float64Array;
  /** sum |I| over all images. */
  total: number;
}

/** `order` = activationOrder(activations), when the caller already has it (one sort for several beta lists). */
export function topImpactCurve(
  impacts: Float64Array,
  activations: FloatArray,
  betas: ArrayLike<number>,
  order?: Int32Array,
): TopImpactCurve {
  const n = impacts.length;
  if (activations.length !== n) throw new Error('topImpactCurve: impacts and activations differ in length');
  order ??= activationOrder(activations);
  const cum = new Float64Array(n + 1);
  for (let r = 0; r < n; r++) cum[r + 1] = cum[r] + Math.abs(impacts[order[r]]);
  const total = cum[n];
  const values = new Float64Array(betas.length);
  for (let b = 0; b < betas.length; b++) values[b] = total > 0 ? cum[topCount(betas[b], n)] / total : NaN;
  return { values, total };
}
