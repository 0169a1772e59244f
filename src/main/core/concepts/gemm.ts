import type * as onnxNs from 'onnx-proto';
import { onnx } from '../inference/onnxProto';

/**
 * Y = A B^T on onnxruntime (a one-node Gemm with transB = 1, all dims symbolic), float32 in and out.
 * Like ../explain/matmulEngine.ts, but it returns the float32 result as is: a cosine block is consumed
 * once, so widening it to float64 (what matmulEngine's product() does) would only cost time and memory.
 * B^T is never materialised: the text matrix (M x D) is passed as stored.
 */
type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;


let ortModule: Promise<Ort> | null = null;
const sessions = new Map<string, Promise<Session>>();

function info(name: string, d0: string, d1: string): onnxNs.onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: d0 }, { dimParam: d1 }] } } } };
}

const scalarInfo = (name: string): onnxNs.onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }] } } } });

/** Y = A B^T, or with `sigmoid` Y = Sigmoid(A B^T * S + O) for scalar inputs S, O (P = sigmoid(a cos + a b)). */
function gemmModel(sigmoid: boolean): Uint8Array {
  const transB = { name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 };
  const node: onnxNs.onnx.INodeProto[] = sigmoid
    ? [
        { opType: 'Gemm', input: ['A', 'B'], output: ['C'], attribute: [transB] },
        { opType: 'Mul', input: ['C', 'S'], output: ['Z0'] },
        { opType: 'Add', input: ['Z0', 'O'], output: ['Z'] },
        { opType: 'Sigmoid', input: ['Z'], output: ['Y'] },
      ]
    : [{ opType: 'Gemm', input: ['A', 'B'], output: ['Y'], attribute: [transB] }];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'neuron-workbench-concepts',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: sigmoid ? 'gemm_transB_sigmoid' : 'gemm_transB',
      node,
      input: [info('A', 'p', 'r'), info('B', 'q', 'r'), ...(sigmoid ? [scalarInfo('S'), scalarInfo('O')] : [])],
      output: [info('Y', 'p', 'q')],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

async function getSession(sigmoid: boolean, threads: number): Promise<{ ort: Ort; s: Session }> {
  const ort = await (ortModule ??= import('onnxruntime-node'));
  const key = `${sigmoid}:${threads}`;
  let s = sessions.get(key);
  if (!s) {
    s = ort.InferenceSession.create(gemmModel(sigmoid), { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
    sessions.set(key, s);
  }
  return { ort, s: await s };
}

/**
 * sigmoid(a * (A B^T) + a * b), float32: P blocks with the sigmoid on onnxruntime's vectorised,
 * multi-threaded kernel instead of one Math.exp per value in JS.
 */
export async function gemmTransBSigmoid(a: Float32Array, aRows: number, b: Float32Array, bRows: number, inner: number, scale: number, offset: number, threads = 0): Promise<Float32Array> {
  const { ort, s } = await getSession(true, threads);
  const out = await s.run({
    A: new ort.Tensor('float32', a, [aRows, inner]),
    B: new ort.Tensor('float32', b, [bRows, inner]),
    S: new ort.Tensor('float32', Float32Array.of(scale), [1]),
    O: new ort.Tensor('float32', Float32Array.of(offset), [1]),
  });
  return out.Y.data as Float32Array;
}

/** A (aRows x inner) times B^T, B stored bRows x inner, both row-major: aRows x bRows float32. */
export async function gemmTransB(a: Float32Array, aRows: number, b: Float32Array, bRows: number, inner: number, threads = 0): Promise<Float32Array> {
  const { ort, s } = await getSession(false, threads);
  const out = await s.run({ A: new ort.Tensor('float32', a, [aRows, inner]), B: new ort.Tensor('float32', b, [bRows, inner]) });
  return out.Y.data as Float32Array;
}
