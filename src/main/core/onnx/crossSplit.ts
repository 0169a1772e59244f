import { graphOf, type GraphProto, type ModelProto, type NodeProto, type ValueInfoProto } from './onnxProto';

// Splits a seq2seq decoder (a VisionEncoderDecoder's GPT-2, optimum's merged layout or a plain decoder) into the part
// that depends only on the encoder's output and the weights (the cross-attention keys and values: computed once per
// caption) and the per-step rest, which takes those tensors as inputs. docs/captioner.md "Benchmark" has the numbers.

export interface CrossSplit {
  /** encoder_hidden_states -> the frontier tensors (outputs named as in the decoder). */
  cross: ModelProto;
  /** The decoder's inputs without encoder_hidden_states (unless a step node reads it directly) and without use_cache_branch, plus the frontier. */
  step: ModelProto;
  /** Tensors that depend only on encoder_hidden_states and weights and are read by per-step nodes. */
  frontier: string[];
}

/** Why a decoder cannot be split (the caller keeps its unsplit path), or the split. */
export type CrossSplitResult = ({ ok: true } & CrossSplit) | { ok: false; reason: string };

const INT64 = 7;
const BOOL = 9;
const BOOL_OPS = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
const INT64_OPS = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin']);

/** Names a node's subgraphs (If / Loop / Scan bodies) read from the enclosing scope. */
function outerRefs(g: GraphProto): string[] {
  const local = new Set<string>([...g.input.map((i) => i.name ?? ''), ...g.initializer.map((t) => t.name ?? '')]);
  const refs = new Set<string>();
  for (const n of g.node) {
    for (const i of nodeReads(n)) if (i && !local.has(i)) refs.add(i);
    for (const o of n.output) local.add(o);
  }
  return [...refs];
}

function subgraphs(n: NodeProto): GraphProto[] {
  return (n.attribute ?? []).flatMap((a) => [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]) as GraphProto[];
}

/** Every tensor a node reads: its inputs and what its subgraphs read from outside. */
function nodeReads(n: NodeProto): string[] {
  return [...n.input, ...subgraphs(n).flatMap(outerRefs)].filter((x) => x !== '');
}

/**
 * The decoder as one flat graph: optimum's merged layout (`If` on a bool input such as use_cache_branch, the
 * with-past branch in one arm) becomes that arm's nodes, its outputs wired to the If's by Identity nodes.
 */
function flatten(g: GraphProto): { nodes: NodeProto[]; graph: GraphProto; dropped: string | null } | string {
  const ifs = g.node.filter((n) => n.opType === 'If' && g.input.some((i) => i.name === n.input[0]));
  if (ifs.length === 0) return { nodes: g.node, graph: g, dropped: null };
  if (ifs.length > 1) return `${ifs.length} If nodes on graph inputs (expected one, on use_cache_branch)`;
  const node = ifs[0];
  const cond = node.input[0];
  if (g.node.some((n) => n !== node && nodeReads(n).includes(cond))) return `${cond} is read by other nodes than the If`;
  const arms = (node.attribute ?? []).filter((a) => a.g && (a.name === 'then_branch' || a.name === 'else_branch'));
  const withPast = arms.filter((a) => outerRefs(a.g as GraphProto).some((r) => r.startsWith('past_key_values')));
  if (withPast.length !== 1) return `the If on ${cond} has ${withPast.length} arms that read past_key_values (expected one)`;
  const arm = withPast[0].g as GraphProto;
  if (arm.output.length !== node.output.length) return `the If's with-past arm has ${arm.output.length} outputs for ${node.output.length}`;
  const wires: NodeProto[] = arm.output
    .map((o, i) => ({ opType: 'Identity', name: `crossSplit/${i}`, input: [o.name ?? ''], output: [node.output[i]] }))
    .filter((w) => w.input[0] !== w.output[0]); // an arm may name its outputs as the If does
  const at = g.node.indexOf(node);
  const nodes = [...g.node.slice(0, at), ...arm.node, ...wires, ...g.node.slice(at + 1)];
  const graph: GraphProto = {
    ...g,
    initializer: [...g.initializer, ...arm.initializer],
    valueInfo: [...g.valueInfo, ...arm.valueInfo],
    input: g.input.filter((i) => i.name !== cond),
  };
  return { nodes, graph, dropped: cond };
}

/** Element types of every tensor: declared (inputs, weights, value infos) or by simple per-op rules. */
function elemTypes(graph: GraphProto, nodes: NodeProto[]): Map<string, number> {
  const t = new Map<string, number>();
  const declare = (v: ValueInfoProto) => {
    const e = v.type?.tensorType?.elemType;
    if (v.name && e) t.set(v.name, e);
  };
  graph.input.forEach(declare);
  for (const w of graph.initializer) if (w.name && w.dataType) t.set(w.name, w.dataType);
  for (const n of nodes) {
    const attr = (name: string) => n.attribute?.find((a) => a.name === name);
    let e: number | undefined;
    if (INT64_OPS.has(n.opType ?? '')) e = INT64;
    else if (BOOL_OPS.has(n.opType ?? '')) e = BOOL;
    else if (n.opType === 'Cast') e = Number(attr('to')?.i ?? 0) || undefined;
    else if (n.opType === 'CastLike') e = t.get(n.input[1]);
    else if (n.opType === 'Where') e = t.get(n.input[1]);
    else if (n.opType === 'Constant') {
      const a = n.attribute?.[0];
      e = a?.t?.dataType ?? (a?.name?.startsWith('value_int') ? INT64 : a?.name?.startsWith('value_float') ? 1 : undefined);
    } else if (n.opType === 'ConstantOfShape') e = attr('value')?.t?.dataType ?? 1;
    else e = n.input.map((i) => t.get(i)).find((x) => x !== undefined);
    for (const o of n.output) if (o && e) t.set(o, e);
  }
  graph.valueInfo.forEach(declare); // declared types win over the rules
  return t;
}

