import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { ort } from '../../onnx/ort';
import type { z } from 'zod';
import { LayerInfo, ModelInfo, ModelSummary, Preprocessing, type ModelStatus, type ProviderName } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { Db } from '../../platform/store/open';
import * as repo from '../../platform/store/modelRepo';
import { exposeOutputs } from '../../onnx/graph';
import { buildCandidates, type LayerCandidate } from '../../onnx/layers';
import { checkExternalData, checkInputLimits, describeModel, inlineExternalData, invalid, parseModelBytes } from '../../onnx/modelFile';
import { encodeModel, graphOf, type ModelProto } from '../../onnx/onnxProto';
import { defaultPreprocessing, initialPreprocessing, preprocessingSource } from '../../onnx/preprocess';
import { createSession } from '../../onnx/session';

// Adding a model (validate, hash, discover layers) and checking that the referenced file is still the same.

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface LoadedModel {
  proto: ModelProto;
  /** Bytes onnxruntime can load from memory (external weights inlined). */
  bytes: Uint8Array;
}

/** Read, decode and validate; external weights are inlined so edited graphs load from memory. */
export async function loadModel(path: string): Promise<LoadedModel & { raw: Buffer }> {
  const raw = await readFile(path);
  const proto = parseModelBytes(path, raw);
  const external = checkExternalData(path, proto);
  if (external.length) inlineExternalData(proto, dirname(path));
  return { proto, bytes: external.length ? encodeModel(proto) : raw, raw };
}

/**
 * Dummy input for discovery: the fixed batch, else 2 (not 1) so that per-image tensors, whose first dim follows
 * the batch, can be told from constants such as position embeddings. Model size, else the preprocessing size.
 */
function dummyDims(info: ReturnType<typeof describeModel>, size: [number, number]): number[] {
  const n = info.fixedBatch ?? 2;
  const [h, w] = [info.height ?? size[0], info.width ?? size[1]];
  const rank = info.inputs.find((i) => i.name === info.imageInput)!.dims.length;
  if (rank === 3) return [n, h, w];
  return info.layout === 'NHWC' ? [n, h, w, info.channels] : [n, info.channels, h, w];
}

