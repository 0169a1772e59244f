import { VIRIDIS_RGB } from './colormapTable';

// Heatmap overlays, shared by the renderer (canvas over each example image) and the report (drawn into the
// thumbnail): one perceptual colormap (matplotlib's viridis, the same in light and dark themes), one upsampling
// rule, and where the model's input lies in the original image. docs/heatmaps.md.

/** RGB bytes of viridis at t in [0, 1] (clipped): entry floor(t * 256), as matplotlib looks up a 256-entry map. */
export function viridis(t: number): [number, number, number] {
  const i = Number.isNaN(t) ? 0 : Math.min(255, Math.max(0, Math.floor(t * 256)));
  return [VIRIDIS_RGB[3 * i], VIRIDIS_RGB[3 * i + 1], VIRIDIS_RGB[3 * i + 2]];
}

/**
 * Bilinear upsampling of an h x w map (row-major) to outH x outW, as PyTorch's
 * F.interpolate(mode='bilinear', align_corners=False): output pixel centres map back to
 * src = (dst + 0.5) * in / out - 0.5, clamped at 0, neighbours clamped at the edge.
 */
export function upsampleBilinear(values: ArrayLike<number>, h: number, w: number, outH: number, outW: number): Float32Array {
  const out = new Float32Array(outH * outW);
  const axis = (n: number, size: number) => {
    const i0 = new Int32Array(n);
    const i1 = new Int32Array(n);
    const f = new Float64Array(n);
    const scale = size / n;
    for (let d = 0; d < n; d++) {
      const src = Math.max(0, (d + 0.5) * scale - 0.5);
      const lo = Math.min(Math.floor(src), size - 1);
      i0[d] = lo;
      i1[d] = Math.min(lo + 1, size - 1);
      f[d] = src - lo;
    }
    return { i0, i1, f };
  };
  const ys = axis(outH, h);
  const xs = axis(outW, w);
  for (let y = 0; y < outH; y++) {
    const r0 = ys.i0[y] * w;
    const r1 = ys.i1[y] * w;
    const fy = ys.f[y];
    for (let x = 0; x < outW; x++) {
      const a = xs.i0[x];
      const b = xs.i1[x];
      const fx = xs.f[x];
      const top = values[r0 + a] * (1 - fx) + values[r0 + b] * fx;
      const bottom = values[r1 + a] * (1 - fx) + values[r1 + b] * fx;
      out[y * outW + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** The colour scale of a neuron's overlays: lo maps to the first viridis colour, hi to the last. */
export interface HeatScale {
  lo: number;
  hi: number;
}

/** t in [0, 1] of a value on a scale (0 when the scale is flat: a constant map shows as one colour). */
export function scaleT(v: number, s: HeatScale): number {
  return s.hi > s.lo ? (v - s.lo) / (s.hi - s.lo) : 0;
}

/** RGBA bytes (opaque) of a map upsampled to outH x outW and coloured on the scale; opacity is applied when drawn. */
export function heatmapRgba(
  values: ArrayLike<number>,
  h: number,
  w: number,
  outH: number,
  outW: number,
  s: HeatScale,
): Uint8ClampedArray<ArrayBuffer> {
  const up = upsampleBilinear(values, h, w, outH, outW);
  const rgba = new Uint8ClampedArray(outH * outW * 4);
  for (let p = 0; p < up.length; p++) {
    const [r, g, b] = viridis(scaleT(up[p], s));
    rgba[4 * p] = r;
    rgba[4 * p + 1] = g;
    rgba[4 * p + 2] = b;
    rgba[4 * p + 3] = 255;
  }
  return rgba;
}

/** Pixels of the overlay canvas: the model's input size, at most 256 on its longer side (aspect kept). */
export function overlaySize(input: { height: number; width: number }): { height: number; width: number } {
  const k = Math.min(1, 256 / Math.max(input.height, input.width));
  return { height: Math.max(1, Math.round(input.height * k)), width: Math.max(1, Math.round(input.width * k)) };
}

/**
 * Where the model's input lies in an image of imgW x imgH pixels, as fractions of its width and height: the
 * whole image when it is squashed to the input size, the centred crop of the input's aspect after scaling the
 * shorter side otherwise (what the extraction's preprocessing does). The overlay is drawn over that box.
 */
export function inputRegion(
  imgW: number,
  imgH: number,
  input: { height: number; width: number; resize: 'squash' | 'shorter_center_crop' },
): { x: number; y: number; w: number; h: number } {
  if (input.resize === 'squash' || imgW <= 0 || imgH <= 0) return { x: 0, y: 0, w: 1, h: 1 };
  const k = Math.max(input.width / imgW, input.height / imgH);
  const w = Math.min(1, input.width / k / imgW);
  const h = Math.min(1, input.height / k / imgH);
  return { x: (1 - w) / 2, y: (1 - h) / 2, w, h };
}

/** A rounded label for a scale end (legends): 3 significant digits, no exponent for ordinary values. */
export function scaleLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return Number(v.toPrecision(3)).toString();
  return v.toExponential(2);
}