/** The nodes (in order) needed for `outputs`, given tensors available from outside (`given`). */
function prune(nodes: NodeProto[], outputs: string[], given: Set<string>): NodeProto[] {
  const producer = new Map<string, NodeProto>();
  for (const n of nodes) for (const o of n.output) producer.set(o, n);
  const keep = new Set<NodeProto>();
  const todo = outputs.filter((o) => !given.has(o));
  while (todo.length) {
    const n = producer.get(todo.pop()!);
    if (!n || keep.has(n)) continue;
    keep.add(n);
    for (const i of nodeReads(n)) if (!given.has(i)) todo.push(i);
  }
  return nodes.filter((n) => keep.has(n));
}

function subModel(model: ModelProto, graph: GraphProto, nodes: NodeProto[], input: ValueInfoProto[], output: ValueInfoProto[]): ModelProto {
  const read = new Set(nodes.flatMap(nodeReads));
  const made = new Set(nodes.flatMap((n) => n.output));
  const g: GraphProto = {
    ...graph,
    node: nodes,
    input,
    output,
    initializer: graph.initializer.filter((w) => read.has(w.name ?? '')),
    valueInfo: graph.valueInfo.filter((v) => made.has(v.name ?? '') && !output.some((o) => o.name === v.name)),
  };
  return { ...model, graph: g } as ModelProto;
}

/** Split `model` (a decoder with an `encoderInput` input) into the cross graph and the step graph; never mutates `model`. */
export function splitCrossAttention(model: ModelProto, encoderInput = 'encoder_hidden_states'): CrossSplitResult {
  const g0 = graphOf(model);
  if (!g0.input.some((i) => i.name === encoderInput)) return { ok: false, reason: `the decoder has no ${encoderInput} input` };
  if (g0.initializer.some((w) => w.dataLocation === 1))
    return { ok: false, reason: 'the decoder keeps its weights in external data files' };
  const flat = flatten(g0);
  if (typeof flat === 'string') return { ok: false, reason: flat };
  const { nodes, graph } = flat;
  // static: weights and what is computed from them alone; cross: what needs encoderInput and nothing per-step.
  const stat = new Set(graph.initializer.map((w) => w.name ?? ''));
  const cross = new Set<string>([encoderInput]);
  const crossNodes = new Set<NodeProto>();
  for (const n of nodes) {
    const reads = nodeReads(n);
    if (reads.every((r) => stat.has(r))) n.output.forEach((o) => stat.add(o));
    else if (reads.every((r) => stat.has(r) || cross.has(r))) {
      crossNodes.add(n);
      n.output.forEach((o) => cross.add(o));
    }
  }
  if (crossNodes.size === 0) return { ok: false, reason: `no node depends on ${encoderInput} alone (nothing to compute once)` };
  const outputs = graph.output.map((o) => o.name ?? '');
  const crossOut = outputs.filter((o) => cross.has(o));
  if (crossOut.length) return { ok: false, reason: `decoder outputs ${crossOut.join(', ')} depend on ${encoderInput} alone` };
  const stepNodes = nodes.filter((n) => !crossNodes.has(n));
  const frontier = [...new Set(stepNodes.flatMap(nodeReads).filter((r) => cross.has(r)))];
  const computed = frontier.filter((f) => f !== encoderInput);
  const types = elemTypes(graph, nodes);
  const untyped = computed.filter((f) => !types.has(f));
  if (untyped.length) return { ok: false, reason: `no element type known for ${untyped.slice(0, 3).join(', ')}` };
  const info = (name: string): ValueInfoProto => ({ name, type: { tensorType: { elemType: types.get(name) } } });
  const encInfo = graph.input.find((i) => i.name === encoderInput)!;
  const crossModel = subModel(
    model,
    graph,
    prune([...nodes], computed, new Set([encoderInput, ...graph.initializer.map((w) => w.name ?? '')])),
    [encInfo],
    computed.map(info),
  );
  const stepInputs = [...graph.input.filter((i) => i.name !== encoderInput || frontier.includes(encoderInput)), ...computed.map(info)];
  const given = new Set([...stepInputs.map((i) => i.name ?? ''), ...graph.initializer.map((w) => w.name ?? '')]);
  const stepModel = subModel(model, graph, prune(stepNodes, outputs, given), stepInputs, graph.output);
  return { ok: true, cross: crossModel, step: stepModel, frontier: computed };
}
