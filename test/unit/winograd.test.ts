import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel, onnx, type ModelProto } from '../../src/main/core/onnx/onnxProto';
import { ort } from '../../src/main/core/onnx/ort';
import { winogradConvs } from '../../src/main/core/onnx/winograd';

// The Winograd rewrite (onnx/winograd.ts) against the definition of a convolution, computed here in float64 by four
// nested sums: every output of the rewritten graph must equal it up to float32 rounding, for sizes that are and are
// not multiples of the tile, with and without bias, on one session whose H and W are symbolic. Convolutions the
// rewrite cannot take (stride, groups, dilation, 1x1, auto_pad, too few channels) must be left as they are.

const ATTR = onnx.AttributeProto.AttributeType;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

interface ConvSpec {
  ci: number;
  co: number;
  k?: number;
  bias?: boolean;
  attrs?: Record<string, number[] | number | string>;
}

/** A model of convolutions in sequence, x [N, C, H, W] with symbolic H and W; weights seeded. */
function convModel(convs: ConvSpec[], seed = 1, opset = 17): { model: ModelProto; weights: { w: Float32Array; b: Float32Array | null }[] } {
  const r = rng(seed);
  const weights: { w: Float32Array; b: Float32Array | null }[] = [];
  const node: object[] = [];
  const initializer: object[] = [];
  convs.forEach((c, i) => {
    const k = c.k ?? 3;
    const perGroup = c.ci / ((c.attrs?.group as number | undefined) ?? 1);
    const w = Float32Array.from({ length: c.co * perGroup * k * k }, r);
    const b = c.bias ? Float32Array.from({ length: c.co }, r) : null;
    weights.push({ w, b });
    initializer.push({ name: `w${i}`, dims: [c.co, perGroup, k, k], dataType: 1, floatData: Array.from(w) });
    if (b) initializer.push({ name: `b${i}`, dims: [c.co], dataType: 1, floatData: Array.from(b) });
    const attrs = { pads: [k >> 1, k >> 1, k >> 1, k >> 1], ...(c.attrs ?? {}) };
    if ('auto_pad' in attrs) delete (attrs as Record<string, unknown>).pads;
    node.push({
      name: `conv${i}`,
      opType: 'Conv',
      input: [i ? `y${i - 1}` : 'x', `w${i}`, ...(b ? [`b${i}`] : [])],
      output: [i === convs.length - 1 ? 'y' : `y${i}`],
      attribute: Object.entries(attrs).map(([name, v]) =>
        typeof v === 'string'
          ? { name, type: ATTR.STRING, s: new TextEncoder().encode(v) }
          : Array.isArray(v)
            ? { name, type: ATTR.INTS, ints: v }
            : { name, type: ATTR.INT, i: v },
      ),
    });
  });
  const dims = [{ dimValue: 2 }, { dimValue: convs[0].ci }, { dimParam: 'H' }, { dimParam: 'W' }];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'g',
      node,
      initializer,
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: dims } } } }],
      output: [{ name: 'y' }],
    },
  });
  return { model, weights };
}

/** y = conv(x) by definition (3x3, stride 1, zero padding 1), in float64. */
function conv3x3(
  x: Float32Array,
  n: number,
  ci: number,
  h: number,
  w: number,
  wt: Float32Array,
  b: Float32Array | null,
  co: number,
): Float64Array {
  const y = new Float64Array(n * co * h * w);
  for (let s = 0; s < n; s++)
    for (let o = 0; o < co; o++)
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++) {
          let acc = b ? b[o] : 0;
          for (let c = 0; c < ci; c++)
            for (let a = 0; a < 3; a++)
              for (let d = 0; d < 3; d++) {
                const ii = i + a - 1;
                const jj = j + d - 1;
                if (ii >= 0 && ii < h && jj >= 0 && jj < w) acc += x[((s * ci + c) * h + ii) * w + jj] * wt[((o * ci + c) * 3 + a) * 3 + d];
              }
          y[((s * co + o) * h + i) * w + j] = acc;
        }
  return y;
}

