import { join } from 'node:path';
import type { HeatmapsOutput, Preprocessing } from '../../../../shared/contract';
import { Preprocessing as PreprocessingSchema } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { unitLabel } from '../../../../shared/unitAddress';
import * as acts from '../../platform/store/activationRepo';
import * as models from '../../platform/store/modelRepo';
import { imageIdsByPath } from '../../platform/store/imageRepo';
import type { Db } from '../../platform/store/open';
import { imageSources, type ImageSource } from '../../platform/store/probeRepo';
import { extractHead } from '../../onnx/graph';
import { encodeModel } from '../../onnx/onnxProto';
import { decodePixels, pixelsToTensor, pixelTable } from '../../onnx/preprocess';
import { createSession, runBatch, sessionKey, type SessionCache } from '../../onnx/session';
import { mapOf, perImage, planSpatial, summaryOf, type SpatialPlan } from '../../numeric/stats/spatialMap';
import { channelAxis, planSummary, summarise, type SummaryPlan } from '../../numeric/stats/summary';
import { loadForRun, rowProblem } from './modelService';

// activations.heatmaps: the spatial map of one unit on some probe images. The stored activations are summaries,
// so the layer tensor is recomputed: the model is cut after the layer (onnx/graph.extractHead: only the nodes
// the layer needs) and run with onnxruntime on the images, decoded with the preprocessing the set was extracted
// with. Each image's whole layer tensor is cached (content-addressed: model sha, layer, preprocessing, image
// sha), so the next unit of the same images, or the same images again, costs no model run. docs/heatmaps.md.

/** Bytes of layer tensors kept per backend (least recently used dropped first). */
const CACHE_BYTES = 96 * 2 ** 20;
const BATCH = 32;

class TensorCache {
  private map = new Map<string, Float32Array>();
  private bytes = 0;
  get(key: string): Float32Array | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: Float32Array): void {
    if (v.byteLength > CACHE_BYTES / 4) return; // one huge tensor would flush everything else
    const old = this.map.get(key);
    if (old) this.bytes -= old.byteLength;
    this.map.set(key, v);
    this.bytes += v.byteLength;
    for (const [k, t] of this.map) {
      if (this.bytes <= CACHE_BYTES) break;
      this.map.delete(k);
      this.bytes -= t.byteLength;
    }
  }
}

export interface HeatmapDeps {
  db: Db;
  sessions: SessionCache;
  cache: TensorCache;
  signal?: AbortSignal;
}

const caches = new WeakMap<object, TensorCache>();
/** One tensor cache per backend state. */
export function tensorCacheOf(owner: object): TensorCache {
  let c = caches.get(owner);
  if (!c) caches.set(owner, (c = new TensorCache()));
  return c;
}

/** The preprocessing the set was extracted with (its parameters), else the model's current one. */
function setPreprocessing(paramsJson: string, fallback: Preprocessing): Preprocessing {
  try {
    const p = PreprocessingSchema.safeParse((JSON.parse(paramsJson) as { preprocessing?: unknown }).preprocessing);
    return p.success ? p.data : fallback;
  } catch {
    return fallback;
  }
}

function unitWords(plan: SpatialPlan, shape: readonly number[], summary: string, axis: 1 | 3, neuron: number): string {
  if (plan.kind === 'none') return `unit ${neuron}`;
  const label = unitLabel({ shape, summary, channelAxis: axis }, neuron);
  if (plan.kind === 'channel') return label || `channel ${plan.channel} of a ${plan.h}x${plan.w} map`;
  const patches = `the ${plan.h}x${plan.w} patch tokens`;
  return label ? `${label} (feature ${plan.feature} over ${patches})` : `feature ${plan.feature} over ${patches}`;
}

/** What running one unit of an activation set on images needs: the set, its model and layer, the preprocessing, the map plan. */
export interface UnitContext {
  set: acts.SetRow;
  model: models.ModelRow;
  layer: { tensorName: string; shape: number[] };
  pre: Preprocessing;
  input: { height: number; width: number; resize: Preprocessing['resize'] };
  plan: SpatialPlan;
  summary: SummaryPlan;
  neuron: number;
  unit: string;
}

