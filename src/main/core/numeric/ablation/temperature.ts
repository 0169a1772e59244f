import type { Matrix } from './types';

/** Reference temperature for ResNet-50 on ImageNet (docs/methods.md "Temperature"); a fit on the user's val split replaces it. */
export const REFERENCE_TEMPERATURE_RESNET50 = 1.1;

export interface TemperatureFitOptions {
  /** Search range for T. Default [0.05, 20]. */
  min?: number;
  max?: number;
  /** Stop when the Newton step in beta = 1/T is below tol * beta. Default 1e-10. */
  tol?: number;
  /** Default 100. */
  maxIterations?: number;
}

export interface TemperatureFit {
  temperature: number;
  /** Mean NLL of softmax(logits / T) over the rows at the fitted T. */
  nll: number;
  /** Mean NLL at T = 1, for reference. */
  nllAtOne: number;
  iterations: number;
  /** The optimum lies at (or beyond) the range end: e.g. a perfectly separated val set wants T -> 0. */
  atBound: boolean;
}

interface NllDerivs {
  f: number;
  g: number;
  h: number;
}

/**
 * Mean NLL as a function of beta = 1/T with its first two derivatives:
 *   f = mean_i [ LSE_j(beta z_ij) - beta z_iy ],  f' = mean_i [ E_p z - z_y ],  f'' = mean_i Var_p z  (p = softmax(beta z_i)).
 */
function nllInBeta(logits: Matrix, labels: Int32Array, rows: Int32Array, beta: number): NllDerivs {
  const c = logits.cols;
  const z = logits.data;
  let f = 0;
  let g = 0;
  let h = 0;
  for (let r = 0; r < rows.length; r++) {
    const o = rows[r] * c;
    let m = -Infinity;
    for (let j = 0; j < c; j++) m = Math.max(m, beta * z[o + j]);
    let s = 0;
    let s1 = 0;
    let s2 = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(beta * z[o + j] - m);
      s += e;
      s1 += e * z[o + j];
      s2 += e * z[o + j] * z[o + j];
    }
    const mean = s1 / s;
    const zy = z[o + labels[rows[r]]];
    f += m + Math.log(s) - beta * zy;
    g += mean - zy;
    h += Math.max(0, s2 / s - mean * mean);
  }
  const n = rows.length;
  return { f: f / n, g: g / n, h: h / n };
}

/**
 * Fit T on the val rows by minimising the mean NLL of softmax(logits / T).
 * Why Newton on beta = 1/T (not on log T or golden-section): the NLL is a sum of log-sum-exps of functions
 * LINEAR in beta, hence convex in beta, so its derivative is monotone. We keep a bracket [lo, hi] on which
 * f' changes sign and take Newton steps, falling back to bisection when a step leaves the bracket:
 * quadratic convergence, never divergence.
 */
export function fitTemperature(logits: Matrix, labels: Int32Array, rows: Int32Array, opts: TemperatureFitOptions = {}): TemperatureFit {
  const tMin = opts.min ?? 0.05;
  const tMax = opts.max ?? 20;
  const tol = opts.tol ?? 1e-10;
  const maxIterations = opts.maxIterations ?? 100;
  if (rows.length === 0) throw new Error('fitTemperature: no rows');
  const nllAtOne = nllInBeta(logits, labels, rows, 1).f;
  let lo = 1 / tMax;
  let hi = 1 / tMin;
  const atLo = nllInBeta(logits, labels, rows, lo);
  if (atLo.g >= 0) return { temperature: tMax, nll: atLo.f, nllAtOne, iterations: 0, atBound: true };
  const atHi = nllInBeta(logits, labels, rows, hi);
  if (atHi.g <= 0) return { temperature: tMin, nll: atHi.f, nllAtOne, iterations: 0, atBound: true };
  let beta = Math.min(Math.max(1, lo), hi);
  let d = nllInBeta(logits, labels, rows, beta);
  let it = 0;
  while (it < maxIterations && d.g !== 0) {
    const newton = d.h > 0 ? -d.g / d.h : NaN;
    if (Math.abs(newton) <= tol * beta) break; // converged (checked before the bracket: a zero step sits on its edge)
    it++;
    if (d.g > 0) hi = beta;
    else lo = beta;
    let next = beta + newton;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    beta = next;
    d = nllInBeta(logits, labels, rows, beta);
  }
  return { temperature: 1 / beta, nll: d.f, nllAtOne, iterations: it, atBound: false };
}
