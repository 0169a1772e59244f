// Final-layer label similarity (DnD paper; docs/compare.md): the cosine between row i of one embedding matrix (labels)
// and row i of another (class names). Pure: no DB, no model.

/**
 * Cosine of row i of `a` with row i of `b` (both n x dim, row-major), accumulated in float64 with both norms, so
 * unnormalised vectors (an encoder's text tower) and unit ones (a sentence model) are treated alike. A zero row has
 * cosine 0.
 */
export function rowCosines(a: ArrayLike<number>, b: ArrayLike<number>, dim: number): Float64Array {
  if (dim <= 0 || a.length % dim || a.length !== b.length) throw new Error('rowCosines: a and b must both be n x dim');
  const n = a.length / dim;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let d = i * dim; d < (i + 1) * dim; d++) {
      dot += a[d] * b[d];
      na += a[d] * a[d];
      nb += b[d] * b[d];
    }
    out[i] = na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
  }
  return out;
}
