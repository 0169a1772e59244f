import type { FloatArray } from './types';

/**
 * Closed form for a layer feeding a linear head: replacing feature k of image i by v changes the logits by
 * W[:,k] * delta, delta = v - a_ik (rank one). With u = z_i / T and w = W[:,k] / T:
 *   L(delta) - L(0) = LSE(u + delta w) - LSE(u) - delta w_y
 *   d/dv            = sum_j softmax(u + delta w)_j w_j - w_y = (p - onehot(y)) . W[:,k] / T
 * `lse0` = LSE(u) is shared by all neurons of the image. Exact, C exps per call.
 * Returns the loss change and writes the derivative to grad[gi] (when grad is given).
 */
export function rankOneChange(
  z: FloatArray,
  off: number,
  classes: number,
  wOverT: Float64Array,
  label: number,
  invT: number,
  lse0: number,
  delta: number,
  grad: Float64Array | null,
  gi: number,
): number {
  let m = -Infinity;
  for (let j = 0; j < classes; j++) m = Math.max(m, z[off + j] * invT + delta * wOverT[j]);
  let s = 0;
  let sw = 0;
  for (let j = 0; j < classes; j++) {
    const e = Math.exp(z[off + j] * invT + delta * wOverT[j] - m);
    s += e;
    sw += e * wOverT[j];
  }
  if (grad) grad[gi] = sw / s - wOverT[label];
  return m + Math.log(s) - lse0 - delta * wOverT[label];
}

/**
 * Whether argmax_j (z_j + delta W_jk) (first index on ties) equals `label`, scanning the image's classes in
 * descending-logit order (`order`, with their logits in `orderLogit`, `orderLen` entries from `orderOff`) and
 * stopping as soon as no remaining class can reach the label's new logit: z_j + max_j(delta W_jk) < target bounds
 * every later class (rounding is monotone, so the bound also holds in floating point). Falls back to a full scan
 * of z when the stored order runs out.
 */
export function correctAfterChange(
  z: FloatArray,
  off: number,
  classes: number,
  wCol: Float64Array,
  wMax: number,
  wMin: number,
  label: number,
  labelLogit: number,
  delta: number,
  order: Int32Array | Uint16Array,
  orderLogit: Float64Array,
  orderOff: number,
  orderLen: number,
): boolean {
  const target = labelLogit + delta * wCol[label];
  const maxGain = delta >= 0 ? delta * wMax : delta * wMin;
  for (let r = 0; r < orderLen; r++) {
    const zj = orderLogit[orderOff + r];
    if (zj + maxGain < target) return true;
    const j = order[orderOff + r];
    if (j === label) continue;
    const v = zj + delta * wCol[j];
    if (v > target || (v === target && j < label)) return false;
  }
  if (orderLen >= classes) return true;
  for (let j = 0; j < classes; j++) {
    if (j === label) continue;
    const v = z[off + j] + delta * wCol[j];
    if (v > target || (v === target && j < label)) return false;
  }
  return true;
}
