// The spatial map of one unit of a layer: where in the image a channel (4-D maps) or a token feature (ViT token
// tensors [N,T,D]) responds. A plan says which elements of one image's layer tensor form the map; mapOf reads
// them. docs/heatmaps.md.
//
//   layer               summary           unit n                          map (h x w)
//   [N,C,H,W] / NHWC    mean, max         channel n                       channel n at every (y, x)
//   [N,C,H,W] / NHWC    identity          element (c, y, x)               channel c, focus (y, x)
//   [N,T,D]             cls, token_mean   feature n                       feature n of the patch tokens
//   [N,T,D]             identity          element (t, d)                  feature d of the patch tokens, focus t
//   [N,D] and others    any               -                               none: the layer is pooled
//
// Token tensors: the first `prefix` tokens (CLS, register tokens) are left out and the rest must form a patch
// grid with the input's aspect: prefix = the smallest p in 0..8 such that T - p = gh * gw with gh / gw = H / W
// (17 tokens at 28x28 -> CLS + 4x4; 197 at 224x224 -> CLS + 14x14; 201 -> CLS + 4 registers + 14x14).

export type SpatialPlan =
  | { kind: 'none'; reason: string }
  | {
      kind: 'channel';
      channel: number;
      /** Axis of the channels in the batched tensor. */
      axis: 1 | 3;
      channels: number;
      h: number;
      w: number;
      focus: { y: number; x: number } | null;
    }
  | {
      kind: 'tokens';
      feature: number;
      /** Features per token (D). */
      features: number;
      tokens: number;
      prefix: number;
      h: number;
      w: number;
      /** Identity units: the token of the unit (it may be a prefix token, off the map). */
      token: number | null;
      focus: { y: number; x: number } | null;
    };

const MAX_PREFIX = 8;

/** The patch grid of T tokens for an input of inH x inW, or null when no prefix 0..8 leaves a grid of that aspect. */
export function tokenGrid(tokens: number, inH: number, inW: number): { prefix: number; h: number; w: number } | null {
  for (let prefix = 0; prefix <= Math.min(MAX_PREFIX, tokens - 1); prefix++) {
    const n = tokens - prefix;
    const h = Math.round(Math.sqrt((n * inH) / inW));
    if (h < 1 || n % h !== 0) continue;
    const w = n / h;
    // the grid must have the input's aspect (to one patch)
    if (Math.abs(h * inW - w * inH) <= 0.15 * w * inH) return { prefix, h, w };
  }
  return null;
}

export function planSpatial(
  shape: readonly number[],
  summary: string,
  channelAxis: 1 | 3,
  neuron: number,
  input: { height: number; width: number },
): SpatialPlan {
  if (shape.length === 4) {
    const axis = channelAxis;
    const [c, h, w] = axis === 1 ? [shape[1], shape[2], shape[3]] : [shape[3], shape[1], shape[2]];
    if (summary === 'identity') {
      const per = c * h * w;
      if (neuron < 0 || neuron >= per) return { kind: 'none', reason: `unit ${neuron} is outside the layer (${per} units)` };
      const [ch, y, x] =
        axis === 1
          ? [Math.floor(neuron / (h * w)), Math.floor(neuron / w) % h, neuron % w]
          : [neuron % c, Math.floor(neuron / (w * c)), Math.floor(neuron / c) % w];
      return { kind: 'channel', channel: ch, axis, channels: c, h, w, focus: { y, x } };
    }
    if (neuron < 0 || neuron >= c) return { kind: 'none', reason: `unit ${neuron} is outside the layer (${c} channels)` };
    if (h * w === 1) return { kind: 'none', reason: `no spatial map: this layer is pooled ([${shape.join(',')}], 1 x 1 per channel)` };
    return { kind: 'channel', channel: neuron, axis, channels: c, h, w, focus: null };
  }
  if (shape.length === 3) {
    const [, t, d] = shape;
    const grid = tokenGrid(t, input.height, input.width);
    if (!grid)
      return {
        kind: 'none',
        reason: `no spatial map: the layer's ${t} tokens do not form a patch grid of the ${input.height}x${input.width} input (after up to ${MAX_PREFIX} CLS/register tokens)`,
      };
    let feature = neuron;
    let token: number | null = null;
    let focus: { y: number; x: number } | null = null;
    if (summary === 'identity') {
      token = Math.floor(neuron / d);
      feature = neuron % d;
      if (token >= t) return { kind: 'none', reason: `unit ${neuron} is outside the layer (${t * d} units)` };
      if (token >= grid.prefix) focus = { y: Math.floor((token - grid.prefix) / grid.w), x: (token - grid.prefix) % grid.w };
    } else if (neuron < 0 || neuron >= d) return { kind: 'none', reason: `unit ${neuron} is outside the layer (${d} features)` };
    return { kind: 'tokens', feature, features: d, tokens: t, prefix: grid.prefix, h: grid.h, w: grid.w, token, focus };
  }
  return { kind: 'none', reason: `no spatial map: this layer is pooled ([${shape.join(',')}]: one value per image and unit)` };
}

/** Floats of one image in a batched layer tensor of this plan's layer. */
export function perImage(dims: readonly number[]): number {
  return dims.slice(1).reduce((a, b) => a * b, 1);
}

/** The h x w map (row-major) of the plan's unit in the image tensor that starts at data[o]. */
export function mapOf(data: ArrayLike<number>, o: number, plan: Exclude<SpatialPlan, { kind: 'none' }>): Float32Array {
  const out = new Float32Array(plan.h * plan.w);
  if (plan.kind === 'channel') {
    if (plan.axis === 1) {
      const base = o + plan.channel * plan.h * plan.w;
      for (let p = 0; p < out.length; p++) out[p] = data[base + p];
    } else for (let p = 0; p < out.length; p++) out[p] = data[o + p * plan.channels + plan.channel];
    return out;
  }
  for (let p = 0; p < out.length; p++) out[p] = data[o + (plan.prefix + p) * plan.features + plan.feature];
  return out;
}

/** The unit's value under the set's summary, from the image tensor at data[o] (what extraction stored for it). */
export function summaryOf(
  data: ArrayLike<number>,
  o: number,
  plan: Exclude<SpatialPlan, { kind: 'none' }>,
  summary: string,
  map: Float32Array,
): number {
  if (plan.kind === 'channel' && plan.focus) return map[plan.focus.y * plan.w + plan.focus.x];
  if (plan.kind === 'tokens') {
    if (plan.token !== null) return data[o + plan.token * plan.features + plan.feature];
    if (summary === 'cls') return data[o + plan.feature];
    let s = 0;
    for (let t = 0; t < plan.tokens; t++) s += data[o + t * plan.features + plan.feature];
    return s / plan.tokens;
  }
  if (summary === 'max') return map.reduce((a, b) => Math.max(a, b), -Infinity);
  let s = 0;
  for (const v of map) s += v;
  return s / map.length;
}
