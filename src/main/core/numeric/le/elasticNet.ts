/**
 * Elastic net, docs/methods.md "Elastic net" (LE step 2), exactly sklearn's ElasticNet objective with fit_intercept=True:
 *   min_{w,b} 1/(2n) ||y - Xw - b||^2 + lambda*eta*||w||_1 + 0.5*lambda*(1-eta)*||w||^2
 * (alpha = lambda, l1_ratio = eta). The bias is unregularised, so on centred data it decouples:
 * b = mean(y) - mean(X) w, and w only needs G = Xc^T Xc / n and c = Xc^T yc / n.
 *
 * Solver: sklearn's "precompute" (Gram) coordinate descent with covariance updates. H = G w is kept up to
 * date; coordinate j uses rho_j = c_j - H_j + G_jj w_j, w_j <- S(rho_j, l1) / (G_jj + l2), and a change d
 * costs one axpy H += d * G[j, :]. Active-set cycling: a full sweep, then sweeps over the nonzero
 * coordinates only until they settle, then a full sweep again.
 * Stopping rule = sklearn's: after a full sweep, stop when the duality gap <= tol * ||yc||^2 / n
 * (sklearn: gap <= tol * ||yc||^2 in its n-scaled units: the same test). maxIter counts sweeps.
 */
export const DEFAULT_LAMBDA = 0.05 / 0.99;
export const DEFAULT_ETA = 0.99;

export interface ElasticNetOptions {
  /** Overall penalty (sklearn alpha). Default 0.05/0.99 (the reference's single lambda). */
  lambda?: number;
  /** L1 share (sklearn l1_ratio). Default 0.99. */
  eta?: number;
  /** Duality-gap tolerance relative to ||yc||^2 / n. Default 1e-4 (sklearn's default). */
  tol?: number;
  /** Maximum sweeps (full + active-set). Default 1000 (sklearn's default max_iter). */
  maxIter?: number;
  /** Start from these weights (warm start; e.g. the previous lambda of a path). Not modified. */
  warmStart?: Float64Array;
}

export interface ElasticNetResult {
  coef: Float64Array;
  dualGap: number;
  sweeps: number;
  converged: boolean;
}

/**
 * Weights for one target from the centred Gram (m x m, row-major, symmetric), c = Xc^T yc / n and
 * yy = ||yc||^2 / n. The intercept is the caller's: mean(y) - mean(X) w (0 on standardised data).
 */
