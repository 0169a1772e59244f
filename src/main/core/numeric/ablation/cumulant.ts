import { product, type MatmulEngine } from '../../onnx/gemm';
import type { FloatArray } from './types';

/**
 * Fast approximate loss change for the linear-head closed form when C is large (e.g. ImageNet's 1,000).
 *
 * Why: the exact change costs C exps per (image, neuron, value); Optim needs 100 steps x N_val x K of them
 * (1e12 exps at paper scale). With p = softmax(z_i / T) and w = W[:,k] / T,
 *   L(delta) - L(0) = log E_p[exp(delta w)] - delta w_y = K_ik(delta) - delta w_y,
 * where K_ik is the cumulant generating function of w under p. Its Taylor series
 *   K(delta) = k1 delta + k2 delta^2/2 + k3 delta^3/6 + k4 delta^4/24 + ...
 * needs only the moments E_p[w^n] = (P Wpow_n)_ik: four matrix products (onnxruntime) for ALL images and
 * neurons, after which every evaluation is a quartic polynomial: O(1) instead of O(C).
 * The series converges for |delta| * range(w) < pi (range = max_j w_j - min_j w_j; the worst case is a two-point
 * distribution, K = log cosh), so callers use it only inside a trust radius and fall back to the exact
 * rank-one formula outside it. Moments are taken about the column's mid-range (shift invariance of k2..k4) to
 * limit cancellation in float32.
 */
export const CUMULANT_TERMS = 4;

export interface CumulantBlock {
  /** First neuron and number of neurons in the block. */
  k0: number;
  count: number;
  images: number;
  /** Per (neuron in block, image): e1..e4 with dL(delta) = e1 d + e2 d^2 + e3 d^3 + e4 d^4, layout [kk][i][4]. */
  coef: Float64Array;
}

/**
 * Cumulant coefficients for neurons [k0, k0 + count) and all images.
 * probs: softmax(z / T) per image (N x C), weight: head W (C x K), labels: per image.
 */
export async function cumulantBlock(
  probs: FloatArray,
  images: number,
  classes: number,
  weight: FloatArray,
  features: number,
  labels: Int32Array,
  temperature: number,
  k0: number,
  count: number,
  engine: MatmulEngine,
): Promise<CumulantBlock> {
  const cols = CUMULANT_TERMS * count;
  const centre = new Float64Array(count);
  for (let kk = 0; kk < count; kk++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < classes; j++) {
      const w = weight[j * features + k0 + kk];
      lo = Math.min(lo, w);
      hi = Math.max(hi, w);
    }
    centre[kk] = (0.5 * (lo + hi)) / temperature;
  }
  // Wpow[j, q * count + kk] = ((W_j,k / T) - centre_k)^(q + 1)
  const pow = new Float64Array(classes * cols);
  for (let j = 0; j < classes; j++) {
    for (let kk = 0; kk < count; kk++) {
      const x = weight[j * features + k0 + kk] / temperature - centre[kk];
      let xp = 1;
      for (let q = 0; q < CUMULANT_TERMS; q++) {
        xp *= x;
        pow[j * cols + q * count + kk] = xp;
      }
    }
  }
  const moments = await momentProduct(probs, images, classes, pow, cols, engine);
  const coef = new Float64Array(count * images * CUMULANT_TERMS);
  for (let i = 0; i < images; i++) {
    const mo = i * cols;
    const y = labels[i];
    for (let kk = 0; kk < count; kk++) {
      const m1 = moments[mo + kk];
      const m2 = moments[mo + count + kk];
      const m3 = moments[mo + 2 * count + kk];
      const m4 = moments[mo + 3 * count + kk];
      const k2 = m2 - m1 * m1;
      const k3 = m3 - 3 * m1 * m2 + 2 * m1 * m1 * m1;
      const k4 = m4 - 4 * m1 * m3 - 3 * m2 * m2 + 12 * m1 * m1 * m2 - 6 * m1 * m1 * m1 * m1;
      const wy = weight[y * features + k0 + kk] / temperature - centre[kk];
      const o = (kk * images + i) * CUMULANT_TERMS;
      coef[o] = m1 - wy;
      coef[o + 1] = k2 / 2;
      coef[o + 2] = k3 / 6;
      coef[o + 3] = k4 / 24;
    }
  }
  return { k0, count, images, coef };
}

async function momentProduct(
  probs: FloatArray,
  n: number,
  c: number,
  pow: Float64Array,
  cols: number,
  engine: MatmulEngine,
): Promise<Float64Array> {
  if (engine === 'onnx') {
    const p32 = probs instanceof Float32Array ? probs : Float32Array.from(probs);
    return product(p32, n, c, Float32Array.from(pow), cols, { engine: 'onnx' });
  }
  const out = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      const p = probs[i * c + j];
      if (p === 0) continue;
      for (let q = 0; q < cols; q++) out[i * cols + q] += p * pow[j * cols + q];
    }
  }
  return out;
}

/** The quartic: loss change at delta; writes its derivative to grad[gi] when grad is given. */
export function cumulantChange(coef: Float64Array, o: number, delta: number, grad: Float64Array | null, gi: number): number {
  const e1 = coef[o];
  const e2 = coef[o + 1];
  const e3 = coef[o + 2];
  const e4 = coef[o + 3];
  if (grad) grad[gi] = e1 + delta * (2 * e2 + delta * (3 * e3 + delta * 4 * e4));
  return delta * (e1 + delta * (e2 + delta * (e3 + delta * e4)));
}

/**
 * One evaluation of the Optim objective over rows r (the fused fast path of linearHeadOracle): v_r = c s_r + d,
 * delta_r = v_r - a_r, dL_r from the row's quartic (coef, 4 per row) inside |delta| <= radius, else from
 * `exact(r, delta, g)` (writes dL/dv to g[0]). Writes [sum |dL|, d/dc, d/dd, exact fallbacks] to out.
 * A top-level function over flat arrays so V8 optimises one hot loop for every neuron.
 */
export function absChangeRows(
  sims: Float64Array,
  act: Float64Array,
  coef: Float64Array,
  radius: number,
  c: number,
  d: number,
  exact: (r: number, delta: number, g: Float64Array) => number,
  g: Float64Array,
  out: Float64Array,
): void {
  let value = 0;
  let gc = 0;
  let gd = 0;
  let fallbacks = 0;
  const m = act.length;
  for (let r = 0; r < m; r++) {
    const s = sims[r];
    const delta = c * s + d - act[r];
    let dl: number;
    let gr: number;
    if (delta <= radius && delta >= -radius) {
      const o = r * 4;
      const e1 = coef[o];
      const e2 = coef[o + 1];
      const e3 = coef[o + 2];
      const e4 = coef[o + 3];
      dl = delta * (e1 + delta * (e2 + delta * (e3 + delta * e4)));
      gr = e1 + delta * (2 * e2 + delta * (3 * e3 + delta * 4 * e4));
    } else {
      fallbacks++;
      dl = exact(r, delta, g);
      gr = g[0];
    }
    if (dl > 0) {
      value += dl;
      gc += gr * s;
      gd += gr;
    } else if (dl < 0) {
      value -= dl;
      gc -= gr * s;
      gd -= gr;
    }
  }
  out[0] = value;
  out[1] = gc;
  out[2] = gd;
  out[3] = fallbacks;
}
