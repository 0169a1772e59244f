import { denseMatrix, type DenseMatrix } from '../le/types';

/**
 * Compact concept matrix P (N images x M concepts, row-major like DenseMatrix): P in [0, 1] stored as
 * round(P * 65535) in a Uint16Array. Max abs error 1 / (2 * 65535) = 7.63e-6 per value; 2 bytes per value,
 * so 50,000 x 8,438 takes 844 MB instead of 1.69 GB as float32. See README.md.
 */
export interface QuantizedMatrix {
  rows: number;
  cols: number;
  data: Uint16Array;
}

export const QUANT_LEVELS = 65535;
/** Worst-case |dequantise(quantise(p)) - p| for p in [0, 1]. */
export const QUANT_MAX_ERROR = 1 / (2 * QUANT_LEVELS);

export function quantizedMatrix(rows: number, cols: number, data?: Uint16Array): QuantizedMatrix {
  const d = data ?? new Uint16Array(rows * cols);
  if (d.length !== rows * cols) throw new Error(`quantized matrix data length ${d.length} != ${rows} x ${cols}`);
  return { rows, cols, data: d };
}

/** p in [0, 1] (clamped; NaN -> 0) to its 16-bit code. */
export function quantise(p: number): number {
  if (!(p > 0)) return 0;
  if (p >= 1) return QUANT_LEVELS;
  return (p * QUANT_LEVELS + 0.5) | 0;
}

export const dequantise = (code: number): number => code / QUANT_LEVELS;

export function quantiseDense(p: DenseMatrix): QuantizedMatrix {
  const q = quantizedMatrix(p.rows, p.cols);
  for (let i = 0; i < p.data.length; i++) q.data[i] = quantise(p.data[i]);
  return q;
}

/** One column (concept) for the given rows (default all rows, in order), dequantised. */
export function quantizedColumn(q: QuantizedMatrix, col: number, rowIndices?: ArrayLike<number>, out?: Float32Array): Float32Array {
  return fillColumn(q, col, rowIndices, out ?? new Float32Array(rowIndices ? rowIndices.length : q.rows));
}

export function quantizedColumn64(q: QuantizedMatrix, col: number, rowIndices?: ArrayLike<number>, out?: Float64Array): Float64Array {
  return fillColumn(q, col, rowIndices, out ?? new Float64Array(rowIndices ? rowIndices.length : q.rows));
}

function fillColumn<T extends Float32Array | Float64Array>(
  q: QuantizedMatrix,
  col: number,
  rowIndices: ArrayLike<number> | undefined,
  out: T,
): T {
  if (col < 0 || col >= q.cols) throw new Error(`column ${col} out of range 0..${q.cols - 1}`);
  const inv = 1 / QUANT_LEVELS;
  const len = rowIndices ? rowIndices.length : q.rows;
  if (out.length < len) throw new Error('quantizedColumn: output too short');
  for (let r = 0; r < len; r++) out[r] = q.data[(rowIndices ? rowIndices[r] : r) * q.cols + col] * inv;
  return out;
}

/**
 * The explainer's input: selected columns (e.g. the concepts kept by the top-5 filter), in the given order,
 * for the given rows (default all), as a float32 DenseMatrix (rows x columns.length).
 */
export function dequantiseColumns(q: QuantizedMatrix, columns: ArrayLike<number>, rowIndices?: ArrayLike<number>): DenseMatrix {
  const m = columns.length;
  for (let j = 0; j < m; j++)
    if (columns[j] < 0 || columns[j] >= q.cols) throw new Error(`column ${columns[j]} out of range 0..${q.cols - 1}`);
  const n = rowIndices ? rowIndices.length : q.rows;
  const out = new Float32Array(n * m);
  const inv = 1 / QUANT_LEVELS;
  for (let r = 0; r < n; r++) {
    const src = (rowIndices ? rowIndices[r] : r) * q.cols;
    const dst = r * m;
    for (let j = 0; j < m; j++) out[dst + j] = q.data[src + columns[j]] * inv;
  }
  return denseMatrix(out, n, m);
}
