import { greedySearch, type CandidateFit, type GreedyOptions } from './greedySearch';
import { leastSquaresReference } from './leastSquares';
import { pearson } from './pearson';
import type { DenseMatrix, LinearExplanation } from './types';

/**
 * Slow, obvious reference of the greedy search: each candidate is fitted by Householder-QR least squares
 * with intercept on the RAW train rows of P and the raw neuron, and scored by Pearson on the raw val
 * prediction. Same control flow as the fast path (greedySearch.ts).
 */
export interface GreedyReferenceInput {
  p: DenseMatrix;
  trainRows: Int32Array;
  valRows: Int32Array;
  /** The neuron over all N images (raw). */
  y: ArrayLike<number>;
}

export function referenceFitter(input: GreedyReferenceInput): (concepts: Int32Array) => CandidateFit {
  const { p, trainRows, valRows, y } = input;
  const yTrain = Array.from(trainRows, (i) => y[i]);
  const yVal = Array.from(valRows, (i) => y[i]);
  return (concepts) => {
    const k = concepts.length;
    const x = new Float64Array(trainRows.length * k);
    trainRows.forEach((row, r) => concepts.forEach((c, i) => (x[r * k + i] = p.data[row * p.cols + c])));
    const fit = leastSquaresReference(x, trainRows.length, k, yTrain);
    const pred = Array.from(valRows, (row) => {
      let s = fit.bias;
      concepts.forEach((c, i) => (s += fit.weights[i] * p.data[row * p.cols + c]));
      return s;
    });
    return { weights: fit.weights, bias: fit.bias, valCorrelation: pearson(pred, yVal) };
  };
}

export function greedyExplainReference(input: GreedyReferenceInput, ranking: Int32Array, opts: GreedyOptions = {}): LinearExplanation {
  let mean = 0;
  for (const i of input.trainRows) mean += input.y[i];
  return greedySearch(ranking, referenceFitter(input), mean / Math.max(1, input.trainRows.length), opts);
}