export function unitContext(db: Db, activationSetId: number, neuron: number): UnitContext {
  const set = acts.getSetRow(db, activationSetId);
  if (!set) throw new AppError('not_found', `Activation set ${activationSetId} does not exist. List the sets with activations.list.`);
  if (neuron >= set.nNeurons)
    throw new AppError(
      'bad_input',
      `Neuron ${neuron} is out of range: activation set ${set.id} has ${set.nNeurons} units (0..${set.nNeurons - 1}).`,
    );
  const model = models.getModel(db, set.modelId);
  if (!model) throw new AppError('not_found', `The model of activation set ${set.id} no longer exists.`);
  const problem = rowProblem(model);
  if (problem) throw new AppError('model_invalid', `Model ${model.id} ('${model.name}') cannot be used: ${problem}`, { modelId: model.id });
  const layer = models.listLayers(db, model.id).find((l) => l.id === set.layerId);
  if (!layer) throw new AppError('not_found', `The layer of activation set ${set.id} no longer exists.`);
  const pre = setPreprocessing(set.paramsJson, model.preprocessing);
  const input = { height: pre.size[0], width: pre.size[1], resize: pre.resize };
  const axis = layer.shape.length === 4 ? channelAxis(layer.shape, model.info.layout) : 1;
  const plan = planSpatial(layer.shape, set.summary, axis, neuron, input);
  const summary = planSummary(layer.shape, set.summary, model.info.layout);
  return { set, model, layer, pre, input, plan, summary, neuron, unit: unitWords(plan, layer.shape, set.summary, axis, neuron) };
}

/** An image to run the unit on: a file, or encoded image bytes (a crop, a generated image); `key` names its content. */
export interface UnitImage {
  key: string;
  input: string | Buffer;
}

/**
 * The layer tensor of each image (one image's slice, row-major), from the cache or by running the model cut after
 * the layer. Images are decoded with the set's preprocessing, so a crop or a generated image is resized to the model
 * input exactly as a probe image was.
 */
export async function unitTensors(deps: HeatmapDeps, ctx: UnitContext, items: readonly UnitImage[]): Promise<Map<string, Float32Array>> {
  const { model, layer, pre } = ctx;
  const keyOf = (k: string) => `${model.sha256}|${layer.tensorName}|${JSON.stringify(pre)}|${k}`;
  const tensors = new Map<string, Float32Array>();
  const missing: UnitImage[] = [];
  for (const it of items) {
    if (tensors.has(it.key)) continue;
    const hit = deps.cache.get(keyOf(it.key));
    if (hit) tensors.set(it.key, hit);
    else if (!missing.some((m) => m.key === it.key)) missing.push(it);
  }
  if (!missing.length) return tensors;
  const loaded = await loadForRun(model);
  const outputs = [layer.tensorName];
  const { session } = await deps.sessions.get(sessionKey(model.sha256, ['head', ...outputs], {}), () =>
    createSession(encodeModel(extractHead(loaded.proto, outputs)), {}),
  );
  const table = pixelTable(pre);
  const per = pre.size[0] * pre.size[1] * pre.channels;
  const rank = model.info.inputs.find((i) => i.name === model.info.imageInput)?.dims.length ?? 4;
  const step = model.info.fixedBatch ?? BATCH;
  for (let s = 0; s < missing.length; s += step) {
    if (deps.signal?.aborted) throw new AppError('cancelled', 'Cancelled while running the model on images.');
    const chunk = missing.slice(s, s + step);
    const n = model.info.fixedBatch ?? chunk.length; // a fixed batch is zero-padded; padded rows are dropped
    const x = new Float32Array(n * per);
    await Promise.all(
      chunk.map(async (it, i) => {
        let px: Uint8Array;
        try {
          px = await decodePixels(it.input, pre);
        } catch (e) {
          const what = typeof it.input === 'string' ? it.input : `image ${it.key}`;
          throw new AppError(
            'bad_input',
            `Cannot read ${what}: ${e instanceof Error ? e.message : String(e)}. Restore it or import the folder again.`,
          );
        }
        pixelsToTensor(px, pre, table, x, i * per);
      }),
    );
    const [h, w] = pre.size;
    const dims = rank === 3 ? [n, h, w] : pre.layout === 'NHWC' ? [n, h, w, pre.channels] : [n, pre.channels, h, w];
    const res = (await runBatch(session, model.info.imageInput, x, dims, outputs)).get(layer.tensorName)!;
    const size = perImage(res.dims);
    if (size !== perImage(layer.shape))
      throw new AppError(
        'bad_input',
        `Layer '${layer.tensorName}' produced [${res.dims.join(',')}] per batch, not the [${layer.shape.join(',')}] it had when the model was added; the maps cannot be placed.`,
      );
    chunk.forEach((it, i) => {
      const t = res.data.slice(i * size, (i + 1) * size);
      tensors.set(it.key, t);
      deps.cache.set(keyOf(it.key), t);
    });
  }
  return tensors;
}

