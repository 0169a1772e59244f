import { pearson, splitIndices } from '../../numeric/le';
import type { StoredTerm } from '../../platform/store/explanationRepo';
import { findLabel, simulateLabels, type LabelConcepts } from './labelConcepts';

// Correlation scoring of any explanation whose concepts are labels, under the label simulator
// (docs/methods.md "Correlation score": Pearson of s(x, E) with the neuron on val and on test).

export interface LabelScore {
  valCorrelation: number;
  testCorrelation: number;
}

/** Label column weights of an explanation, or null when a concept is not a label of the probe set. */
export function labelWeights(lc: LabelConcepts, terms: readonly StoredTerm[]): Float64Array | null {
  const w = new Float64Array(lc.labels.length);
  for (const t of terms) {
    const j = findLabel(lc, t.concept);
    if (j < 0) return null;
    w[j] += t.weight;
  }
  return w;
}

/** Values of one neuron column (N) at `rows`. */
export function at(values: Float32Array, rows: Int32Array): Float64Array {
  return Float64Array.from(rows, (i) => values[i]);
}

export function scoreByLabels(
  lc: LabelConcepts,
  split: Uint8Array,
  activation: Float32Array,
  weights: Float64Array,
  bias: number,
): LabelScore {
  const { val, test } = splitIndices(split);
  return {
    valCorrelation: pearson(simulateLabels(lc, weights, bias, val), at(activation, val)),
    testCorrelation: pearson(simulateLabels(lc, weights, bias, test), at(activation, test)),
  };
}
