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
  return presetFor(guessedPreset(info), info);
}

function guessedPreset(info: ModelInfo): PreprocessPreset {
  if (info.channels === 1) return info.height === 28 && info.width === 28 ? 'fashion-mnist' : 'unit';
  return 'imagenet';
}

const GUESS_WHY: Record<PreprocessPreset, string> = {
  'fashion-mnist': 'a 28x28 grayscale input looks like Fashion-MNIST: (pixel/255 - 0.286) / 0.353',
  unit: 'a grayscale input: pixel/255, no mean/std',
  imagenet: 'an RGB input: ImageNet mean/std, 224x224 after a shorter-side resize and centre crop',
  clip: 'CLIP',
  siglip: 'SigLIP',
};

/**
 * metadata_props keys an export can write so the preprocessing is read, not guessed (docs/models.md):
 * `nwb.preprocessing` (JSON: any of size, resize, interpolation, scale, mean, std, preset) or one key per field,
 * `preprocessing.<field>` (numbers: "0.5" / "0.485,0.456,0.406" / JSON arrays; size "224" or "224,224").
 */
export const PREPROCESSING_KEY = 'nwb.preprocessing';
export const PREPROCESSING_FIELDS = ['preset', 'size', 'resize', 'interpolation', 'scale', 'mean', 'std'] as const;

export interface PreprocessingFromFile {
  preprocessing: Preprocessing;
  /** The metadata keys read. */
  keys: string[];
}

const numbers = (v: unknown): number[] | null => {
  if (Array.isArray(v)) return v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (v as number[]) : null;
  if (typeof v === 'number') return Number.isFinite(v) ? [v] : null;
  if (typeof v !== 'string') return null;
  const t = v.trim();
  if (t.startsWith('[')) {
    try {
      return numbers(JSON.parse(t));
    } catch {
      return null;
    }
  }
  const xs = t
    .split(/[,\s]+/)
    .filter(Boolean)
    .map(Number);
  return xs.length && xs.every(Number.isFinite) ? xs : null;
};

/**
 * The preprocessing an ONNX export wrote into metadata_props, or null when it wrote none. A value that cannot be
 * read throws a message naming the key (model.add reports it instead of silently guessing).
 */
