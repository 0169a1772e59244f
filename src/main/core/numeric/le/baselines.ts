import type { FitAndScore } from './greedySearch';
import { referenceFitter, type GreedyReferenceInput } from './greedyReference';
import type { LinearExplanation } from './types';

/**
 * Baselines scored beside LE.
 * - Single best concept: the concept whose single-concept LS fit (with intercept, on train) has the
 *   highest val correlation. That fit's val correlation is sign(train slope) * corr_val(concept, neuron)
 *   = sign(c_j) * corr_val, so one matrix product over all concepts ranks them; ties go to the lower index.
 * - LE without greedy search: the first k (default 5) concepts of the elastic-net ranking (same order
 *   option as the greedy search), refitted by LS with intercept on train.
 */
export interface ValColumnStats {
  /** Mean and population std of each standardised val column (length m). */
  mean: Float64Array;
  std: Float64Array;
}

/** Per-column mean/std of a column-major (m x nVal) matrix. */
export function valColumnStats(valT: Float32Array, m: number, nVal: number): ValColumnStats {
  const mean = new Float64Array(m);
  const std = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let t = 0; t < nVal; t++) s += valT[j * nVal + t];
    const mu = s / nVal;
    let ss = 0;
    for (let t = 0; t < nVal; t++) {
      const d = valT[j * nVal + t] - mu;
      ss += d * d;
    }
    mean[j] = mu;
    std[j] = Math.sqrt(ss / nVal);
  }
  return { mean, std };
}

/**
 * Val correlation of each single-concept LS fit, from sumXY[j] = sum_t valT[j,t] * yVal[t] (one product
 * for a block of neurons), the val column stats and the neuron's val mean/std.
 */
export function singleConceptValScores(
  xty: ArrayLike<number>,
  sumXY: ArrayLike<number>,
  cols: ValColumnStats,
  yMean: number,
  yStd: number,
  nVal: number,
): Float64Array {
  const m = cols.mean.length;
  const out = new Float64Array(m);
  if (!(yStd > 0)) return out;
  for (let j = 0; j < m; j++) {
    if (!(cols.std[j] > 0) || xty[j] === 0) continue;
    const corr = (sumXY[j] / nVal - cols.mean[j] * yMean) / (cols.std[j] * yStd);
    out[j] = Math.sign(xty[j]) * corr;
  }
  return out;
}

/** Index of the largest score; the lowest index among ties. */
export function argmax(scores: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < scores.length; j++) if (scores[j] > scores[best]) best = j;
  return best;
}

export function fitConcepts(fit: FitAndScore, concepts: Int32Array): LinearExplanation {
  const f = fit(concepts);
  return { concepts, weights: f.weights, bias: f.bias, valCorrelation: f.valCorrelation };
}

export function topKWithoutGreedy(fit: FitAndScore, ranking: Int32Array, k = 5): LinearExplanation {
  return fitConcepts(fit, ranking.slice(0, Math.min(k, ranking.length)));
}

/** Reference: try every concept alone with QR least squares on raw data; keep the best val correlation. */
export function singleConceptReference(input: GreedyReferenceInput): LinearExplanation {
  const fit = referenceFitter(input);
  let best: LinearExplanation | null = null;
  for (let j = 0; j < input.p.cols; j++) {
    const e = fitConcepts(fit, Int32Array.of(j));
    if (!best || e.valCorrelation > best.valCorrelation) best = e;
  }
  if (!best) throw new Error('singleConceptReference: no concepts');
  return best;
}
