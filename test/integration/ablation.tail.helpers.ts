import { join } from 'node:path';
import { ort } from '../../src/main/core/onnx/ort';
import { matrix } from '../../src/main/core/numeric/ablation';
import { prepare } from '../../src/main/core/features/ablation/common';
import { tailGraphOracle, type TailOracle } from '../../src/main/core/features/ablation/tailOracle';
import { loadForRun } from '../../src/main/core/features/models/modelService';
import { cloneModel, encodeModel, graphOf, onnx, type ModelProto } from '../../src/main/core/onnx/onnxProto';
import { decodePixels, pixelsToTensor, pixelTable } from '../../src/main/core/onnx/preprocess';
import { createSession } from '../../src/main/core/onnx/session';
import { planSummary, summarise } from '../../src/main/core/numeric/stats/summary';
import { readMatrix } from '../../src/main/core/platform/store/activationRepo';
import { getModel } from '../../src/main/core/platform/store/modelRepo';
import type { Db } from '../../src/main/core/platform/store/open';
import { call } from '../helpers/backend';
import type { ExplainFixture } from './explain.helpers';

// Independent checks of the tail-graph oracle: the WHOLE model, edited so the layer tensor gets a per-image
// delta added (an Add node right after the layer's producer, the delta a graph input shaped like one image's
// tensor and broadcast over the batch), run from the image with onnxruntime. With delta = replaced - original
// for one image, its logits must equal the tail oracle's logits for the same replacement.

export const FIX = join(process.cwd(), 'resources/fixtures');
export const VIT = join(FIX, 'models/fmnist_vit.onnx');
export const VIT_MLP = '/blocks.3/mlp/act/Mul_1_output_0';
export const VARIANTS = join(FIX, 'variants');

export async function addModel(f: ExplainFixture, path: string): Promise<number> {
  const m = await call(f.backend, 'model.add', { path });
  await call(f.backend, 'model.setPreprocessing', { modelId: m.id, preset: 'fashion-mnist' });
  return m.id;
}

export async function extractSet(
  f: ExplainFixture,
  modelId: number,
  layer: string,
  summary: 'mean' | 'max' | 'cls' | 'token_mean' | 'identity',
): Promise<number> {
  return (await call(f.backend, 'activations.extract', { modelId, layer, probeSetId: f.probeSetId, summary })).activationSet.id;
}

/** The whole model with `tensor` replaced by `tensor + delta` (delta: graph input [1, ...perImageDims]). */
export function withDelta(proto: ModelProto, tensor: string, perImageDims: readonly number[]): Uint8Array {
  const m = cloneModel(proto);
  const g = graphOf(m);
  const orig = `${tensor}::orig`;
  const at = g.node.findIndex((n) => n.output.includes(tensor));
  if (at < 0) throw new Error(`no producer of ${tensor}`);
  g.node[at].output = g.node[at].output.map((o) => (o === tensor ? orig : o));
  g.node.splice(at + 1, 0, onnx.NodeProto.create({ name: 'test_delta_add', opType: 'Add', input: [orig, 'test_delta'], output: [tensor] }));
  g.input.push(
    onnx.ValueInfoProto.create({
      name: 'test_delta',
      type: {
        tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [1, ...perImageDims].map((d) => ({ dimValue: d })) } },
      },
    }),
  );
  g.valueInfo = g.valueInfo.filter((v) => v.name !== tensor);
  return encodeModel(m);
}

export interface TailFixture {
  db: Db;
  setId: number;
  oracle: TailOracle;
  labels: Int32Array;
  acts: Float32Array;
  n: number;
  k: number;
  /** The model's input layout (decides the channel axis of ambiguous 4-D shapes, as in extraction). */
  layout: 'NCHW' | 'NHWC';
  /** Logits of the whole delta-edited model on image i with neuron k replaced by v (one image per run). */
  wholeModel(i: number, k: number, v: number): Promise<Float32Array>;
  release(): Promise<void>;
}

