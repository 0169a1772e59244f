import { pearson } from './pearson';
import type { DenseMatrix } from './types';

/**
 * Simulation and correlation scoring (docs/methods.md "Simulators", "Correlation score"):
 *   s(x, E) = sum_i w_i * P_sim(c_i | x) + bias, score = Pearson(s, neuron) on the TEST split.
 * For LE(Label) the simulator matrix P_sim IS the label matrix. P_sim must have the explainer's concept
 * columns (same indices).
 */
export interface SimulatedExplanation {
  concepts: ArrayLike<number>;
  weights: ArrayLike<number>;
  bias: number;
}

export function simulate(pSim: DenseMatrix, rows: Int32Array, e: SimulatedExplanation): Float64Array {
  const out = new Float64Array(rows.length).fill(e.bias);
  for (let i = 0; i < e.concepts.length; i++) {
    const c = e.concepts[i];
    if (c < 0 || c >= pSim.cols) throw new Error(`simulate: concept ${c} outside the simulator's ${pSim.cols} columns`);
    const w = e.weights[i];
    for (let r = 0; r < rows.length; r++) out[r] += w * pSim.data[rows[r] * pSim.cols + c];
  }
  return out;
}

/** Column `k` of q at `rows`, as float64. */
export function neuronValues(q: DenseMatrix, k: number, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = q.data[rows[r] * q.cols + k];
  return out;
}

export function correlationScore(pSim: DenseMatrix, q: DenseMatrix, neuron: number, testRows: Int32Array, e: SimulatedExplanation): number {
  return pearson(simulate(pSim, testRows, e), neuronValues(q, neuron, testRows));
}

/**
 * simulate() for many explanations at once: one pass over the rows, so each row of P_sim is read from
 * memory once for the whole batch instead of once per explanation (P_sim is row-major: concept columns
 * are strided, and per-explanation passes would miss the cache on every value).
 */
export function simulateBatch(pSim: DenseMatrix, rows: Int32Array, es: readonly SimulatedExplanation[]): Float64Array[] {
  const outs = es.map((e) => new Float64Array(rows.length).fill(e.bias));
  for (const e of es)
    for (let i = 0; i < e.concepts.length; i++) {
      if (e.concepts[i] < 0 || e.concepts[i] >= pSim.cols)
        throw new Error(`simulate: concept ${e.concepts[i]} outside the simulator's ${pSim.cols} columns`);
    }
  const m = pSim.cols;
  for (let r = 0; r < rows.length; r++) {
    const o = rows[r] * m;
    for (let t = 0; t < es.length; t++) {
      const e = es[t];
      let s = 0;
      for (let i = 0; i < e.concepts.length; i++) s += e.weights[i] * pSim.data[o + e.concepts[i]];
      outs[t][r] += s;
    }
  }
  return outs;
}
