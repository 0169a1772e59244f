import { trainCrossProducts, type CrossProductOptions } from './crossProducts';
import { elasticNetGram, type ElasticNetOptions } from './elasticNet';
import { columnStats, type ColumnStats } from './standardise';
import type { DenseMatrix } from './types';

/**
 * Elastic net with intercept for many targets in one pass (the sklearn-compatible entry point):
 * columns of X and Y are centred (NOT scaled) over `rows`, the centred Gram and X^T Y are computed once,
 * then each target runs the Gram coordinate descent. intercept_k = mean(y_k) - mean(X) w_k.
 * Pass already-standardised X to get LE step 2.
 */
export interface ManyFit {
  /** k x m row-major: coef[k*m + j] (sklearn's coef_ per target). */
  coef: Float64Array;
  intercept: Float64Array;
  converged: boolean[];
}

function centreOnly(stats: ColumnStats): ColumnStats {
  return { mean: stats.mean, std: new Float64Array(stats.mean.length).fill(1), constant: new Uint8Array(stats.mean.length) };
}

export async function fitElasticNetMany(
  x: DenseMatrix,
  y: DenseMatrix,
  rows?: Int32Array,
  opts: ElasticNetOptions & CrossProductOptions = {},
): Promise<ManyFit> {
  const all = rows ?? Int32Array.from({ length: x.rows }, (_, i) => i);
  const xStats = centreOnly(columnStats(x, all));
  const yStats = centreOnly(columnStats(y, all));
  const cp = await trainCrossProducts(x, y, all, xStats, yStats, opts);
  const { m, k } = cp;
  // ||yc||^2 / n per target, in float64 from the data (not from the float32 product engine).
  const yy = new Float64Array(k);
  for (const r of all) for (let t = 0; t < k; t++) yy[t] += (y.data[r * k + t] - yStats.mean[t]) ** 2;
  const coef = new Float64Array(k * m);
  const intercept = new Float64Array(k);
  const converged: boolean[] = [];
  const c = new Float64Array(m);
  for (let t = 0; t < k; t++) {
    for (let j = 0; j < m; j++) c[j] = cp.xty[j * k + t];
    const res = elasticNetGram(cp.gram, m, c, yy[t] / all.length, opts);
    coef.set(res.coef, t * m);
    let b = yStats.mean[t];
    for (let j = 0; j < m; j++) b -= xStats.mean[j] * res.coef[j];
    intercept[t] = b;
    converged.push(res.converged);
  }
  return { coef, intercept, converged };
}
