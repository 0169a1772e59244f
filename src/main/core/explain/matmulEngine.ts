import type * as onnxNs from 'onnx-proto';
import { onnx } from '../inference/onnxProto';

/**
 * The two big products of the explain core, acc += A^T B and acc += A B, on either engine:
 * - 'onnx': onnxruntime's float32 MatMul (~230 GFLOP/s on 2 threads here, ~170x a TS loop). Inputs are
 *   float32, products accumulate in float32 inside one call and in float64 across calls.
 * - 'js': plain loops accumulating in float64. Exact to rounding; for tests and small sizes.
 * onnxruntime is imported lazily so the 'js' engine never loads the native module.
 */
export type MatmulEngine = 'onnx' | 'js';

/** Float64 inputs are accepted (and kept exact) by the js engine; onnx converts them to float32. */
export type FloatArray = Float32Array | Float64Array;

const asF32 = (a: FloatArray): Float32Array => (a instanceof Float32Array ? a : Float32Array.from(a));

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;


let ortModule: Promise<Ort> | null = null;
const sessions = new Map<string, Promise<Session>>();

function tensorInfo(name: string, d0: string, d1: string): onnxNs.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: d0 }, { dimParam: d1 }] } } },
  };
}

/** A one-node model: Y = A^T B (Gemm transA=1) or Y = A B (MatMul), all dims symbolic. */
function productModel(transA: boolean): Uint8Array {
  const node: onnxNs.onnx.INodeProto = transA
    ? { opType: 'Gemm', input: ['A', 'B'], output: ['Y'], attribute: [{ name: 'transA', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] }
    : { opType: 'MatMul', input: ['A', 'B'], output: ['Y'] };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'neuron-workbench-explain',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: transA ? 'gemm_transA' : 'matmul',
      node: [node],
      input: [tensorInfo('A', transA ? 'r' : 'p', transA ? 'p' : 'r'), tensorInfo('B', 'r', 'q')],
      output: [tensorInfo('Y', 'p', 'q')],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

async function session(transA: boolean, threads: number): Promise<Session> {
  const key = `${transA}:${threads}`;
  let s = sessions.get(key);
  if (!s) {
    ortModule ??= import('onnxruntime-node');
    const ort = await ortModule;
    s = ort.InferenceSession.create(productModel(transA), { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
    sessions.set(key, s);
  }
  return s;
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
  const ort = await (ortModule ??= import('onnxruntime-node'));
  const s = await session(true, opts.threads ?? 0);
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
  const ort = await (ortModule ??= import('onnxruntime-node'));
  const s = await session(false, opts.threads ?? 0);
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
  const ort = await (ortModule ??= import('onnxruntime-node'));
  const s = await session(false, opts.threads ?? 0);
  const res = await s.run({ A: new ort.Tensor('float32', asF32(a), [aRows, inner]), B: new ort.Tensor('float32', asF32(b), [inner, bCols]) });
  const y = res.Y.data as Float32Array;
  for (let i = 0; i < aRows; i++) {
    const o = (r0 + i) * accCols + c0;
    const yo = i * bCols;
    for (let j = 0; j < bCols; j++) acc[o + j] += y[yo + j];
  }
  res.Y.dispose();
}
