import type { LayerInfo, ModelInfo } from '../../../shared/contract';
import type { GraphProto, NodeProto } from './onnxProto';

// Candidate layers: every float tensor a node produces, with its concrete shape, a friendly module path,
// and suggestions for the layers people usually explain.

/** A layer as found in the graph (and stored): LayerInfo before it has a row id and a neuron count, plus its graph position. */
export type LayerCandidate = Omit<LayerInfo, 'id' | 'neurons'> & { position: number };

/** `/blocks.3/mlp/act/Mul_1_output_0` -> { scopes: ['blocks.3','mlp','act'], op: 'Mul_1' }; `logits` -> no scopes. */
export function modulePath(tensorName: string): { scopes: string[]; op: string } {
  const parts = tensorName.replace(/^\//, '').split('/');
  const op = parts[parts.length - 1].replace(/_output_\d+$/, '').replace(/:\d+$/, '');
  return { scopes: parts.slice(0, -1), op };
}

/**
 * Friendly names from module scopes. A module's output is the last tensor computed inside it, so each tensor
 * takes the shortest scope it is the last tensor of (`/layer4/layer4.2/relu_2/Relu` -> `layer4`,
 * `/blocks.3/mlp/act/Mul_1` -> `blocks.3.mlp.act`); other tensors get `scope:Op`, unscoped ones their own name.
 */
export function friendlyNames(tensorNames: readonly string[]): string[] {
  const mods = tensorNames.map(modulePath);
  const lastOf = new Map<string, number>();
  mods.forEach((m, i) => m.scopes.forEach((_, d) => lastOf.set(m.scopes.slice(0, d + 1).join('.'), i)));
  return mods.map((m, i) => {
    if (!m.scopes.length) return tensorNames[i].startsWith('/') ? m.op : tensorNames[i];
    for (let d = 1; d <= m.scopes.length; d++) {
      const p = m.scopes.slice(0, d).join('.');
      if (lastOf.get(p) === i) return p;
    }
    return `${m.scopes.join('.')}:${m.op}`;
  });
}

const GLOBAL_POOL = new Set(['GlobalAveragePool', 'GlobalMaxPool']);
const PASS_THROUGH = new Set(['Add', 'Identity', 'Flatten', 'Reshape', 'Squeeze']);

function producerMap(g: GraphProto): Map<string, NodeProto> {
  const m = new Map<string, NodeProto>();
  for (const n of g.node) for (const o of n.output) m.set(o, n);
  return m;
}

/** The activation tensor (not a weight) that feeds the final Gemm/MatMul producing `output`. */
function classifierInput(g: GraphProto, output: string): string | null {
  const prod = producerMap(g);
  const inits = new Set(g.initializer.map((t) => t.name ?? ''));
  let n = prod.get(output);
  for (let hops = 0; n && hops < 4; hops++) {
    const data = n.input.filter((i) => i && !inits.has(i) && prod.get(i)?.opType !== 'Constant');
    if (n.opType === 'Gemm' || n.opType === 'MatMul') return data[0] ?? null;
    if (!PASS_THROUGH.has(n.opType ?? '') || data.length !== 1) return null;
    n = prod.get(data[0]);
  }
  return null;
}

/** Mark the usual suspects: last conv stage before global pooling, pooled features, late transformer MLP activations. */
export function suggest(cands: LayerCandidate[], g: GraphProto, info: ModelInfo): void {
  const byName = new Map(cands.map((c) => [c.tensorName, c]));
  const mark = (name: string | null | undefined, reason: string) => {
    const c = name ? byName.get(name) : undefined;
    if (c && !c.suggested) Object.assign(c, { suggested: true, reason });
  };
  const pools = g.node.filter(
    (n) => GLOBAL_POOL.has(n.opType ?? '') || (n.opType === 'ReduceMean' && byName.get(n.input[0])?.shape.length === 4),
  );
  const pool = pools[pools.length - 1];
  if (pool) mark(pool.input[0], 'last convolutional stage before global pooling');
  mark(classifierInput(g, info.logitsOutput), 'features feeding the final classifier');
  // Transformer MLP activations: group by module path, keep each module's output, take the last two blocks.
  const mlp = cands.filter(
    (c) =>
      c.shape.length === 3 &&
      /mlp|ffn|feed_?forward|intermediate/i.test(c.friendly) &&
      /act|gelu|relu|silu|swish/i.test(c.friendly) &&
      !c.friendly.includes(':'),
  );
  const blockOf = (c: LayerCandidate) => Number(/(?:^|\.)(?:blocks|layers?|h|layer)\.(\d+)/.exec(c.friendly)?.[1] ?? -1);
  const blocks = [...new Set(mlp.map(blockOf))].sort((a, b) => a - b).slice(-2);
  for (const c of mlp) if (blocks.includes(blockOf(c))) mark(c.tensorName, 'MLP activation of a late transformer block');
}

/** Build candidates from the graph and the shapes measured by one dummy run (only float tensors are kept). */
export function buildCandidates(g: GraphProto, shapes: Map<string, number[]>, info: ModelInfo): LayerCandidate[] {
  const rows: Omit<LayerCandidate, 'friendly'>[] = [];
  g.node.forEach((n, position) => {
    for (const o of n.output) {
      const shape = shapes.get(o);
      if (!o || !shape) continue;
      rows.push({ tensorName: o, position, opType: n.opType ?? '', nodeName: n.name ?? '', shape, suggested: false, reason: null });
    }
  });
  const names = friendlyNames(rows.map((r) => r.tensorName));
  const cands = rows.map((r, i) => ({ ...r, friendly: names[i] }));
  suggest(cands, g, info);
  return cands;
}

/** Neurons of a layer under its default summary: channels (4-D), features (3-D tokens, 2-D), else flattened. */
export function defaultNeurons(shape: readonly number[], channelAxis: 1 | 3): number {
  if (shape.length === 4) return shape[channelAxis];
  if (shape.length === 3) return shape[2];
  return shape.slice(1).reduce((a, b) => a * b, 1);
}