export function elasticNetGram(
  gram: Float64Array,
  m: number,
  c: ArrayLike<number>,
  yy: number,
  opts: ElasticNetOptions = {},
): ElasticNetResult {
  const lambda = opts.lambda ?? DEFAULT_LAMBDA;
  const eta = opts.eta ?? DEFAULT_ETA;
  const tol = opts.tol ?? 1e-4;
  const maxIter = opts.maxIter ?? 1000;
  const l1 = lambda * eta;
  const l2 = lambda * (1 - eta);
  const w = opts.warmStart ? Float64Array.from(opts.warmStart) : new Float64Array(m);
  const h = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const wj = w[j];
    if (wj !== 0) for (let i = 0, o = j * m; i < m; i++) h[i] += wj * gram[o + i];
  }
  // The diagonal as its own array: reading gram[j*m + j] in a sweep would miss the cache at every j.
  const diag = new Float64Array(m);
  for (let j = 0; j < m; j++) diag[j] = gram[j * m + j];
  const active = new Int32Array(m);
  let sweeps = 0;
  let gap = Infinity;

  // One pass over `idx` (or all coordinates); returns max |change| and max |w| of the pass.
  let dMax = 0;
  let wMax = 0;
  const sweep = (idx: Int32Array | null, count: number): void => {
    dMax = 0;
    wMax = 0;
    for (let t = 0; t < count; t++) {
      const j = idx ? idx[t] : t;
      const gjj = diag[j];
      if (gjj <= 0) continue; // constant column: weight stays 0
      const old = w[j];
      const rho = c[j] - h[j] + gjj * old;
      const mag = Math.abs(rho) - l1;
      const nw = mag > 0 ? (rho > 0 ? mag : -mag) / (gjj + l2) : 0;
      if (nw !== old) {
        const d = nw - old;
        const o = j * m;
        w[j] = nw;
        for (let i = 0; i < m; i++) h[i] += d * gram[o + i];
        if (Math.abs(d) > dMax) dMax = Math.abs(d);
      }
      if (Math.abs(nw) > wMax) wMax = Math.abs(nw);
    }
  };

  // Cold start: the first sweep visits coordinates by descending |c_j|. Concepts are correlated in blocks;
  // taken in index order, most of a block switches on (each change costs an m-long axpy) before H catches
  // up, only to switch off again. Strongest first, the block's leader absorbs the shared signal and the rest
  // stay at 0. The order never changes the solution, only the work to reach it.
  if (!opts.warmStart) {
    const order = Array.from({ length: m }, (_, j) => j).sort((a, b) => Math.abs(c[b]) - Math.abs(c[a]));
    sweep(Int32Array.from(order), m);
    sweeps++;
  }
  while (sweeps < maxIter) {
    sweep(null, m);
    sweeps++;
    gap = dualGap(w, h, c, yy, l1, l2);
    if (gap <= tol * yy) return { coef: w, dualGap: gap, sweeps, converged: true };
    let na = 0;
    for (let j = 0; j < m; j++) if (w[j] !== 0) active[na++] = j;
    // Active-set sweeps until the nonzero coordinates move by less than a tenth of the tolerance.
    while (sweeps < maxIter) {
      sweep(active, na);
      sweeps++;
      if (wMax === 0 || dMax <= 0.1 * tol * wMax) break;
    }
  }
  return { coef: w, dualGap: gap, sweeps, converged: false };
}

/** sklearn's duality gap (cd_fast, Gram variant), divided by n. h must equal G w. */
export function dualGap(w: Float64Array, h: Float64Array, c: ArrayLike<number>, yy: number, l1: number, l2: number): number {
  let wc = 0;
  let wh = 0;
  let l1norm = 0;
  let w2 = 0;
  let dual = 0;
  for (let j = 0; j < w.length; j++) {
    const wj = w[j];
    wc += wj * c[j];
    wh += wj * h[j];
    l1norm += Math.abs(wj);
    w2 += wj * wj;
    const a = Math.abs(c[j] - h[j] - l2 * wj);
    if (a > dual) dual = a;
  }
  const r2 = Math.max(0, yy - 2 * wc + wh);
  let k = 1;
  let gap = r2;
  if (dual > l1) {
    k = l1 / dual;
    gap = 0.5 * (r2 + r2 * k * k);
  }
  return gap + l1 * l1norm - k * (yy - wc) + 0.5 * l2 * (1 + k * k) * w2;
}

/** Smallest lambda with all weights 0: max_j |c_j| / eta. */
export function lambdaMax(c: ArrayLike<number>, eta = DEFAULT_ETA): number {
  let mx = 0;
  for (let j = 0; j < c.length; j++) mx = Math.max(mx, Math.abs(c[j]));
  return mx / eta;
}

/** Geometric path from lambdaMax down to lambdaMax * minRatio (count values, descending). */
export function lambdaPath(lmax: number, count = 8, minRatio = 0.01): number[] {
  if (count < 2) return [lmax];
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(lmax * Math.pow(minRatio, i / (count - 1)));
  return out;
}

/** Weights along a descending lambda path, each warm-started from the previous one. */
export function elasticNetGramPath(
  gram: Float64Array,
  m: number,
  c: ArrayLike<number>,
  yy: number,
  lambdas: readonly number[],
  opts: Omit<ElasticNetOptions, 'lambda' | 'warmStart'> = {},
): ElasticNetResult[] {
  const out: ElasticNetResult[] = [];
  let warm: Float64Array | undefined;
  for (const lambda of lambdas) {
    const r = elasticNetGram(gram, m, c, yy, { ...opts, lambda, warmStart: warm });
    out.push(r);
    warm = r.coef;
  }
  return out;
}
