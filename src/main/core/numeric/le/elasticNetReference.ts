import { DEFAULT_ETA, DEFAULT_LAMBDA } from './elasticNet';

/**
 * Slow, obvious reference for the elastic net (same objective as elasticNet.ts): centre X and y, then
 * plain cyclic coordinate descent on the data with a residual vector, until no weight moves by more than
 * `tol`. The fast Gram path must match it in tests.
 */
export interface ElasticNetReferenceOptions {
  lambda?: number;
  eta?: number;
  /** Stop when the largest weight change of a sweep is below this. Default 1e-12. */
  tol?: number;
  /** Maximum sweeps. Default 100000. */
  maxIter?: number;
}

export interface InterceptFit {
  coef: Float64Array;
  intercept: number;
}

/** X is n x p row-major (any numeric array), y has length n. */
export function elasticNetReference(
  x: ArrayLike<number>,
  n: number,
  p: number,
  y: ArrayLike<number>,
  opts: ElasticNetReferenceOptions = {},
): InterceptFit {
  const lambda = opts.lambda ?? DEFAULT_LAMBDA;
  const eta = opts.eta ?? DEFAULT_ETA;
  const tol = opts.tol ?? 1e-12;
  const maxIter = opts.maxIter ?? 100000;
  const xm = new Float64Array(p);
  let ym = 0;
  for (let i = 0; i < n; i++) {
    ym += y[i];
    for (let j = 0; j < p; j++) xm[j] += x[i * p + j];
  }
  ym /= n;
  for (let j = 0; j < p; j++) xm[j] /= n;
  // Column-major centred copy: column j is xc[j*n .. j*n+n).
  const xc = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) xc[j * n + i] = x[i * p + j] - xm[j];
  const sq = new Float64Array(p);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) sq[j] += (xc[j * n + i] * xc[j * n + i]) / n;
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = y[i] - ym;
  const w = new Float64Array(p);
  for (let it = 0; it < maxIter; it++) {
    let dMax = 0;
    for (let j = 0; j < p; j++) {
      if (sq[j] === 0) continue;
      let rho = 0;
      for (let i = 0; i < n; i++) rho += xc[j * n + i] * r[i];
      rho = rho / n + sq[j] * w[j];
      const soft = Math.sign(rho) * Math.max(Math.abs(rho) - lambda * eta, 0);
      const nw = soft / (sq[j] + lambda * (1 - eta));
      const d = nw - w[j];
      if (d !== 0) {
        for (let i = 0; i < n; i++) r[i] -= d * xc[j * n + i];
        w[j] = nw;
        dMax = Math.max(dMax, Math.abs(d));
      }
    }
    if (dMax < tol) break;
  }
  let b = ym;
  for (let j = 0; j < p; j++) b -= xm[j] * w[j];
  return { coef: w, intercept: b };
}
