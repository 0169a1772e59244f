import type * as onnxNs from 'onnx-proto';
import { onnx } from './onnxProto';

/**
 * S = softmax over each row of a * (X T^T): the per-image concept distribution of CLIP-Dissect's (soft-)WPMI
 * (numeric/dissect/clipDissect.ts). One onnxruntime graph (Gemm, Mul, Softmax) so that both the product and the
 * ~1e9 exponentials of a layer run on MLAS's vectorised, multi-threaded kernels rather than Math.exp in JS.
 * The session is built once per thread count and kept (like gemm.ts's).
 */

type Ort = (typeof import('./ort'))['ort'];
type Session = import('onnxruntime-node').InferenceSession;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

const info = (name: string, dims: Array<string | number>): onnxNs.onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
});

function graphModel(): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'neuron-workbench-softmax-product',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'softmaxProduct',
      node: [
        {
          opType: 'Gemm',
          input: ['X', 'T'],
          output: ['G'],
          attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
        },
        { opType: 'Mul', input: ['G', 'A'], output: ['Z'] },
        {
          opType: 'Softmax',
          input: ['Z'],
          output: ['Y'],
          attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
        },
      ],
      input: [info('X', ['r', 'd']), info('T', ['w', 'd']), info('A', [1])],
      output: [info('Y', ['r', 'w'])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

let ortModule: Promise<Ort> | null = null;
const sessions = new Map<number, Promise<Session>>();

/** softmax_t(a * x_i . t_t) for X (rows x d) and T (cols x d), row-major float32: rows x cols float32. */
export async function softmaxProduct(
  x: Float32Array,
  rows: number,
  t: Float32Array,
  cols: number,
  d: number,
  a: number,
  threads = 0,
): Promise<Float32Array> {
  const ort = await (ortModule ??= import('./ort').then((m) => m.ort));
  let s = sessions.get(threads);
  if (!s) {
    s = ort.InferenceSession.create(graphModel(), { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
    sessions.set(threads, s);
  }
  const out = await (
    await s
  ).run({
    X: new ort.Tensor('float32', x, [rows, d]),
    T: new ort.Tensor('float32', t, [cols, d]),
    A: new ort.Tensor('float32', Float32Array.of(a), [1]),
  });
  return out.Y.data as Float32Array;
}
