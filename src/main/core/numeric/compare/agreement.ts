import { pearsonOrNull } from '../../../../shared/pearson';

// Inter-rater agreement for the blind rating study (issue #15; docs/compare.md): Krippendorff's alpha, which takes
// any number of raters, missing ratings and the metric of the scale (ordinal for 1-5 ratings), and Pearson's r per
// pair of raters on the items both rated. Golden: scripts/fixtures/make_agreement_golden.py (a NumPy float64 version
// written from the pairwise definition, not from this coincidence-matrix form).

export type AlphaMetric = 'nominal' | 'ordinal' | 'interval';

/**
 * Krippendorff's alpha. `units[u]` holds the values the raters gave unit u (missing ratings left out); units with
 * fewer than two values are not pairable and are skipped. Null when no two values are pairable or every pairable
 * value is the same (expected disagreement 0: alpha is undefined).
 *
 * alpha = 1 - (n - 1) * sum_ck o_ck d2(c, k) / sum_ck n_c n_k d2(c, k), with the coincidence matrix
 * o_ck = sum_u (pairs (i != j) of unit u with values c, k) / (m_u - 1), n_c = sum_k o_ck, n = sum_c n_c.
 * Ordinal d2(c, k) = (sum_{g between c and k} n_g - (n_c + n_k) / 2)^2; interval (c - k)^2; nominal [c != k].
 */
export function krippendorffAlpha(units: readonly (readonly number[])[], metric: AlphaMetric): number | null {
  const pairable = units.filter((u) => u.length >= 2);
  const values = [...new Set(pairable.flat())].sort((a, b) => a - b);
  if (values.length === 0) return null;
  const index = new Map(values.map((v, i) => [v, i]));
  const V = values.length;
  const o = new Float64Array(V * V);
  for (const u of pairable) {
    const w = 1 / (u.length - 1);
    for (let i = 0; i < u.length; i++) for (let j = 0; j < u.length; j++) if (i !== j) o[index.get(u[i])! * V + index.get(u[j])!] += w;
  }
  const nc = new Float64Array(V);
  for (let c = 0; c < V; c++) for (let k = 0; k < V; k++) nc[c] += o[c * V + k];
  const n = nc.reduce((a, b) => a + b, 0);
  const d2 = (c: number, k: number): number => {
    if (metric === 'nominal') return c === k ? 0 : 1;
    if (metric === 'interval') return (values[c] - values[k]) ** 2;
    const [lo, hi] = c < k ? [c, k] : [k, c];
    let s = 0;
    for (let g = lo; g <= hi; g++) s += nc[g];
    return (s - (nc[c] + nc[k]) / 2) ** 2;
  };
  let observed = 0;
  let expected = 0;
  for (let c = 0; c < V; c++)
    for (let k = 0; k < V; k++) {
      const d = d2(c, k);
      observed += o[c * V + k] * d;
      expected += nc[c] * nc[k] * d;
    }
  if (expected === 0) return null;
  return 1 - ((n - 1) * observed) / expected;
}

/** Pearson's r of two raters' scores on the items both rated; null for fewer than 3 pairs or a constant list. */
export function raterPearson(a: readonly number[], b: readonly number[]): number | null {
  return a.length < 3 || b.length !== a.length ? null : pearsonOrNull(a, b);
}