export function preprocessingFromMetadata(info: ModelInfo): PreprocessingFromFile | null {
  const meta = info.metadata ?? {};
  const raw: Record<string, unknown> = {};
  const keys: string[] = [];
  if (meta[PREPROCESSING_KEY] !== undefined) {
    let doc: unknown;
    try {
      doc = JSON.parse(meta[PREPROCESSING_KEY]);
    } catch {
      throw new Error(`metadata_props '${PREPROCESSING_KEY}' is not JSON: ${meta[PREPROCESSING_KEY].slice(0, 80)}`);
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc))
      throw new Error(`metadata_props '${PREPROCESSING_KEY}' must be a JSON object.`);
    Object.assign(raw, doc);
    keys.push(PREPROCESSING_KEY);
  }
  for (const f of PREPROCESSING_FIELDS) {
    const k = `preprocessing.${f}`;
    if (meta[k] === undefined) continue;
    raw[f] = meta[k];
    keys.push(k);
  }
  if (!keys.length) return null;
  const where = (f: string) =>
    keys.includes(`preprocessing.${f}`) ? `metadata_props 'preprocessing.${f}'` : `'${f}' of metadata_props '${PREPROCESSING_KEY}'`;
  let base: Preprocessing = defaultPreprocessing(info);
  if (raw.preset !== undefined) {
    const preset = String(raw.preset) as PreprocessPreset;
    if (!(preset in PRESETS)) throw new Error(`${where('preset')} is '${preset}'; known presets: ${Object.keys(PRESETS).join(', ')}.`);
    base = presetFor(preset, info);
  }
  const out: Preprocessing = { ...base };
  for (const f of ['scale', 'mean', 'std'] as const) {
    if (raw[f] === undefined) continue;
    const xs = numbers(raw[f]);
    if (!xs) throw new Error(`${where(f)} is not a number or a list of numbers: ${String(raw[f]).slice(0, 80)}`);
    if (f === 'scale') {
      if (xs.length !== 1 || !(xs[0] > 0)) throw new Error(`${where(f)} must be one positive number.`);
      out.scale = xs[0];
    } else {
      if (xs.length !== 1 && xs.length !== info.channels)
        throw new Error(
          `${where(f)} has ${xs.length} values; the model's input has ${info.channels} channel(s) (give 1 or ${info.channels}).`,
        );
      if (f === 'std' && xs.some((x) => x === 0)) throw new Error(`${where(f)} contains 0.`);
      out[f] = xs;
    }
  }
  if (raw.size !== undefined) {
    const xs = numbers(raw.size);
    if (!xs || xs.length > 2 || xs.some((x) => !Number.isInteger(x) || x < 1 || x > 4096))
      throw new Error(`${where('size')} must be one or two whole numbers of pixels (1..4096), e.g. 224 or 224,224.`);
    out.size = [xs[0], xs[xs.length - 1]];
  }
  if (raw.resize !== undefined) {
    if (raw.resize !== 'squash' && raw.resize !== 'shorter_center_crop')
      throw new Error(`${where('resize')} is '${String(raw.resize)}'; use squash or shorter_center_crop.`);
    out.resize = raw.resize;
  }
  if (raw.interpolation !== undefined) {
    if (raw.interpolation !== 'nearest' && raw.interpolation !== 'bilinear' && raw.interpolation !== 'bicubic')
      throw new Error(`${where('interpolation')} is '${String(raw.interpolation)}'; use nearest, bilinear or bicubic.`);
    out.interpolation = raw.interpolation;
  }
  // A size the file fixes wins.
  out.size = [info.height ?? out.size[0], info.width ?? out.size[1]];
  return { preprocessing: out, keys };
}

/** What model.add stores: the file's metadata when it has some, else the guess from the input's shape. */
export function initialPreprocessing(info: ModelInfo): Preprocessing {
  try {
    return preprocessingFromMetadata(info)?.preprocessing ?? defaultPreprocessing(info);
  } catch {
    return defaultPreprocessing(info); // preprocessingSource says why the metadata was not used
  }
}

const samePre = (a: Preprocessing, b: Preprocessing) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Where a model's preprocessing comes from, in words: 'metadata' (read from the file's metadata_props), 'guess'
 * (the default for the input's shape: nothing says it is right) or 'set' (changed with model.setPreprocessing).
 */
export function preprocessingSource(
  info: ModelInfo,
  current: Preprocessing,
  setByUser = false,
): { kind: 'metadata' | 'guess' | 'set'; detail: string } {
  if (setByUser) return { kind: 'set', detail: 'set by you' };
  let fromFile: PreprocessingFromFile | null = null;
  let problem: string | null = null;
  try {
    fromFile = preprocessingFromMetadata(info);
  } catch (e) {
    problem = e instanceof Error ? e.message : String(e);
  }
  if (fromFile && samePre(fromFile.preprocessing, current))
    return { kind: 'metadata', detail: `read from the model file's metadata_props (${fromFile.keys.join(', ')})` };
  if (samePre(defaultPreprocessing(info), current))
    return {
      kind: 'guess',
      detail:
        `a guess: the file does not say how its inputs were preprocessed, so ${GUESS_WHY[guessedPreset(info)]} is assumed` +
        (problem ? ` (its preprocessing metadata could not be used: ${problem})` : '') +
        '. Check it against the training code (model.inputStats shows the statistics of preprocessed probe images) and fix it with model.setPreprocessing.',
    };
  return { kind: 'set', detail: fromFile ? "set by you (differs from the file's metadata_props)" : 'set by you' };
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
