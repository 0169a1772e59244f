import type { Dim } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { cloneModel, graphOf, onnx, type GraphProto, type ModelProto, type NodeProto } from './onnxProto';

// Graph edits on a decoded ONNX model. Both return a new model; the input is never modified.

/** The model with `tensorNames` added as graph outputs (after the original outputs, in the given order). */
export function exposeOutputs(model: ModelProto, tensorNames: readonly string[]): ModelProto {
  const copy = cloneModel(model);
  const g = graphOf(copy);
  const have = new Set(g.output.map((o) => o.name));
  const added = [...new Set(tensorNames)].filter((n) => !have.has(n));
  // No type given: onnxruntime infers it, and exposing int64 shape tensors stays legal.
  g.output = [...g.output, ...added.map((name) => onnx.ValueInfoProto.create({ name }))];
  return copy;
}

function producers(g: GraphProto): Map<string, NodeProto> {
  const m = new Map<string, NodeProto>();
  for (const n of g.node) for (const o of n.output) if (o) m.set(o, n);
  return m;
}

/** Tensors computable without any graph input: initializers and outputs of nodes fed only by those. */
function constantTensors(g: GraphProto): Set<string> {
  const c = new Set<string>(g.initializer.map((t) => t.name ?? ''));
  for (const n of g.node) if (n.input.every((i) => !i || c.has(i))) for (const o of n.output) c.add(o);
  return c;
}

/** Nodes that read `from`, directly or indirectly (graph order). */
function downstream(g: GraphProto, from: string): Set<NodeProto> {
  const reached = new Set<string>([from]);
  const nodes = new Set<NodeProto>();
  for (const n of g.node) {
    if (n.input.some((i) => reached.has(i))) {
      nodes.add(n);
      for (const o of n.output) reached.add(o);
    }
  }
  return nodes;
}

/** The tail's nodes from `fromTensor` to `toOutputs`, and the non-constant tensors computed before the cut it needs. */
function walkTail(g: GraphProto, fromTensor: string, toOutputs: readonly string[]): { keep: Set<NodeProto>; sides: string[] } {
  const prod = producers(g);
  if (!prod.has(fromTensor) && !g.input.some((i) => i.name === fromTensor)) {
    throw new AppError('bad_input', `Cannot cut at '${fromTensor}': no such tensor in the graph.`);
  }
  const consts = constantTensors(g);
  const down = downstream(g, fromTensor);
  // Walk back from the outputs; every tensor must be the cut, a constant, produced downstream of the cut, or
  // (a side input) produced before the cut by a node.
  const keep = new Set<NodeProto>();
  const sides: string[] = [];
  const seen = new Set<string>();
  const stack = [...toOutputs];
  while (stack.length) {
    const t = stack.pop()!;
    if (!t || seen.has(t) || t === fromTensor) continue;
    seen.add(t);
    const n = prod.get(t);
    if (n && (down.has(n) || consts.has(t))) {
      keep.add(n);
      stack.push(...n.input);
    } else if (!consts.has(t)) {
      if (toOutputs.includes(t)) throw new AppError('bad_input', `Cannot cut at '${fromTensor}': output '${t}' does not depend on it.`);
      if (!n) throw new AppError('bad_input', `Cannot cut at '${fromTensor}': the tail also needs the graph input '${t}'.`);
      sides.push(t);
    }
  }
  return { keep, sides };
}

/**
 * Tensors computed before the cut at `fromTensor` that the tail to `toOutputs` also needs (skip connections,
 * e.g. a transformer block's residual around its MLP), in a stable order. They do not depend on the cut, so a
 * caller that changes only `fromTensor` can compute them once from the full model and feed them unchanged.
 */
export function tailSideInputs(model: ModelProto, fromTensor: string, toOutputs: readonly string[]): string[] {
  return walkTail(graphOf(model), fromTensor, toOutputs).sides.sort();
}

function inputInfo(g: GraphProto, name: string, dims: Dim[]) {
  const spec = g.valueInfo.find((v) => v.name === name) ?? g.input.find((v) => v.name === name);
  const elemType = spec?.type?.tensorType?.elemType ?? onnx.TensorProto.DataType.FLOAT;
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d ?? 'unk' })) } },
    },
  });
}

/**
 * The sub-graph from `fromTensor` to `toOutputs`: its first input is `fromTensor` with `inputDims`.
 * Without `sides`, refuses a cut that is not closed: a tail node needing a non-constant tensor the tail does not
 * produce. With `sides` (name -> dims; see tailSideInputs) those tensors become further graph inputs, in the
 * order given; a needed tensor missing from `sides` is still refused.
 */
export function extractTail(
  model: ModelProto,
  fromTensor: string,
  toOutputs: readonly string[],
  inputDims: Dim[],
  sides?: Readonly<Record<string, Dim[]>>,
): ModelProto {
  const copy = cloneModel(model);
  const g = graphOf(copy);
  const walk = walkTail(g, fromTensor, toOutputs);
  const missing = walk.sides.find((t) => !sides || !(t in sides));
  if (missing !== undefined) {
    throw new AppError(
      'bad_input',
      `Cannot cut at '${fromTensor}': the tail also needs '${missing}', which is computed before the cut (e.g. a skip connection). Cut at a tensor every path to the output passes through.`,
    );
  }
  const keep = walk.keep;
  const used = new Set<string>([...keep].flatMap((n) => n.input));
  const sideNames = Object.keys(sides ?? {}).filter((t) => walk.sides.includes(t));
  const inputs = [inputInfo(g, fromTensor, inputDims), ...sideNames.map((t) => inputInfo(g, t, sides![t]))];
  g.node = g.node.filter((n) => keep.has(n));
  g.initializer = g.initializer.filter((t) => used.has(t.name ?? ''));
  g.input = inputs;
  g.output = toOutputs.map((name) => g.output.find((o) => o.name === name) ?? onnx.ValueInfoProto.create({ name }));
  g.valueInfo = g.valueInfo.filter((v) => used.has(v.name ?? '') && v.name !== fromTensor && !sideNames.includes(v.name ?? ''));
  return copy;
}

/**
 * The sub-graph that computes `outputs` from the graph inputs (everything after them dropped), with `outputs` as
 * its only outputs: a model run "up to a layer" does only the work that layer needs.
 */
export function extractHead(model: ModelProto, outputs: readonly string[]): ModelProto {
  const copy = cloneModel(model);
  const g = graphOf(copy);
  const prod = producers(g);
  const keep = new Set<NodeProto>();
  const seen = new Set<string>();
  const stack = [...outputs];
  while (stack.length) {
    const t = stack.pop()!;
    if (!t || seen.has(t)) continue;
    seen.add(t);
    const n = prod.get(t);
    if (n && !keep.has(n)) {
      keep.add(n);
      stack.push(...n.input);
    }
  }
  for (const o of outputs) {
    if (!prod.has(o) && !g.input.some((i) => i.name === o)) throw new AppError('bad_input', `No tensor '${o}' in the graph.`);
  }
  g.node = g.node.filter((n) => keep.has(n));
  g.initializer = g.initializer.filter((t) => seen.has(t.name ?? ''));
  g.input = g.input.filter((i) => seen.has(i.name ?? ''));
  g.output = outputs.map((name) => g.output.find((o) => o.name === name) ?? onnx.ValueInfoProto.create({ name }));
  g.valueInfo = g.valueInfo.filter((v) => seen.has(v.name ?? ''));
  return copy;
}