export async function tailFixture(f: ExplainFixture, setId: number, temperature = 1): Promise<TailFixture> {
  const db = f.backend.state.requireProject().db;
  const prep = await prepare(db, setId);
  const { set } = prep.src;
  const acts = readMatrix(db, setId, 'act');
  const oracle = await tailGraphOracle(db, prep.src, matrix(acts, set.nImages, set.nNeurons), prep.labels, temperature);
  const model = getModel(db, set.modelId)!;
  const proto = (await loadForRun(model)).proto;
  const { session } = await createSession(withDelta(proto, set.tensorName, oracle.slot.dims), { threads: 1 });
  const pre = model.preprocessing;
  const table = pixelTable(pre);
  const images = db
    .prepare(
      `SELECT p.root_path || '/' || i.rel_path AS path FROM images i JOIN probe_sets p ON p.id = i.probe_set_id WHERE i.probe_set_id = ? ORDER BY i.id`,
    )
    .all(prep.src.probe.id) as { path: string }[];
  const perIn = pre.size[0] * pre.size[1] * pre.channels;
  const rank = model.info.inputs.find((i) => i.name === model.info.imageInput)!.dims.length;
  const inDims = rank === 3 ? [1, ...pre.size] : pre.layout === 'NHWC' ? [1, ...pre.size, pre.channels] : [1, pre.channels, ...pre.size];
  return {
    db,
    setId,
    oracle,
    labels: prep.labels,
    acts,
    n: set.nImages,
    k: set.nNeurons,
    layout: model.info.layout,
    async wholeModel(i, k, v) {
      const x0 = oracle.layerTensor(i);
      const x1 = x0.slice();
      oracle.slot.replace(x1, 0, k, v);
      const delta = Float32Array.from(x1, (y, j) => y - x0[j]);
      const img = new Float32Array(perIn);
      pixelsToTensor(await decodePixels(images[i].path, pre), pre, table, img, 0);
      const res = await session.run(
        {
          [model.info.imageInput]: new ort.Tensor('float32', img, inDims),
          test_delta: new ort.Tensor('float32', delta, [1, ...oracle.slot.dims]),
        },
        [model.info.logitsOutput],
      );
      return Float32Array.from(res[model.info.logitsOutput].data as Float32Array);
    },
    async release() {
      await oracle.release();
      await session.release();
    },
  };
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>, ao = 0, bo = 0, len = a.length) => {
  let m = 0;
  for (let j = 0; j < len; j++) m = Math.max(m, Math.abs(a[ao + j] - b[bo + j]));
  return m;
};

/**
 * The checks every layout gets: unchanged values -> the stored logits; for neurons `neurons` and the first
 * `images` images, a batched oracle run (values: zero, the neuron's mean, the stored value + 1, cycling) against
 * the whole delta-edited model run image by image; and extraction's own summarise() (inference/summary.ts, not
 * the slot's read) on each replaced tensor: neuron k gives the value, every other neuron its stored value.
 * Returns the max differences, and the max |logit change| the replacements caused (so the checks are not vacuous).
 */
export async function checkLayout(
  t: TailFixture,
  neurons: readonly number[],
  images: number,
): Promise<{ unchanged: number; whole: number; summary: number; others: number; effect: number }> {
  const { oracle, db, setId, n, k: K, acts } = t;
  const stored = readMatrix(db, setId, 'logits');
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const c = stored.length / n;
  let unchanged = maxAbs(await oracle.logits(-1, null, all), stored);
  const idx = Int32Array.from({ length: images }, (_, i) => i);
  const dims = [1, ...oracle.slot.dims];
  const plan = planSummary(dims, oracle.slot.summary, t.layout);
  let whole = 0;
  let summary = 0;
  let others = 0;
  let effect = 0;
  for (const k of neurons) {
    const own = Float64Array.from(all, (i) => acts[i * K + k]);
    unchanged = Math.max(unchanged, maxAbs(await oracle.logits(k, own, all), stored));
    const mean = own.reduce((a, b) => a + b, 0) / n;
    const values = Float64Array.from(idx, (i) => [0, mean, own[i] + 1][i % 3]);
    const z = await oracle.logits(k, values, idx);
    for (let r = 0; r < images; r++) {
      const ref = await t.wholeModel(r, k, values[r]);
      whole = Math.max(whole, maxAbs(z, ref, r * c, 0, c));
      effect = Math.max(effect, maxAbs(ref, stored, 0, r * c, c));
      const x = oracle.layerTensor(r);
      oracle.slot.replace(x, 0, k, values[r]);
      const g = summarise(x, dims, plan);
      for (let j = 0; j < K; j++) {
        if (j === k) summary = Math.max(summary, Math.abs(g[j] - values[r]));
        else others = Math.max(others, Math.abs(g[j] - acts[r * K + j]));
      }
    }
  }
  return { unchanged, whole, summary, others, effect };
}
