import type { RankOrder } from './ranking';
import type { LinearExplanation } from './types';

/**
 * The greedy search of docs/methods.md "Greedy search" (LE step 4), written once over an abstract "fit and score" so the fast
 * path (greedy.ts, Gram-based) and the slow reference (greedyReference.ts, QR on raw data) share the
 * exact control flow and can only differ in arithmetic:
 *   best = 0 (as the reference: the first concept must at least correlate positively on val)
 *   repeat while fewer than v selected:
 *     candidates = the first r concepts of the ranking neither selected nor banned (none: stop)
 *     for each: fit LS with intercept on train over selected + candidate, score = val Pearson;
 *       if >= 1 selected and score - best < eps: ban it for good (a banned candidate cannot be added);
 *       else remember it if it beats the round's best so far (strictly; earlier rank wins ties)
 *     no candidate beat best: stop; else add the round's best and best = its score.
 * The result's weights/bias are the LS fit of exactly the selected set (the reference code reports the
 * last candidate set instead when it stops at v: not copied).
 */
export interface GreedyOptions {
  /** v: most concepts in an explanation. Default 10. */
  maxConcepts?: number;
  /** r: candidates per round. Default 10. */
  width?: number;
  /** eps: least val-correlation gain to keep a candidate. Default 0.02. */
  eps?: number;
  /** Ranking of concepts by the elastic-net weights. Default 'signed' (reference order). */
  order?: RankOrder;
}

export interface CandidateFit {
  weights: Float64Array;
  bias: number;
  valCorrelation: number;
}

/** Fits LS with intercept over `concepts` (train) and scores it on val. */
export type FitAndScore = (concepts: Int32Array) => CandidateFit;

export function greedySearch(
  ranking: Int32Array,
  fitAndScore: FitAndScore,
  emptyBias: number,
  opts: GreedyOptions = {},
): LinearExplanation {
  const v = opts.maxConcepts ?? 10;
  const r = opts.width ?? 10;
  const eps = opts.eps ?? 0.02;
  const selected: number[] = [];
  const taken = new Uint8Array(ranking.length); // 1 selected, 2 banned
  let best = 0;
  let bestFit: CandidateFit | null = null;
  while (selected.length < v) {
    const candidates: number[] = [];
    for (let i = 0; i < ranking.length && candidates.length < r; i++) if (!taken[ranking[i]]) candidates.push(ranking[i]);
    if (candidates.length === 0) break;
    let roundBest = best;
    let roundConcept = -1;
    let roundFit: CandidateFit | null = null;
    const set = new Int32Array(selected.length + 1);
    set.set(selected);
    for (const c of candidates) {
      set[selected.length] = c;
      const fit = fitAndScore(set);
      if (selected.length > 0 && fit.valCorrelation - best < eps) taken[c] = 2;
      else if (fit.valCorrelation > roundBest) {
        roundBest = fit.valCorrelation;
        roundConcept = c;
        roundFit = fit;
      }
    }
    if (roundConcept < 0) break;
    selected.push(roundConcept);
    taken[roundConcept] = 1;
    best = roundBest;
    bestFit = roundFit;
  }
  if (!bestFit) return { concepts: new Int32Array(0), weights: new Float64Array(0), bias: emptyBias, valCorrelation: 0 };
  return { concepts: Int32Array.from(selected), weights: bestFit.weights, bias: bestFit.bias, valCorrelation: bestFit.valCorrelation };
}
