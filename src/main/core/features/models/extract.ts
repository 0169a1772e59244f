import { join } from 'node:path';
import type { ActivationSetInfo, ExtractParams, OnNonFinite, ProviderReport } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import * as acts from '../../platform/store/activationRepo';
import * as models from '../../platform/store/modelRepo';
import { probeImages as storedImages } from '../../platform/store/imageRepo';
import type { Db } from '../../platform/store/open';
import { getProbeSet } from '../../platform/store/probeRepo';
import { exposeOutputs } from '../../onnx/graph';
import { MAX_INPUT_ELEMENTS } from '../../onnx/modelFile';
import { loadForRun, rowProblem } from './modelService';
import { encodeModel } from '../../onnx/onnxProto';
import { runPipeline, type PipelinePlan } from './pipeline';
import { decodePixels } from '../../onnx/preprocess';
import { createSession, providerReport, sessionKey, type SessionCache } from '../../onnx/session';
import { nonFiniteError, refuseNonFinite, scanStored, type NonFiniteWhere } from './nonFinite';
import { writeColumns } from './columns';
import { countNonFinite, statsAccumulator } from '../../numeric/stats/stats';
import { planSummary } from '../../numeric/stats/summary';

// activations.extract: resolve model, layer and probe set, then run the pipeline with each chunk committed
// in its own transaction. Calling it again with the same parameters resumes an interrupted set.

export interface ExtractContext {
  db: Db;
  sessions: SessionCache;
  signal?: AbortSignal;
  progress?(p: { done: number; total: number; message?: string; etaSeconds?: number }): void;
  /** Runs inside each chunk's transaction: where a job runner records its progress atomically. */
  onCommit?(rowsDone: number, total: number): void;
  /** A shard run: chunks [fromChunk, toChunk) go to the shard file's db; `db` (the project) is only read. */
  shard?: { db: Db; fromChunk: number; toChunk: number };
}

export interface ExtractResult {
  activationSet: ActivationSetInfo;
  provider: ProviderReport;
  seconds: number;
  imagesPerSecond: number;
}

interface ProbeImages {
  manifestHash: string | null;
  paths: string[];
  /** Paths relative to the probe set's root (how errors name an image). */
  relPaths: string[];
}

function probeImages(db: Db, probeSetId: number): ProbeImages {
  const ps = getProbeSet(db, probeSetId);
  if (!ps) throw new AppError('not_found', `Probe set ${probeSetId} does not exist.`);
  const rows = storedImages(db, probeSetId);
  if (!rows.length) throw new AppError('bad_input', `Probe set ${probeSetId} has no images.`);
  return { manifestHash: ps.manifestHash, paths: rows.map((r) => join(ps.rootPath, r.relPath)), relPaths: rows.map((r) => r.relPath) };
}

/**
 * Images per committed chunk: 64 (or the batch asked for), a multiple of a fixed batch, and never more than
 * MAX_INPUT_ELEMENTS input values at once (a 4096 x 4096 RGB preprocessing size gives 1 image per chunk).
 */
export function chunkRowsFor(model: models.ModelRow, batchSize: number | undefined): number {
  const pre = model.preprocessing;
  const perImage = pre.size[0] * pre.size[1] * pre.channels;
  const maxRows = Math.max(1, Math.floor(MAX_INPUT_ELEMENTS / perImage));
  const fixed = model.info.fixedBatch;
  if (fixed) return fixed * Math.max(1, Math.min(Math.ceil(64 / fixed), Math.floor(maxRows / fixed)));
  if (batchSize !== undefined && batchSize > maxRows) {
    throw new AppError(
      'bad_input',
      `--batchSize ${batchSize} is too large for ${pre.size[0]}x${pre.size[1]}x${pre.channels} inputs: at most ${maxRows} images (${MAX_INPUT_ELEMENTS / 2 ** 20} Mi input values) per batch.`,
    );
  }
  return batchSize ?? Math.min(64, maxRows);
}

