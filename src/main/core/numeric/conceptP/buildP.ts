import { denseMatrix, type DenseMatrix } from '../le/types';
import type { MatmulEngine } from '../../onnx/gemm';
import { ConceptStatsAccumulator, TOP_K, type ConceptFilterOptions, type ConceptFilterResult } from './conceptFilter';
import { probabilityBlocks } from './cosine';
import { QUANT_LEVELS, quantizedMatrix, type QuantizedMatrix } from './quantized';

export interface BuildPOptions extends ConceptFilterOptions {
  /** P = sigmoid(a * (cos + b)); the calibrated (a, b) of the image-text model. */
  a: number;
  b: number;
  blockRows?: number;
  engine?: MatmulEngine;
  threads?: number;
  signal?: AbortSignal;
  /** Called after each block with image rows done so far and N. */
  onProgress?: (done: number, total: number) => void;
}

export interface BuildPResult<T> {
  p: T;
  filter: ConceptFilterResult;
}

/**
 * Consumes cos blocks (addBlock: sigmoid in JS) or P blocks (addProbabilityBlock) and writes P plus the
 * filter statistics in ONE pass over each block (p -> stored code -> top-k and sums), so the full P is
 * never held as float32 on the quantized path. buildP feeds it onnxruntime's P blocks.
 */
export class PBlockWriter {
  readonly stats: ConceptStatsAccumulator;
  private rowsSeen = 0;

  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly a: number,
    readonly b: number,
    private readonly target: { kind: 'quantized'; data: Uint16Array } | { kind: 'float32'; data: Float32Array },
    topK = TOP_K,
  ) {
    this.stats = new ConceptStatsAccumulator(cols, topK);
  }

  /** cos for image rows r0..r1-1 ((r1 - r0) x cols, row-major). Blocks must arrive in order. */
  addBlock(cos: Float32Array, r0: number, r1: number): void {
    this.write(cos, r0, r1, true);
  }

  /** The same for a block that already holds P = sigmoid(a * (cos + b)) (probabilityBlocks). */
  addProbabilityBlock(p: Float32Array, r0: number, r1: number): void {
    this.write(p, r0, r1, false);
  }

  private write(block: Float32Array, r0: number, r1: number, isCos: boolean): void {
    if (r0 !== this.rowsSeen || r1 > this.rows || block.length !== (r1 - r0) * this.cols)
      throw new Error(`PBlockWriter: unexpected block ${r0}..${r1}`);
    const m = this.cols;
    const a = this.a;
    const ab = this.a * this.b;
    const st = this.stats;
    const { topMin, shift, sum, sumSq } = st;
    const q = this.target.kind === 'quantized' ? this.target.data : null;
    const f = this.target.kind === 'float32' ? this.target.data : null;
    if (r0 === 0 && r1 > 0) for (let j = 0; j < m; j++) shift[j] = isCos ? 1 / (1 + Math.exp(-(a * block[j] + ab))) : block[j];
    for (let i = 0; i < r1 - r0; i++) {
      const o = i * m;
      const out = (r0 + i) * m;
      for (let j = 0; j < m; j++) {
        const p = isCos ? 1 / (1 + Math.exp(-(a * block[o + j] + ab))) : block[o + j];
        if (q) q[out + j] = (p * QUANT_LEVELS + 0.5) | 0;
        else f![out + j] = p;
        const d = p - shift[j];
        sum[j] += d;
        sumSq[j] += d * d;
        if (p > topMin[j]) st.insertTop(j, p);
      }
    }
    st.rows += r1 - r0;
    this.rowsSeen = r1;
  }

  get done(): number {
    return this.rowsSeen;
  }
}

/**
 * P (N images x M concepts) = sigmoid(a * (cos + b)) from L2-normalised embeddings, stored quantized
 * (uint16, see quantized.ts), with the top-5 concept filter computed in the same pass.
 */
export async function buildP(images: DenseMatrix, texts: DenseMatrix, opts: BuildPOptions): Promise<BuildPResult<QuantizedMatrix>> {
  const p = quantizedMatrix(images.rows, texts.rows);
  const filter = await run(images, texts, opts, { kind: 'quantized', data: p.data });
  return { p, filter };
}

/** The same build into a float32 DenseMatrix (2x the memory): the reference the benchmark compares with. */
export async function buildPDense(images: DenseMatrix, texts: DenseMatrix, opts: BuildPOptions): Promise<BuildPResult<DenseMatrix>> {
  const data = new Float32Array(images.rows * texts.rows);
  const filter = await run(images, texts, opts, { kind: 'float32', data });
  return { p: denseMatrix(data, images.rows, texts.rows), filter };
}

async function run(
  images: DenseMatrix,
  texts: DenseMatrix,
  opts: BuildPOptions,
  target: { kind: 'quantized'; data: Uint16Array } | { kind: 'float32'; data: Float32Array },
): Promise<ConceptFilterResult> {
  if (!Number.isFinite(opts.a) || !Number.isFinite(opts.b)) throw new Error('buildP: a and b must be finite');
  const writer = new PBlockWriter(images.rows, texts.rows, opts.a, opts.b, target, opts.topK ?? TOP_K);
  // The sigmoid runs inside onnxruntime (probabilityBlocks): one Math.exp per value in JS cost more than
  // the product itself at 50k x 8,438. P then arrives as float32 (rel. error ~1e-7, vs 7.6e-6 storage).
  await probabilityBlocks(
    images,
    texts,
    opts.a,
    opts.b,
    (block, r0, r1) => {
      writer.addProbabilityBlock(block, r0, r1);
      opts.onProgress?.(r1, images.rows);
    },
    opts,
  );
  return writer.stats.filter(opts);
}
