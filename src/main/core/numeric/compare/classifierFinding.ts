import { auroc } from '../conceptP/auroc';

// The numerics of "find a classifier for an unseen concept" (DnD / MILAN papers; docs/compare.md): the label closest to
// a class name by cosine, the AUROC of that neuron's activation for the class (conceptP/auroc: tied activations share
// their average rank, as sklearn's roc_auc_score), and the mean +- SE over classes. Pure: no DB, no encoder.

export interface Nearest {
  /** Row of `keys`; the first (lowest) one when two are equally close, so the choice does not depend on float luck elsewhere. */
  index: number;
  cosine: number;
}

/**
 * For each of nQ query vectors (row-major nQ x dim), the key row (nK x dim) with the highest cosine. Cosines are
 * computed with both norms, so unnormalised vectors give the same choice as normalised ones. A zero vector has
 * cosine 0 to everything.
 */
export function nearestByCosine(queries: ArrayLike<number>, keys: ArrayLike<number>, dim: number): Nearest[] {
  if (dim <= 0 || queries.length % dim || keys.length % dim) throw new Error('nearestByCosine: lengths are not multiples of dim');
  const nQ = queries.length / dim;
  const nK = keys.length / dim;
  if (nK === 0) throw new Error('nearestByCosine: no keys');
  const keyNorm = new Float64Array(nK);
  for (let k = 0; k < nK; k++) keyNorm[k] = norm(keys, k * dim, dim);
  const out: Nearest[] = [];
  for (let q = 0; q < nQ; q++) {
    const qn = norm(queries, q * dim, dim);
    let best = -1;
    let bestCos = -Infinity;
    for (let k = 0; k < nK; k++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += queries[q * dim + d] * keys[k * dim + d];
      const c = qn > 0 && keyNorm[k] > 0 ? dot / (qn * keyNorm[k]) : 0;
      if (c > bestCos) {
        bestCos = c;
        best = k;
      }
    }
    out.push({ index: best, cosine: bestCos });
  }
  return out;
}

function norm(a: ArrayLike<number>, o: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += a[o + d] * a[o + d];
  return Math.sqrt(s);
}

/** AUROC of one activation column for a 0/1 class membership; null without a positive or a negative. */
export function classAuroc(activations: ArrayLike<number>, isClass: ArrayLike<number>): number | null {
  return auroc(activations, isClass);
}

/** Mean and standard error (sample SD / sqrt(n); null below 2 values) of a list; mean null when empty. */
export function meanStandardError(values: readonly number[]): { mean: number | null; standardError: number | null; n: number } {
  const n = values.length;
  if (n === 0) return { mean: null, standardError: null, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, standardError: null, n };
  const ss = values.reduce((a, v) => a + (v - mean) * (v - mean), 0);
  return { mean, standardError: Math.sqrt(ss / (n - 1)) / Math.sqrt(n), n };
}
