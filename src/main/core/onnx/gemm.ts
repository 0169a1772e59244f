import type * as onnxNs from 'onnx-proto';
import { onnx } from './onnxProto';

/**
 * The one GEMM engine: the big matrix products of the LE core, ablation and the concept matrix P, on either
 * - 'onnx': onnxruntime's float32 Gemm/MatMul (~230 GFLOP/s on 2 threads here, ~170x a TS loop); or
 * - 'js': plain loops accumulating in float64, exact to rounding; for tests and small sizes.
 * Each product is a one-node graph (all dims symbolic), built once and kept as a session per (graph, threads).
 * onnxruntime is imported lazily, through ./ort (telemetry off), so the 'js' engine never loads the native module.
 */
export type MatmulEngine = 'onnx' | 'js';

/** Float64 inputs are accepted (and kept exact) by the js engine; onnx converts them to float32. */
export type FloatArray = Float32Array | Float64Array;

const asF32 = (a: FloatArray): Float32Array => (a instanceof Float32Array ? a : Float32Array.from(a));

type Ort = (typeof import('./ort'))['ort'];
type Session = import('onnxruntime-node').InferenceSession;

/** Y = A^T B | Y = A B | Y = A B^T | Y = Sigmoid(A B^T * S + O) for scalar inputs S, O (P = sigmoid(a cos + a b)). */
type Graph = 'transA' | 'matmul' | 'transB' | 'transBSigmoid';

let ortModule: Promise<Ort> | null = null;
const sessions = new Map<string, Promise<Session>>();

function tensorInfo(name: string, d0: string, d1: string): onnxNs.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: d0 }, { dimParam: d1 }] } } },
  };
}

const scalarInfo = (name: string): onnxNs.onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }] } } },
});

const intAttr = (name: string) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: 1 });