async function run(model: ModelProto, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(encodeModel(model), { graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  try {
    return (await s.run({ x: new ort.Tensor('float32', x, dims) })).y.data as Float32Array;
  } finally {
    await s.release();
  }
}

function maxRelErr(got: Float32Array, want: Float64Array): number {
  expect(got.length).toBe(want.length);
  const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0) / scale;
}

describe('Winograd F(m x m, 3 x 3) rewrite', () => {
  const sizes: [number, number][] = [
    [8, 8],
    [7, 10],
    [5, 3],
    [1, 1],
    [13, 4],
  ];
  for (const tile of [2, 4] as const)
    for (const bias of [true, false])
      it(`F(${tile},3) ${bias ? 'with' : 'without'} bias equals the convolution's definition at ${sizes.map((s) => s.join('x')).join(', ')}`, async () => {
        const spec = { ci: 3, co: 5, bias };
        const { model, weights } = convModel([spec], tile * 10 + Number(bias));
        const { model: wino, rewritten } = winogradConvs(model, { tile, minChannels: 1 });
        expect(rewritten).toEqual(['conv0']);
        // One session for every size: padding and cropping follow the input's H and W at run time.
        const s = await ort.InferenceSession.create(encodeModel(wino), { graphOptimizationLevel: 'all', logSeverityLevel: 3 });
        try {
          for (const [h, w] of sizes) {
            const x = Float32Array.from({ length: 2 * 3 * h * w }, rng(h * 31 + w));
            const got = (await s.run({ x: new ort.Tensor('float32', x, [2, 3, h, w]) })).y;
            expect(got.dims).toEqual([2, 5, h, w]);
            const want = conv3x3(x, 2, 3, h, w, weights[0].w, weights[0].b, 5);
            // float32 rounding of the transforms: F(4,3)'s coefficients (up to 8 and 1/24) round more than F(2,3)'s.
            expect(maxRelErr(got.data as Float32Array, want)).toBeLessThan(tile === 4 ? 2e-5 : 2e-6);
          }
        } finally {
          await s.release();
        }
      });

  it('leaves the convolutions it cannot take as they are, and the chain still computes the same', async () => {
    const specs: ConvSpec[] = [
      { ci: 4, co: 8, bias: true }, // taken
      { ci: 8, co: 8, attrs: { strides: [2, 2] } },
      { ci: 8, co: 8, attrs: { group: 2 } },
      { ci: 8, co: 8, attrs: { dilations: [2, 2], pads: [2, 2, 2, 2] } },
      { ci: 8, co: 8, k: 1 },
      { ci: 8, co: 8, attrs: { auto_pad: 'SAME_UPPER' } },
      { ci: 8, co: 2 }, // too few output channels for minChannels 4
      { ci: 2, co: 6, bias: true }, // too few input channels
    ];
    const { model } = convModel(specs, 7);
    const before = encodeModel(model);
    const { model: wino, rewritten } = winogradConvs(model, { tile: 4, minChannels: 4 });
    expect(rewritten).toEqual(['conv0']);
    expect(encodeModel(model)).toEqual(before); // the caller's model is untouched
    const x = Float32Array.from({ length: 2 * 4 * 12 * 12 }, rng(3));
    const [a, b] = [await run(model, x, [2, 4, 12, 12]), await run(wino, x, [2, 4, 12, 12])];
    expect(b.length).toBe(a.length);
    const scale = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(b.reduce((m, v, i) => Math.max(m, Math.abs(v - a[i])), 0) / scale).toBeLessThan(2e-5);
    // The replaced 3x3 weights are dropped; the others stay.
    const names = new Set(decodeModel(encodeModel(wino)).graph!.initializer!.map((t) => t.name));
    expect(names.has('w0')).toBe(false);
    expect(names.has('w1')).toBe(true);
  });

  it('rewrites unnamed convolutions and a node named like the output of another (tensor names stay unique)', async () => {
    // Node and tensor names are separate namespaces: conv 0 is named y1, the name of unnamed conv 1's output.
    const { model } = convModel(
      [
        { ci: 3, co: 4, bias: true },
        { ci: 4, co: 4 },
        { ci: 4, co: 5, bias: true },
      ],
      11,
    );
    model.graph!.node!.forEach((n, i) => (n.name = ['y1', '', ''][i]));
    const x = Float32Array.from({ length: 2 * 3 * 9 * 6 }, rng(5));
    const want = await run(model, x, [2, 3, 9, 6]);
    for (const minPixels of [0, 20]) {
      const { model: wino, rewritten } = winogradConvs(model, { tile: 4, minChannels: 1, minPixels });
      expect(rewritten).toEqual(['y1', 'y1', 'y']); // an unnamed node is named by its output
      const got = await run(wino, x, [2, 3, 9, 6]);
      const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0) / scale).toBeLessThan(2e-5);
    }
  });

  it('keeps the weights that only a nested subgraph or a graph output reads', async () => {
    const { model } = convModel([{ ci: 3, co: 4 }], 13);
    const g = model.graph!;
    const k = [0.5, -2, 3];
    g.initializer!.push(onnx.TensorProto.create({ name: 'k', dims: [3], dataType: 1, floatData: k }));
    g.initializer!.push(onnx.TensorProto.create({ name: 'c', dims: [], dataType: 9, int32Data: [1] }));
    g.initializer!.push(onnx.TensorProto.create({ name: 'k2', dims: [2], dataType: 1, floatData: [7, 8] }));
    const branch = (attr: 'then_branch' | 'else_branch', name: string, node: object[], out: string) => ({
      name: attr,
      type: ATTR.GRAPH,
      g: { name, node, output: [{ name: out, type: { tensorType: { elemType: 1 } } }] },
    });
    const ident = (out: string) => [{ opType: 'Identity', input: ['k'], output: [out] }];
    // k is read two If levels down only; k2 is only a graph output.
    const inner = (tag: string) => [
      {
        opType: 'If',
        input: ['c'],
        output: [`z${tag}`],
        attribute: [
          branch('then_branch', `${tag}t`, ident(`z${tag}t`), `z${tag}t`),
          branch('else_branch', `${tag}e`, ident(`z${tag}e`), `z${tag}e`),
        ],
      },
    ];
    g.node!.push(
      onnx.NodeProto.create({
        opType: 'If',
        input: ['c'],
        output: ['z'],
        attribute: [branch('then_branch', 't', inner('1'), 'z1'), branch('else_branch', 'e', inner('2'), 'z2')],
      }),
    );
    g.output!.push({ name: 'z' }, { name: 'k2' });
    const { model: wino, rewritten } = winogradConvs(model, { tile: 4, minChannels: 1 });
    expect(rewritten).toEqual(['conv0']);
    const s = await ort.InferenceSession.create(encodeModel(wino), { logSeverityLevel: 3 });
    try {
      const out = await s.run({ x: new ort.Tensor('float32', new Float32Array(2 * 3 * 4 * 4), [2, 3, 4, 4]) });
      expect(Array.from(out.z.data as Float32Array)).toEqual(k);
      expect(Array.from(out.k2.data as Float32Array)).toEqual([7, 8]);
    } finally {
      await s.release();
    }
  });

  it('keeps a convolution whose weight is also a graph input (it may be fed at run time)', () => {
    const { model } = convModel([{ ci: 4, co: 4 }], 1);
    model.graph!.input!.push({
      name: 'w0',
      type: { tensorType: { elemType: 1, shape: { dim: [4, 4, 3, 3].map((d) => ({ dimValue: d })) } } },
    });
    expect(winogradConvs(model, { tile: 4, minChannels: 1 }).rewritten).toEqual([]);
  });

  it('keeps the convolutions of a model below opset 15 (the rewrite reads shapes with Shape(start))', () => {
    const { model } = convModel([{ ci: 4, co: 4 }], 1, 13);
    expect(winogradConvs(model, { tile: 4, minChannels: 1 }).rewritten).toEqual([]);
  });

  it('with minPixels, inputs below it take the original convolution and inputs above it Winograd: both equal the definition', async () => {
    const { model, weights } = convModel([{ ci: 3, co: 4, bias: true }], 5);
    const { model: wino, rewritten } = winogradConvs(model, { tile: 4, minChannels: 1, minPixels: 50 });
    expect(rewritten).toEqual(['conv0']);
    expect(wino.graph!.node!.some((n) => n.opType === 'If')).toBe(true);
    const s = await ort.InferenceSession.create(encodeModel(wino), { graphOptimizationLevel: 'all', logSeverityLevel: 3 });
    try {
      for (const [h, w] of [
        [8, 8],
        [5, 3],
        [7, 10],
        [7, 7],
      ] as const) {
        const x = Float32Array.from({ length: 2 * 3 * h * w }, rng(h + w));
        const got = (await s.run({ x: new ort.Tensor('float32', x, [2, 3, h, w]) })).y;
        expect(got.dims).toEqual([2, 4, h, w]);
        expect(maxRelErr(got.data as Float32Array, conv3x3(x, 2, 3, h, w, weights[0].w, weights[0].b, 4))).toBeLessThan(2e-5);
      }
    } finally {
      await s.release();
    }
  });
});
