import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitCrossAttention } from '../../src/main/core/onnx/crossSplit';
import { decodeModel, encodeModel, graphOf, onnx, type GraphProto, type ModelProto } from '../../src/main/core/onnx/onnxProto';
import { ort } from '../../src/main/core/onnx/ort';

// Splitting the captioner fixture's decoder (2 GPT-2 layers with cross-attention, 4 heads of 16) into the
// encoder-only part and the per-step part must not change a bit: the split pair, fed the cross tensors once, gives
// the original decoder's logits and presents for every step. Also for optimum's merged layout (an If on
// use_cache_branch whose with-past arm reads the weights from the outer graph), built here around the same nodes.

const DECODER = 'resources/fixtures/describers/captioner/onnx/decoder_model_merged.onnx';
const ATTR = onnx.AttributeProto.AttributeType;
const B = 3;
const LAYERS = 2;
const PAST = Array.from({ length: LAYERS }, (_, l) => [`${l}.key`, `${l}.value`]).flat();

/** optimum's merged layout around the fixture's nodes: then = with past (the fixture), else = a stand-in without past. */
function mergedLayout(model: ModelProto): ModelProto {
  const g = graphOf(model);
  // names are unique across scopes, as in optimum's exports: the arm's tensors get a prefix
  const made = new Set(g.node.flatMap((n) => n.output));
  const local = (t: string) => (made.has(t) ? `wp/${t}` : t);
  const withPast = {
    name: 'with_past',
    node: g.node.map((n) => ({ ...n, input: n.input.map(local), output: n.output.map(local) })),
    output: g.output.map((o) => ({ ...o, name: local(o.name ?? '') })),
  };
  const noPast = {
    name: 'no_past',
    node: [
      {
        opType: 'Constant',
        output: ['np/zero'],
        attribute: [{ name: 'value', type: ATTR.TENSOR, t: { dims: [1], dataType: 1, floatData: [0] } }],
      },
      ...g.output.map((_, i) => ({ opType: 'Identity', input: ['np/zero'], output: [`np/${i}`] })),
    ],
    output: g.output.map((o, i) => ({ name: `np/${i}`, type: { tensorType: { elemType: o.type?.tensorType?.elemType } } })),
  };
  const cond = { name: 'use_cache_branch', type: { tensorType: { elemType: 9, shape: { dim: [{ dimValue: 1 }] } } } };
  const node = {
    opType: 'If',
    name: 'optimum::if',
    input: ['use_cache_branch'],
    output: g.output.map((o) => o.name ?? ''),
    attribute: [
      { name: 'then_branch', type: ATTR.GRAPH, g: withPast },
      { name: 'else_branch', type: ATTR.GRAPH, g: noPast },
    ],
  };
  return decodeModel(encodeModel({ ...model, graph: { ...g, node: [node], input: [...g.input, cond], valueInfo: [] } }));
}

const opts = { graphOptimizationLevel: 'all' as const, intraOpNumThreads: 1, logSeverityLevel: 3 as const };
const emptyPast = (): Record<string, ort.Tensor> =>
  Object.fromEntries(PAST.map((n) => [`past_key_values.${n}`, new ort.Tensor('float32', new Float32Array(0), [B, 4, 0, 16])]));
const states = new ort.Tensor(
  'float32',
  new Float32Array(B * 17 * 64).map((_, i) => Math.sin(i * 0.37) * 2),
  [B, 17, 64],
);
const TOKENS = [
  [2, 2, 2],
  [9, 14, 30],
  [40, 7, 21],
];

/** Logits and presents of 3 steps (tokens TOKENS) through one session fed `fixed` every step. */
async function decode(session: ort.InferenceSession, fixed: Record<string, ort.Tensor>): Promise<Float32Array[]> {
  let past = emptyPast();
  const out: Float32Array[] = [];
  for (const ids of TOKENS) {
    const o = await session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [B, 1]), ...fixed, ...past });
    out.push(o.logits.data as Float32Array, ...PAST.map((n) => o[`present.${n}`].data as Float32Array));
    past = Object.fromEntries(PAST.map((n) => [`past_key_values.${n}`, o[`present.${n}`]]));
  }
  return out;
}

