import { pearsonOrNull } from '../../../../shared/pearson';

/**
 * Pearson correlation, two-pass in float64 (mean first, then centred sums: no cancellation).
 * Returns 0 when either side has zero variance: a constant prediction explains nothing, and a 0 keeps
 * averages over neurons finite where numpy.corrcoef would give NaN.
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (y.length !== x.length) throw new Error(`pearson: lengths differ (${x.length} vs ${y.length})`);
  return pearsonOrNull(x, y) ?? 0;
}
