import { greedySearch, type CandidateFit, type FitAndScore, type GreedyOptions } from './greedySearch';
import { solveGramSubset, type GramSolveOptions } from './leastSquares';
import { pearson } from './pearson';
import { inverseStd, type ColumnStats } from './standardise';
import type { LinearExplanation } from './types';

/**
 * Fast greedy search: every candidate LS fit is a tiny solve on the shared train Gram, and the val
 * prediction reads contiguous standardised val columns. Least squares with intercept is invariant to
 * shifting and scaling columns, so fitting on standardised P and mapping back is the LS fit on raw P
 * and raw q that docs/methods.md "Greedy search" asks for (exactly, up to rounding); Pearson on val is invariant too.
 */
export interface GreedyFastInput {
  /** Centred, standardised train Gram / n (m x m). */
  gram: Float64Array;
  m: number;
  /** Xs^T ys / n for this neuron (ys = neuron standardised with its train mean/std). */
  xty: ArrayLike<number>;
  /** Standardised val rows of P, column-major: concept j is valT[j*nVal .. (j+1)*nVal). */
  valT: Float32Array;
  nVal: number;
  /** The neuron on val (raw). */
  yVal: ArrayLike<number>;
  /** Train statistics of P and of the neuron, to report raw weights and bias. */
  pStats: ColumnStats;
  yMean: number;
  yStd: number;
}

/** The LS-fit-and-val-score closure over the shared Gram (also used by the baselines). */
export function gramFitter(input: GreedyFastInput, solveOpts: GramSolveOptions = {}): FitAndScore {
  const { gram, m, xty, valT, nVal, yVal, pStats, yMean, yStd } = input;
  const inv = inverseStd(pStats);
  const pred = new Float64Array(nVal);
  return (concepts: Int32Array): CandidateFit => {
    const p = concepts.length;
    const rhs = new Float64Array(p);
    for (let i = 0; i < p; i++) rhs[i] = xty[concepts[i]];
    const a = solveGramSubset(gram, m, concepts, rhs, solveOpts);
    pred.fill(0);
    for (let i = 0; i < p; i++) {
      const ai = a[i];
      if (ai === 0) continue;
      const off = concepts[i] * nVal;
      for (let t = 0; t < nVal; t++) pred[t] += ai * valT[off + t];
    }
    const weights = new Float64Array(p);
    let bias = yMean;
    for (let i = 0; i < p; i++) {
      const j = concepts[i];
      weights[i] = yStd * a[i] * inv[j];
      bias -= weights[i] * pStats.mean[j];
    }
    return { weights, bias, valCorrelation: pearson(pred, yVal) };
  };
}

export function greedyExplain(input: GreedyFastInput, ranking: Int32Array, opts: GreedyOptions = {}): LinearExplanation {
  return greedySearch(ranking, gramFitter(input), input.yMean, opts);
}
