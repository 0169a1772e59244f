import sharp from 'sharp';
import type { ModelInfo, Preprocessing, PreprocessPreset } from '../../../shared/contract';

// Image -> float32 tensor, the way PyTorch pipelines do it: decode, resize, scale, (x - mean) / std.
// Arithmetic is done in float32 in the same order as numpy/torch ((p / 255 - mean) / std), via a
// 256-entry table per channel, so fixture activations can match PyTorch to the last bit of the input.

type PresetValues = Omit<Preprocessing, 'size' | 'channels' | 'layout'> & { size: [number, number]; channels: 1 | 3 };

export const PRESETS: Record<PreprocessPreset, PresetValues> = {
  imagenet: {
    size: [224, 224],
    resize: 'shorter_center_crop',
    interpolation: 'bilinear',
    scale: 1 / 255,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    channels: 3,
  },
  clip: {
    size: [224, 224],
    resize: 'shorter_center_crop',
    interpolation: 'bicubic',
    scale: 1 / 255,
    mean: [0.48145466, 0.4578275, 0.40821073],
    std: [0.26862954, 0.26130258, 0.27577711],
    channels: 3,
  },
  siglip: {
    size: [224, 224],
    resize: 'squash',
    interpolation: 'bicubic',
    scale: 1 / 255,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    channels: 3,
  },
  unit: { size: [224, 224], resize: 'squash', interpolation: 'bilinear', scale: 1 / 255, mean: [0], std: [1], channels: 3 },
  'fashion-mnist': {
    size: [28, 28],
    resize: 'squash',
    interpolation: 'bilinear',
    scale: 1 / 255,
    mean: [0.286],
    std: [0.353],
    channels: 1,
  },
};

/** A preset adapted to the model: what the file fixes (size, channels, layout) wins over the preset. */
export function presetFor(preset: PreprocessPreset, info: ModelInfo): Preprocessing {
  const p = PRESETS[preset];
  return {
    ...p,
    size: [info.height ?? p.size[0], info.width ?? p.size[1]],
    channels: info.channels,
    layout: info.layout,
  };
}

/** Defaults from the model: 28x28 grayscale looks like Fashion-MNIST, other grayscale is [0,1], RGB ImageNet. */
export function defaultPreprocessing(info: ModelInfo): Preprocessing {
  if (info.channels === 1) return presetFor(info.height === 28 && info.width === 28 ? 'fashion-mnist' : 'unit', info);
  return presetFor('imagenet', info);
}

const KERNEL = { nearest: 'nearest', bilinear: 'linear', bicubic: 'cubic' } as const;

/** Float32 value of every 0..255 pixel per channel, in numpy's operation order. */
export function pixelTable(p: Preprocessing): Float32Array[] {
  const f = Math.fround;
  const inv = 1 / p.scale;
  // scale = 1/255 is applied as a division by 255 (what `x / 255.0` does), not a multiplication by a rounded 1/255.
  const divide = Math.abs(inv - Math.round(inv)) < 1e-9;
  return Array.from({ length: p.channels }, (_, c) => {
    const mean = f(p.mean[Math.min(c, p.mean.length - 1)]);
    const std = f(p.std[Math.min(c, p.std.length - 1)]);
    const t = new Float32Array(256);
    for (let v = 0; v < 256; v++) {
      const x = divide ? f(v / Math.round(inv)) : f(v * f(p.scale));
      t[v] = f(f(x - mean) / std);
    }
    return t;
  });
}

/** Decode + resize to raw 8-bit pixels, HWC with p.channels channels. */
export async function decodePixels(input: string | Buffer, p: Preprocessing): Promise<Uint8Array> {
  const [h, w] = p.size;
  let img = sharp(input, { failOn: 'error' });
  const meta = await img.metadata();
  if (meta.width !== w || meta.height !== h) {
    img = img.resize(w, h, { fit: p.resize === 'squash' ? 'fill' : 'cover', position: 'centre', kernel: KERNEL[p.interpolation] });
  }
  img = p.channels === 1 ? img.removeAlpha().toColourspace('b-w') : img.removeAlpha().toColourspace('srgb');
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.channels === p.channels) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  // Grayscale source asked for RGB (or the reverse): replicate or keep the first channel.
  const out = new Uint8Array(h * w * p.channels);
  for (let i = 0; i < h * w; i++)
    for (let c = 0; c < p.channels; c++) out[i * p.channels + c] = data[i * info.channels + Math.min(c, info.channels - 1)];
  return out;
}

/** HWC uint8 pixels -> float32 tensor of one image in the requested layout, written into `out` at `offset`. */
export function pixelsToTensor(px: Uint8Array, p: Preprocessing, table: Float32Array[], out: Float32Array, offset = 0): void {
  const [h, w] = p.size;
  const c = p.channels;
  const hw = h * w;
  if (p.layout === 'NHWC') {
    for (let i = 0; i < hw * c; i++) out[offset + i] = table[i % c][px[i]];
    return;
  }
  for (let ch = 0; ch < c; ch++) {
    const t = table[ch];
    const base = offset + ch * hw;
    for (let i = 0; i < hw; i++) out[base + i] = t[px[i * c + ch]];
  }
}

export async function preprocessImage(input: string | Buffer, p: Preprocessing, table = pixelTable(p)): Promise<Float32Array> {
  const out = new Float32Array(p.size[0] * p.size[1] * p.channels);
  pixelsToTensor(await decodePixels(input, p), p, table, out);
  return out;
}

export interface TensorStats {
  min: number;
  max: number;
  mean: number;
  std: number;
}

export function tensorStats(x: Float32Array): TensorStats {
  let min = Infinity,
    max = -Infinity,
    s = 0,
    s2 = 0;
  for (const v of x) {
    if (v < min) min = v;
    if (v > max) max = v;
    s += v;
    s2 += v * v;
  }
  const mean = s / x.length;
  return { min, max, mean, std: Math.sqrt(Math.max(0, s2 / x.length - mean * mean)) };
}

/** The tensor de-normalised back to pixels (what the model "sees") as a PNG data URL, plus tensor stats. */
export async function previewImage(
  input: string | Buffer,
  p: Preprocessing,
): Promise<{ dataUrl: string; shape: number[]; stats: TensorStats }> {
  const x = await preprocessImage(input, p);
  const [h, w] = p.size;
  const c = p.channels;
  const px = Buffer.alloc(h * w * c);
  for (let i = 0; i < h * w; i++) {
    for (let ch = 0; ch < c; ch++) {
      const v = p.layout === 'NHWC' ? x[i * c + ch] : x[ch * h * w + i];
      const raw = (v * p.std[Math.min(ch, p.std.length - 1)] + p.mean[Math.min(ch, p.mean.length - 1)]) / p.scale;
      px[i * c + ch] = Math.max(0, Math.min(255, Math.round(raw)));
    }
  }
  const png = await sharp(px, { raw: { width: w, height: h, channels: c } })
    .png()
    .toBuffer();
  const shape = p.layout === 'NHWC' ? [1, h, w, c] : [1, c, h, w];
  return { dataUrl: `data:image/png;base64,${png.toString('base64')}`, shape, stats: tensorStats(x) };
}
