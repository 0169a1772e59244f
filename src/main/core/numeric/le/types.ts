/**
 * Shared shapes of the explain core.
 *
 * Layout decision: every matrix is a row-major Float32Array with one ROW PER IMAGE.
 * - concept matrix P: rows = N images, cols = M concepts (P[i*M + j] = Pr(concept j | image i)).
 *   docs/methods.md "Words" writes P as M x N; we store its transpose because inference and concept scoring produce
 *   one image at a time, and a row-major image block is what a MatMul over image chunks wants.
 * - activations q: rows = N images, cols = K neurons (q[i*K + k]).
 * Float32 storage (1.7 GB for 50k x 8438) with float64 arithmetic in every reduction.
 */
export interface DenseMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export function denseMatrix(data: Float32Array, rows: number, cols: number): DenseMatrix {
  if (data.length !== rows * cols) throw new Error(`matrix data length ${data.length} != ${rows} x ${cols}`);
  return { data, rows, cols };
}

/** One linear explanation: prediction(x) = sum_i weights[i] * P(concepts[i] | x) + bias. */
export interface LinearExplanation {
  concepts: Int32Array;
  weights: Float64Array;
  bias: number;
  /** Pearson correlation of the prediction with the neuron on the val split. */
  valCorrelation: number;
}
