import type { LinearHeadInfo } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { linearHead, type LinearHead } from '../../numeric/ablation';
import { slotRefusal } from '../../numeric/ablation/replaceNeuron';
import { loadForRun } from '../models';
import { graphOf, toNum, type GraphProto, type ModelProto, type NodeProto, type TensorProto } from '../../onnx/onnxProto';
import * as acts from '../../platform/store/activationRepo';
import { findLayer, getModel } from '../../platform/store/modelRepo';
import type { Db } from '../../platform/store/open';
import type { SetContext } from '../explanations';
import { tailGradient } from './tailOracle';

// Linear head discovery (docs/methods.md "Linear head": when the layer feeds a linear head, replacing one feature
// changes the logits by W[:,k] * (new - old)). Walk from the layer tensor to the logits through shape-only ops
// (Flatten, Reshape, Squeeze, Identity; GlobalAveragePool when the stored summary is the spatial mean or the
// map is 1x1) to ONE Gemm or MatMul(+Add) with constant weights. The head is trusted only after W a + b
// reproduces the stored logits on a few rows.

const SHAPE_OPS = new Set(['Flatten', 'Reshape', 'Squeeze', 'Identity']);
export const HEAD_TOLERANCE = 1e-4;
const CHECK_ROWS = 16;

export interface FoundHead {
  info: LinearHeadInfo;
  head: LinearHead | null;
}

function floatsOf(t: TensorProto): Float64Array | null {
  const type = t.dataType ?? 0;
  if (t.dataLocation === 1) return null; // external data should have been inlined by loadModel
  if (type === 1) {
    if (t.floatData && t.floatData.length) return Float64Array.from(t.floatData);
    if (t.rawData && t.rawData.length) {
      const raw = t.rawData;
      const copy = new Uint8Array(raw.length);
      copy.set(raw);
      return Float64Array.from(new Float32Array(copy.buffer, 0, raw.length / 4));
    }
    return new Float64Array(0);
  }
  if (type === 11) {
    if (t.doubleData && t.doubleData.length) return Float64Array.from(t.doubleData);
    if (t.rawData && t.rawData.length) {
      const copy = new Uint8Array(t.rawData.length);
      copy.set(t.rawData);
      return new Float64Array(copy.buffer);
    }
  }
  return null;
}

function attr(n: NodeProto, name: string): { i?: number; f?: number } | undefined {
  const a = n.attribute?.find((x) => x.name === name);
  if (!a) return undefined;
  return { i: a.i == null ? undefined : toNum(a.i as number), f: a.f ?? undefined };
}

interface Walk {
  path: string[];
  weight: Float64Array; // C x K
  bias: Float64Array;
  classes: number;
  features: number;
}

