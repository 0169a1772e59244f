import { product, type MatmulEngine } from '../../onnx/gemm';
import type { LinearHead, Matrix } from './types';

export interface LogitsOptions {
  /** 'js': float64 loops (exact to rounding; tests, small sizes). 'onnx': float32 MatMul (~230 GFLOP/s).
   *  Default: 'js' when N*K*C <= 5e7, else 'onnx'. */
  engine?: MatmulEngine;
}

/** logits = A W^T + b for activations A (N x K) and head W (C x K): N x C float64, row-major. */
export async function computeLogits(acts: Matrix, head: LinearHead, opts: LogitsOptions = {}): Promise<Float64Array> {
  const n = acts.rows;
  const k = acts.cols;
  const c = head.classes;
  if (k !== head.features) throw new Error(`computeLogits: ${k} activations but the head takes ${head.features}`);
  const engine = opts.engine ?? (n * k * c <= 5e7 ? 'js' : 'onnx');
  let out: Float64Array;
  if (engine === 'js') {
    out = new Float64Array(n * c);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < c; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += head.weight[j * k + t] * acts.data[i * k + t];
        out[i * c + j] = s;
      }
    }
  } else {
    const wt = new Float32Array(k * c);
    for (let j = 0; j < c; j++) for (let t = 0; t < k; t++) wt[t * c + j] = head.weight[j * k + t];
    const a32 = acts.data instanceof Float32Array ? acts.data : Float32Array.from(acts.data);
    out = await product(a32, n, k, wt, c, { engine: 'onnx' });
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) out[i * c + j] += head.bias[j];
  return out;
}
