import type { FloatArray } from './types';

// Where one neuron lives in one image's layer tensor, and the ONE replacement rule per summary used by every
// ablation of the tail-graph path (simulated value, zero, mean): neuron k <- value v means "rewrite the
// elements the summary g reads for neuron k so that g becomes v, leaving every other element alone".
//
//   summary     per-image dims   elements of neuron k                     rule (v = the new summary value)
//   mean        [C,H,W] / [H,W,C] channel k, all H*W positions            shift them all by v - mean (uniform shift)
//   max         [C,H,W] / [H,W,C] channel k, all H*W positions            shift them all by v - max (argmax kept)
//   cls         [T,D]            token 0, feature k (one element)          set it to v (other tokens unchanged)
//   token_mean  [T,D]            feature k of all T tokens                 shift them all by v - token mean
//   identity    [D]              element k                                 set it to v
//   identity    rank >= 2        refused: a "neuron" is one element of a flattened map/token tensor
//
// Why a shift for the mean-type summaries (not a constant fill or a rescale): it keeps the spatial/token
// pattern, is defined for all-zero maps, and for spatial mean -> GlobalAveragePool -> fc it gives EXACTLY the
// closed-form logits of the linear-head path (W[:,k] * (v - old)). For max the argmax location is kept and
// every other location moves with it. cls / identity read one element, so setting that element is the
// rule. NCHW channels are contiguous (stride 1); NHWC channels are the last axis (stride C); token features
// have stride D.

export type NeuronSummary = 'mean' | 'max' | 'cls' | 'token_mean' | 'identity';

export interface NeuronSlot {
  readonly summary: NeuronSummary;
  readonly layout: 'NCHW' | 'NHWC' | 'tokens' | 'features';
  /** Dims of one image's tensor (no batch axis). */
  readonly dims: readonly number[];
  /** Floats per image. */
  readonly size: number;
  /** Neurons per image. */
  readonly neurons: number;
  /** The summary of neuron k of the image tensor that starts at x[o]. */
  read(x: FloatArray, o: number, k: number): number;
  /** In place: rewrite neuron k of the image tensor at x[o] so that read(x, o, k) = value (up to the array's rounding). */
  replace(x: FloatArray, o: number, k: number, value: number): void;
}

const SUMMARIES_OK =
  'mean or max for 4-D maps [N,C,H,W] / [N,H,W,C], cls or token_mean for token tensors [N,T,D], identity for 2-D features [N,D]';

/**
 * Why neuron replacement is not defined for a layer of this shape (with the batch axis) and summary, or null.
 * A message for the user, naming the summaries that work.
 */
export function slotRefusal(shape: readonly number[], summary: string): string | null {
  const rank = shape.length;
  if (summary === 'identity') {
    if (rank === 2) return null;
    return `summary 'identity' on a ${rank}-D layer [${shape.join(',')}] makes every element of the flattened tensor a neuron, and ablation does not replace single elements of a map or token tensor; extract the layer with ${rank === 4 ? "'mean' or 'max'" : rank === 3 ? "'cls' or 'token_mean'" : 'a per-channel summary'} instead (ablation works with ${SUMMARIES_OK})`;
  }
  if (summary === 'mean' || summary === 'max')
    return rank === 4
      ? null
      : `summary '${summary}' needs a 4-D map, the layer is [${shape.join(',')}] (ablation works with ${SUMMARIES_OK})`;
  if (summary === 'cls' || summary === 'token_mean')
    return rank === 3
      ? null
      : `summary '${summary}' needs a token tensor [N,T,D], the layer is [${shape.join(',')}] (ablation works with ${SUMMARIES_OK})`;
  return `summary '${summary}' is not one ablation can replace (ablation works with ${SUMMARIES_OK})`;
}

/** Shift the `count` elements x[o], x[o + stride], ... so their mean (or max) becomes `value`. */
function shiftTo(x: FloatArray, o: number, count: number, stride: number, value: number, isMax: boolean): void {
  const shift = value - gather(x, o, count, stride, isMax);
  for (let i = 0, p = o; i < count; i++, p += stride) x[p] += shift;
}

function gather(x: FloatArray, o: number, count: number, stride: number, isMax: boolean): number {
  if (isMax) {
    let m = -Infinity;
    for (let i = 0, p = o; i < count; i++, p += stride) m = Math.max(m, x[p]);
    return m;
  }
  let s = 0;
  for (let i = 0, p = o; i < count; i++, p += stride) s += x[p];
  return s / count;
}

/**
 * The slot of a layer: `dims` is ONE image's tensor shape (the layer shape without the batch axis);
 * `channelAxis` (of the batched 4-D shape: 1 = NCHW, 3 = NHWC) is the one extraction used (summary.ts).
 * Throws when slotRefusal refuses.
 */
export function neuronSlot(dims: readonly number[], summary: NeuronSummary, channelAxis: 1 | 3 = 1): NeuronSlot {
  const why = slotRefusal([0, ...dims], summary);
  if (why) throw new Error(`neuronSlot: ${why}`);
  const size = dims.reduce((a, b) => a * b, 1);
  if (summary === 'identity') {
    return {
      summary,
      layout: 'features',
      dims: [...dims],
      size,
      neurons: size,
      read: (x, o, k) => x[o + k],
      replace: (x, o, k, v) => void (x[o + k] = v),
    };
  }
  if (summary === 'cls' || summary === 'token_mean') {
    const [t, d] = dims;
    const slot = { summary, layout: 'tokens' as const, dims: [...dims], size, neurons: d };
    if (summary === 'cls') return { ...slot, read: (x, o, k) => x[o + k], replace: (x, o, k, v) => void (x[o + k] = v) };
    return { ...slot, read: (x, o, k) => gather(x, o + k, t, d, false), replace: (x, o, k, v) => shiftTo(x, o + k, t, d, v, false) };
  }
  const isMax = summary === 'max';
  if (channelAxis === 1) {
    const [c, h, w] = dims;
    const hw = h * w;
    return {
      summary,
      layout: 'NCHW',
      dims: [...dims],
      size,
      neurons: c,
      read: (x, o, k) => gather(x, o + k * hw, hw, 1, isMax),
      replace: (x, o, k, v) => shiftTo(x, o + k * hw, hw, 1, v, isMax),
    };
  }
  const [h, w, c] = dims;
  const hw = h * w;
  return {
    summary,
    layout: 'NHWC',
    dims: [...dims],
    size,
    neurons: c,
    read: (x, o, k) => gather(x, o + k, hw, c, isMax),
    replace: (x, o, k, v) => shiftTo(x, o + k, hw, c, v, isMax),
  };
}