async function splitDecode(model: ModelProto): Promise<{ frontier: string[]; out: Float32Array[]; step: ModelProto }> {
  const s = splitCrossAttention(model);
  if (!s.ok) throw new Error(s.reason);
  const cross = await ort.InferenceSession.create(encodeModel(s.cross), opts);
  const step = await ort.InferenceSession.create(encodeModel(s.step), opts);
  const c = await cross.run({ encoder_hidden_states: states });
  expect(Object.keys(c).sort()).toEqual([...s.frontier].sort());
  return { frontier: s.frontier, out: await decode(step, c), step: s.step };
}

const bits = (a: Float32Array[]) => a.map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64'));

describe('splitting a decoder at its cross-attention keys and values', () => {
  const model = decodeModel(readFileSync(DECODER));

  it('a plain decoder: one key and one value per layer computed once, the steps bit for bit as before', async () => {
    const reference = await decode(await ort.InferenceSession.create(DECODER, opts), { encoder_hidden_states: states });
    const { frontier, out, step } = await splitDecode(model);
    expect(frontier).toHaveLength(2 * LAYERS);
    const inputs = graphOf(step).input.map((i) => i.name);
    expect(inputs).not.toContain('encoder_hidden_states');
    expect(inputs.filter((n) => !frontier.includes(n ?? ''))).toEqual(['input_ids', ...PAST.map((n) => `past_key_values.${n}`)]);
    // no cross-attention weight is left in the step graph: it is smaller by 2 layers x 2 x (64x64 + 64) floats or more
    const weights = (g: GraphProto) => g.initializer.reduce((a, w) => a + (w.rawData?.length ?? 0) + 4 * (w.floatData?.length ?? 0), 0);
    expect(weights(graphOf(model)) - weights(graphOf(step))).toBeGreaterThanOrEqual(LAYERS * 2 * (64 * 64 + 64) * 4);
    expect(bits(out)).toEqual(bits(reference));
    expect(out).toHaveLength(3 * (1 + 2 * LAYERS));
  });

  it('optimum merged layout: the with-past arm is split, its outer-scope weights found; equal to the If model run with use_cache_branch', async () => {
    const merged = mergedLayout(model);
    const session = await ort.InferenceSession.create(encodeModel(merged), opts);
    const reference = await decode(session, {
      encoder_hidden_states: states,
      use_cache_branch: new ort.Tensor('bool', Uint8Array.from([1]), [1]),
    });
    const { frontier, out, step } = await splitDecode(merged);
    expect(frontier).toHaveLength(2 * LAYERS);
    expect(graphOf(step).input.map((i) => i.name)).not.toContain('use_cache_branch');
    expect(graphOf(step).node.some((n) => n.opType === 'If')).toBe(false);
    expect(bits(out)).toEqual(bits(reference));
  });

  it('decoders it cannot split say why (the caller keeps its unsplit path)', () => {
    const g = graphOf(model);
    const renamed = {
      ...model,
      graph: { ...g, input: g.input.map((i) => (i.name === 'encoder_hidden_states' ? { ...i, name: 'enc' } : i)) },
    };
    expect(splitCrossAttention(renamed as ModelProto)).toEqual({ ok: false, reason: 'the decoder has no encoder_hidden_states input' });
    const merged = mergedLayout(model);
    const ifNode = graphOf(merged).node[0];
    const bothPast = { ...ifNode, attribute: ifNode.attribute?.map((a) => ({ ...a, g: ifNode.attribute?.[0].g })) };
    const r = splitCrossAttention(decodeModel(encodeModel({ ...merged, graph: { ...graphOf(merged), node: [bothPast] } })));
    expect(r).toEqual({ ok: false, reason: 'the If on use_cache_branch has 2 arms that read past_key_values (expected one)' });
  });
});
