import type { Preprocessing } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { pixelsToTensor, pixelTable } from '../../onnx/preprocess';
import { runBatch, type Session } from '../../onnx/session';
import { argmaxRows, summarise, type SummaryPlan } from '../../numeric/stats/summary';

// The batched extraction loop, free of the store: decode chunk c+1 while chunk c runs, summarise, hand each
// finished chunk to `commit` (the caller writes it in one transaction), stop cleanly between chunks on cancel.

export interface PipelinePlan {
  nImages: number;
  chunkRows: number;
  startChunk: number;
  /** Stop before this chunk (a shard's range); default: the last chunk. */
  endChunk?: number;
  pre: Preprocessing;
  inputName: string;
  /** 3 for [N,H,W] grayscale inputs, else 4. */
  inputRank: number;
  /** A batch size fixed in the model (runs are padded to it), or null for dynamic batches. */
  fixedBatch: number | null;
  layer: string;
  logits: string;
  summary: SummaryPlan;
  nLogits: number;
}

export interface ChunkResult {
  chunk: number;
  rows: number;
  act: Float32Array;
  logits: Float32Array;
  pred: Float32Array;
}

export interface PipelineIO {
  session: Session;
  /** HWC uint8 pixels of image `index` (0-based in probe-set order) at the preprocessing size. */
  pixels(index: number): Promise<Uint8Array>;
  commit(result: ChunkResult): void;
  signal?: AbortSignal;
  progress?(rowsDone: number, total: number, etaSeconds?: number): void;
}

function inputDims(plan: PipelinePlan, n: number): number[] {
  const [h, w] = plan.pre.size;
  const c = plan.pre.channels;
  if (plan.inputRank === 3) return [n, h, w];
  return plan.pre.layout === 'NHWC' ? [n, h, w, c] : [n, c, h, w];
}

async function decodeChunk(
  plan: PipelinePlan,
  io: PipelineIO,
  chunk: number,
  table: Float32Array[],
): Promise<{ rows: number; data: Float32Array }> {
  const start = chunk * plan.chunkRows;
  const rows = Math.min(plan.chunkRows, plan.nImages - start);
  const per = plan.pre.size[0] * plan.pre.size[1] * plan.pre.channels;
  const data = new Float32Array(rows * per);
  await Promise.all(
    Array.from({ length: rows }, async (_, i) => pixelsToTensor(await io.pixels(start + i), plan.pre, table, data, i * per)),
  );
  return { rows, data };
}

async function inferChunk(
  plan: PipelinePlan,
  io: PipelineIO,
  rows: number,
  data: Float32Array,
): Promise<{ act: Float32Array; logits: Float32Array }> {
  const per = data.length / rows;
  const outputs = plan.layer === plan.logits ? [plan.layer] : [plan.layer, plan.logits];
  const step = plan.fixedBatch ?? rows;
  const act = new Float32Array(rows * plan.summary.k);
  const logits = new Float32Array(rows * plan.nLogits);
  for (let s = 0; s < rows; s += step) {
    const n = Math.min(step, rows - s);
    // A fixed batch is padded with zeros; padded rows are dropped below.
    let x = data.subarray(s * per, (s + n) * per);
    if (n < step) {
      const padded = new Float32Array(step * per);
      padded.set(x);
      x = padded;
    }
    const res = await runBatch(io.session, plan.inputName, x, inputDims(plan, step), outputs);
    const a = res.get(plan.layer)!;
    act.set(summarise(a.data, a.dims, plan.summary).subarray(0, n * plan.summary.k), s * plan.summary.k);
    logits.set(res.get(plan.logits)!.data.subarray(0, n * plan.nLogits), s * plan.nLogits);
  }
  return { act, logits };
}

export async function runPipeline(plan: PipelinePlan, io: PipelineIO): Promise<void> {
  const chunks = Math.min(plan.endChunk ?? Infinity, Math.ceil(plan.nImages / plan.chunkRows));
  const table = pixelTable(plan.pre);
  const t0 = performance.now();
  const firstRow = plan.startChunk * plan.chunkRows;
  const load = (c: number) => {
    const p = decodeChunk(plan, io, c, table);
    p.catch(() => undefined); // an abandoned prefetch must not become an unhandled rejection
    return p;
  };
  let next = plan.startChunk < chunks ? load(plan.startChunk) : null;
  for (let c = plan.startChunk; c < chunks; c++) {
    if (io.signal?.aborted) throw new AppError('cancelled', 'Extraction cancelled; run it again to resume from the last saved chunk.');
    const { rows, data } = await next!;
    next = c + 1 < chunks ? load(c + 1) : null; // decode the next chunk while this one runs
    const { act, logits } = await inferChunk(plan, io, rows, data);
    io.commit({ chunk: c, rows, act, logits, pred: argmaxRows(logits, rows, plan.nLogits) });
    const done = Math.min(plan.nImages, (c + 1) * plan.chunkRows);
    const rate = (done - firstRow) / ((performance.now() - t0) / 1000);
    io.progress?.(done, plan.nImages, rate > 0 ? (plan.nImages - done) / rate : undefined);
  }
}