/** The linear map from `from` to `logits`, or a reason why there is none. */
export function findLinearPath(g: GraphProto, from: string, logits: string, features: number, spatialMeanOk: boolean): Walk | string {
  const inits = new Map(g.initializer.map((t) => [t.name ?? '', t]));
  const consumers = new Map<string, NodeProto[]>();
  for (const n of g.node) for (const i of n.input) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  // Tensors that lead to the logits (walking back from it).
  const prod = new Map<string, NodeProto>();
  for (const n of g.node) for (const o of n.output) prod.set(o, n);
  const leads = new Set<string>();
  const stack = [logits];
  while (stack.length) {
    const t = stack.pop()!;
    if (leads.has(t)) continue;
    leads.add(t);
    const p = prod.get(t);
    if (p) stack.push(...p.input.filter(Boolean));
  }
  if (!leads.has(from)) return `the logits '${logits}' do not depend on '${from}'`;
  const path: string[] = [];
  let t = from;
  let w: Walk | null = null;
  for (let steps = 0; steps < 64; steps++) {
    if (t === logits) break;
    const next = (consumers.get(t) ?? []).filter((n) => n.output.some((o) => leads.has(o)));
    if (next.length !== 1) return `'${t}' reaches the logits through ${next.length} nodes (a linear head has one path)`;
    const n = next[0];
    const op = n.opType ?? '';
    path.push(op);
    const constIn = (i: number): Float64Array | null => {
      const init = inits.get(n.input[i] ?? '');
      return init ? floatsOf(init) : null;
    };
    const dimsOf = (i: number): number[] => (inits.get(n.input[i] ?? '')?.dims ?? []).map((d) => toNum(d as number));
    if (SHAPE_OPS.has(op)) {
      if (n.input[0] !== t) return `${op} node '${n.name}' uses '${t}' as a non-data input`;
    } else if (op === 'GlobalAveragePool') {
      if (!spatialMeanOk) return 'GlobalAveragePool on a map whose stored summary is not the spatial mean';
    } else if ((op === 'Gemm' || op === 'MatMul') && !w) {
      if (n.input[0] !== t) return `${op} node '${n.name}' takes '${t}' as its weight input`;
      const b = constIn(1);
      const bd = dimsOf(1);
      if (!b || bd.length !== 2) return `${op} node '${n.name}' has no constant 2-D weight`;
      const transB = op === 'Gemm' ? (attr(n, 'transB')?.i ?? 0) : 0;
      if (op === 'Gemm' && (attr(n, 'transA')?.i ?? 0) !== 0) return 'Gemm with transA = 1';
      const alpha = op === 'Gemm' ? (attr(n, 'alpha')?.f ?? 1) : 1;
      const beta = op === 'Gemm' ? (attr(n, 'beta')?.f ?? 1) : 1;
      const [r0, r1] = bd;
      const classes = transB ? r0 : r1;
      const kIn = transB ? r1 : r0;
      if (kIn !== features) return `${op} weight expects ${kIn} features, the layer has ${features}`;
      const weight = new Float64Array(classes * features);
      for (let c = 0; c < classes; c++)
        for (let k = 0; k < features; k++) weight[c * features + k] = alpha * (transB ? b[c * features + k] : b[k * classes + c]);
      let bias = new Float64Array(classes);
      if (op === 'Gemm' && n.input[2]) {
        const cv = constIn(2);
        if (!cv) return `Gemm node '${n.name}' has a non-constant C input`;
        if (cv.length === 1) bias.fill(beta * cv[0]);
        else if (cv.length === classes) bias = Float64Array.from(cv, (v) => beta * v);
        else return `Gemm node '${n.name}': C of ${cv.length} values does not broadcast per class`;
      }
      w = { path, weight, bias, classes, features };
    } else if (op === 'Add' && w) {
      const other = n.input[0] === t ? 1 : 0;
      const cv = constIn(other);
      if (!cv || (cv.length !== 1 && cv.length !== w.classes)) return `Add node '${n.name}' adds a non-constant or non per-class term`;
      for (let c = 0; c < w.classes; c++) w.bias[c] += cv.length === 1 ? cv[0] : cv[c];
    } else {
      return `${op} node '${n.name}' is not linear in the layer (or a second matrix product)`;
    }
    const out = n.output.find((o) => leads.has(o));
    if (!out) return `node '${n.name}' does not lead to the logits`;
    t = out;
  }
  if (t !== logits) return 'the path to the logits is too long';
  if (!w) return 'no Gemm/MatMul between the layer and the logits';
  return w;
}

/** The first stored chunk (the loop's break closes the statement's iterator: the connection stays usable). */
function firstChunk(db: Db, setId: number, kind: acts.ChunkKind): { nRows: number; data: Float32Array } | null {
  for (const c of acts.readChunks(db, setId, kind)) return c;
  return null;
}

