/** Summaries of per-neuron scores for tables and the ablation-vs-correlation scatter chart. */

export interface MeanWithError {
  mean: number;
  /** Standard error of the mean: sample std (n - 1) / sqrt(n); NaN for n < 2. */
  standardError: number;
  /** Values used (non-finite ones, e.g. flagged NaN scores, are left out). */
  n: number;
}

export function meanWithStandardError(values: ArrayLike<number>): MeanWithError {
  let n = 0;
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) {
      n++;
      s += values[i];
    }
  }
  if (n === 0) return { mean: NaN, standardError: NaN, n: 0 };
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) ss += (values[i] - mean) ** 2;
  return { mean, standardError: n > 1 ? Math.sqrt(ss / (n - 1) / n) : NaN, n };
}

export interface QuadraticFit {
  /** y = a x^2 + b x + c */
  a: number;
  b: number;
  c: number;
  /** Coefficient of determination of the fit. */
  r2: number;
  n: number;
}

/**
 * Least-squares y = a x^2 + b x + c over the pairs with both values finite (reference: ablation ~
 * 0.42 corr^2 + 0.0057). Solved on t = (x - mean) / std for conditioning, then mapped back to x.
 * NaN coefficients when fewer than 3 distinct x values.
 */
export function quadraticFit(x: ArrayLike<number>, y: ArrayLike<number>): QuadraticFit {
  if (x.length !== y.length) throw new Error('quadraticFit: x and y differ in length');
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) continue;
    xs.push(x[i]);
    ys.push(y[i]);
  }
  const n = xs.length;
  const bad = { a: NaN, b: NaN, c: NaN, r2: NaN, n };
  if (n < 3) return bad;
  const mx = xs.reduce((p, v) => p + v, 0) / n;
  const sx = Math.sqrt(xs.reduce((p, v) => p + (v - mx) ** 2, 0) / n);
  if (!(sx > 0)) return bad;
  // Normal equations in t: [S4 S3 S2; S3 S2 S1; S2 S1 S0] [A B C]' = [T2 T1 T0]'
  const s = new Float64Array(5);
  const tY = new Float64Array(3);
  for (let i = 0; i < n; i++) {
    const t = (xs[i] - mx) / sx;
    let p = 1;
    for (let e = 0; e < 5; e++) {
      s[e] += p;
      if (e < 3) tY[e] += p * ys[i];
      p *= t;
    }
  }
  const m = [
    [s[4], s[3], s[2], tY[2]],
    [s[3], s[2], s[1], tY[1]],
    [s[2], s[1], s[0], tY[0]],
  ];
  const sol = solve3(m);
  if (!sol) return bad;
  const [aT, bT, cT] = sol;
  // y = aT t^2 + bT t + cT with t = (x - mx) / sx
  const a = aT / (sx * sx);
  const b = bT / sx - (2 * aT * mx) / (sx * sx);
  const c = cT - (bT * mx) / sx + (aT * mx * mx) / (sx * sx);
  const my = ys.reduce((p, v) => p + v, 0) / n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const t = (xs[i] - mx) / sx;
    ssRes += (ys[i] - (aT * t * t + bT * t + cT)) ** 2;
    ssTot += (ys[i] - my) ** 2;
  }
  return { a, b, c, r2: ssTot > 0 ? 1 - ssRes / ssTot : NaN, n };
}

/** Gaussian elimination with partial pivoting on a 3 x 4 augmented matrix; null when singular. */
function solve3(m: number[][]): [number, number, number] | null {
  for (let col = 0; col < 3; col++) {
    let piv = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) piv = r;
    if (Math.abs(m[piv][col]) < 1e-12 * Math.max(1, Math.abs(m[0][0]))) return null;
    [m[col], m[piv]] = [m[piv], m[col]];
    for (let r = col + 1; r < 3; r++) {
      const f = m[r][col] / m[col][col];
      for (let c = col; c < 4; c++) m[r][c] -= f * m[col][c];
    }
  }
  const x = [0, 0, 0];
  for (let r = 2; r >= 0; r--) {
    let v = m[r][3];
    for (let c = r + 1; c < 3; c++) v -= m[r][c] * x[c];
    x[r] = v / m[r][r];
  }
  return [x[0], x[1], x[2]];
}

export interface AblationSummary {
  optim: MeanWithError;
  norm: MeanWithError;
  /** Neurons whose scores are NaN (zero mean-ablation effect), left out of the means. */
  flagged: number;
  /** Ablation (Optim) vs correlation across neurons, for the scatter chart; only when correlations are given. */
  optimVsCorrelation?: QuadraticFit;
  normVsCorrelation?: QuadraticFit;
}

/**
 * Per-method average ablation score with standard error over a layer's neurons; with `correlations`
 * (one per result, same order) also the quadratic fits of ablation vs correlation.
 */
export function ablationSummary(
  results: readonly { flag: string | null; optim?: { score: number }; norm?: { score: number } }[],
  correlations?: ArrayLike<number>,
): AblationSummary {
  const optim = results.map((r) => r.optim?.score ?? NaN);
  const norm = results.map((r) => r.norm?.score ?? NaN);
  const out: AblationSummary = {
    optim: meanWithStandardError(optim),
    norm: meanWithStandardError(norm),
    flagged: results.filter((r) => r.flag).length,
  };
  if (correlations) {
    if (correlations.length !== results.length) throw new Error('ablationSummary: one correlation per result');
    out.optimVsCorrelation = quadraticFit(correlations, optim);
    out.normVsCorrelation = quadraticFit(correlations, norm);
  }
  return out;
}
