// Describe-and-Dissect attention crops (docs/methods.md "Describe-and-Dissect" step 1): a neuron's
// spatial map -> up to 4 boxes of the image where it fires. Every step equals the OpenCV call the reference makes
// (golden: scripts/fixtures/make_crops_golden.py -> resources/fixtures/golden/crops.json, cv2 4.6).
//
// Deliberate differences from the reference's get_attention_crops (Trustworthy-ML-Lab/Describe-and-Dissect):
//  - it converts the float map with ToPILImage (x255 into uint8, so values > 1 wrap around) and upsamples that uint8
//    image with PIL's default filter (bicubic); we normalise to [0,1], upsample the floats bilinearly (cv2 INTER_LINEAR)
//    and only then quantise, so no value wraps and no resolution is lost before the upsampling;
//  - its whole-image box is (0, 0, shape[0], shape[1]) = (0, 0, H, W) as (x0, y0, x1, y1), i.e. transposed for a
//    non-square image; ours is (0, 0, W, H);
//  - its IoU divides by zero for two empty boxes; ours returns 0 (bounding boxes of contours are never empty).
// Same as the reference: Otsu on the uint8 map, pixels > threshold are foreground (THRESH_BINARY), external
// contours only, boxes sorted by area largest first (stable), IoU <= 0.5 to every kept box and < 0.8 to the image.

/** Pixel box [x0, y0, x1, y1], right/bottom exclusive (x1 = x0 + width), in the coordinates of the map it was found on. */
export type Box = [number, number, number, number];

export interface CropOptions {
  /** At most this many boxes are kept (reference: 4). */
  maxCrops: number;
  /** A kept box has IoU <= this with every other kept box (reference: 0.5). */
  maxIou: number;
  /** ... and IoU < this with the whole image (reference: 0.8). */
  maxWholeIou: number;
}

export const DEFAULT_CROPS: CropOptions = { maxCrops: 4, maxIou: 0.5, maxWholeIou: 0.8 };

/** (v - min) / (max - min), computed in double and stored as float32; a constant (or empty) map -> all zeros. */
export function normalise01(map: ArrayLike<number>): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < map.length; i++) {
    if (map[i] < lo) lo = map[i];
    if (map[i] > hi) hi = map[i];
  }
  const out = new Float32Array(map.length);
  const range = hi - lo;
  if (!(range > 0)) return out;
  for (let i = 0; i < map.length; i++) out[i] = (map[i] - lo) / range;
  return out;
}

const f32 = Math.fround;

/** cv2.resize(src, (outW, outH), interpolation=INTER_LINEAR) on a float32 h x w map (row-major), bit for bit: half-pixel
 *  centres c = float32((d + 0.5) * scale - 0.5) with scale = 1 / (out / in) in double, taps floor(c) and floor(c) + 1
 *  with weights 1 - frac and frac in float32, every product and sum rounded to float32; horizontal pass first, then
 *  vertical. The two passes clamp differently, as OpenCV does: a horizontal tap off the edge becomes the edge pixel with
 *  weight 1 (and 0), while a vertical one keeps its weights and reads the edge row twice (r * (1 - f) + r * f, which can
 *  differ from r in the last bit). */