function graphModel(g: Graph): Uint8Array {
  const nodes: Record<Graph, onnxNs.onnx.INodeProto[]> = {
    transA: [{ opType: 'Gemm', input: ['A', 'B'], output: ['Y'], attribute: [intAttr('transA')] }],
    matmul: [{ opType: 'MatMul', input: ['A', 'B'], output: ['Y'] }],
    transB: [{ opType: 'Gemm', input: ['A', 'B'], output: ['Y'], attribute: [intAttr('transB')] }],
    transBSigmoid: [
      { opType: 'Gemm', input: ['A', 'B'], output: ['C'], attribute: [intAttr('transB')] },
      { opType: 'Mul', input: ['C', 'S'], output: ['Z0'] },
      { opType: 'Add', input: ['Z0', 'O'], output: ['Z'] },
      { opType: 'Sigmoid', input: ['Z'], output: ['Y'] },
    ],
  };
  // A is p x r (r x p for transA); B is r x q (q x r for transB); Y is p x q.
  const a = g === 'transA' ? tensorInfo('A', 'r', 'p') : tensorInfo('A', 'p', 'r');
  const b = g === 'transB' || g === 'transBSigmoid' ? tensorInfo('B', 'q', 'r') : tensorInfo('B', 'r', 'q');
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'neuron-workbench-gemm',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: g,
      node: nodes[g],
      input: [a, b, ...(g === 'transBSigmoid' ? [scalarInfo('S'), scalarInfo('O')] : [])],
      output: [tensorInfo('Y', 'p', 'q')],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

async function session(g: Graph, threads: number): Promise<{ ort: Ort; s: Session }> {
  const ort = await (ortModule ??= import('./ort').then((m) => m.ort));
  const key = `${g}:${threads}`;
  let s = sessions.get(key);
  if (!s) {
    s = ort.InferenceSession.create(graphModel(g), { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
    sessions.set(key, s);
  }
  return { ort, s: await s };
}

export interface MatmulOptions {
  engine?: MatmulEngine;
  /** onnxruntime intra-op threads; 0 = its default (all cores). Default 0. */
  threads?: number;
}

/**
 * acc (aCols x bCols, row-major float64) += A^T B, where A is rows x aCols and B is rows x bCols (row-major).
 * When `b === a` on the js engine only the upper triangle is computed, then mirrored.
 */
export async function addTransAProduct(
  acc: Float64Array,
  a: FloatArray,
  rows: number,
  aCols: number,
  b: FloatArray,
  bCols: number,
  opts: MatmulOptions = {},
): Promise<void> {
  if (acc.length !== aCols * bCols) throw new Error('addTransAProduct: accumulator has the wrong size');
  if ((opts.engine ?? 'onnx') === 'js') return addTransAProductJs(acc, a, rows, aCols, b, bCols);
  const { ort, s } = await session('transA', opts.threads ?? 0);
  const a32 = asF32(a);
  const b32 = b === a ? a32 : asF32(b);
  const out = await s.run({ A: new ort.Tensor('float32', a32, [rows, aCols]), B: new ort.Tensor('float32', b32, [rows, bCols]) });
  const y = out.Y.data as Float32Array;
  for (let i = 0; i < y.length; i++) acc[i] += y[i];
  out.Y.dispose();
}

function addTransAProductJs(acc: Float64Array, a: FloatArray, rows: number, aCols: number, b: FloatArray, bCols: number): void {
  const symmetric = a === b;
  for (let r = 0; r < rows; r++) {
    const ao = r * aCols;
    const bo = r * bCols;
    for (let i = 0; i < aCols; i++) {
      const ai = a[ao + i];
      if (ai === 0) continue;
      const row = i * bCols;
      for (let j = symmetric ? i : 0; j < bCols; j++) acc[row + j] += ai * b[bo + j];
    }
  }
  if (symmetric) for (let i = 0; i < aCols; i++) for (let j = 0; j < i; j++) acc[i * bCols + j] = acc[j * bCols + i];
}

/** A B for A (aRows x inner) and B (inner x bCols), row-major; returns float64 aRows x bCols. */
export async function product(
  a: Float32Array,
  aRows: number,
  inner: number,
  b: Float32Array,
  bCols: number,
  opts: MatmulOptions = {},
): Promise<Float64Array> {
  const out = new Float64Array(aRows * bCols);
  if ((opts.engine ?? 'onnx') === 'js') {
    for (let i = 0; i < aRows; i++) {
      for (let t = 0; t < inner; t++) {
        const v = a[i * inner + t];
        if (v === 0) continue;
        for (let j = 0; j < bCols; j++) out[i * bCols + j] += v * b[t * bCols + j];
      }
    }
    return out;
  }
  const { ort, s } = await session('matmul', opts.threads ?? 0);
  const res = await s.run({ A: new ort.Tensor('float32', a, [aRows, inner]), B: new ort.Tensor('float32', b, [inner, bCols]) });
  out.set(res.Y.data as Float32Array);
  res.Y.dispose();
  return out;
}

/**
 * acc[(r0 + i) * accCols + c0 + j] += (A B)[i, j] for A (aRows x inner) and B (inner x bCols), row-major:
 * accumulates one block of a larger float64 matrix. onnx: float32 MatMul, added in float64.
 */
export async function addProductInto(
  acc: Float64Array,
  accCols: number,
  r0: number,
  c0: number,
  a: FloatArray,
  aRows: number,
  inner: number,
  b: FloatArray,
  bCols: number,
  opts: MatmulOptions = {},
): Promise<void> {
  if ((opts.engine ?? 'onnx') === 'js') {
    for (let i = 0; i < aRows; i++) {
      const o = (r0 + i) * accCols + c0;
      for (let t = 0; t < inner; t++) {
        const v = a[i * inner + t];
        if (v === 0) continue;
        const bo = t * bCols;
        for (let j = 0; j < bCols; j++) acc[o + j] += v * b[bo + j];
      }
    }
    return;
  }
  const { ort, s } = await session('matmul', opts.threads ?? 0);
  const res = await s.run({
    A: new ort.Tensor('float32', asF32(a), [aRows, inner]),
    B: new ort.Tensor('float32', asF32(b), [inner, bCols]),
  });
  const y = res.Y.data as Float32Array;
  for (let i = 0; i < aRows; i++) {
    const o = (r0 + i) * accCols + c0;
    const yo = i * bCols;
    for (let j = 0; j < bCols; j++) acc[o + j] += y[yo + j];
  }
  res.Y.dispose();
}

/**
 * sigmoid(a * (A B^T) + a * b), float32: P blocks with the sigmoid on onnxruntime's vectorised,
 * multi-threaded kernel instead of one Math.exp per value in JS.
 */
export async function gemmTransBSigmoid(
  a: Float32Array,
  aRows: number,
  b: Float32Array,
  bRows: number,
  inner: number,
  scale: number,
  offset: number,
  threads = 0,
): Promise<Float32Array> {
  const { ort, s } = await session('transBSigmoid', threads);
  const out = await s.run({
    A: new ort.Tensor('float32', a, [aRows, inner]),
    B: new ort.Tensor('float32', b, [bRows, inner]),
    S: new ort.Tensor('float32', Float32Array.of(scale), [1]),
    O: new ort.Tensor('float32', Float32Array.of(offset), [1]),
  });
  return out.Y.data as Float32Array;
}

/** A (aRows x inner) times B^T, B stored bRows x inner, both row-major: aRows x bRows float32. */
export async function gemmTransB(
  a: Float32Array,
  aRows: number,
  b: Float32Array,
  bRows: number,
  inner: number,
  threads = 0,
): Promise<Float32Array> {
  const { ort, s } = await session('transB', threads);
  const out = await s.run({ A: new ort.Tensor('float32', a, [aRows, inner]), B: new ort.Tensor('float32', b, [bRows, inner]) });
  return out.Y.data as Float32Array;
}
