import { addProductInto, type MatmulOptions } from '../../onnx/gemm';
import { inverseStd, type ColumnStats } from './standardise';
import type { DenseMatrix } from './types';

/**
 * The shared work of a layer, computed ONCE for all neurons (one pass over the train images):
 *   gram = Xs^T Xs / n   (m x m)   Xs = train rows of P standardised with the train stats
 *   xty  = Xs^T Ys / n   (m x k)   Ys = train rows of q standardised with their train stats
 * Xs columns are centred, so gram is the centred Gram (the correlation matrix, diagonal 1 except constant
 * columns, which are 0) and serves both the elastic net (covariance updates) and every greedy least-squares
 * fit. Float64 results.
 *
 * How: train rows are streamed in chunks. Per chunk we hold Xs^T (m x rows, so any concept block is a
 * contiguous slice) and Xs split into column blocks (rows x blockCols each). Only the upper block triangle
 * G[Jb, Jc], c >= b, is multiplied (about 55% of the full product's flops for 9 blocks), then mirrored.
 * Each product's output is one block (blockCols^2), so onnxruntime never allocates an m x m float32
 * (285 MB at m = 8438) on top of the float64 accumulator.
 */
export interface TrainCrossProducts {
  gram: Float64Array;
  xty: Float64Array;
  n: number;
  m: number;
  k: number;
}

export interface CrossProductOptions extends MatmulOptions {
  /** Train rows per chunk. Default 4096 (Xs and Xs^T of a 4096 x 8438 chunk: 2 x 138 MB float32). */
  rowChunk?: number;
  /** Concepts per block of the Gram product. Default 1024. */
  blockCols?: number;
  /** Checked before every row chunk (the pass takes minutes at paper scale). */
  signal?: AbortSignal;
  /** Called after every row chunk with (train rows done, train rows total). */
  onRows?: (done: number, total: number) => void;
}

export async function trainCrossProducts(
  p: DenseMatrix,
  q: DenseMatrix,
  trainRows: Int32Array,
  pStats: ColumnStats,
  qStats: ColumnStats,
  opts: CrossProductOptions = {},
): Promise<TrainCrossProducts> {
  const m = p.cols;
  const k = q.cols;
  const n = trainRows.length;
  const chunk = Math.max(1, opts.rowChunk ?? 4096);
  const bs = Math.max(1, Math.min(m, opts.blockCols ?? 1024));
  const blocks: [number, number][] = [];
  for (let b0 = 0; b0 < m; b0 += bs) blocks.push([b0, Math.min(m, b0 + bs)]);
  const gram = new Float64Array(m * m);
  const xty = new Float64Array(m * k);
  const pInv = inverseStd(pStats);
  const qInv = inverseStd(qStats);
  // float32 feeds onnxruntime directly; the js engine keeps float64 and so stays exact (tests).
  const js = opts.engine === 'js';
  const alloc = (len: number): Float32Array | Float64Array => (js ? new Float64Array(len) : new Float32Array(len));
  for (let start = 0; start < n; start += chunk) {
    opts.signal?.throwIfAborted();
    const rows = Math.min(chunk, n - start);
    const xsT = alloc(m * rows);
    const xsBlocks = blocks.map(([b0, b1]) => alloc(rows * (b1 - b0)));
    const ys = alloc(rows * k);
    // Tiles of 64 rows: the strided writes into xsT stay within a few cache lines per concept.
    for (let r0 = 0; r0 < rows; r0 += 64) {
      const r1 = Math.min(rows, r0 + 64);
      for (let bi = 0; bi < blocks.length; bi++) {
        const [b0, b1] = blocks[bi];
        const w = b1 - b0;
        const xb = xsBlocks[bi];
        for (let r = r0; r < r1; r++) {
          const src = trainRows[start + r] * m;
          for (let j = b0; j < b1; j++) {
            const v = (p.data[src + j] - pStats.mean[j]) * pInv[j];
            xb[r * w + (j - b0)] = v;
            xsT[j * rows + r] = v;
          }
        }
      }
    }
    for (let r = 0; r < rows; r++) {
      const src = trainRows[start + r] * k;
      for (let j = 0; j < k; j++) ys[r * k + j] = (q.data[src + j] - qStats.mean[j]) * qInv[j];
    }
    for (let bi = 0; bi < blocks.length; bi++) {
      const [b0, b1] = blocks[bi];
      const a = xsT.subarray(b0 * rows, b1 * rows);
      for (let ci = bi; ci < blocks.length; ci++) {
        const [c0, c1] = blocks[ci];
        await addProductInto(gram, m, b0, c0, a, b1 - b0, rows, xsBlocks[ci], c1 - c0, opts);
      }
      await addProductInto(xty, k, b0, 0, a, b1 - b0, rows, ys, k, opts);
    }
    opts.onRows?.(start + rows, n);
  }
  for (let i = 0; i < gram.length; i++) gram[i] /= n;
  for (let i = 0; i < xty.length; i++) xty[i] /= n;
  // Mirror the upper triangle (always computed: block(row) <= block(col) there) into the lower one.
  for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) gram[i * m + j] = gram[j * m + i];
  return { gram, xty, n, m, k };
}

/** Column `col` of a row-major rows x cols float64 matrix. */
export function columnOf(mat: Float64Array, rows: number, cols: number, col: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) out[i] = mat[i * cols + col];
  return out;
}
