/**
 * Least squares WITH intercept (docs/methods.md "Greedy search" uses it for every greedy candidate).
 *
 * Fast path: from the centred train Gram matrix. With columns centred, the intercept decouples and the
 * slopes solve the tiny normal equations G_SS a = c_S (G = Xc^T Xc / n, c = Xc^T yc / n). On standardised
 * columns G_SS is a correlation matrix (unit diagonal), which keeps Cholesky well conditioned.
 * Reference: Householder QR of the raw design [1, X] (the textbook stable method), for tests.
 */

export interface GramSolveOptions {
  /**
   * A column whose residual variance after the earlier columns is below dependentTol * its variance
   * (R^2 > 1 - dependentTol) is treated as linearly dependent and gets weight 0. Default 1e-6: float32
   * Gram entries carry ~1e-7 relative error, so a smaller threshold would turn a duplicated concept
   * (e.g. a superclass with one class) into two huge opposite weights.
   */
  dependentTol?: number;
}

/**
 * Solve G_SS a = c_S for the columns `cols` of a symmetric m x m Gram (row-major, float64).
 * `rhs[i]` is the right-hand side for cols[i]. Cholesky (LDL^T form) with dependent columns dropped.
 */
export function solveGramSubset(
  gram: Float64Array,
  m: number,
  cols: ArrayLike<number>,
  rhs: ArrayLike<number>,
  opts: GramSolveOptions = {},
): Float64Array {
  const p = cols.length;
  const a = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) a[i * p + j] = gram[cols[i] * m + cols[j]];
  return solveSymmetric(a, p, rhs, opts);
}

/** Solve A x = b for a symmetric positive semi-definite p x p matrix A (row-major; overwritten). */
export function solveSymmetric(a: Float64Array, p: number, b: ArrayLike<number>, opts: GramSolveOptions = {}): Float64Array {
  const tol = opts.dependentTol ?? 1e-6;
  // LDL^T without pivoting: L unit lower (stored below the diagonal), D on the diagonal.
  const d = new Float64Array(p);
  const dropped = new Uint8Array(p);
  for (let j = 0; j < p; j++) {
    let djj = a[j * p + j];
    for (let k = 0; k < j; k++) if (!dropped[k]) djj -= a[j * p + k] * a[j * p + k] * d[k];
    const diag = a[j * p + j];
    if (!(diag > 0) || djj <= tol * diag) {
      dropped[j] = 1;
      d[j] = 0;
      for (let i = j + 1; i < p; i++) a[i * p + j] = 0;
      continue;
    }
    d[j] = djj;
    for (let i = j + 1; i < p; i++) {
      let v = a[i * p + j];
      for (let k = 0; k < j; k++) if (!dropped[k]) v -= a[i * p + k] * a[j * p + k] * d[k];
      a[i * p + j] = v / djj;
    }
  }
  const x = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let v = b[i];
    for (let k = 0; k < i; k++) v -= a[i * p + k] * x[k];
    x[i] = v;
  }
  for (let i = 0; i < p; i++) x[i] = dropped[i] ? 0 : x[i] / d[i];
  for (let i = p - 1; i >= 0; i--) {
    if (dropped[i]) continue;
    let v = x[i];
    for (let k = i + 1; k < p; k++) v -= a[k * p + i] * x[k];
    x[i] = v;
  }
  return x;
}

export interface LinearFit {
  weights: Float64Array;
  bias: number;
}

/**
 * Reference: least squares with intercept of y on the columns of X (n x p, row-major, float64) by
 * Householder QR of [1, X]. A column with |R_jj| <= 1e-10 * max|R_ii| is dependent and gets weight 0.
 */
export function leastSquaresReference(x: Float64Array, n: number, p: number, y: ArrayLike<number>): LinearFit {
  const q = p + 1;
  const a = new Float64Array(n * q);
  for (let i = 0; i < n; i++) {
    a[i * q] = 1;
    for (let j = 0; j < p; j++) a[i * q + j + 1] = x[i * p + j];
  }
  const b = Float64Array.from(y);
  const rdiag = new Float64Array(q);
  for (let k = 0; k < q; k++) {
    let norm = 0;
    for (let i = k; i < n; i++) norm += a[i * q + k] * a[i * q + k];
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = a[k * q + k] > 0 ? -norm : norm;
    // v = x - alpha e1, stored in place; H = I - 2 v v^T / (v^T v).
    a[k * q + k] -= alpha;
    let vv = 0;
    for (let i = k; i < n; i++) vv += a[i * q + k] * a[i * q + k];
    for (let j = k + 1; j < q; j++) {
      let s = 0;
      for (let i = k; i < n; i++) s += a[i * q + k] * a[i * q + j];
      const f = (2 * s) / vv;
      for (let i = k; i < n; i++) a[i * q + j] -= f * a[i * q + k];
    }
    let s = 0;
    for (let i = k; i < n; i++) s += a[i * q + k] * b[i];
    const f = (2 * s) / vv;
    for (let i = k; i < n; i++) b[i] -= f * a[i * q + k];
    rdiag[k] = alpha;
  }
  let rmax = 0;
  for (let k = 0; k < q; k++) rmax = Math.max(rmax, Math.abs(rdiag[k]));
  const coef = new Float64Array(q);
  for (let k = q - 1; k >= 0; k--) {
    if (Math.abs(rdiag[k]) <= 1e-10 * rmax) continue;
    let v = b[k];
    for (let j = k + 1; j < q; j++) v -= a[k * q + j] * coef[j];
    coef[k] = v / rdiag[k];
  }
  return { weights: coef.slice(1), bias: coef[0] };
}
