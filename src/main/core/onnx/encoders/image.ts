import { basename } from 'node:path';
import sharp from 'sharp';
import { AppError } from '../../../../shared/errors';

// Image side: Hugging Face image-processor semantics (preprocessor_config.json) with sharp.
// Order as in transformers' CLIP/SigLIP processors: convert to RGB -> resize -> center crop -> rescale -> normalize,
// channel-first float32. Rescale is `float32(pixel * rescale_factor)` (numpy does it in float64, then casts) and
// normalize `float32(float32(x - mean) / std)`, via a 256-entry table per channel.
// sharp's resampling is not bit-identical to PIL's (different kernels' support and rounding): images that need a
// resize match a Python pipeline to ~1/255, not exactly; images already at the model size are not resampled.

export interface ImageSpec {
  /** Resize target: exact {height,width}, or the shorter side (keep aspect). null = no resize. */
  resize: { height: number; width: number } | { shortestEdge: number } | null;
  /** Center crop after resizing (do_center_crop), null = none. */
  crop: { height: number; width: number } | null;
  /** PIL resample code: 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic. */
  resample: number;
  rescale: number | null;
  mean: number[] | null;
  std: number[] | null;
  channels: 1 | 3;
  /** Final tensor size [H, W]. */
  height: number;
  width: number;
}

type Json = Record<string, unknown>;

const OPENAI_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const OPENAI_CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

function hw(v: unknown): { height: number; width: number } | null {
  if (typeof v === 'number') return { height: v, width: v };
  if (v && typeof v === 'object') {
    const o = v as Json;
    if (typeof o.height === 'number' && typeof o.width === 'number') return { height: o.height, width: o.width };
  }
  return null;
}

/**
 * preprocessor_config.json -> ImageSpec. `file` names the file in errors; `model` is what the ONNX input fixes.
 * Missing keys take the transformers defaults (do_resize/do_rescale/do_normalize true, rescale 1/255; mean/std
 * of the processor class: 0.5 for SigLIP, OpenAI's for CLIP).
 */
export function imageSpec(file: string, cfg: Json, model: { channels: 1 | 3; height: number | null; width: number | null }): ImageSpec {
  const bad = (what: string) =>
    new AppError(
      'model_invalid',
      `${basename(file)}: ${what} Fix the file (Hugging Face image-processor keys) and add the encoder again.`,
      { path: file },
    );
  const flag = (k: string, dflt: boolean) => (typeof cfg[k] === 'boolean' ? (cfg[k] as boolean) : dflt);
  const type = String(cfg.image_processor_type ?? cfg.feature_extractor_type ?? '');
  const doCrop = flag('do_center_crop', false);
  let resize: ImageSpec['resize'] = null;
  if (flag('do_resize', true)) {
    const s = cfg.size;
    if (typeof s === 'number') resize = doCrop ? { shortestEdge: s } : { height: s, width: s };
    else if (s && typeof s === 'object' && typeof (s as Json).shortest_edge === 'number')
      resize = { shortestEdge: (s as Json).shortest_edge as number };
    else if (hw(s)) resize = hw(s);
    else if (model.height && model.width) resize = { height: model.height, width: model.width };
    else throw bad(`do_resize is on but "size" is neither {"height","width"}, {"shortest_edge"} nor a number (got ${JSON.stringify(s)}).`);
  }
  let crop: ImageSpec['crop'] = null;
  if (doCrop) {
    crop = hw(cfg.crop_size);
    if (!crop) throw bad(`do_center_crop is on but "crop_size" is missing or malformed (got ${JSON.stringify(cfg.crop_size)}).`);
  }
  const rescale = flag('do_rescale', true) ? (typeof cfg.rescale_factor === 'number' ? cfg.rescale_factor : 1 / 255) : null;
  let mean: number[] | null = null;
  let std: number[] | null = null;
  if (flag('do_normalize', true)) {
    const dm = /siglip/i.test(type) ? [0.5, 0.5, 0.5] : /clip/i.test(type) ? OPENAI_CLIP_MEAN : null;
    const ds = /siglip/i.test(type) ? [0.5, 0.5, 0.5] : /clip/i.test(type) ? OPENAI_CLIP_STD : null;
    const m = Array.isArray(cfg.image_mean) ? (cfg.image_mean as number[]) : typeof cfg.image_mean === 'number' ? [cfg.image_mean] : dm;
    const s = Array.isArray(cfg.image_std) ? (cfg.image_std as number[]) : typeof cfg.image_std === 'number' ? [cfg.image_std] : ds;
    if (
      !m ||
      !s ||
      !m.length ||
      !s.length ||
      [...m, ...s].some((v) => typeof v !== 'number' || !Number.isFinite(v)) ||
      s.some((v) => v === 0)
    ) {
      throw bad('do_normalize is on but "image_mean"/"image_std" are missing or not lists of numbers (std must be non-zero).');
    }
    mean = m;
    std = s;
  }
  const resample = typeof cfg.resample === 'number' ? cfg.resample : 3;
  // The tensor size the processor produces, when it can be known without an image.
  const out = crop ?? (resize && 'height' in resize ? resize : null);
  const height = model.height ?? out?.height;
  const width = model.width ?? out?.width;
  if (!height || !width) throw bad('the image size is not fixed by the model input and cannot be derived from "size"/"crop_size".');
  if (out && (out.height !== height || out.width !== width)) {
    throw bad(`the processor produces ${out.height}x${out.width} images but the vision model takes ${height}x${width}.`);
  }
  return { resize, crop, resample, rescale, mean, std, channels: model.channels, height, width };
}

