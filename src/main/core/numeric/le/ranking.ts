/**
 * Concept order for the greedy search (docs/methods.md "Concept order", LE step 3).
 * 'signed' (default, the reference order): weight descending, so strongly negative concepts come last.
 * 'abs': |weight| descending, which lets a strongly negative concept become a candidate (docs/methods.md
 * "Concept order"). Ties (e.g. the many zero weights) keep ascending concept index: deterministic.
 */
export type RankOrder = 'signed' | 'abs';

/**
 * Same result as a stable sort of all m concepts, in O(m + nnz log nnz): the elastic-net weights are
 * sparse, and the zero-weight concepts simply keep index order between the positive and negative ones.
 */
export function rankConcepts(weights: ArrayLike<number>, order: RankOrder = 'signed'): Int32Array {
  const m = weights.length;
  const pos: number[] = [];
  const neg: number[] = [];
  for (let j = 0; j < m; j++) {
    if (weights[j] > 0) pos.push(j);
    else if (weights[j] < 0) neg.push(j);
  }
  const out = new Int32Array(m);
  let t = 0;
  if (order === 'abs') {
    const nz = pos.concat(neg).sort((a, b) => Math.abs(weights[b]) - Math.abs(weights[a]) || a - b);
    for (const j of nz) out[t++] = j;
    for (let j = 0; j < m; j++) if (weights[j] === 0 || Number.isNaN(weights[j])) out[t++] = j;
    return out;
  }
  pos.sort((a, b) => weights[b] - weights[a] || a - b);
  neg.sort((a, b) => weights[b] - weights[a] || a - b);
  for (const j of pos) out[t++] = j;
  for (let j = 0; j < m; j++) if (weights[j] === 0 || Number.isNaN(weights[j])) out[t++] = j;
  for (const j of neg) out[t++] = j;
  return out;
}

/** The obvious reference: a full stable sort (tests compare rankConcepts with it). */
export function rankConceptsReference(weights: ArrayLike<number>, order: RankOrder = 'signed'): Int32Array {
  const idx = Array.from({ length: weights.length }, (_, i) => i);
  const key = order === 'abs' ? (i: number) => Math.abs(weights[i]) : (i: number) => weights[i];
  idx.sort((a, b) => key(b) - key(a) || a - b);
  return Int32Array.from(idx);
}
