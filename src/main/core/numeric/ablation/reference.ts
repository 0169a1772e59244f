import { argmax, logSumExp } from './crossEntropy';
import type { FloatArray, LinearHead, LossOracle, Matrix, OracleResult, OracleWants } from './types';

/**
 * Slow, obvious references the fast paths are tested against: recompute the image's logits from scratch
 * (z = W a' + b with a'_k = value, float64 loops), then the temperature-scaled cross-entropy / argmax.
 */
export function referenceLogits(acts: Matrix, head: LinearHead, image: number, neuron: number, value: number): Float64Array {
  const k = acts.cols;
  const z = new Float64Array(head.classes);
  for (let j = 0; j < head.classes; j++) {
    let s = head.bias[j];
    for (let t = 0; t < k; t++) s += head.weight[j * k + t] * (t === neuron ? value : acts.data[image * k + t]);
    z[j] = s;
  }
  return z;
}

export function referenceLoss(
  acts: Matrix,
  head: LinearHead,
  labels: Int32Array,
  temperature: number,
  image: number,
  neuron: number,
  value: number,
): number {
  const z = referenceLogits(acts, head, image, neuron, value);
  return logSumExp(z, 0, z.length, 1 / temperature) - z[labels[image]] / temperature;
}

/**
 * A LossOracle that recomputes every loss from scratch. It has no gradients (scoreAblation then uses finite
 * differences, like a tail-graph oracle would) and no `changes` (differences of losses are used).
 */
export function bruteForceOracle(acts: Matrix, head: LinearHead, labels: Int32Array, temperature: number): LossOracle {
  const evaluate = async (neuron: number, values: FloatArray, imageIdx: Int32Array, want: OracleWants): Promise<OracleResult> => {
    const losses = new Float64Array(imageIdx.length);
    const correct = new Uint8Array(imageIdx.length);
    for (let r = 0; r < imageIdx.length; r++) {
      const i = imageIdx[r];
      const z = referenceLogits(acts, head, i, neuron, values[r]);
      losses[r] = logSumExp(z, 0, z.length, 1 / temperature) - z[labels[i]] / temperature;
      correct[r] = argmax(z, 0, z.length) === labels[i] ? 1 : 0;
    }
    return want.correct ? { losses, correct } : { losses };
  };
  const own = (neuron: number, imageIdx: Int32Array): Float64Array => Float64Array.from(imageIdx, (i) => acts.data[i * acts.cols + neuron]);
  return {
    numImages: acts.rows,
    evaluate,
    losses: async (neuron, values, imageIdx) => (await evaluate(neuron, values, imageIdx, {})).losses,
    baseline: async (imageIdx) => {
      const r = await evaluate(0, own(0, imageIdx), imageIdx, { correct: true });
      return { losses: r.losses, correct: r.correct as Uint8Array };
    },
  };
}