const KERNELS: Record<number, 'nearest' | 'lanczos3' | 'linear' | 'cubic'> = {
  0: 'nearest',
  1: 'lanczos3',
  2: 'linear',
  3: 'cubic',
  4: 'linear',
  5: 'cubic',
};

/** float32 value of every 0..255 pixel per channel, in transformers' operation order. */
export function imageTable(spec: ImageSpec): Float32Array[] {
  const f = Math.fround;
  return Array.from({ length: spec.channels }, (_, c) => {
    const t = new Float32Array(256);
    const mean = spec.mean ? f(spec.mean[Math.min(c, spec.mean.length - 1)]) : 0;
    const std = spec.std ? f(spec.std[Math.min(c, spec.std.length - 1)]) : 1;
    for (let v = 0; v < 256; v++) {
      const x = spec.rescale === null ? v : f(v * spec.rescale);
      t[v] = spec.mean ? f(f(x - mean) / std) : x;
    }
    return t;
  });
}

/** transformers' get_resize_output_image_size(default_to_square=False): shorter side -> s, longer int(s * long / short). */
export function shortestEdgeSize(h: number, w: number, s: number): { height: number; width: number } {
  if (h <= w) return { height: s, width: Math.floor((s * w) / h) };
  return { height: Math.floor((s * h) / w), width: s };
}

/** Decode, convert, resize and crop one image to spec.height x spec.width HWC uint8 with spec.channels channels. */
export async function decodeImage(input: string | Buffer, spec: ImageSpec): Promise<Uint8Array> {
  let img = sharp(input, { failOn: 'error' });
  const meta = await img.metadata();
  let h = meta.height ?? 0;
  let w = meta.width ?? 0;
  img = img.removeAlpha();
  img = spec.channels === 1 ? img.toColourspace('b-w') : img.toColourspace('srgb');
  const target = spec.resize ? ('height' in spec.resize ? spec.resize : shortestEdgeSize(h, w, spec.resize.shortestEdge)) : null;
  let pipeline = img;
  if (target && (target.height !== h || target.width !== w)) {
    // Materialise the resize first so the crop below applies to the resized image.
    const { data, info } = await img
      .resize(target.width, target.height, { fit: 'fill', kernel: KERNELS[spec.resample] ?? 'cubic' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    pipeline = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
    h = info.height;
    w = info.width;
  }
  if (spec.crop && (spec.crop.height !== h || spec.crop.width !== w)) {
    if (spec.crop.height > h || spec.crop.width > w) {
      throw new AppError(
        'bad_input',
        `Image ${typeof input === 'string' ? input : '(buffer)'} is ${w}x${h} after resizing, smaller than the ${spec.crop.width}x${spec.crop.height} crop.`,
      );
    }
    // transformers center_crop: top = (h - ch) // 2, left = (w - cw) // 2.
    pipeline = pipeline.extract({
      left: Math.floor((w - spec.crop.width) / 2),
      top: Math.floor((h - spec.crop.height) / 2),
      width: spec.crop.width,
      height: spec.crop.height,
    });
    h = spec.crop.height;
    w = spec.crop.width;
  }
  if (h !== spec.height || w !== spec.width) {
    throw new AppError(
      'bad_input',
      `Image ${typeof input === 'string' ? input : '(buffer)'} is ${w}x${h} after preprocessing; the encoder takes ${spec.width}x${spec.height} (preprocessor_config.json has no resize to that size).`,
    );
  }
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.channels === spec.channels) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint8Array(h * w * spec.channels);
  for (let i = 0; i < h * w; i++)
    for (let c = 0; c < spec.channels; c++) out[i * spec.channels + c] = data[i * info.channels + Math.min(c, info.channels - 1)];
  return out;
}

/** HWC uint8 -> CHW float32 written into out at offset. */
export function toChw(px: Uint8Array, spec: ImageSpec, table: Float32Array[], out: Float32Array, offset: number): void {
  const hw2 = spec.height * spec.width;
  const c = spec.channels;
  for (let ch = 0; ch < c; ch++) {
    const t = table[ch];
    const base = offset + ch * hw2;
    for (let i = 0; i < hw2; i++) out[base + i] = t[px[i * c + ch]];
  }
}