export function resizeBilinear(src: ArrayLike<number>, h: number, w: number, outH: number, outW: number): Float32Array {
  if (src.length !== h * w || h < 1 || w < 1) throw new Error(`resizeBilinear: ${src.length} values for a ${h} x ${w} map`);
  if (!(Number.isInteger(outH) && Number.isInteger(outW) && outH >= 1 && outW >= 1))
    throw new Error(`resizeBilinear: bad size ${outH} x ${outW}`);
  const scaleX = 1 / (outW / w);
  const rows = new Float32Array(h * outW);
  for (let dx = 0; dx < outW; dx++) {
    let f = f32((dx + 0.5) * scaleX - 0.5);
    let s = Math.floor(f);
    f = f32(f - s);
    if (s < 0) {
      s = 0;
      f = 0;
    }
    if (s >= w - 1) {
      s = w - 1;
      f = 0;
    }
    const a0 = f32(1 - f);
    for (let y = 0; y < h; y++) {
      const i = y * w + s;
      // f = 0: OpenCV computes S[s] * 1 (+ S[s + 1] * 0 inside the image), which is S[s] exactly.
      rows[y * outW + dx] = f === 0 ? f32(src[i]) : f32(f32(f32(src[i]) * a0) + f32(f32(src[i + 1]) * f));
    }
  }
  const scaleY = 1 / (outH / h);
  const out = new Float32Array(outH * outW);
  for (let dy = 0; dy < outH; dy++) {
    const c = f32((dy + 0.5) * scaleY - 0.5);
    const s = Math.floor(c);
    const b1 = f32(c - s);
    const b0 = f32(1 - b1);
    const r0 = Math.min(Math.max(s, 0), h - 1) * outW;
    const r1 = Math.min(Math.max(s + 1, 0), h - 1) * outW;
    for (let dx = 0; dx < outW; dx++) out[dy * outW + dx] = f32(f32(rows[r0 + dx] * b0) + f32(rows[r1 + dx] * b1));
  }
  return out;
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** A [0,1] map to bytes: round-half-even of float32(v * 255), clamped to 0..255 (NaN -> 0); the golden script uses
 *  the same conversion (np.clip(np.rint(v * np.float32(255)), 0, 255) on float32). */
export function toUint8(map01: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(map01.length);
  for (let i = 0; i < map01.length; i++) {
    const v = roundHalfEven(f32(f32(map01[i]) * 255));
    out[i] = v > 255 ? 255 : v > 0 ? v : 0;
  }
  return out;
}

const FLT_EPSILON = 1.1920928955078125e-7;

/** The threshold cv2.threshold(img, 0, 255, THRESH_BINARY + THRESH_OTSU) returns for a uint8 image: the level t that
 *  maximises the between-class variance of {<= t} vs {> t}, first maximum on ties, 0 when no split exists (a constant
 *  image). Same double-precision recurrence as OpenCV's getThreshVal_Otsu_8u, so ties break the same way. */
export function otsuThreshold(u8: ArrayLike<number>): number {
  const n = u8.length;
  if (n === 0) return 0;
  const hist = new Float64Array(256);
  for (let i = 0; i < n; i++) hist[u8[i]]++;
  const scale = 1 / n;
  let mu = 0;
  for (let i = 0; i < 256; i++) mu += i * hist[i];
  mu *= scale;
  let mu1 = 0;
  let q1 = 0;
  let maxSigma = 0;
  let maxVal = 0;
  for (let i = 0; i < 256; i++) {
    const p = hist[i] * scale;
    mu1 *= q1;
    q1 += p;
    const q2 = 1 - q1;
    if (Math.min(q1, q2) < FLT_EPSILON || Math.max(q1, q2) > 1 - FLT_EPSILON) continue;
    mu1 = (mu1 + i * p) / q1;
    const mu2 = (mu - q1 * mu1) / q2;
    const sigma = q1 * q2 * (mu1 - mu2) * (mu1 - mu2);
    if (sigma > maxSigma) {
      maxSigma = sigma;
      maxVal = i;
    }
  }
  return maxVal;
}

/**
 * The boxes of cv2.findContours(mask, RETR_EXTERNAL, CHAIN_APPROX_SIMPLE) + cv2.boundingRect per contour, without
 * tracing contours: an external contour is the outer border of an 8-connected foreground (non-zero) component that
 * touches the outside background (the 4-connected background reachable from beyond the image border; OpenCV pads the
 * image with a zero frame), so a component inside a hole of another is left out; its bounding rect is the
 * component's pixel extent. Order = OpenCV's: reverse raster order of each component's first (top-most, then
 * left-most) pixel.
 */
export function externalBoxes(mask: Uint8Array, h: number, w: number): Box[] {
  if (mask.length !== h * w) throw new Error(`externalBoxes: ${mask.length} pixels for a ${h} x ${w} mask`);
  const n = h * w;
  const stack = new Int32Array(n);
  // 1. The outside background: flood fill (4-connected) from every background pixel on the image border.
  const outside = new Uint8Array(n);
  let top = 0;
  const seed = (i: number): void => {
    if (mask[i] === 0 && outside[i] === 0) {
      outside[i] = 1;
      stack[top++] = i;
    }
  };
  for (let x = 0; x < w; x++) {
    seed(x);
    seed((h - 1) * w + x);
  }
  for (let y = 0; y < h; y++) {
    seed(y * w);
    seed(y * w + w - 1);
  }
  while (top > 0) {
    const i = stack[--top];
    const y = Math.floor(i / w);
    const x = i - y * w;
    if (x > 0) seed(i - 1);
    if (x < w - 1) seed(i + 1);
    if (y > 0) seed(i - w);
    if (y < h - 1) seed(i + w);
  }
  // 2. 8-connected foreground components in raster order of their first pixel; external if one pixel lies on the
  //    image border (next to the zero frame) or has an outside pixel among its 4-neighbours.
  const seen = new Uint8Array(n);
  const found: Box[] = [];
  for (let start = 0; start < n; start++) {
    if (mask[start] === 0 || seen[start] !== 0) continue;
    let x0 = w;
    let y0 = h;
    let x1 = -1;
    let y1 = -1;
    let external = false;
    seen[start] = 1;
    stack[0] = start;
    top = 1;
    while (top > 0) {
      const i = stack[--top];
      const y = Math.floor(i / w);
      const x = i - y * w;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1 || outside[i - 1] || outside[i + 1] || outside[i - w] || outside[i + w]) {
        external = true;
      }
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const j = yy * w + xx;
          if (mask[j] !== 0 && seen[j] === 0) {
            seen[j] = 1;
            stack[top++] = j;
          }
        }
      }
    }
    if (external) found.push([x0, y0, x1 + 1, y1 + 1]);
  }
  return found.reverse();
}