/** Everything that can reject the input, checked before a job row is written. */
export function resolveExtraction(db: Db, p: ExtractParams) {
  const model = models.getModel(db, p.modelId);
  if (!model) throw new AppError('not_found', `Model ${p.modelId} does not exist.`);
  const problem = rowProblem(model);
  if (problem) throw new AppError('model_invalid', `Model ${model.id} ('${model.name}') cannot be used: ${problem}`, { modelId: model.id });
  chunkRowsFor(model, p.batchSize);
  const layer = models.findLayer(db, p.modelId, p.layer);
  if (!layer) throw new AppError('bad_input', `Model '${model.name}' has no layer '${p.layer}'. Pick one listed by model.info.`);
  const logitsLayer = models.findLayer(db, p.modelId, model.info.logitsOutput);
  const nLogits = logitsLayer ? logitsLayer.shape.slice(1).reduce((a, b) => a * b, 1) : 0;
  const summary = planSummary(layer.shape, p.summary, model.info.layout);
  const probe = probeImages(db, p.probeSetId);
  return { model, layer, nLogits, summary, probe };
}

/** The identity of the set a call computes: the same key is the same set (also across shard files). */
export function extractionKey(db: Db, p: ExtractParams) {
  const r = resolveExtraction(db, p);
  const chunkRows = chunkRowsFor(r.model, p.batchSize);
  const paramsJson = JSON.stringify({
    modelSha: r.model.sha256,
    preprocessing: r.model.preprocessing,
    chunkRows,
    manifest: r.probe.manifestHash,
    n: r.probe.paths.length,
  });
  const key = { modelId: r.model.id, layerId: r.layer.id, probeSetId: p.probeSetId, summary: r.summary.summary, paramsJson };
  return { ...r, chunkRows, key };
}

