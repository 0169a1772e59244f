import { ort } from '../../src/main/core/onnx/ort';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/main/core/numeric/le/splits';
import { jvpModel, NoDerivativeRule } from '../../src/main/core/onnx/jvp';
import { decodeModel, encodeModel, onnx, type AttributeProto, type TensorProto } from '../../src/main/core/onnx/onnxProto';

// Every derivative rule of inference/jvp.ts against an independent reference: central finite differences of the
// ORIGINAL graph, both run by onnxruntime. Each case is a tiny graph from input x; its JVP graph gives y and
// dy = J(x) dx, compared to (f(x + h dx) - f(x - h dx)) / 2h.
//
// float64 wherever onnxruntime's CPU provider has the op (and the ops its rule emits) in double: h = 1e-6, error
// (max |dy - fd| / max |fd|) <= 1e-7. Ops the CPU provider has in float32 only (Conv, ConvTranspose, Erf, Gelu,
// Softplus, Elu, HardSigmoid, HardSwish, Clip before opset 12, Mean, GlobalMaxPool, GlobalAveragePool,
// AveragePool, Resize, Upsample, InstanceNormalization) run in float32: h = 1e-2, error <= 1e-3. Inputs keep clear of kinks (ReLU at 0,
// clip bounds, max ties, integers for Floor/Round) so the differences are valid; the one-sided choices at the
// kinks are checked against hand-computed values at the end, after the refusals (NoDerivativeRule).
// The worst error per group is printed after the run.

type DType = 'float32' | 'float64';
const ELEM: Record<DType, number> = { float32: 1, float64: 11 };
const INT64 = 7;
const BOOL = 9;
const ATTR = onnx.AttributeProto.AttributeType;

// ---------------------------------------------------------------------------------------------------------------
// Deterministic pseudo-random numbers.
const rng = mulberry32;
const R = rng(12345);
/** n uniform values in [lo, hi). */
const U = (n: number, lo = -1, hi = 1): number[] => Array.from({ length: n }, () => lo + (hi - lo) * R());
const prod = (dims: number[]): number => dims.reduce((a, b) => a * b, 1);

// ---------------------------------------------------------------------------------------------------------------
// Model builder: node list + initializers + opset -> bytes; the input is always 'x'.

type AttrValue = number | number[] | string | { f: number } | { t: TensorProto };
/** A float attribute (plain numbers become INT attributes). */
const F = (f: number) => ({ f });

interface Node {
  op: string;
  domain?: string;
  in: string[];
  out: string[];
  attrs?: Record<string, AttrValue>;
}
function N(op: string, input: string[], output: string | string[], attrs?: Record<string, AttrValue>): Node {
  return { op, in: input, out: typeof output === 'string' ? [output] : output, attrs };
}

/** An initializer: float data in the case's dtype unless `type` says int64 or bool. */
interface Init {
  name: string;
  dims: number[];
  data: number[];
  type?: 'int64' | 'bool' | 'float32' | 'float64';
}
const C = (name: string, dims: number[], data: number[] = U(prod(dims))): Init => ({ name, dims, data });
const I64 = (name: string, data: number[], dims: number[] = [data.length]): Init => ({ name, dims, data, type: 'int64' });

function toAttr(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'number') return { name, type: ATTR.INT, i: v };
  if (typeof v === 'string') return { name, type: ATTR.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: ATTR.INTS, ints: v };
  if ('f' in v) return { name, type: ATTR.FLOAT, f: v.f };
  return { name, type: ATTR.TENSOR, t: v.t };
}

function tensorProto(init: Init, dtype: DType): TensorProto {
  const { name, dims, data } = init;
  if (init.type === 'int64') return { name, dims, dataType: INT64, int64Data: data };
  if (init.type === 'bool') return { name, dims, dataType: BOOL, int32Data: data };
  if (init.type === 'float32' || (dtype === 'float32' && init.type !== 'float64')) return { name, dims, dataType: 1, floatData: data };
  return { name, dims, dataType: 11, doubleData: data };
}

interface Graph {
  nodes: Node[];
  /** Shape of the input x. */
  x: number[];
  inits?: Init[];
  opset?: number;
  dtype?: DType;
  outputs?: string[];
}