/** The unit's activation (the set's summary) on one image's layer tensor. */
export function unitActivation(ctx: UnitContext, tensor: Float32Array): number {
  const v = summarise(tensor, [1, ...ctx.layer.shape.slice(1)], ctx.summary)[ctx.neuron];
  if (!Number.isFinite(v))
    throw new AppError(
      'non_finite',
      `The model produced ${v} for ${ctx.unit} of '${ctx.layer.tensorName}'. Check the model and the preprocessing.`,
    );
  return v;
}

/** The unit's spatial map on one image's layer tensor (plan.h x plan.w), or null when the layer has none. */
export function unitMap(ctx: UnitContext, tensor: Float32Array): Float32Array | null {
  return ctx.plan.kind === 'none' ? null : mapOf(tensor, 0, ctx.plan);
}

/** The probe images of the set's probe set with these ids, as unit images (refused when one is not in it). */
export function probeUnitImages(
  db: Db,
  ctx: UnitContext,
  imageIds: readonly number[],
): { images: UnitImage[]; sources: Map<number, ImageSource> } {
  const inSet = new Set(imageIdsByPath(db, ctx.set.probeSetId));
  const foreign = imageIds.find((id) => !inSet.has(id));
  if (foreign !== undefined)
    throw new AppError(
      'bad_input',
      `Image ${foreign} is not in probe set ${ctx.set.probeSetId} of activation set ${ctx.set.id}; pick images of that probe set.`,
    );
  const sources = new Map(imageSources(db, [...new Set(imageIds)]).map((s) => [s.id, s]));
  const images = imageIds.map((id) => {
    const src = sources.get(id)!;
    return { key: src.sha256, input: join(src.rootPath, ...src.relPath.split('/')) };
  });
  return { images, sources };
}

export async function heatmaps(
  deps: HeatmapDeps,
  p: { activationSetId: number; neuron: number; imageIds: number[] },
): Promise<HeatmapsOutput> {
  const t0 = performance.now();
  const ctx = unitContext(deps.db, p.activationSetId, p.neuron);
  const { set, plan, input, layer } = ctx;
  const base = { activationSetId: set.id, neuron: p.neuron, unit: ctx.unit, input };
  if (plan.kind === 'none') {
    return {
      ...base,
      kind: 'none',
      reason: plan.reason,
      grid: null,
      focus: null,
      prefixTokens: 0,
      scale: { lo: 0, hi: 0 },
      maps: [],
      computed: 0,
      seconds: 0,
    };
  }
  const ids = [...new Set(p.imageIds)];
  const { images, sources } = probeUnitImages(deps.db, ctx, ids);
  const before = images.filter((im) =>
    deps.cache.get(`${ctx.model.sha256}|${layer.tensorName}|${JSON.stringify(ctx.pre)}|${im.key}`),
  ).length;
  const tensors = await unitTensors(deps, ctx, images);
  let lo = Infinity;
  let hi = -Infinity;
  const maps = p.imageIds.map((id) => {
    const t = tensors.get(sources.get(id)!.sha256)!;
    const m = mapOf(t, 0, plan);
    let min = Infinity;
    let max = -Infinity;
    const bad = m.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new AppError(
        'non_finite',
        `The model produced ${m[bad]} in '${layer.tensorName}' for image ${id} (${sources.get(id)!.relPath}); its map cannot be drawn. Check the model and the preprocessing.`,
      );
    for (const v of m) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    lo = Math.min(lo, min);
    hi = Math.max(hi, max);
    return { imageId: id, values: Array.from(m), min, max, activation: summaryOf(t, 0, plan, set.summary, m) };
  });
  return {
    ...base,
    kind: plan.kind,
    reason: null,
    grid: { height: plan.h, width: plan.w },
    focus: plan.focus,
    prefixTokens: plan.kind === 'tokens' ? plan.prefix : 0,
    scale: { lo, hi },
    maps,
    computed: new Set(images.map((i) => i.key)).size - before,
    seconds: (performance.now() - t0) / 1000,
  };
}
