import type { Layout, ResolvedSummary, Summary } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';

// Summary functions g (docs/methods.md "Words"): one scalar per image and neuron.
//   4-D [N,C,H,W] -> spatial mean (default) or max per channel; NHWC tensors [N,H,W,C] likewise per channel.
//   3-D [N,T,D]   -> CLS = token 0 (default) or mean over all tokens (CLS included).
//   2-D [N,D]     -> as is. 'identity' flattens any rank.

export interface SummaryPlan {
  summary: ResolvedSummary;
  /** Neurons per image. */
  k: number;
  /** For 4-D: which axis holds channels. */
  channelAxis?: 1 | 3;
}

/**
 * Channel axis of a 4-D activation. Spatial maps are usually square, so the pair of equal dims is the
 * spatial one: [N,a,b,b] with a != b is NCHW, [N,a,a,c] with c != a is NHWC. When that does not decide
 * (non-square maps, or all equal), the layout of the model input decides: exporters keep it inside the graph.
 */
export function channelAxis(shape: readonly number[], modelLayout: Layout): 1 | 3 {
  const [, a, b, c] = shape;
  if (b === c && a !== b) return 1;
  if (a === b && c !== a) return 3;
  return modelLayout === 'NHWC' ? 3 : 1;
}

export function planSummary(shape: readonly number[], requested: Summary, modelLayout: Layout): SummaryPlan {
  const rank = shape.length;
  const flat = shape.slice(1).reduce((a, b) => a * b, 1);
  if (requested === 'identity') return { summary: 'identity', k: flat };
  if (rank === 4) {
    const s = requested === 'auto' ? 'mean' : requested;
    if (s !== 'mean' && s !== 'max')
      throw new AppError(
        'bad_input',
        `Summary '${requested}' does not apply to a 4-D tensor [${shape.join(',')}]; use mean, max or identity.`,
      );
    const axis = channelAxis(shape, modelLayout);
    return { summary: s, k: shape[axis], channelAxis: axis };
  }
  if (rank === 3) {
    const s = requested === 'auto' ? 'cls' : requested;
    if (s !== 'cls' && s !== 'token_mean')
      throw new AppError(
        'bad_input',
        `Summary '${requested}' does not apply to a token tensor [${shape.join(',')}]; use cls, token_mean or identity.`,
      );
    return { summary: s, k: shape[2] };
  }
  if (requested === 'auto') return { summary: 'identity', k: flat };
  throw new AppError('bad_input', `Summary '${requested}' does not apply to a ${rank}-D tensor [${shape.join(',')}]; use identity.`);
}

/** Apply a plan to a batch tensor (row-major, dims[0] = batch); returns [N*K] row-major. */
export function summarise(data: Float32Array, dims: readonly number[], plan: SummaryPlan): Float32Array {
  const n = dims[0];
  const k = plan.k;
  const perImage = dims.slice(1).reduce((a, b) => a * b, 1);
  const got = plan.summary === 'identity' ? perImage : dims.length === 4 ? dims[plan.channelAxis ?? 1] : dims[dims.length - 1];
  if (got !== k) {
    // Layer shapes are measured once at discovery; a model with dynamic spatial size run at another size
    // keeps its channels but not its flattened size.
    throw new AppError(
      'bad_input',
      `The layer produced [${dims.join(',')}] but ${k} neurons were planned; with a dynamic input size use mean or max instead of identity.`,
    );
  }
  const out = new Float32Array(n * k);
  if (plan.summary === 'identity') {
    out.set(data.subarray(0, n * k));
    return out;
  }
  if (plan.summary === 'cls' || plan.summary === 'token_mean') {
    const t = dims[1];
    for (let i = 0; i < n; i++) {
      const base = i * t * k;
      if (plan.summary === 'cls') {
        out.set(data.subarray(base, base + k), i * k);
        continue;
      }
      const acc = new Float64Array(k);
      for (let j = 0; j < t; j++) for (let d = 0; d < k; d++) acc[d] += data[base + j * k + d];
      for (let d = 0; d < k; d++) out[i * k + d] = acc[d] / t;
    }
    return out;
  }
  const isMax = plan.summary === 'max';
  const hw = (dims[1] * dims[2] * dims[3]) / k;
  for (let i = 0; i < n; i++) {
    const base = i * k * hw;
    if (plan.channelAxis === 1) {
      for (let c = 0; c < k; c++) {
        const off = base + c * hw;
        let acc = isMax ? -Infinity : 0;
        for (let p = 0; p < hw; p++) acc = isMax ? Math.max(acc, data[off + p]) : acc + data[off + p];
        out[i * k + c] = isMax ? acc : acc / hw;
      }
    } else {
      const acc = new Float64Array(k).fill(isMax ? -Infinity : 0);
      for (let p = 0; p < hw; p++) {
        const off = base + p * k;
        for (let c = 0; c < k; c++) acc[c] = isMax ? Math.max(acc[c], data[off + c]) : acc[c] + data[off + c];
      }
      for (let c = 0; c < k; c++) out[i * k + c] = isMax ? acc[c] : acc[c] / hw;
    }
  }
  return out;
}

/** Index of the largest value in each row of an [N,C] matrix; NaN counts as the smallest (a row of NaN gives 0). */
export function argmaxRows(data: Float32Array, n: number, c: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let top = Number.isNaN(data[i * c]) ? -Infinity : data[i * c];
    for (let j = 1; j < c; j++) {
      const v = data[i * c + j];
      if (v > top) {
        best = j;
        top = v;
      }
    }
    out[i] = best;
  }
  return out;
}
