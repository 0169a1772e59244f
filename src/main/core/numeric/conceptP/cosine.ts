import type { DenseMatrix } from '../le/types';
import type { MatmulEngine } from '../../onnx/gemm';
import { gemmTransB, gemmTransBSigmoid } from '../../onnx/gemm';

/**
 * Row-wise L2 normalisation of a row-major float32 matrix (rows x dim). Norms are summed in float64.
 * An all-zero row stays zero (its cosine with anything is then 0, not NaN).
 */
export function l2normalise(rows: Float32Array, dim: number, opts: { inPlace?: boolean } = {}): Float32Array {
  if (!(dim > 0) || rows.length % dim !== 0) throw new Error(`l2normalise: length ${rows.length} is not a multiple of dim ${dim}`);
  const out = opts.inPlace ? rows : new Float32Array(rows.length);
  for (let o = 0; o < rows.length; o += dim) {
    let s = 0;
    for (let t = 0; t < dim; t++) s += rows[o + t] * rows[o + t];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let t = 0; t < dim; t++) out[o + t] = rows[o + t] * inv;
  }
  return out;
}

export interface CosineOptions {
  /** Image rows per block. Default: about 8M cosines per block (32 MB float32), at least 1 row. */
  blockRows?: number;
  /** 'onnx' (default): onnxruntime Gemm, one call per block. 'js': float64 loops, for tests and tiny sizes. */
  engine?: MatmulEngine;
  /** onnxruntime intra-op threads; 0 = its default (all cores). */
  threads?: number;
  signal?: AbortSignal;
}

/**
 * Receives cos for image rows r0..r1-1: `block` is (r1 - r0) x M float32, row-major
 * (block[(r - r0) * M + j] = cos(image r, text j)). Valid only during the call: copy what you keep.
 */
export type CosineBlockHandler = (block: Float32Array, r0: number, r1: number) => void | Promise<void>;

export const defaultBlockRows = (n: number, m: number): number => Math.max(1, Math.min(n, Math.floor((1 << 23) / Math.max(1, m))));

/**
 * cos = I T^T for L2-normalised image embeddings I (N x D) and text embeddings T (M x D), computed in row
 * blocks of I: one matrix product per block (never per pair), each block handed to `onBlock` before the
 * next is computed, so peak memory is one block, not N x M. Yields to the event loop between blocks.
 */
export async function cosineBlocks(
  images: DenseMatrix,
  texts: DenseMatrix,
  onBlock: CosineBlockHandler,
  opts: CosineOptions = {},
): Promise<void> {
  return productBlocks(images, texts, onBlock, opts, null);
}

/**
 * Like cosineBlocks, but each block holds P = sigmoid(a * (cos + b)) (float32), the sigmoid computed by
 * onnxruntime in the same call as the product ('js' engine: Math.exp in float64, rounded to float32).
 */
export async function probabilityBlocks(
  images: DenseMatrix,
  texts: DenseMatrix,
  a: number,
  b: number,
  onBlock: CosineBlockHandler,
  opts: CosineOptions = {},
): Promise<void> {
  return productBlocks(images, texts, onBlock, opts, { a, b });
}

async function productBlocks(
  images: DenseMatrix,
  texts: DenseMatrix,
  onBlock: CosineBlockHandler,
  opts: CosineOptions,
  sig: { a: number; b: number } | null,
): Promise<void> {
  const n = images.rows;
  const m = texts.rows;
  const d = images.cols;
  if (texts.cols !== d) throw new Error(`cosineBlocks: image dim ${d} != text dim ${texts.cols}`);
  const step = Math.max(1, Math.floor(opts.blockRows ?? defaultBlockRows(n, m)));
  for (let r0 = 0; r0 < n; r0 += step) {
    opts.signal?.throwIfAborted();
    const r1 = Math.min(n, r0 + step);
    const a = images.data.subarray(r0 * d, r1 * d);
    let block: Float32Array;
    if ((opts.engine ?? 'onnx') === 'js') {
      block = cosineJs(a, r1 - r0, texts.data, m, d);
      if (sig) for (let i = 0; i < block.length; i++) block[i] = 1 / (1 + Math.exp(-sig.a * (block[i] + sig.b)));
    } else {
      block = sig
        ? await gemmTransBSigmoid(a, r1 - r0, texts.data, m, d, sig.a, sig.a * sig.b, opts.threads ?? 0)
        : await gemmTransB(a, r1 - r0, texts.data, m, d, opts.threads ?? 0);
    }
    await onBlock(block, r0, r1);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  opts.signal?.throwIfAborted();
}

function cosineJs(a: Float32Array, rows: number, t: Float32Array, m: number, d: number): Float32Array {
  const out = new Float32Array(rows * m);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += a[i * d + k] * t[j * d + k];
      out[i * m + j] = s;
    }
  }
  return out;
}