/** Run once with every node output exposed; returns the concrete shape of every float tensor. */
export async function discoverLayers(
  path: string,
  m: LoadedModel,
  provider?: ProviderName,
): Promise<{ layers: LayerCandidate[]; info: ReturnType<typeof describeModel> }> {
  const info = describeModel(path, m.proto);
  try {
    await (await createSession(m.bytes, { provider })).session.release();
  } catch (e) {
    throw invalid(path, `onnxruntime cannot load it: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  const g = graphOf(m.proto);
  const all = g.node.flatMap((n) => n.output).filter(Boolean);
  const edited = encodeModel(exposeOutputs(m.proto, all));
  const pre = defaultPreprocessing(info);
  const dims = dummyDims(info, pre.size);
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) * 0.5; // deterministic, not all zeros
  const shapes = new Map<string, number[]>();
  try {
    const { session } = await createSession(edited, { provider });
    const res = await session.run({ [info.imageInput]: new ort.Tensor('float32', data, dims) });
    // Per-image float tensors only; shapes are stored with the batch dim of one extraction run (fixed batch, else 1).
    for (const [name, t] of Object.entries(res)) {
      if (t.type === 'float32' && t.dims.length >= 2 && t.dims[0] === dims[0]) shapes.set(name, [info.fixedBatch ?? 1, ...t.dims.slice(1)]);
    }
    await session.release();
  } catch (e) {
    throw invalid(path, `a test run on a ${dims.join('x')} input failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  return { layers: buildCandidates(g, shapes, info), info };
}

const zodProblem = (e: z.ZodError) =>
  e.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'value'}: ${i.message}`)
    .join('; ');

/**
 * Why a stored model row cannot be described or used (null = fine): its info or preprocessing breaks the contract,
 * or its input exceeds today's limits. Only rows saved by a version without these checks can have one.
 */
export function rowProblem(m: repo.ModelRow): string | null {
  const info = ModelInfo.safeParse(m.info);
  if (!info.success) return `its stored description is invalid (${zodProblem(info.error)}). Remove it and add the file again.`;
  const pre = Preprocessing.safeParse(m.preprocessing);
  if (!pre.success) return `its stored preprocessing is invalid (${zodProblem(pre.error)}). Remove it and add the file again.`;
  const image = m.info.inputs.find((i) => i.name === m.info.imageInput);
  try {
    if (image) checkInputLimits(m.path, image, m.info, m.info.fixedBatch);
  } catch (e) {
    return `${e instanceof Error ? e.message : String(e)} Remove it (model.remove).`;
  }
  return null;
}

/** Everything model.add returns and model.info lists must pass the contract: checked before the row is written. */
function checkDescribable(
  path: string,
  row: Omit<repo.ModelRow, 'id' | 'createdAt' | 'preprocessingSetByUser'>,
  layers: LayerCandidate[],
): void {
  const summary = ModelSummary.safeParse({
    ...row,
    id: 1,
    status: 'ok',
    layers: layers.length,
    createdAt: new Date().toISOString(),
    preprocessingSource: preprocessingSource(row.info, row.preprocessing),
  });
  if (!summary.success) throw invalid(path, `it cannot be described (${zodProblem(summary.error)}).`);
  for (const l of layers) {
    const li = LayerInfo.safeParse({
      id: 1,
      tensorName: l.tensorName,
      friendly: l.friendly,
      opType: l.opType,
      nodeName: l.nodeName,
      shape: l.shape,
      neurons: 1,
      suggested: l.suggested,
      reason: l.reason,
    });
    if (!li.success) throw invalid(path, `layer '${l.tensorName}' cannot be described (${zodProblem(li.error)}).`);
  }
}

export async function addModel(db: Db, rawPath: string, name?: string, provider?: ProviderName): Promise<repo.ModelRow> {
  const path = resolve(rawPath);
  if (!existsSync(path)) throw new AppError('not_found', `${path} does not exist.`);
  const st = await stat(path);
  if (!st.isFile()) throw invalid(path, 'is a folder, not an .onnx file.');
  const sha256 = await sha256File(path);
  const existing = repo.findModel(db, path, sha256);
  if (existing) return existing;
  const m = await loadModel(path);
  const { layers, info } = await discoverLayers(path, m, provider);
  const row = {
    name: name ?? basename(path).replace(/\.onnx$/i, ''),
    path,
    sha256,
    bytes: st.size,
    mtimeMs: st.mtimeMs,
    info,
    preprocessing: initialPreprocessing(info),
  };
  // Validate first, then the model and its layers in one transaction: a refused file leaves no row behind.
  checkDescribable(path, row, layers);
  const id = repo.insertModel(db, row, layers);
  return repo.getModel(db, id)!;
}

/** ok | missing | changed; the file is re-hashed only when its size or mtime differ from what was recorded. */
export async function modelStatus(db: Db, m: repo.ModelRow): Promise<ModelStatus> {
  if (!existsSync(m.path)) return 'missing';
  const st = await stat(m.path);
  if (st.size !== m.bytes) return 'changed';
  if (st.mtimeMs === m.mtimeMs) return 'ok';
  if ((await sha256File(m.path)) !== m.sha256) return 'changed';
  repo.touchModel(db, m.id, st.mtimeMs);
  return 'ok';
}

/** Load a model for a run, refusing a file that moved or changed since it was added. */
export async function loadForRun(m: repo.ModelRow): Promise<LoadedModel> {
  if (!existsSync(m.path))
    throw new AppError('model_invalid', `${basename(m.path)}: the file is missing (${m.path}). Move it back or add the model again.`);
  const loaded = await loadModel(m.path);
  if (createHash('sha256').update(loaded.raw).digest('hex') !== m.sha256) {
    throw new AppError(
      'model_invalid',
      `${basename(m.path)}: the file changed since it was added (sha256 differs). Add it again as a new model.`,
    );
  }
  return loaded;
}