export async function extractActivations(ctx: ExtractContext, p: ExtractParams): Promise<ExtractResult> {
  const { model, nLogits, summary, probe, chunkRows, key } = extractionKey(ctx.db, p);
  // Where rows are written: the project, or a shard file (whose ids are the project's).
  const db = ctx.shard?.db ?? ctx.db;
  const fixed = model.info.fixedBatch;

  const req = { provider: p.provider, threads: p.threads };
  let set = acts.findSet(db, key);
  // Same parameters, already complete: nothing to compute.
  if (set?.complete) return { activationSet: acts.getSetInfo(db, set.id)!, provider: providerReport(req), seconds: 0, imagesPerSecond: 0 };
  const loaded = await loadForRun(model);
  const outputs = p.layer === model.info.logitsOutput ? [p.layer] : [p.layer, model.info.logitsOutput];
  const { session, report } = await ctx.sessions.get(sessionKey(model.sha256, outputs, req), () =>
    createSession(encodeModel(exposeOutputs(loaded.proto, outputs)), req),
  );
  const t0 = performance.now();
  const setId =
    set?.id ??
    acts.createSet(db, {
      ...key,
      nImages: probe.paths.length,
      nNeurons: summary.k,
      nLogits,
      chunkRows,
      manifestHash: probe.manifestHash,
      provider: report.used,
    });
  set = acts.getSetRow(db, setId)!;
  const startChunk = (ctx.shard?.fromChunk ?? 0) + acts.committedChunks(db, setId);
  const plan: PipelinePlan = {
    nImages: probe.paths.length,
    chunkRows,
    startChunk,
    endChunk: ctx.shard?.toChunk,
    pre: model.preprocessing,
    inputName: model.info.imageInput,
    inputRank: model.info.inputs.find((i) => i.name === model.info.imageInput)!.dims.length,
    fixedBatch: fixed,
    layer: p.layer,
    logits: model.info.logitsOutput,
    summary,
    nLogits,
  };
  const total = probe.paths.length;
  const policy: OnNonFinite = p.onNonFinite ?? 'stop';
  // onNonFinite 'stop': a batch with NaN / +-Infinity is refused before any of it is written (the layer first,
  // then the logits); what was committed before stays, and the set can be resumed (also with 'flag').
  const where = (kind: 'layer' | 'logits', chunk: number, rows: number) => ({
    kind,
    tensor: kind === 'layer' ? p.layer : model.info.logitsOutput,
    cols: kind === 'layer' ? summary.k : nLogits,
    firstRow: chunk * chunkRows,
    blockRows: rows,
    nImages: total,
    relPaths: probe.relPaths,
    activationSetId: setId,
    savedImages: chunk * chunkRows,
  });
  const guard = (r: { chunk: number; rows: number; act: Float32Array; logits: Float32Array }) => {
    if (policy !== 'stop') return;
    refuseNonFinite(r.act, where('layer', r.chunk, r.rows));
    if (nLogits && p.layer !== model.info.logitsOutput) refuseNonFinite(r.logits, where('logits', r.chunk, r.rows));
  };
  const commitTx = db.transaction((r: { chunk: number; rows: number; act: Float32Array; logits: Float32Array; pred: Float32Array }) => {
    acts.putChunk(db, setId, 'act', r.chunk, r.rows, r.act);
    acts.putChunk(db, setId, 'logits', r.chunk, r.rows, r.logits);
    acts.putChunk(db, setId, 'pred', r.chunk, r.rows, r.pred);
    ctx.onCommit?.(Math.min(total, (r.chunk + 1) * chunkRows), total);
  });
  ctx.progress?.({
    done: startChunk * chunkRows,
    total,
    message: startChunk ? `resuming at image ${startChunk * chunkRows + 1}` : 'extracting',
  });
  await runPipeline(plan, {
    session,
    signal: ctx.signal,
    pixels: async (i) => {
      try {
        return await decodePixels(probe.paths[i], model.preprocessing);
      } catch (e) {
        throw new AppError('bad_input', `Cannot read image ${probe.paths[i]}: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
    commit: (r) => {
      guard(r);
      commitTx(r);
    },
    progress: (done, n, eta) => ctx.progress?.({ done, total: n, etaSeconds: eta }),
  });
  // A shard's stats are computed by project.merge over all rows.
  if (ctx.shard) {
    const seconds = (performance.now() - t0) / 1000;
    const rows = Math.min(total, ctx.shard.toChunk * chunkRows) - startChunk * chunkRows;
    return { activationSet: acts.getSetInfo(db, setId)!, provider: report, seconds, imagesPerSecond: seconds > 0 ? rows / seconds : 0 };
  }
  writeStats(db, setId, summary.k, {
    policy,
    nLogits,
    where: (kind) => ({ ...where(kind, 0, total), stored: true, savedImages: total }),
  });
  const seconds = (performance.now() - t0) / 1000;
  const rows = total - startChunk * chunkRows;
  return { activationSet: acts.getSetInfo(db, setId)!, provider: report, seconds, imagesPerSecond: seconds > 0 ? rows / seconds : 0 };
}

export interface StatsPolicy {
  policy: OnNonFinite;
  nLogits: number;
  /** How an error names the stored rows (only used under 'stop'). */
  where(kind: 'layer' | 'logits'): NonFiniteWhere;
}

/**
 * Per-neuron stats and histograms from the stored chunks (two streaming passes), then mark complete. Stats use
 * finite values only and count the rest per neuron (flagged neurons). Under 'stop' a set whose stored rows hold
 * NaN / +-Infinity (left by an interrupted 'flag' run, or an older version) is not completed: non_finite error.
 */
export function writeStats(db: Db, setId: number, k: number, opts: StatsPolicy): void {
  const acc = statsAccumulator(k);
  for (const c of acts.readChunks(db, setId)) acc.add(c.data);
  const stats = acc.stats();
  let badLogits = 0;
  if (opts.nLogits) for (const c of acts.readChunks(db, setId, 'logits')) badLogits += countNonFinite(c.data);
  if (opts.policy === 'stop') {
    if (stats.some((s) => s.nonFinite > 0)) throw nonFiniteError(opts.where('layer'), scanStored(db, setId, 'act', k));
    if (badLogits) throw nonFiniteError(opts.where('logits'), scanStored(db, setId, 'logits', opts.nLogits));
  }
  for (const c of acts.readChunks(db, setId)) acc.addHistogram(c.data);
  const nImages = acts.getSetRow(db, setId)?.nImages ?? 0;
  // The column copy (one neuron without the whole matrix) commits with the completion: a complete set has it.
  db.transaction(() => {
    writeColumns(db, { id: setId, nImages, nNeurons: k });
    acts.finishSet(db, setId, stats, acc.histograms(), badLogits);
  })();
}
