/**
 * Binary cross-entropy of P = sigmoid(z), z = a * cos + beta (beta = a * b), in the numerically stable
 * softplus form: loss(y, z) = softplus(z) - y * z = -[y log P + (1 - y) log(1 - P)], exact in float64 for
 * every z, with NO clamp. (PyTorch's BCELoss clamps log at -100 and, on float32 P, saturates once
 * 1 - P rounds to 0 at z > ~16.6, so a confidently wrong prediction costs min(100, ...) there versus
 * exactly z here. The two agree to ~1e-7 wherever |z| < ~15.)
 */
export function softplus(z: number): number {
  const e = Math.exp(-Math.abs(z));
  // log1p(e) for tiny e by its series (error e^4/4 < 2.5e-17 absolute): most pairs of a calibrated model
  // are confident negatives with e < 1e-4, and this skips a log1p call for them (~1.5x on the exact pass).
  const l = e < 1e-4 ? e * (1 - e * (0.5 - e / 3)) : Math.log1p(e);
  return z > 0 ? z + l : l;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** A set of (x, y) pairs with optional weights: the exact data (w = 1) or a histogram's non-empty bins. */
export interface PointSet {
  x: ArrayLike<number>;
  /** 0/1 labels (any value in [0, 1] works: soft labels). */
  y: ArrayLike<number>;
  w?: ArrayLike<number>;
  /** Sum of weights (the number of pairs). */
  total: number;
}

/** Mean BCE of sigmoid(a * x + beta). */
export function meanBce(ps: PointSet, a: number, beta: number): number {
  const { x, y, w } = ps;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const z = a * x[i] + beta;
    const l = softplus(z) - y[i] * z;
    s += w ? w[i] * l : l;
  }
  return s / ps.total;
}

/** Mean BCE at several (a, b) in ONE pass over the exact pairs (calibrate's final report). */
export function meanBceMany(cos: ArrayLike<number>, labels: ArrayLike<number>, params: readonly { a: number; b: number }[]): number[] {
  if (cos.length !== labels.length) throw new Error('meanBceMany: cos and labels differ in length');
  const k = params.length;
  const as = params.map((p) => p.a);
  const betas = params.map((p) => p.a * p.b);
  const sums = new Float64Array(k);
  for (let i = 0; i < cos.length; i++) {
    const c = cos[i];
    const y = labels[i];
    for (let t = 0; t < k; t++) {
      const z = as[t] * c + betas[t];
      sums[t] += softplus(z) - y * z;
    }
  }
  return Array.from(sums, (s) => s / Math.max(1, cos.length));
}

interface Derivatives {
  f: number;
  g0: number;
  g1: number;
  h00: number;
  h01: number;
  h11: number;
}

function derivatives(ps: PointSet, a: number, beta: number): Derivatives {
  const { x, y, w } = ps;
  let f = 0;
  let g0 = 0;
  let g1 = 0;
  let h00 = 0;
  let h01 = 0;
  let h11 = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const wi = w ? w[i] : 1;
    const z = a * xi + beta;
    const s = sigmoid(z);
    f += wi * (softplus(z) - y[i] * z);
    const r = wi * (s - y[i]);
    g0 += r * xi;
    g1 += r;
    const h = wi * s * (1 - s);
    h00 += h * xi * xi;
    h01 += h * xi;
    h11 += h;
  }
  const n = ps.total;
  return { f: f / n, g0: g0 / n, g1: g1 / n, h00: h00 / n, h01: h01 / n, h11: h11 / n };
}

export interface NewtonResult {
  a: number;
  beta: number;
  bce: number;
  iterations: number;
  converged: boolean;
}

/**
 * Minimise mean BCE over (a, beta), beta = a * b. In this parametrisation the problem is logistic
 * regression with one feature and an intercept, hence convex, and Newton with the exact 2 x 2 Hessian
 * and Armijo backtracking converges from any start (in (a, b) it is not convex: b multiplies a).
 * Stops when the Newton decrement^2 / 2 < tol. On separable data the optimum is at infinity: the
 * iteration then stops at maxIterations with converged = false.
 */
export function newtonBce(ps: PointSet, a0: number, beta0: number, opts: { maxIterations?: number; tol?: number } = {}): NewtonResult {
  const maxIt = opts.maxIterations ?? 50;
  const tol = opts.tol ?? 1e-13;
  let a = a0;
  let beta = beta0;
  let d = derivatives(ps, a, beta);
  for (let it = 0; it < maxIt; it++) {
    const det = d.h00 * d.h11 - d.h01 * d.h01;
    let s0: number;
    let s1: number;
    if (det > 1e-300 * Math.max(1, d.h00 * d.h11)) {
      s0 = -(d.h11 * d.g0 - d.h01 * d.g1) / det;
      s1 = -(-d.h01 * d.g0 + d.h00 * d.g1) / det;
    } else {
      s0 = -d.g0; // singular Hessian (e.g. all x equal): gradient step
      s1 = -d.g1;
    }
    const slope = d.g0 * s0 + d.g1 * s1;
    if (!(slope < 0) || -slope / 2 < tol) return { a, beta, bce: d.f, iterations: it, converged: true };
    let t = 1;
    let next = meanBce(ps, a + t * s0, beta + t * s1);
    while (!(next <= d.f + 1e-4 * t * slope) && t > 1e-12) {
      t /= 2;
      next = meanBce(ps, a + t * s0, beta + t * s1);
    }
    if (!(next <= d.f)) return { a, beta, bce: d.f, iterations: it, converged: true }; // no descent left at float precision
    a += t * s0;
    beta += t * s1;
    d = derivatives(ps, a, beta);
  }
  return { a, beta, bce: d.f, iterations: maxIt, converged: false };
}
