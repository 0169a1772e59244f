import { join } from 'node:path';
import type { HeatmapsOutput, Preprocessing } from '../../../../shared/contract';
import { Preprocessing as PreprocessingSchema } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { unitLabel } from '../../../../shared/unitAddress';
import * as acts from '../../platform/store/activationRepo';
import * as models from '../../platform/store/modelRepo';
import { imageIdsByPath } from '../../platform/store/imageRepo';
import type { Db } from '../../platform/store/open';
import { imageSources } from '../../platform/store/probeRepo';
import { extractHead } from '../../onnx/graph';
import { encodeModel } from '../../onnx/onnxProto';
import { decodePixels, pixelsToTensor, pixelTable } from '../../onnx/preprocess';
import { createSession, runBatch, sessionKey, type SessionCache } from '../../onnx/session';
import { mapOf, perImage, planSpatial, summaryOf, type SpatialPlan } from '../../numeric/stats/spatialMap';
import { channelAxis } from '../../numeric/stats/summary';
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

export async function heatmaps(
  deps: HeatmapDeps,
  p: { activationSetId: number; neuron: number; imageIds: number[] },
): Promise<HeatmapsOutput> {
  const t0 = performance.now();
  const { db } = deps;
  const set = acts.getSetRow(db, p.activationSetId);
  if (!set) throw new AppError('not_found', `Activation set ${p.activationSetId} does not exist. List the sets with activations.list.`);
  if (p.neuron >= set.nNeurons)
    throw new AppError(
      'bad_input',
      `Neuron ${p.neuron} is out of range: activation set ${set.id} has ${set.nNeurons} units (0..${set.nNeurons - 1}).`,
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
  const plan = planSpatial(layer.shape, set.summary, axis, p.neuron, input);
  const base = {
    activationSetId: set.id,
    neuron: p.neuron,
    unit: unitWords(plan, layer.shape, set.summary, axis, p.neuron),
    input,
  };
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

  // Images: each must belong to the set's probe set.
  const inSet = new Set(imageIdsByPath(db, set.probeSetId));
  const ids = [...new Set(p.imageIds)];
  const foreign = ids.find((id) => !inSet.has(id));
  if (foreign !== undefined)
    throw new AppError(
      'bad_input',
      `Image ${foreign} is not in probe set ${set.probeSetId} of activation set ${set.id}; pick images of that probe set.`,
    );
  const sources = new Map(imageSources(db, ids).map((s) => [s.id, s]));
  const keyOf = (id: number) => `${model.sha256}|${layer.tensorName}|${JSON.stringify(pre)}|${sources.get(id)!.sha256}`;

  const tensors = new Map<number, Float32Array>();
  const missing: number[] = [];
  for (const id of ids) {
    const hit = deps.cache.get(keyOf(id));
    if (hit) tensors.set(id, hit);
    else missing.push(id);
  }
  if (missing.length) {
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
      if (deps.signal?.aborted) throw new AppError('cancelled', 'Heatmaps cancelled.');
      const chunk = missing.slice(s, s + step);
      const n = model.info.fixedBatch ?? chunk.length; // a fixed batch is zero-padded; padded rows are dropped
      const x = new Float32Array(n * per);
      await Promise.all(
        chunk.map(async (id, i) => {
          const src = sources.get(id)!;
          const file = join(src.rootPath, ...src.relPath.split('/'));
          let px: Uint8Array;
          try {
            px = await decodePixels(file, pre);
          } catch (e) {
            throw new AppError(
              'bad_input',
              `Cannot read image ${file}: ${e instanceof Error ? e.message : String(e)}. Restore it or import the folder again.`,
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
      chunk.forEach((id, i) => {
        const t = res.data.slice(i * size, (i + 1) * size);
        tensors.set(id, t);
        deps.cache.set(keyOf(id), t);
      });
    }
  }

  let lo = Infinity;
  let hi = -Infinity;
  const maps = p.imageIds.map((id) => {
    const t = tensors.get(id)!;
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
    computed: missing.length,
    seconds: (performance.now() - t0) / 1000,
  };
}