function area(b: Box): number {
  return Math.abs(b[2] - b[0]) * Math.abs(b[3] - b[1]);
}

/** Intersection over union of two boxes (the reference's utils.IoU); 0 when both are empty. */
export function boxIou(a: Box, b: Box): number {
  const ox = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const oy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const overlap = ox * oy;
  const union = area(a) + area(b) - overlap;
  return union > 0 ? overlap / union : 0;
}

/** Sort by area, largest first (stable: equal areas keep their input order), and keep at most maxCrops boxes with
 *  IoU <= maxIou to every box kept before them and IoU < maxWholeIou to the whole width x height image. */
export function selectBoxes(boxes: readonly Box[], width: number, height: number, opts: CropOptions = DEFAULT_CROPS): Box[] {
  const whole: Box = [0, 0, width, height];
  const kept: Box[] = [];
  for (const box of sortByArea(boxes)) {
    if (kept.length >= opts.maxCrops) break;
    if (kept.every((k) => boxIou(box, k) <= opts.maxIou) && boxIou(box, whole) < opts.maxWholeIou) kept.push(box);
  }
  return kept;
}

function sortByArea(boxes: readonly Box[]): Box[] {
  return boxes.map((b): Box => [b[0], b[1], b[2], b[3]]).sort((a, b) => area(b) - area(a));
}

export interface AttentionCrops {
  /** Otsu threshold on the 0..255 scale. */
  threshold: number;
  /** Every external box, largest first. */
  candidates: Box[];
  /** The kept ones. */
  boxes: Box[];
}

/** A neuron's spatial map (mapH x mapW, row-major) -> crop boxes in an outH x outW image: normalise to [0,1], upsample
 *  bilinearly, to uint8, Otsu, pixels > threshold are foreground, external contours' bounding boxes, selectBoxes.
 *  A constant map (all zeros included) normalises to zeros: threshold 0, no foreground, no boxes. */
export function attentionCrops(
  map: ArrayLike<number>,
  mapH: number,
  mapW: number,
  outH: number,
  outW: number,
  opts: CropOptions = DEFAULT_CROPS,
): AttentionCrops {
  const u8 = toUint8(resizeBilinear(normalise01(map), mapH, mapW, outH, outW));
  const threshold = otsuThreshold(u8);
  const mask = new Uint8Array(u8.length);
  for (let i = 0; i < u8.length; i++) mask[i] = u8[i] > threshold ? 1 : 0;
  const candidates = sortByArea(externalBoxes(mask, outH, outW));
  return { threshold, candidates, boxes: selectBoxes(candidates, outW, outH, opts) };
}
