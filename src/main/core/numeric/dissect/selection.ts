/**
 * Describe-and-Dissect step 3, best-concept selection (docs methods.md "Describe-and-Dissect" 3; reference
 * describe_neurons.py step 3, utils.rank_images, scoring_function.topk_sq_mean / compare_images):
 * 1. all generated images of all candidates ranked together by the neuron's activation, descending (0-based;
 *    ties: candidate order, then image order);
 * 2. rank term = mean of the squares of the candidate's `beta` best ranks (fewer if it has fewer images; C + 1
 *    if it has none, as the reference); concept rank = C - position in ascending rank-term order (best gets C;
 *    equal rank terms: candidate order);
 * 3. weight = mean cosine between the neuron's top probe images and the candidate's images that reach the
 *    global top `topGlobal` (-1 if none does);
 * 4. score = concept rank x weight, best first (ties: candidate order; the reference's reverse tuple sort would
 *    put the later candidate first);
 * 5. labels: the first `labels` candidates in that order, dropping one whose text cosine to a better kept label
 *    exceeds maxLabelSimilarity (no refill from further down: "top 3, minus near-duplicates").
 */

export interface SelectionInput {
  candidates: string[];
  /** activations[c][q]: the neuron's activation on candidate c's q-th generated image. */
  activations: number[][];
  /** L2-normalised embeddings (same encoder): the neuron's top probe images (t x d), each candidate's generated images (q_c x d), candidate texts (C x d). */
  topImages: Float32Array;
  imageEmbeddings: Float32Array[];
  textEmbeddings: Float32Array;
  d: number;
}

export interface SelectionOptions {
  /** best ranks in the rank term (reference 5) */
  beta: number;
  /** the global top that decides which images count in the weight term (reference 10) */
  topGlobal: number;
  /** labels kept (reference 3) */
  labels: number;
  /** drop a label whose text cosine to a better kept one exceeds this (0.81) */
  maxLabelSimilarity: number;
}

export const DEFAULT_SELECTION: SelectionOptions = { beta: 5, topGlobal: 10, labels: 3, maxLabelSimilarity: 0.81 };

export interface CandidateScore {
  concept: string;
  /** 0-based global ranks of its images, ascending */
  ranks: number[];
  /** topk-sq-mean */
  rankTerm: number;
  conceptRank: number;
  /** -1 when none of its images reach the global top */
  weight: number;
  /** indices (into its images) that reach the global top */
  inTop: number[];
  score: number;
}

export interface Selection {
  /** input order */
  candidates: CandidateScore[];
  /** candidate indices by score, best first */
  order: number[];
  labels: Array<{ concept: string; score: number }>;
  dropped: Array<{ concept: string; similarTo: string; similarity: number }>;
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let s = 0;
  for (let u = 0; u < d; u++) s += a[ao + u] * b[bo + u];
  return s;
}

export function selectConcepts(input: SelectionInput, opts: SelectionOptions = DEFAULT_SELECTION): Selection {
  const { candidates, activations, topImages, imageEmbeddings, textEmbeddings, d } = input;
  const C = candidates.length;
  if (activations.length !== C || imageEmbeddings.length !== C)
    throw new Error('selectConcepts: one activation list and one embedding block per candidate');
  if (textEmbeddings.length !== C * d)
    throw new Error(`selectConcepts: textEmbeddings has ${textEmbeddings.length} values, expected ${C * d}`);
  if (topImages.length % d !== 0) throw new Error('selectConcepts: topImages is not a multiple of d');
  const t = topImages.length / d;
  activations.forEach((a, c) => {
    if (imageEmbeddings[c].length !== a.length * d)
      throw new Error(`selectConcepts: candidate ${c} has ${a.length} activations but ${imageEmbeddings[c].length / d} embeddings`);
  });

  // 1. global ranking of every generated image (stable sort keeps candidate, then image order on ties)
  const all: Array<{ c: number; q: number; v: number }> = [];
  activations.forEach((a, c) => a.forEach((v, q) => all.push({ c, q, v: Number.isNaN(v) ? -Infinity : v })));
  all.sort((x, y) => (y.v > x.v ? 1 : y.v < x.v ? -1 : 0));
  const ranks: number[][] = candidates.map(() => []);
  const inTop: number[][] = candidates.map(() => []);
  all.forEach((e, rank) => {
    ranks[e.c].push(rank);
    if (rank < opts.topGlobal) inTop[e.c].push(e.q);
  });

  // 2. rank term and concept rank
  const rankTerm = ranks.map((r) => {
    if (r.length === 0) return C + 1;
    const b = Math.min(opts.beta, r.length);
    let s = 0;
    for (let i = 0; i < b; i++) s += r[i] * r[i];
    return s / b;
  });
  const byTerm = candidates.map((_, c) => c).sort((a, b) => rankTerm[a] - rankTerm[b] || a - b);
  const conceptRank = new Array<number>(C);
  byTerm.forEach((c, pos) => (conceptRank[c] = C - pos));

  // 3. weight: mean cosine over (top image, candidate image in the global top) pairs
  const weight = inTop.map((qs, c) => {
    if (qs.length === 0 || t === 0) return -1;
    let s = 0;
    for (let i = 0; i < t; i++) for (const q of qs) s += dot(topImages, i * d, imageEmbeddings[c], q * d, d);
    return s / (t * qs.length);
  });

  // 4. score and order
  const scored: CandidateScore[] = candidates.map((concept, c) => ({
    concept,
    ranks: ranks[c],
    rankTerm: rankTerm[c],
    conceptRank: conceptRank[c],
    weight: weight[c],
    inTop: [...inTop[c]].sort((a, b) => a - b),
    score: conceptRank[c] * weight[c],
  }));
  const order = candidates.map((_, c) => c).sort((a, b) => scored[b].score - scored[a].score || a - b);

  // 5. labels
  const labels: Selection['labels'] = [];
  const kept: number[] = [];
  const dropped: Selection['dropped'] = [];
  for (const c of order.slice(0, opts.labels)) {
    let near: { k: number; sim: number } | null = null;
    for (const k of kept) {
      const sim = dot(textEmbeddings, c * d, textEmbeddings, k * d, d);
      if (sim > opts.maxLabelSimilarity && (!near || sim > near.sim)) near = { k, sim };
    }
    if (near) dropped.push({ concept: candidates[c], similarTo: candidates[near.k], similarity: near.sim });
    else {
      kept.push(c);
      labels.push({ concept: candidates[c], score: scored[c].score });
    }
  }
  return { candidates: scored, order, labels, dropped };
}

/**
 * Interpretability score: mean pairwise cosine of the top images' embeddings (t x d, L2-normalised), over the
 * t(t-1)/2 distinct pairs. The reference's image_embedding_mean takes torch.mean of the whole t x t matrix, whose
 * diagonal of ones lifts it: reference = (1 + (t - 1) * ours) / t (0.1 here is 0.19 there at t = 10).
 * Distinct pairs make the score 0 for unrelated images and 1 for identical ones at any t. NaN for t < 2.
 */
export function interpretability(embeddings: Float32Array, t: number, d: number): number {
  if (embeddings.length !== t * d) throw new Error(`interpretability: ${embeddings.length} values, expected t * d = ${t * d}`);
  if (t < 2) return NaN;
  let s = 0;
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) s += dot(embeddings, i * d, embeddings, j * d, d);
  return s / ((t * (t - 1)) / 2);
}
