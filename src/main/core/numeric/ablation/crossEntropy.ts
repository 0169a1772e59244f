import type { FloatArray, Matrix } from './types';

/** log sum_j exp(scale * x[off + j]), j < len, shifted by the max (stable), float64. */
export function logSumExp(x: FloatArray, off: number, len: number, scale = 1): number {
  let m = -Infinity;
  for (let j = 0; j < len; j++) m = Math.max(m, scale * x[off + j]);
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let j = 0; j < len; j++) s += Math.exp(scale * x[off + j] - m);
  return m + Math.log(s);
}

/** Index of the largest entry of x[off .. off+len), the first one on ties (numpy/torch argmax). */
export function argmax(x: FloatArray, off: number, len: number): number {
  let best = 0;
  for (let j = 1; j < len; j++) if (x[off + j] > x[off + best]) best = j;
  return best;
}

/** Cross-entropy of softmax(logits / T) per row (all rows when `rows` is omitted). */
export function crossEntropyRows(logits: Matrix, labels: Int32Array, temperature: number, rows?: Int32Array): Float64Array {
  const n = rows ? rows.length : logits.rows;
  const c = logits.cols;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const i = rows ? rows[r] : r;
    out[r] = logSumExp(logits.data, i * c, c, 1 / temperature) - logits.data[i * c + labels[i]] / temperature;
  }
  return out;
}

/** 1 where the row's argmax equals its label. */
export function correctRows(logits: Matrix, labels: Int32Array, rows?: Int32Array): Uint8Array {
  const n = rows ? rows.length : logits.rows;
  const out = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const i = rows ? rows[r] : r;
    out[r] = argmax(logits.data, i * logits.cols, logits.cols) === labels[i] ? 1 : 0;
  }
  return out;
}