function build(g: Graph): Uint8Array {
  const dtype = g.dtype ?? 'float64';
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'jvp-test',
    opsetImport: [
      { domain: '', version: g.opset ?? 13 },
      ...(g.nodes.some((n) => n.domain) ? [{ domain: 'com.microsoft', version: 1 }] : []),
    ],
    graph: {
      name: 'g',
      node: g.nodes.map((n, k) => ({
        name: `n${k}_${n.op}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: n.in,
        output: n.out,
        attribute: Object.entries(n.attrs ?? {}).map(([a, v]) => toAttr(a, v)),
      })),
      input: [{ name: 'x', type: { tensorType: { elemType: ELEM[dtype], shape: { dim: g.x.map((d) => ({ dimValue: d })) } } } }],
      output: (g.outputs ?? ['y']).map((name) => ({ name })),
      initializer: (g.inits ?? []).map((i) => tensorProto(i, dtype)),
    },
  });
  return encodeModel(model);
}

// ---------------------------------------------------------------------------------------------------------------
// Check: the JVP graph's y equals the primal's, and its dy equals central differences of the primal.

interface Case extends Graph {
  name: string;
  /** Values of x; default uniform in [-2, 2). */
  xs?: number[];
  /** Draw x values by sign and magnitude in [lo, hi) (clear of a kink at 0). */
  away?: [number, number];
  h?: number;
  tol?: number;
}

const DEFAULTS: Record<DType, { h: number; tol: number }> = { float64: { h: 1e-6, tol: 1e-7 }, float32: { h: 1e-2, tol: 1e-3 } };
/** Worst error per group, dtype and tolerance (printed at the end). */
const worst = new Map<string, { err: number; cases: number }>();

const tensor = (dtype: DType, data: ArrayLike<number>, dims: number[]): ort.Tensor =>
  dtype === 'float64' ? new ort.Tensor('float64', Float64Array.from(data), dims) : new ort.Tensor('float32', Float32Array.from(data), dims);
const round = (dtype: DType, v: number[]): number[] => (dtype === 'float64' ? v : Array.from(Float32Array.from(v)));
const values = (t: ort.Tensor): number[] => Array.from(t.data as ArrayLike<number | bigint>, Number);

/** Runs the JVP graph at (x, dx); returns y, dy per output. */
async function runJvp(
  g: Graph,
  x: number[],
  dx: number[],
): Promise<{ y: number[][]; dy: number[][]; dyDims: number[][]; tangentOutputs: string[] }> {
  const outputs = g.outputs ?? ['y'];
  const dtype = g.dtype ?? 'float64';
  const j = jvpModel(decodeModel(build(g)), 'x', outputs);
  const s = await ort.InferenceSession.create(encodeModel(j.model));
  try {
    const r = await s.run({ x: tensor(dtype, x, g.x), [j.tangentInput]: tensor(dtype, dx, g.x) }, [...outputs, ...j.tangentOutputs]);
    return {
      y: outputs.map((o) => values(r[o])),
      dy: j.tangentOutputs.map((o) => values(r[o])),
      dyDims: j.tangentOutputs.map((o) => [...r[o].dims]),
      tangentOutputs: j.tangentOutputs,
    };
  } finally {
    await s.release();
  }
}

async function check(group: string, c: Case): Promise<void> {
  const dtype = c.dtype ?? 'float64';
  const { h, tol } = { ...DEFAULTS[dtype], ...(c.h ? { h: c.h } : {}), ...(c.tol ? { tol: c.tol } : {}) };
  const outputs = c.outputs ?? ['y'];
  const n = prod(c.x);
  const r = rng([...c.name].reduce((a, ch) => Math.imul(a, 31) + ch.charCodeAt(0), n));
  const x0 =
    c.xs ??
    (c.away
      ? Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * (c.away![0] + (c.away![1] - c.away![0]) * r()))
      : Array.from({ length: n }, () => -2 + 4 * r()));
  const dx0 = Array.from({ length: n }, () => -1 + 2 * r());
  // In float32 the perturbed inputs round: feed the JVP the direction they actually differ by.
  const xp = round(
    dtype,
    x0.map((v, i) => v + h * dx0[i]),
  );
  const xm = round(
    dtype,
    x0.map((v, i) => v - h * dx0[i]),
  );
  const x = round(dtype, x0);
  const dx = round(
    dtype,
    xp.map((v, i) => (v - xm[i]) / (2 * h)),
  );

  const primal = await ort.InferenceSession.create(build(c));
  const at = async (v: number[]) => {
    const res = await primal.run({ x: tensor(dtype, v, c.x) }, outputs);
    return outputs.map((o) => values(res[o]));
  };
  const [y, yp, ym] = [await at(x), await at(xp), await at(xm)];
  await primal.release();
  const jvp = await runJvp(c, x, dx);

  let err = 0;
  outputs.forEach((_, k) => {
    const fd = yp[k].map((v, i) => (v - ym[k][i]) / (2 * h));
    const scale = Math.max(...fd.map(Math.abs), ...jvp.dy[k].map(Math.abs));
    expect(scale, `${c.name}: output ${k} has a zero derivative here (a vacuous test)`).toBeGreaterThan(1e-3);
    expect(jvp.y[k].length).toBe(y[k].length);
    expect(jvp.dy[k].length).toBe(fd.length);
    const yScale = Math.max(1, ...y[k].map(Math.abs));
    for (let i = 0; i < y[k].length; i++)
      expect(Math.abs(jvp.y[k][i] - y[k][i]) / yScale).toBeLessThanOrEqual(dtype === 'float64' ? 1e-12 : 1e-6);
    for (let i = 0; i < fd.length; i++) err = Math.max(err, Math.abs(jvp.dy[k][i] - fd[i]) / scale);
  });
  const key = `${group} [${dtype}, tol ${tol.toExponential(0)}]`;
  const w = worst.get(key) ?? { err: 0, cases: 0 };
  worst.set(key, { err: Math.max(w.err, err), cases: w.cases + 1 });
  expect(err, `${c.name}: max |dy - fd| / max |fd|`).toBeLessThanOrEqual(tol);
}

function group(name: string, cases: Case[]): void {
  describe(name, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_n, c) => check(name, c));
  });
}

afterAll(() => {
  const lines = [...worst].map(([g, w]) => `${g.padEnd(70)} ${String(w.cases).padStart(3)} cases, worst ${w.err.toExponential(2)}`);
  console.log(`jvp vs central differences:\n${lines.join('\n')}`);
});

// ---------------------------------------------------------------------------------------------------------------
// Cases.

const Y = 'y';
/** y = op(x), one node. */
const unary = (op: string, x: number[], extra: Partial<Case> = {}, attrs?: Record<string, AttrValue>): Case => ({
  name: op,
  x,
  nodes: [N(op, ['x'], Y, attrs)],
  ...extra,
});

group('Add / Sub (broadcasting)', [
  { name: 'Add x[1,3] + c[4,3]', x: [1, 3], nodes: [N('Add', ['x', 'c'], Y)], inits: [C('c', [4, 3])] },
  { name: 'Add c[4,3] + x[1,3]', x: [1, 3], nodes: [N('Add', ['c', 'x'], Y)], inits: [C('c', [4, 3])] },
  { name: 'Add x[2,4,3] + c[3]', x: [2, 4, 3], nodes: [N('Add', ['x', 'c'], Y)], inits: [C('c', [3])] },
  { name: 'Add x + rank-0 initializer', x: [2, 3], nodes: [N('Add', ['x', 'c'], Y)], inits: [C('c', [], [0.7])] },
  {
    name: 'Add rank-0 Constant node + x',
    x: [2, 3],
    nodes: [N('Constant', [], 'c', { value: { t: { dims: [], dataType: 11, doubleData: [1.5] } } }), N('Add', ['c', 'x'], Y)],
  },
  { name: 'Add x[3] + c[2,1,3] (x rank lower)', x: [3], nodes: [N('Add', ['x', 'c'], Y)], inits: [C('c', [2, 1, 3])] },
  {
    name: 'Add both varying, [1,3] + [4,3]',
    x: [4, 3],
    nodes: [N('ReduceSum', ['x', 'ax'], 's', { keepdims: 1 }), N('Add', ['s', 'x'], Y)],
    inits: [I64('ax', [0])],
  },
  { name: 'Sub x[1,3] - c[4,3]', x: [1, 3], nodes: [N('Sub', ['x', 'c'], Y)], inits: [C('c', [4, 3])] },
  { name: 'Sub c[4,3] - x[1,3]', x: [1, 3], nodes: [N('Sub', ['c', 'x'], Y)], inits: [C('c', [4, 3])] },
  { name: 'Sub rank-0 c - x', x: [2, 3], nodes: [N('Sub', ['c', 'x'], Y)], inits: [C('c', [], [2])] },
  {
    name: 'Sub both varying, ReduceMax(Exp(x))[3,1] - x[3,4]',
    x: [3, 4],
    nodes: [N('Exp', ['x'], 'e'), N('ReduceMax', ['e'], 'm', { axes: [1], keepdims: 1 }), N('Sub', ['m', 'x'], Y)],
  },
]);

group('Mul / Div / Pow', [
  { name: 'Mul x * x', x: [2, 3], nodes: [N('Mul', ['x', 'x'], Y)] },
  { name: 'Mul x[1,3] * c[4,3]', x: [1, 3], nodes: [N('Mul', ['x', 'c'], Y)], inits: [C('c', [4, 3])] },
  { name: 'Mul c[4,1] * x[3]', x: [3], nodes: [N('Mul', ['c', 'x'], Y)], inits: [C('c', [4, 1])] },
  {
    name: 'Mul x * Tanh(x)[1,3] (both varying, broadcast)',
    x: [4, 3],
    nodes: [N('Slice', ['x', 's0', 's1', 'ax'], 'r'), N('Tanh', ['r'], 't'), N('Mul', ['x', 't'], Y)],
    inits: [I64('s0', [0]), I64('s1', [1]), I64('ax', [0])],
  },
  {
    name: 'Div x / (x + 1)',
    x: [2, 3],
    away: [0.3, 2],
    nodes: [N('Abs', ['x'], 'a'), N('Add', ['a', 'one'], 'd'), N('Div', ['x', 'd'], Y)],
    inits: [C('one', [], [1])],
  },
  { name: 'Div c[4,3] / x[3]', x: [3], away: [0.5, 2], nodes: [N('Div', ['c', 'x'], Y)], inits: [C('c', [4, 3])] },
  { name: 'Div x[1,3] / c[4,3]', x: [1, 3], nodes: [N('Div', ['x', 'c'], Y)], inits: [C('c', [4, 3], U(12, 0.5, 2))] },
  { name: 'Pow x ^ 3.0 (float exponent)', x: [2, 3], nodes: [N('Pow', ['x', 'p'], Y)], inits: [C('p', [], [3])] },
  { name: 'Pow x ^ 2 (int64 exponent)', x: [2, 3], nodes: [N('Pow', ['x', 'p'], Y)], inits: [I64('p', [2], [])] },
  {
    name: 'Pow x ^ [0.5, 1.5, 2.5] (positive x)',
    x: [2, 3],
    xs: U(6, 0.3, 2),
    nodes: [N('Pow', ['x', 'p'], Y)],
    inits: [C('p', [3], [0.5, 1.5, 2.5])],
  },
]);

group('MatMul / Gemm / Einsum', [
  { name: 'MatMul x · c', x: [3, 4], nodes: [N('MatMul', ['x', 'c'], Y)], inits: [C('c', [4, 2])] },
  { name: 'MatMul c · x', x: [4, 2], nodes: [N('MatMul', ['c', 'x'], Y)], inits: [C('c', [3, 4])] },
  { name: 'MatMul x · Transpose(x)', x: [3, 4], nodes: [N('Transpose', ['x'], 'xt', { perm: [1, 0] }), N('MatMul', ['x', 'xt'], Y)] },
  { name: 'MatMul batched x[2,3,4] · c[4,2]', x: [2, 3, 4], nodes: [N('MatMul', ['x', 'c'], Y)], inits: [C('c', [4, 2])] },
  {
    name: 'Gemm A = x, alpha, beta, constant C',
    x: [3, 4],
    nodes: [N('Gemm', ['x', 'b', 'c'], Y, { alpha: F(0.7), beta: F(1.3) })],
    inits: [C('b', [4, 5]), C('c', [5])],
  },
  {
    name: 'Gemm transA, A = x',
    x: [4, 3],
    nodes: [N('Gemm', ['x', 'b', 'c'], Y, { transA: 1, alpha: F(-0.4) })],
    inits: [C('b', [4, 5]), C('c', [3, 5])],
  },
  { name: 'Gemm transB, B = x, no C', x: [5, 4], nodes: [N('Gemm', ['a', 'x'], Y, { transB: 1, alpha: F(1.7) })], inits: [C('a', [3, 4])] },
  {
    name: 'Gemm varying C only, broadcast [1,5]',
    x: [1, 5],
    nodes: [N('Gemm', ['a', 'b', 'x'], Y, { beta: F(0.6) })],
    inits: [C('a', [3, 4]), C('b', [4, 5])],
  },
  {
    name: 'Gemm(x, x, x) transB, alpha, beta',
    x: [3, 3],
    nodes: [N('Gemm', ['x', 'x', 'x'], Y, { transB: 1, alpha: F(0.8), beta: F(-1.2) })],
  },
  {
    name: 'Gemm opset 9 (C required)',
    opset: 9,
    x: [3, 4],
    nodes: [N('Gemm', ['x', 'b', 'c'], Y, { alpha: F(0.7), beta: F(1.3) })],
    inits: [C('b', [4, 5]), C('c', [5])],
  },
  { name: "Einsum 'ij,jk->ik' (x, c)", x: [3, 4], nodes: [N('Einsum', ['x', 'c'], Y, { equation: 'ij,jk->ik' })], inits: [C('c', [4, 2])] },
  { name: "Einsum 'ij,kj->ik' (x, x)", x: [3, 4], nodes: [N('Einsum', ['x', 'x'], Y, { equation: 'ij,kj->ik' })] },
  {
    name: "Einsum 'bij,bjk->bik' (c, x)",
    x: [2, 4, 3],
    nodes: [N('Einsum', ['c', 'x'], Y, { equation: 'bij,bjk->bik' })],
    inits: [C('c', [2, 3, 4])],
  },
  { name: "Einsum 'i,i,i->' (x, c, x)", x: [5], nodes: [N('Einsum', ['x', 'c', 'x'], Y, { equation: 'i,i,i->' })], inits: [C('c', [5])] },
]);

group('unary math', [
  unary('Sqrt', [2, 3], { xs: U(6, 0.2, 3) }),
  unary('Reciprocal', [2, 3], { away: [0.3, 2] }),
  unary('Exp', [2, 3]),
  unary('Log', [2, 3], { xs: U(6, 0.2, 3) }),
  unary('Abs', [2, 3], { away: [0.1, 2] }),
  unary('Tanh', [2, 3]),
  unary('Sigmoid', [2, 3]),
  unary('Neg', [2, 3]),
  unary('Identity', [2, 3]),
]);

group('unary math (float32-only ops)', [
  // The CPU provider has Softplus, Erf and Gelu (and the Erf its rule emits) in float32 only.
  unary('Softplus', [2, 3], { dtype: 'float32' }),
  unary('Erf', [2, 3], { dtype: 'float32' }),
  { ...unary('Gelu', [2, 4], { dtype: 'float32', opset: 20 }), name: "Gelu approximate='none'" },
  { ...unary('Gelu', [2, 4], { dtype: 'float32', opset: 20 }, { approximate: 'tanh' }), name: "Gelu approximate='tanh'" },
]);

/** Inputs on both sides of the clip bounds -1 and 0.8, clear of them. */
const CLIP_XS = [-2, -1.1, -0.9, -0.3, 0, 0.2, 0.6, 0.79, 0.81, 1.5, -0.5, 0.4];

group('activations', [
  unary('Relu', [3, 4], { away: [0.05, 2] }),
  { ...unary('LeakyRelu', [3, 4], { opset: 16, away: [0.05, 2] }, { alpha: F(0.1) }), name: 'LeakyRelu alpha 0.1' },
  {
    name: 'Clip opset 13, min and max inputs',
    x: [3, 4],
    xs: CLIP_XS,
    nodes: [N('Clip', ['x', 'lo', 'hi'], Y)],
    inits: [C('lo', [], [-1]), C('hi', [], [0.8])],
  },
  { name: 'Clip opset 13, max only', x: [3, 4], away: [0.1, 2], nodes: [N('Clip', ['x', '', 'hi'], Y)], inits: [C('hi', [], [0.5])] },
  { name: 'Clip opset 13, no bounds', x: [3, 4], nodes: [N('Clip', ['x'], Y)] },
]);

group('activations (float32-only ops)', [
  // Elu, HardSigmoid, HardSwish, and Clip before opset 12, exist in float32 only.
  { ...unary('Elu', [3, 4], { dtype: 'float32', away: [0.05, 2] }, { alpha: F(0.7) }), name: 'Elu alpha 0.7' },
  // alpha 0.3, beta 0.4: the linear part is -1.33 < x < 2, inputs on both sides of both ends.
  {
    ...unary(
      'HardSigmoid',
      [3, 4],
      { dtype: 'float32', xs: [-3, -2, -1.2, -0.5, 0.1, 0.7, 1.4, 1.9, 2.2, 3, 4, -1.5] },
      { alpha: F(0.3), beta: F(0.4) },
    ),
    name: 'HardSigmoid alpha 0.3 beta 0.4',
  },
  {
    ...unary('HardSwish', [3, 4], { opset: 14, dtype: 'float32', xs: [-5, -3.5, -2.5, -1, -0.2, 0.3, 1.1, 2.6, 2.9, 3.4, 6, -4] }),
    name: 'HardSwish',
  },
  {
    name: 'Clip opset 11, min and max inputs',
    opset: 11,
    dtype: 'float32',
    x: [3, 4],
    xs: CLIP_XS,
    nodes: [N('Clip', ['x', 'lo', 'hi'], Y)],
    inits: [C('lo', [], [-1]), C('hi', [], [0.8])],
  },
  {
    name: 'Clip opset 11, min only',
    opset: 11,
    dtype: 'float32',
    x: [3, 4],
    away: [0.1, 2],
    nodes: [N('Clip', ['x', 'lo'], Y)],
    inits: [C('lo', [], [-0.5])],
  },
  {
    name: 'Clip opset 10 (Clip-6), min/max attributes',
    opset: 10,
    dtype: 'float32',
    x: [3, 4],
    xs: CLIP_XS,
    nodes: [N('Clip', ['x'], Y, { min: F(-1), max: F(0.8) })],
  },
  {
    name: 'Clip opset 10 (Clip-6), max attribute only',
    opset: 10,
    dtype: 'float32',
    x: [3, 4],
    away: [0.1, 2],
    nodes: [N('Clip', ['x'], Y, { max: F(0.5) })],
  },
]);

group('Max / Min / Sum / Mean / Where / Concat', [
  { name: 'Max(x, c), x[1,3] broadcast', x: [1, 3], nodes: [N('Max', ['x', 'c'], Y)], inits: [C('c', [4, 3])] },
  { name: 'Min(c, x)', x: [4, 3], nodes: [N('Min', ['c', 'x'], Y)], inits: [C('c', [4, 3])] },
  { name: 'Max(x, Neg(x)) (both varying)', x: [3, 4], away: [0.05, 2], nodes: [N('Neg', ['x'], 'n'), N('Max', ['x', 'n'], Y)] },
  {
    name: 'Min(x, 0.3 x[.,1]) (both varying, broadcast)',
    x: [3, 4],
    nodes: [N('Slice', ['x', 's0', 's1', 'ax'], 'r'), N('Mul', ['r', 'k'], 'rk'), N('Min', ['x', 'rk'], Y)],
    inits: [I64('s0', [1]), I64('s1', [2]), I64('ax', [1]), C('k', [], [0.3])],
  },
  { name: 'Max(x) single input', x: [2, 3], nodes: [N('Max', ['x'], Y)] },
  { name: 'Max opset 11', opset: 11, x: [4, 3], nodes: [N('Max', ['x', 'c'], Y)], inits: [C('c', [4, 3])] },
  { name: 'Min opset 9', opset: 9, x: [4, 3], nodes: [N('Min', ['c', 'x'], Y)], inits: [C('c', [3])] },
  { name: 'Sum(x, c, x)', x: [2, 3], nodes: [N('Sum', ['x', 'c', 'x'], Y)], inits: [C('c', [2, 3])] },
  { name: 'Sum(x[1,3], c[4,3]) broadcast', x: [1, 3], nodes: [N('Sum', ['x', 'c'], Y)], inits: [C('c', [4, 3])] },
  { name: 'Mean(x[1,3], c[4,3]) broadcast', dtype: 'float32', x: [1, 3], nodes: [N('Mean', ['x', 'c'], Y)], inits: [C('c', [4, 3])] },
  {
    name: 'Mean(x, Exp(x), c)',
    dtype: 'float32',
    x: [2, 3],
    nodes: [N('Exp', ['x'], 'e'), N('Mean', ['x', 'e', 'c'], Y)],
    inits: [C('c', [2, 3])],
  },
  {
    name: 'Where(cond, x, c)',
    x: [2, 3],
    nodes: [N('Where', ['m', 'x', 'c'], Y)],
    inits: [{ name: 'm', dims: [2, 3], data: [1, 0, 1, 1, 0, 0], type: 'bool' }, C('c', [2, 3])],
  },
  {
    name: 'Where(cond, c, x[3]) broadcast',
    x: [3],
    nodes: [N('Where', ['m', 'c', 'x'], Y)],
    inits: [{ name: 'm', dims: [2, 3], data: [1, 0, 1, 1, 0, 0], type: 'bool' }, C('c', [2, 3])],
  },
  {
    name: 'Where(x > 0, x, x * x)',
    x: [3, 4],
    away: [0.05, 2],
    nodes: [N('Greater', ['x', 'z'], 'm'), N('Mul', ['x', 'x'], 'sq'), N('Where', ['m', 'x', 'sq'], Y)],
    inits: [C('z', [], [0])],
  },
  { name: 'Concat(x, c) axis 1', x: [2, 3], nodes: [N('Concat', ['x', 'c'], Y, { axis: 1 })], inits: [C('c', [2, 2])] },
  {
    name: 'Concat(c, x, Exp(x)) axis 0',
    x: [2, 3],
    nodes: [N('Exp', ['x'], 'e'), N('Concat', ['c', 'x', 'e'], Y, { axis: 0 })],
    inits: [C('c', [1, 3])],
  },
]);

// onnxruntime's double LayerNormalization keeps Mean and InvStdDev in float32 (stash_type 1; it has no double
// stash), and the rule reuses them: float32 rounding of x-hat, ~1e-8 relative, hence a looser bound.
const LN64 = { opset: 17, tol: 5e-7 };

group('normalisation and softmax', [
  {
    name: 'BatchNormalization opset 15',
    opset: 15,
    x: [2, 3, 2, 2],
    nodes: [N('BatchNormalization', ['x', 's', 'b', 'm', 'v'], Y, { epsilon: F(1e-3) })],
    inits: [C('s', [3]), C('b', [3]), C('m', [3]), C('v', [3], U(3, 0.5, 2))],
  },
  {
    name: 'BatchNormalization opset 9, default epsilon',
    opset: 9,
    x: [2, 3, 2],
    nodes: [N('BatchNormalization', ['x', 's', 'b', 'm', 'v'], Y)],
    inits: [C('s', [3]), C('b', [3]), C('m', [3]), C('v', [3], U(3, 0.5, 2))],
  },
  {
    name: 'LayerNormalization axis -1, rank 3 (opset 17)',
    ...LN64,
    x: [2, 3, 4],
    nodes: [N('LayerNormalization', ['x', 's', 'b'], Y, { axis: -1, epsilon: F(1e-5) })],
    inits: [C('s', [4]), C('b', [4])],
  },
  {
    name: 'LayerNormalization axis 1, rank 3 (opset 18)',
    ...LN64,
    opset: 18,
    x: [2, 3, 4],
    nodes: [N('LayerNormalization', ['x', 's', 'b'], Y, { axis: 1 })],
    inits: [C('s', [3, 4]), C('b', [3, 4])],
  },
  {
    name: 'LayerNormalization, no bias, default axis',
    ...LN64,
    x: [3, 5],
    nodes: [N('LayerNormalization', ['x', 's'], Y)],
    inits: [C('s', [5])],
  },
  {
    name: 'LayerNormalization with Mean/InvStdDev outputs present',
    ...LN64,
    x: [2, 3, 4],
    nodes: [N('LayerNormalization', ['x', 's', 'b'], [Y, 'mean', 'invstd'], { axis: -1 })],
    inits: [C('s', [4]), C('b', [4])],
  },
  {
    name: 'LayerNormalization with only InvStdDev present',
    ...LN64,
    x: [2, 3, 4],
    nodes: [N('LayerNormalization', ['x', 's', 'b'], [Y, '', 'invstd'], { axis: 1 })],
    inits: [C('s', [3, 4]), C('b', [3, 4])],
  },
  {
    name: 'LayerNormalization, Mean and InvStdDev requested too',
    opset: 17,
    dtype: 'float32',
    x: [2, 3, 4],
    outputs: [Y, 'mean', 'invstd'],
    nodes: [N('LayerNormalization', ['x', 's', 'b'], [Y, 'mean', 'invstd'], { axis: 1 })],
    inits: [C('s', [3, 4]), C('b', [3, 4])],
  },
  {
    name: 'LayerNormalization float32, Mean and InvStdDev consumed',
    opset: 17,
    dtype: 'float32',
    x: [2, 3, 4],
    nodes: [
      N('LayerNormalization', ['x', 's', 'b'], ['ln', 'mean', 'invstd'], { axis: -1 }),
      N('Mul', ['ln', 'invstd'], 'a'),
      N('Add', ['a', 'mean'], Y),
    ],
    inits: [C('s', [4]), C('b', [4])],
  },
  { name: 'Softmax opset 13, axis 1 of rank 3', x: [2, 3, 4], nodes: [N('Softmax', ['x'], Y, { axis: 1 })] },
  { name: 'Softmax opset 13, default axis', x: [2, 3, 4], nodes: [N('Softmax', ['x'], Y)] },
  { name: 'Softmax opset 11, axis 1 flattens [3,4]', opset: 11, x: [2, 3, 4], nodes: [N('Softmax', ['x'], Y, { axis: 1 })] },
  { name: 'Softmax opset 11, default axis', opset: 11, x: [2, 3, 4], nodes: [N('Softmax', ['x'], Y)] },
  { name: 'LogSoftmax opset 13, axis 1 of rank 3', x: [2, 3, 4], nodes: [N('LogSoftmax', ['x'], Y, { axis: 1 })] },
  { name: 'LogSoftmax opset 11, axis 1 flattens [3,4]', opset: 11, x: [2, 3, 4], nodes: [N('LogSoftmax', ['x'], Y, { axis: 1 })] },
  { name: 'LogSoftmax opset 11, axis 2', opset: 11, x: [2, 3, 4], nodes: [N('LogSoftmax', ['x'], Y, { axis: 2 })] },
]);

group('reductions and max pooling', [
  { name: 'ReduceMax opset 13, axes [1], keepdims 1', x: [2, 3, 4], nodes: [N('ReduceMax', ['x'], Y, { axes: [1], keepdims: 1 })] },
  { name: 'ReduceMax opset 13, axes [1], keepdims 0', x: [2, 3, 4], nodes: [N('ReduceMax', ['x'], Y, { axes: [1], keepdims: 0 })] },
  { name: 'ReduceMax opset 13, axes [0, -1], keepdims 0', x: [2, 3, 4], nodes: [N('ReduceMax', ['x'], Y, { axes: [0, -1], keepdims: 0 })] },
  { name: 'ReduceMax opset 13, all axes, keepdims 0', x: [2, 3, 4], nodes: [N('ReduceMax', ['x'], Y, { keepdims: 0 })] },
  {
    name: 'ReduceMax opset 18, axes input [2], keepdims 0',
    opset: 18,
    x: [2, 3, 4],
    nodes: [N('ReduceMax', ['x', 'ax'], Y, { keepdims: 0 })],
    inits: [I64('ax', [2])],
  },
  {
    name: 'ReduceMax opset 18, axes input [-2], keepdims 1',
    opset: 18,
    x: [2, 3, 4],
    nodes: [N('ReduceMax', ['x', 'ax'], Y)],
    inits: [I64('ax', [-2])],
  },
  {
    name: 'ReduceMax opset 18, no axes, noop_with_empty_axes',
    opset: 18,
    x: [2, 3],
    nodes: [N('ReduceMax', ['x'], Y, { noop_with_empty_axes: 1 })],
  },
  {
    name: 'ReduceMax opset 11, axes [1], keepdims 0',
    opset: 11,
    x: [2, 3, 4],
    nodes: [N('ReduceMax', ['x'], Y, { axes: [1], keepdims: 0 })],
  },
  { name: 'ReduceMin opset 10, axes [1], keepdims 1', opset: 10, x: [2, 3, 4], nodes: [N('ReduceMin', ['x'], Y, { axes: [1] })] },
  { name: 'ReduceMin opset 13, axes [2], keepdims 0', x: [2, 3, 4], nodes: [N('ReduceMin', ['x'], Y, { axes: [2], keepdims: 0 })] },
  {
    name: 'ReduceMin opset 18, axes input [0, 1], keepdims 1',
    opset: 18,
    x: [2, 3, 4],
    nodes: [N('ReduceMin', ['x', 'ax'], Y, { keepdims: 1 })],
    inits: [I64('ax', [0, 1])],
  },
  {
    name: 'MaxPool 2x2 stride 2, N=2 C=3',
    opset: 12,
    x: [2, 3, 4, 4],
    nodes: [N('MaxPool', ['x'], Y, { kernel_shape: [2, 2], strides: [2, 2] })],
  },
  {
    name: 'MaxPool 3x3 stride 1 pads 1, N=2 C=3',
    opset: 12,
    x: [2, 3, 4, 5],
    nodes: [N('MaxPool', ['x'], Y, { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })],
  },
  {
    name: 'MaxPool 3x2 strides [2,1], Indices already an output',
    opset: 12,
    x: [2, 3, 5, 4],
    outputs: [Y],
    nodes: [N('MaxPool', ['x'], [Y, 'idx'], { kernel_shape: [3, 2], strides: [2, 1] })],
  },
  {
    name: 'MaxPool 1-D kernel 3 stride 2, N=2 C=2',
    opset: 12,
    x: [2, 2, 7],
    nodes: [N('MaxPool', ['x'], Y, { kernel_shape: [3], strides: [2] })],
  },
]);

group('norms, instance normalisation, cumulative sums, scatters', [
  { name: 'ReduceL2 opset 13, axes [1], keepdims 0', x: [2, 3, 4], nodes: [N('ReduceL2', ['x'], Y, { axes: [1], keepdims: 0 })] },
  {
    name: 'ReduceL2 opset 18, axes input [-1], keepdims 1',
    opset: 18,
    x: [2, 3, 4],
    nodes: [N('ReduceL2', ['x', 'ax'], Y)],
    inits: [I64('ax', [-1])],
  },
  { name: 'ReduceL2 opset 11, all axes', opset: 11, x: [2, 3], nodes: [N('ReduceL2', ['x'], Y, { keepdims: 0 })] },
  {
    name: 'x / ReduceL2(x) (L2-normalised features)',
    x: [3, 4],
    nodes: [N('ReduceL2', ['x'], 'n', { axes: [1], keepdims: 1 }), N('Div', ['x', 'n'], Y)],
  },
  { name: 'ReduceSumSquare opset 13, axes [0, 2]', x: [2, 3, 4], nodes: [N('ReduceSumSquare', ['x'], Y, { axes: [0, 2], keepdims: 0 })] },
  {
    name: 'ReduceSumSquare opset 18, axes input',
    opset: 18,
    x: [2, 3, 4],
    nodes: [N('ReduceSumSquare', ['x', 'ax'], Y, { keepdims: 1 })],
    inits: [I64('ax', [1])],
  },
  {
    name: 'InstanceNormalization [2,3,4,5]',
    dtype: 'float32',
    x: [2, 3, 4, 5],
    nodes: [N('InstanceNormalization', ['x', 's', 'b'], Y, { epsilon: F(1e-3) })],
    inits: [C('s', [3]), C('b', [3])],
  },
  {
    name: 'InstanceNormalization rank 3 [2,3,6]',
    dtype: 'float32',
    x: [2, 3, 6],
    nodes: [N('InstanceNormalization', ['x', 's', 'b'], Y)],
    inits: [C('s', [3]), C('b', [3])],
  },
  { name: 'CumSum axis 1', x: [3, 4], nodes: [N('CumSum', ['x', 'ax'], Y)], inits: [I64('ax', [1], [])] },
  {
    name: 'CumSum axis 0, exclusive, reverse',
    x: [3, 4],
    nodes: [N('CumSum', ['x', 'ax'], Y, { exclusive: 1, reverse: 1 })],
    inits: [I64('ax', [0], [])],
  },
  {
    name: 'ScatterND data = x',
    opset: 16,
    x: [4, 3],
    nodes: [N('ScatterND', ['x', 'i', 'u'], Y)],
    inits: [I64('i', [1, 3], [2, 1]), C('u', [2, 3])],
  },
  {
    name: 'ScatterND updates from x',
    opset: 16,
    x: [2, 3],
    nodes: [N('ScatterND', ['d', 'i', 'x'], Y)],
    inits: [C('d', [4, 3]), I64('i', [0, 2], [2, 1])],
  },
  {
    name: 'ScatterElements data and updates from x',
    opset: 16,
    x: [2, 3],
    nodes: [N('Exp', ['x'], 'e'), N('ScatterElements', ['x', 'i', 'e'], Y, { axis: 1 })],
    inits: [I64('i', [2, 0, 1, 1, 2, 0], [2, 3])],
  },
]);

group('reductions (linear)', [
  { name: 'ReduceMean opset 13, axes attribute', x: [2, 3, 4], nodes: [N('ReduceMean', ['x'], Y, { axes: [1, 2], keepdims: 0 })] },
  {
    name: 'ReduceMean opset 18, axes input',
    opset: 18,
    x: [2, 3, 4],
    nodes: [N('ReduceMean', ['x', 'ax'], Y, { keepdims: 1 })],
    inits: [I64('ax', [-1])],
  },
  {
    name: 'ReduceSum opset 13, axes input',
    x: [2, 3, 4],
    nodes: [N('ReduceSum', ['x', 'ax'], Y, { keepdims: 0 })],
    inits: [I64('ax', [0, 2])],
  },
  { name: 'ReduceSum opset 11, axes attribute', opset: 11, x: [2, 3, 4], nodes: [N('ReduceSum', ['x'], Y, { axes: [1] })] },
  { name: 'ReduceSum opset 18, all axes', opset: 18, x: [2, 3, 4], nodes: [N('ReduceSum', ['x'], Y, { keepdims: 0 })] },
]);

group('pooling, conv (float32-only ops)', [
  // Conv, ConvTranspose, GlobalMaxPool, GlobalAveragePool and AveragePool exist in float32 only.
  { name: 'GlobalMaxPool N=2 C=3', dtype: 'float32', x: [2, 3, 3, 3], nodes: [N('GlobalMaxPool', ['x'], Y)] },
  { name: 'GlobalMaxPool opset 10', opset: 10, dtype: 'float32', x: [1, 2, 3, 3], nodes: [N('GlobalMaxPool', ['x'], Y)] },
  { name: 'GlobalAveragePool', dtype: 'float32', x: [2, 3, 3, 2], nodes: [N('GlobalAveragePool', ['x'], Y)] },
  {
    name: 'AveragePool 2x2 stride 1 pads, count_include_pad',
    dtype: 'float32',
    x: [2, 2, 4, 4],
    nodes: [N('AveragePool', ['x'], Y, { kernel_shape: [2, 2], pads: [1, 0, 0, 1], count_include_pad: 1 })],
  },
  {
    name: 'Conv 3x3, bias, strides 2, pads 1, group 2',
    dtype: 'float32',
    x: [2, 4, 5, 5],
    nodes: [N('Conv', ['x', 'w', 'b'], Y, { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 2 })],
    inits: [C('w', [6, 2, 3, 3]), C('b', [6])],
  },
  {
    name: 'Conv 2x2, dilations 2, no bias',
    dtype: 'float32',
    x: [1, 2, 5, 5],
    nodes: [N('Conv', ['x', 'w'], Y, { dilations: [2, 2] })],
    inits: [C('w', [3, 2, 2, 2])],
  },
  {
    name: 'Conv 1-D depthwise',
    dtype: 'float32',
    x: [1, 3, 6],
    nodes: [N('Conv', ['x', 'w', 'b'], Y, { group: 3, pads: [1, 1] })],
    inits: [C('w', [3, 1, 3]), C('b', [3])],
  },
  {
    name: 'ConvTranspose strides 2, pads, output_padding, bias',
    dtype: 'float32',
    x: [1, 2, 3, 3],
    nodes: [N('ConvTranspose', ['x', 'w', 'b'], Y, { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] })],
    inits: [C('w', [2, 3, 3, 3]), C('b', [3])],
  },
  {
    name: 'ConvTranspose group 2',
    dtype: 'float32',
    x: [2, 4, 3, 3],
    nodes: [N('ConvTranspose', ['x', 'w'], Y, { group: 2 })],
    inits: [C('w', [4, 1, 2, 2])],
  },
]);

group('shape and data movement', [
  { name: 'Reshape', x: [2, 6], nodes: [N('Reshape', ['x', 's'], Y), N('Exp', [Y], 'unused')], inits: [I64('s', [3, -1])] },
  { name: 'Flatten axis 2', x: [2, 3, 4], nodes: [N('Flatten', ['x'], Y, { axis: 2 })] },
  { name: 'Transpose', x: [2, 3, 4], nodes: [N('Transpose', ['x'], Y, { perm: [2, 0, 1] })] },
  {
    name: 'Slice with steps',
    x: [4, 5],
    nodes: [N('Slice', ['x', 'st', 'en', 'ax', 'sp'], Y)],
    inits: [I64('st', [0, 4]), I64('en', [4, 0]), I64('ax', [0, 1]), I64('sp', [2, -1])],
  },
  { name: 'Gather axis 1, repeated indices', x: [3, 4], nodes: [N('Gather', ['x', 'i'], Y, { axis: 1 })], inits: [I64('i', [2, 0, 2])] },
  {
    name: 'GatherElements',
    x: [3, 4],
    nodes: [N('GatherElements', ['x', 'i'], Y, { axis: 1 })],
    inits: [I64('i', [3, 3, 0, 1, 2, 2], [3, 2])],
  },
  { name: 'GatherND', x: [3, 4], nodes: [N('GatherND', ['x', 'i'], Y)], inits: [I64('i', [2, 1, 0, 3], [2, 2])] },
  { name: 'Squeeze opset 13 (axes input)', x: [2, 1, 3], nodes: [N('Squeeze', ['x', 'ax'], Y)], inits: [I64('ax', [1])] },
  { name: 'Squeeze opset 11 (axes attribute)', opset: 11, x: [2, 1, 3], nodes: [N('Squeeze', ['x'], Y, { axes: [1] })] },
  { name: 'Unsqueeze opset 13', x: [2, 3], nodes: [N('Unsqueeze', ['x', 'ax'], Y)], inits: [I64('ax', [0, 3])] },
  { name: 'Expand [1,3] -> [4,3]', x: [1, 3], nodes: [N('Expand', ['x', 's'], Y)], inits: [I64('s', [4, 3])] },
  { name: 'Tile', x: [2, 3], nodes: [N('Tile', ['x', 'r'], Y)], inits: [I64('r', [2, 3])] },
  {
    name: 'Split opset 13, split input, both outputs',
    x: [2, 5],
    outputs: ['a', 'b'],
    nodes: [N('Split', ['x', 's'], ['a', 'b'], { axis: 1 })],
    inits: [I64('s', [2, 3])],
  },
  {
    name: 'Split opset 18, num_outputs',
    opset: 18,
    x: [4, 3],
    outputs: ['b'],
    nodes: [N('Split', ['x'], ['a', 'b'], { axis: 0, num_outputs: 2 })],
  },
  { name: 'DepthToSpace', x: [1, 8, 2, 2], nodes: [N('DepthToSpace', ['x'], Y, { blocksize: 2, mode: 'CRD' })] },
  { name: 'SpaceToDepth', x: [1, 2, 4, 4], nodes: [N('SpaceToDepth', ['x'], Y, { blocksize: 2 })] },
  {
    name: 'Pad constant 0.5 (opset 13)',
    x: [2, 3],
    nodes: [N('Pad', ['x', 'p', 'v'], Y)],
    inits: [I64('p', [1, 0, 0, 2]), C('v', [], [0.5])],
  },
  {
    name: 'Pad constant, axes input (opset 18)',
    opset: 18,
    x: [2, 3, 2],
    nodes: [N('Pad', ['x', 'p', 'v', 'ax'], Y)],
    inits: [I64('p', [1, 2, 0, 1]), C('v', [], [-2]), I64('ax', [0, 2])],
  },
  {
    name: 'Pad constant, value attribute (opset 10)',
    opset: 10,
    x: [2, 3],
    nodes: [N('Pad', ['x'], Y, { pads: [0, 1, 2, 0], value: F(3) })],
  },
  { name: 'Pad reflect', x: [3, 4], nodes: [N('Pad', ['x', 'p'], Y, { mode: 'reflect' })], inits: [I64('p', [1, 2, 2, 1])] },
  { name: 'Pad edge', x: [3, 4], nodes: [N('Pad', ['x', 'p'], Y, { mode: 'edge' })], inits: [I64('p', [0, 2, 1, 0])] },
  { name: 'Dropout opset 13 with mask output', x: [2, 3], nodes: [N('Dropout', ['x', 'r'], [Y, 'mask'])], inits: [C('r', [], [0.3])] },
  { name: 'Dropout opset 11 (ratio attribute)', opset: 11, x: [2, 3], nodes: [N('Dropout', ['x'], Y, { ratio: F(0.2) })] },
  // Through float32 and back: float32 rounding inside, so the float32 step and tolerance.
  {
    name: 'Cast float64 -> float32 -> float64',
    x: [2, 3],
    ...DEFAULTS.float32,
    nodes: [N('Cast', ['x'], 'f', { to: 1 }), N('Mul', ['f', 'f'], 'g'), N('Cast', ['g'], Y, { to: 11 })],
  },
  // Mixed precision: the rules after a Cast emit their constants in the tangent's new type.
  {
    name: 'float32 -> Cast(float64) -> Tanh, Relu, Sigmoid, Concat -> Cast(float32)',
    dtype: 'float32',
    x: [2, 3],
    nodes: [
      N('Cast', ['x'], 'd', { to: 11 }),
      N('Tanh', ['d'], 't'),
      N('Relu', ['t'], 'r'),
      N('Sigmoid', ['r'], 's'),
      N('Concat', ['s', 'c'], 'cc', { axis: 0 }),
      N('Cast', ['cc'], Y, { to: 1 }),
    ],
    inits: [{ name: 'c', dims: [1, 3], data: [1, 2, 3], type: 'float64' }],
  },
  {
    name: 'float64 -> Cast(float32) -> Erf, LayerNormalization -> Cast(float64)',
    opset: 17,
    ...DEFAULTS.float32,
    x: [2, 4],
    nodes: [
      N('Cast', ['x'], 'f', { to: 1 }),
      N('Erf', ['f'], 'e'),
      N('LayerNormalization', ['e', 'sc'], 'l'),
      N('Cast', ['l'], Y, { to: 11 }),
    ],
    inits: [{ name: 'sc', dims: [4], data: [0.5, 1, 1.5, 2], type: 'float32' }],
  },
  {
    name: 'Cast float -> int64 has no tangent: x * float(int(x))',
    x: [2, 3],
    nodes: [N('Cast', ['x'], 'i', { to: INT64 }), N('Cast', ['i'], 'f', { to: 11 }), N('Mul', ['x', 'f'], Y)],
  },
]);

group('shape and data movement (float32-only ops)', [
  {
    name: 'Resize linear, scales (opset 13)',
    dtype: 'float32',
    x: [1, 2, 3, 3],
    nodes: [N('Resize', ['x', '', 's'], Y, { mode: 'linear' })],
    inits: [{ name: 's', dims: [4], data: [1, 1, 2, 1.5], type: 'float32' }],
  },
  {
    name: 'Resize nearest, sizes (opset 13)',
    dtype: 'float32',
    x: [1, 2, 3, 3],
    nodes: [N('Resize', ['x', '', '', 's'], Y, { mode: 'nearest' })],
    inits: [I64('s', [1, 2, 5, 4])],
  },
  {
    name: 'Resize cubic (opset 18)',
    opset: 18,
    dtype: 'float32',
    x: [1, 1, 4, 4],
    nodes: [N('Resize', ['x', '', 's'], Y, { mode: 'cubic' })],
    inits: [{ name: 's', dims: [4], data: [1, 1, 2, 2], type: 'float32' }],
  },
  {
    name: 'Upsample opset 9',
    opset: 9,
    dtype: 'float32',
    x: [1, 2, 2, 3],
    nodes: [N('Upsample', ['x', 's'], Y, { mode: 'linear' })],
    inits: [{ name: 's', dims: [4], data: [1, 1, 2, 2], type: 'float32' }],
  },
]);

// ---------------------------------------------------------------------------------------------------------------
// Ops without a tangent, outputs that do not depend on x, several outputs.

group('no-tangent ops and graph structure', [
  {
    // Every NO_TANGENT op, feeding values, conditions and shapes (inputs clear of integers, half-integers, 0, ±1).
    name: 'Floor/Ceil/Round/Sign, comparisons, logic, IsNaN/IsInf, ArgMax/ArgMin, Size/NonZero/Shape',
    x: [3, 4],
    nodes: [
      N('Floor', ['x'], 'fl'),
      N('Ceil', ['x'], 'ce'),
      N('Round', ['x'], 'ro'),
      N('Sign', ['x'], 'sg'),
      N('Sum', ['fl', 'ce', 'ro', 'sg'], 'k'),
      N('Greater', ['x', 'zero'], 'g'),
      N('Less', ['x', 'one'], 'l'),
      N('GreaterOrEqual', ['x', 'mone'], 'ge'),
      N('LessOrEqual', ['x', 'one'], 'le'),
      N('And', ['g', 'l'], 'a'),
      N('Or', ['ge', 'le'], 'o'),
      N('Xor', ['a', 'o'], 'xo'),
      N('Not', ['xo'], 'nx'),
      N('IsNaN', ['x'], 'nan'),
      N('IsInf', ['x'], 'inf'),
      N('Or', ['nan', 'inf'], 'bad'),
      N('Not', ['bad'], 'ok'),
      N('And', ['ok', 'nx'], 'cond'),
      N('ArgMax', ['x'], 'amax', { axis: 1 }),
      N('ArgMin', ['x'], 'amin', { axis: 1 }),
      N('Add', ['amax', 'amin'], 'am'),
      N('Cast', ['am'], 'amf', { to: 11 }),
      N('NonZero', ['cond'], 'nz'),
      N('Size', ['nz'], 'nzs'),
      N('Size', ['x'], 'sz'),
      N('Add', ['nzs', 'sz'], 'szs'),
      N('Cast', ['szs'], 'szf', { to: 11 }),
      N('Mul', ['x', 'k'], 'xk'),
      N('Mul', ['x', 'szf'], 'xs'),
      N('Where', ['cond', 'xk', 'xs'], 'w'),
      N('Shape', ['w'], 'shp'),
      N('Equal', ['shp', 'shp'], 'eq'),
      N('Reshape', ['w', 'shp'], 'r'),
      N('Add', ['r', 'amf'], Y),
    ],
    inits: [C('zero', [], [0]), C('one', [], [1]), C('mone', [], [-1])],
    xs: [-1.7, -1.3, -0.8, -0.3, -0.1, 0.2, 0.4, 0.7, 0.9, 1.2, 1.4, 1.8],
  },
  {
    // TopK and InstanceNormalization have no rule but sit off the differentiated path.
    name: 'ops without a rule off the path (TopK of ArgMax, InstanceNormalization of a constant)',
    x: [2, 3, 2],
    nodes: [
      N('ArgMax', ['x'], 'am', { axis: 2 }),
      N('Cast', ['am'], 'amf', { to: 1 }),
      N('TopK', ['amf', 'k'], ['tv', 'ti'], { axis: 1 }),
      N('InstanceNormalization', ['c', 'sc', 'bi'], 'in'),
      N('Mul', ['x', 'in'], 'xi'),
      N('ReduceSum', ['tv'], 'ts', { keepdims: 1 }),
      N('Add', ['xi', 'ts'], Y),
    ],
    inits: [I64('k', [1]), C('c', [2, 3, 2]), C('sc', [3]), C('bi', [3])],
    dtype: 'float32',
  },
  {
    name: 'two outputs, requested in reverse graph order',
    x: [2, 3],
    outputs: ['b', 'a'],
    nodes: [N('Tanh', ['x'], 'a'), N('Mul', ['x', 'x'], 'b')],
  },
]);

describe('outputs and refusals', () => {
  it('two requested outputs get two tangent outputs, in the order asked', async () => {
    const g: Graph = { x: [2, 3], outputs: ['b', 'a'], nodes: [N('Tanh', ['x'], 'a'), N('Mul', ['x', 'x'], 'b')] };
    const x = [0.1, -0.5, 0.9, 1.3, -1.1, 0.4];
    const dx = [1, 2, 3, -1, 0.5, 2];
    const r = await runJvp(g, x, dx);
    expect(r.tangentOutputs).toHaveLength(2);
    expect(new Set(r.tangentOutputs).size).toBe(2);
    r.dy[0].forEach((v, i) => expect(v).toBeCloseTo(2 * x[i] * dx[i], 12));
    r.dy[1].forEach((v, i) => expect(v).toBeCloseTo((1 - Math.tanh(x[i]) ** 2) * dx[i], 12));
  });

  it('an output that does not depend on x gets a zero tangent of its shape', async () => {
    const g: Graph = {
      x: [2, 3],
      outputs: [Y, 'z', 'sf'],
      nodes: [N('Tanh', ['x'], Y), N('Relu', ['c'], 'z'), N('Shape', ['x'], 's'), N('Cast', ['s'], 'sf', { to: 11 })],
      inits: [C('c', [4, 5])],
    };
    const r = await runJvp(g, U(6), U(6));
    expect(r.dy[0].some((v) => v !== 0)).toBe(true);
    expect(r.dyDims[1]).toEqual([4, 5]);
    expect(r.dy[1]).toEqual(new Array(20).fill(0));
    expect(r.dyDims[2]).toEqual([2]);
    expect(r.dy[2]).toEqual([0, 0]);
  });

  const refusals: { name: string; g: Graph; op: string; node: string; why: RegExp }[] = [
    {
      name: 'TopK on the path',
      g: { x: [2, 4], nodes: [N('TopK', ['x', 'k'], [Y, 'i'])], inits: [I64('k', [2])] },
      op: 'TopK',
      node: 'n0_TopK',
      why: /no derivative rule/,
    },
    {
      name: 'LRN on the path',
      g: { dtype: 'float32', x: [1, 2, 3, 3], nodes: [N('Exp', ['x'], 'e'), N('LRN', ['e'], Y, { size: 3 })] },
      op: 'LRN',
      node: 'n1_LRN',
      why: /no derivative rule/,
    },
    {
      name: 'InstanceNormalization whose scale depends on x',
      g: { dtype: 'float32', x: [2], nodes: [N('InstanceNormalization', ['c', 'x', 'b'], Y)], inits: [C('c', [1, 2, 3]), C('b', [2])] },
      op: 'InstanceNormalization',
      node: 'n0_InstanceNormalization',
      why: /scale or bias/,
    },
    {
      name: 'ScatterND with a reduction',
      g: {
        opset: 16,
        x: [4, 3],
        nodes: [N('ScatterND', ['x', 'i', 'u'], Y, { reduction: 'add' })],
        inits: [I64('i', [1, 3], [2, 1]), C('u', [2, 3])],
      },
      op: 'ScatterND',
      node: 'n0_ScatterND',
      why: /reduction='add'/,
    },
    {
      name: 'Conv whose weight depends on x',
      g: { x: [2, 1, 3, 3], nodes: [N('Conv', ['img', 'x'], Y)], inits: [C('img', [1, 1, 5, 5])], dtype: 'float32' },
      op: 'Conv',
      node: 'n0_Conv',
      why: /weights or bias/,
    },
    {
      name: 'Conv whose bias depends on x',
      g: { x: [2], nodes: [N('Conv', ['img', 'w', 'x'], Y)], inits: [C('img', [1, 1, 5, 5]), C('w', [2, 1, 3, 3])], dtype: 'float32' },
      op: 'Conv',
      node: 'n0_Conv',
      why: /weights or bias/,
    },
    {
      name: 'Pow with a varying exponent',
      g: { x: [3], nodes: [N('Pow', ['c', 'x'], Y)], inits: [C('c', [3], [1, 2, 3])] },
      op: 'Pow',
      node: 'n0_Pow',
      why: /exponent/,
    },
    {
      name: 'Max of three inputs',
      g: { x: [3], nodes: [N('Max', ['x', 'c', 'c'], Y)], inits: [C('c', [3])] },
      op: 'Max',
      node: 'n0_Max',
      why: /more than two inputs/,
    },
    {
      name: 'LayerNormalization whose scale depends on x',
      g: { opset: 17, x: [4], nodes: [N('LayerNormalization', ['c', 'x'], Y)], inits: [C('c', [2, 4])] },
      op: 'LayerNormalization',
      node: 'n0_LayerNormalization',
      why: /scale or bias/,
    },
    {
      name: 'training-mode BatchNormalization',
      g: {
        opset: 15,
        x: [2, 3],
        nodes: [N('BatchNormalization', ['x', 's', 'b', 'm', 'v'], [Y, 'rm', 'rv'], { training_mode: 1 })],
        inits: [C('s', [3]), C('b', [3]), C('m', [3]), C('v', [3], [1, 1, 1])],
      },
      op: 'BatchNormalization',
      node: 'n0_BatchNormalization',
      why: /training-mode/,
    },
    {
      name: 'MaxPool with storage_order 1',
      g: { opset: 12, x: [1, 1, 4, 4], nodes: [N('MaxPool', ['x'], Y, { kernel_shape: [2, 2], storage_order: 1 })] },
      op: 'MaxPool',
      node: 'n0_MaxPool',
      why: /storage_order/,
    },
    {
      name: 'an op of another domain',
      g: { x: [2, 3], nodes: [{ ...N('FastGelu', ['x'], Y), domain: 'com.microsoft' }], dtype: 'float32' },
      op: 'FastGelu',
      node: 'n0_FastGelu',
      why: /domain 'com.microsoft'/,
    },
    {
      name: 'a model before opset 9 (no Where, ConstantOfShape)',
      g: { opset: 8, x: [2, 3], nodes: [N('Relu', ['x'], Y)] },
      op: 'Relu',
      node: 'n0_Relu',
      why: /opset 9/,
    },
  ];
  it.each(refusals.map((r) => [r.name, r] as const))('NoDerivativeRule: %s', (_n, r) => {
    let err: unknown;
    try {
      jvpModel(decodeModel(build(r.g)), 'x', [Y]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NoDerivativeRule);
    const e = err as NoDerivativeRule;
    expect([e.op, e.node]).toEqual([r.op, r.node]);
    expect(e.message).toContain(`op '${r.op}' (node '${r.node}')`);
    expect(e.message).toMatch(r.why);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The one-sided choices where an op is not differentiable, against hand-computed values.

describe('derivative at kinks', () => {
  const dyAt = async (g: Graph, x: number[], dx: number[]): Promise<number[]> => (await runJvp(g, x, dx)).dy[0];

  it('Relu at exactly 0 gives 0; LeakyRelu gives alpha; Abs gives 0 (as PyTorch)', async () => {
    expect(await dyAt(unary('Relu', [4]), [-1, 0, 2, 0], [1, 1, 1, -3])).toEqual([0, 0, 1, 0]);
    expect(await dyAt(unary('LeakyRelu', [3], { opset: 16 }, { alpha: F(0.25) }), [0, -1, 1], [2, 2, 2])).toEqual([0.5, 0.5, 2]);
    expect(await dyAt(unary('Abs', [3]), [0, -1, 1], [2, 2, 2])).toEqual([0, -2, 2]);
  });

  it('Clip passes the derivative at its bounds (as PyTorch clamp), in every form', async () => {
    const x = [-1, 0.8, 0, -1.5, 1];
    const dx = [2, 3, 4, 5, 6];
    const want = [2, 3, 4, 0, 0];
    expect(await dyAt({ x: [5], nodes: [N('Clip', ['x', 'lo', 'hi'], Y)], inits: [C('lo', [], [-1]), C('hi', [], [0.8])] }, x, dx)).toEqual(
      want,
    );
    expect(
      await dyAt(
        { opset: 11, dtype: 'float32', x: [5], nodes: [N('Clip', ['x', 'lo', 'hi'], Y)], inits: [C('lo', [], [-1]), C('hi', [], [0.8])] },
        x,
        dx,
      ),
    ).toEqual(want);
    expect(await dyAt({ opset: 10, dtype: 'float32', x: [5], nodes: [N('Clip', ['x'], Y, { min: F(-1), max: F(0.8) })] }, x, dx)).toEqual(
      want,
    );
  });

  it('ReduceMax / ReduceMin ties share the derivative equally', async () => {
    const g = (op: string, opset = 13): Graph => ({ opset, x: [2, 3], nodes: [N(op, ['x'], Y, { axes: [1], keepdims: 0 })] });
    expect(await dyAt(g('ReduceMax'), [1, 3, 3, 2, 2, 2], [1, 2, 4, 1, 2, 6])).toEqual([3, 3]);
    expect(await dyAt(g('ReduceMin'), [1, 1, 3, 5, 0, 0], [1, 2, 4, 1, 2, 6])).toEqual([1.5, 4]);
    expect(await dyAt(g('ReduceMax', 10), [1, 3, 3, 2, 2, 2], [1, 2, 4, 1, 2, 6])).toEqual([3, 3]);
  });

  it('GlobalMaxPool ties share the derivative equally', async () => {
    const g: Graph = { dtype: 'float32', x: [1, 2, 2, 2], nodes: [N('GlobalMaxPool', ['x'], Y)] };
    expect(await dyAt(g, [5, 1, 5, 0, 2, 2, 2, 2], [1, 2, 3, 4, 1, 2, 3, 6])).toEqual([2, 3]);
  });

  it('Max / Min of two inputs: a tie splits the derivative evenly (as torch.maximum / minimum)', async () => {
    const c = [C('c', [3], [1, 0, 5])];
    expect(await dyAt({ x: [3], nodes: [N('Max', ['x', 'c'], Y)], inits: c }, [1, 2, 3], [7, 7, 7])).toEqual([3.5, 7, 0]);
    expect(await dyAt({ x: [3], nodes: [N('Min', ['c', 'x'], Y)], inits: c }, [1, 2, 3], [7, 7, 7])).toEqual([3.5, 0, 7]);
    expect(await dyAt({ opset: 9, dtype: 'float32', x: [3], nodes: [N('Max', ['x', 'c'], Y)], inits: c }, [1, 2, 3], [7, 7, 7])).toEqual([
      3.5, 7, 0,
    ]);
  });

  it('MaxPool: a tie in a window goes to its first element (onnxruntime Indices)', async () => {
    expect(
      await dyAt({ opset: 12, x: [1, 1, 2, 2], nodes: [N('MaxPool', ['x'], Y, { kernel_shape: [2, 2] })] }, [1, 1, 1, 1], [4, 3, 2, 1]),
    ).toEqual([4]);
  });
});
