import type { DenseMatrix } from './types';

/**
 * Column standardisation with statistics from a subset of rows (the train split), docs/methods.md "Standardisation" (LE step 1).
 *
 * Std is the POPULATION std (ddof = 0), as sklearn's StandardScaler: then a standardised train column has
 * mean 0 and mean square exactly 1, so the train Gram matrix / n is the correlation matrix and
 * lambda_max = max|corr(x_j, y)| / eta. (The reference code uses torch.std, ddof = 1: a factor
 * sqrt(n/(n-1)), 1.00001 at n = 35k.)
 * Zero-variance columns are GUARDED, not dropped, so concept indices never shift: std < minStd marks the
 * column constant and its standardised values are 0 everywhere (its elastic-net weight is then 0).
 */
export interface ColumnStats {
  mean: Float64Array;
  std: Float64Array;
  /** 1 where the column is constant on the rows the stats came from. Its std is reported as 1. */
  constant: Uint8Array;
}

export interface ColumnStatsOptions {
  /** Std below this counts as zero variance. Default 1e-7 (below float32 resolution of values in [0, 1]). */
  minStd?: number;
}

/** Mean and population std of each column over `rows` (all rows when omitted). Two passes, float64. */
export function columnStats(m: DenseMatrix, rows?: Int32Array, opts: ColumnStatsOptions = {}): ColumnStats {
  const minStd = opts.minStd ?? 1e-7;
  const { data, cols } = m;
  const n = rows ? rows.length : m.rows;
  const mean = new Float64Array(cols);
  const ss = new Float64Array(cols);
  for (let r = 0; r < n; r++) {
    const off = (rows ? rows[r] : r) * cols;
    for (let j = 0; j < cols; j++) mean[j] += data[off + j];
  }
  for (let j = 0; j < cols; j++) mean[j] /= n;
  for (let r = 0; r < n; r++) {
    const off = (rows ? rows[r] : r) * cols;
    for (let j = 0; j < cols; j++) {
      const d = data[off + j] - mean[j];
      ss[j] += d * d;
    }
  }
  const std = new Float64Array(cols);
  const constant = new Uint8Array(cols);
  for (let j = 0; j < cols; j++) {
    const s = Math.sqrt(ss[j] / n);
    if (!(s >= minStd)) {
      constant[j] = 1;
      std[j] = 1;
    } else std[j] = s;
  }
  return { mean, std, constant };
}

/** Multiplier per column: 1/std, or 0 for a constant column (its standardised values are all 0). */
export function inverseStd(stats: ColumnStats): Float64Array {
  const inv = new Float64Array(stats.std.length);
  for (let j = 0; j < inv.length; j++) inv[j] = stats.constant[j] ? 0 : 1 / stats.std[j];
  return inv;
}

/** Standardised copy of the selected rows (all rows when omitted): rows.length x cols, row-major. */
export function standardiseRows(m: DenseMatrix, stats: ColumnStats, rows?: Int32Array): Float32Array {
  const { data, cols } = m;
  const n = rows ? rows.length : m.rows;
  const inv = inverseStd(stats);
  const out = new Float32Array(n * cols);
  for (let r = 0; r < n; r++) {
    const src = (rows ? rows[r] : r) * cols;
    const dst = r * cols;
    for (let j = 0; j < cols; j++) out[dst + j] = (data[src + j] - stats.mean[j]) * inv[j];
  }
  return out;
}

/** Standardised selected rows stored column-major (cols x rows.length): contiguous per concept. */
export function standardiseRowsTransposed(m: DenseMatrix, stats: ColumnStats, rows: Int32Array): Float32Array {
  const { data, cols } = m;
  const n = rows.length;
  const inv = inverseStd(stats);
  const out = new Float32Array(n * cols);
  for (let r = 0; r < n; r++) {
    const src = rows[r] * cols;
    for (let j = 0; j < cols; j++) out[j * n + r] = (data[src + j] - stats.mean[j]) * inv[j];
  }
  return out;
}