/** Find the head of an activation set's layer and verify it on stored rows. */
export async function discoverHead(db: Db, src: SetContext): Promise<FoundHead> {
  const { set } = src;
  const model = getModel(db, set.modelId);
  if (!model) throw new AppError('not_found', `Model ${set.modelId} of activation set ${set.id} does not exist.`);
  const logitsOutput = model.info.logitsOutput;
  const base: LinearHeadInfo = {
    activationSetId: set.id,
    tensorName: set.tensorName,
    logitsOutput,
    linear: false,
    path: [],
    classes: set.nLogits,
    features: set.nNeurons,
    maxAbsError: null,
    checkedRows: 0,
    reason: null,
    gradient: { method: 'finite-difference', reason: null },
  };
  if (set.nLogits <= 0) return { info: { ...base, reason: 'the activation set stored no logits' }, head: null };
  const loaded = await loadForRun(model);
  const found = linearHeadOf(db, set, loaded.proto, base);
  // Without a verified head, Optim differentiates the tail graph: say now whether it can do so exactly.
  if (!found.head) found.info.gradient = tailGradient(loaded.proto, set.tensorName, logitsOutput);
  return found;
}

function linearHeadOf(db: Db, set: SetContext['set'], proto: ModelProto, base: LinearHeadInfo): FoundHead {
  const logitsOutput = base.logitsOutput;
  const g = graphOf(proto);
  const spatialMeanOk = set.summary === 'mean' || set.summary === 'identity';
  const walk = findLinearPath(g, set.tensorName, logitsOutput, set.nNeurons, spatialMeanOk);
  if (typeof walk === 'string') return { info: { ...base, reason: walk }, head: null };
  const info: LinearHeadInfo = { ...base, path: walk.path, classes: walk.classes, features: walk.features };
  if (walk.classes !== set.nLogits)
    return { info: { ...info, reason: `the head has ${walk.classes} classes, the stored logits ${set.nLogits}` }, head: null };
  // Verify on the first stored rows.
  const first = firstChunk(db, set.id, 'act');
  const firstLogits = firstChunk(db, set.id, 'logits');
  if (!first || !firstLogits) return { info: { ...info, reason: 'no stored rows to verify the head on' }, head: null };
  const a = first.data;
  const z = firstLogits.data;
  const rows = Math.min(CHECK_ROWS, first.nRows, firstLogits.nRows);
  let maxErr = 0;
  let ok = true;
  const k = walk.features;
  const c = walk.classes;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < c; j++) {
      let s = walk.bias[j];
      for (let q = 0; q < k; q++) s += walk.weight[j * k + q] * a[r * k + q];
      const err = Math.abs(s - z[r * c + j]);
      maxErr = Math.max(maxErr, err);
      if (err > HEAD_TOLERANCE * Math.max(1, Math.abs(z[r * c + j]))) ok = false;
    }
  }
  const checked = { ...info, maxAbsError: maxErr, checkedRows: rows };
  if (!ok)
    return {
      info: { ...checked, reason: `W a + b differs from the stored logits by up to ${maxErr.toExponential(2)} (> ${HEAD_TOLERANCE})` },
      head: null,
    };
  return {
    info: { ...checked, linear: true, gradient: { method: 'closed-form', reason: null } },
    head: linearHead(walk.weight, walk.bias, c, k),
  };
}

export async function requireHead(db: Db, src: SetContext): Promise<FoundHead & { head: LinearHead }> {
  const found = await discoverHead(db, src);
  if (!found.head) {
    const tail = slotRefusal(findLayer(db, src.set.modelId, src.set.tensorName)?.shape ?? [], src.set.summary);
    const hint = tail
      ? `The tail-graph path cannot take it either: ${tail}.`
      : 'Ablation scoring and Top Impact still run on it through the tail-graph path.';
    throw new AppError(
      'bad_input',
      `This needs a layer that feeds a linear head (closed form); layer '${src.set.tensorName}' does not (${found.info.reason ?? 'not linear'}). ${hint}`,
      found.info,
    );
  }
  return found as FoundHead & { head: LinearHead };
}
