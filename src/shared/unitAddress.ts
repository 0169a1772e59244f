// How a unit of an activation set is named. Most summaries give one unit per channel (4-D maps: mean/max) or
// per feature (token tensors: cls/token_mean; 2-D features), and the unit number is that index. The identity
// summary of a 4-D map makes every element a unit: neuron n of an NCHW map [N,C,H,W] is element (c, y, x) with
// n = (c * H + y) * W + x; of an NHWC map [N,H,W,C], n = (y * W + x) * C + c. Those units are addressed as
// `channel c / y / x`. Identity of a token tensor [N,T,D]: n = t * D + d, `token t / feature d`.

export interface UnitGeometry {
  /** The layer's shape (batch first), as stored for the layer. */
  shape: readonly number[];
  summary: string;
  /** For 4-D maps: which axis holds the channels. */
  channelAxis?: 1 | 3;
}

export type UnitPosition =
  | { kind: 'index'; index: number }
  | { kind: 'map'; channel: number; y: number; x: number }
  | { kind: 'token'; token: number; feature: number };

export function unitPosition(g: UnitGeometry, neuron: number): UnitPosition {
  if (g.summary === 'identity' && g.shape.length === 4) {
    const axis = g.channelAxis ?? 1;
    const [c, h, w] = axis === 1 ? [g.shape[1], g.shape[2], g.shape[3]] : [g.shape[3], g.shape[1], g.shape[2]];
    if (axis === 1) return { kind: 'map', channel: Math.floor(neuron / (h * w)), y: Math.floor(neuron / w) % h, x: neuron % w };
    return { kind: 'map', channel: neuron % c, y: Math.floor(neuron / (w * c)), x: Math.floor(neuron / c) % w };
  }
  if (g.summary === 'identity' && g.shape.length === 3)
    return { kind: 'token', token: Math.floor(neuron / g.shape[2]), feature: neuron % g.shape[2] };
  return { kind: 'index', index: neuron };
}

/** The neuron number of a position (the inverse of unitPosition); null when it is outside the layer. */
export function unitIndex(g: UnitGeometry, p: UnitPosition): number | null {
  const inRange = (v: number, n: number) => Number.isInteger(v) && v >= 0 && v < n;
  if (p.kind === 'index') return p.index;
  if (p.kind === 'map') {
    if (g.summary !== 'identity' || g.shape.length !== 4) return null;
    const axis = g.channelAxis ?? 1;
    const [c, h, w] = axis === 1 ? [g.shape[1], g.shape[2], g.shape[3]] : [g.shape[3], g.shape[1], g.shape[2]];
    if (!inRange(p.channel, c) || !inRange(p.y, h) || !inRange(p.x, w)) return null;
    return axis === 1 ? (p.channel * h + p.y) * w + p.x : (p.y * w + p.x) * c + p.channel;
  }
  if (g.summary !== 'identity' || g.shape.length !== 3) return null;
  if (!inRange(p.token, g.shape[1]) || !inRange(p.feature, g.shape[2])) return null;
  return p.token * g.shape[2] + p.feature;
}

/** `channel 3 / y 2 / x 5`, `token 4 / feature 17`, or '' for a plain unit number (nothing to add). */
export function unitLabel(g: UnitGeometry, neuron: number): string {
  const p = unitPosition(g, neuron);
  if (p.kind === 'map') return `channel ${p.channel} / y ${p.y} / x ${p.x}`;
  if (p.kind === 'token') return `token ${p.token} / feature ${p.feature}`;
  return '';
}

/** Reads `3/2/5` or `channel 3 / y 2 / x 5` (a map unit) and `4/17` (a token unit); null when it is neither. */
export function parseUnitPosition(text: string): UnitPosition | null {
  const nums = text
    .replace(/channel|token|feature|[xy]\b/gi, ' ')
    .split('/')
    .map((s) => s.trim());
  if (nums.length < 2 || nums.some((s) => !/^\d+$/.test(s))) return null;
  const v = nums.map(Number);
  if (v.length === 3) return { kind: 'map', channel: v[0], y: v[1], x: v[2] };
  if (v.length === 2) return { kind: 'token', token: v[0], feature: v[1] };
  return null;
}

/**
 * The channel axis of a 4-D layer shape: the pair of equal dims is the spatial one ([N,a,b,b] with a != b is
 * NCHW, [N,a,a,c] with c != a is NHWC), else the model input's layout (the rule extraction uses).
 */
export function channelAxisOf(shape: readonly number[], modelLayout: 'NCHW' | 'NHWC'): 1 | 3 {
  const [, a, b, c] = shape;
  if (b === c && a !== b) return 1;
  if (a === b && c !== a) return 3;
  return modelLayout === 'NHWC' ? 3 : 1;
}
