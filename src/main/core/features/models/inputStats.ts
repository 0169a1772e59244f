import { join } from 'node:path';
import type { Preprocessing } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { pixelTable, preprocessImage } from '../../onnx/preprocess';
import { probeImages } from '../../platform/store/imageRepo';
import type { Db } from '../../platform/store/open';
import { getProbeSet } from '../../platform/store/probeRepo';

// model.inputStats: what the model's input tensors look like under its preprocessing, on a few probe images.
// A wrong guess shows here before any extraction: ImageNet-normalised RGB photos sit near mean 0, std 1 per
// channel; a model trained on [0, 1] inputs fed ImageNet normalisation, or raw 0..255 values, does not.

export interface InputStats {
  images: { imageId: number; relPath: string }[];
  channels: { channel: number; mean: number; std: number; min: number; max: number }[];
  warning: string | null;
}

/** Per channel mean / std / min / max over `count` evenly spaced probe images (float64 sums). */
export async function inputStats(db: Db, probeSetId: number, pre: Preprocessing, count: number): Promise<InputStats> {
  const probe = getProbeSet(db, probeSetId);
  if (!probe) throw new AppError('not_found', `Probe set ${probeSetId} does not exist.`);
  const all = probeImages(db, probeSetId);
  if (!all.length) throw new AppError('bad_input', `Probe set "${probe.name}" has no images.`);
  const n = Math.min(count, all.length);
  const picked = Array.from({ length: n }, (_, i) => all[Math.floor((i * all.length) / n)]);
  const c = pre.channels;
  const hw = pre.size[0] * pre.size[1];
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  const min = new Float64Array(c).fill(Infinity);
  const max = new Float64Array(c).fill(-Infinity);
  const table = pixelTable(pre);
  for (const im of picked) {
    const x = await preprocessImage(join(probe.rootPath, im.relPath), pre, table);
    for (let i = 0; i < hw; i++) {
      for (let ch = 0; ch < c; ch++) {
        const v = pre.layout === 'NHWC' ? x[i * c + ch] : x[ch * hw + i];
        sum[ch] += v;
        sq[ch] += v * v;
        if (v < min[ch]) min[ch] = v;
        if (v > max[ch]) max[ch] = v;
      }
    }
  }
  const per = n * hw;
  const channels = Array.from({ length: c }, (_, ch) => {
    const mean = sum[ch] / per;
    return { channel: ch, mean, std: Math.sqrt(Math.max(0, sq[ch] / per - mean * mean)), min: min[ch], max: max[ch] };
  });
  return { images: picked.map((r) => ({ imageId: r.id, relPath: r.relPath })), channels, warning: inputWarning(channels) };
}

/** A hint when the values look like a wrong scale / mean / std (thresholds generous: real data varies). */
export function inputWarning(channels: InputStats['channels']): string | null {
  const far = channels.filter((x) => Math.abs(x.mean) > 3 || x.std > 5 || x.max - x.min > 50);
  if (far.length)
    return `Channel ${far.map((x) => x.channel).join(', ')}: mean ${far.map((x) => x.mean.toFixed(2)).join(', ')}, std ${far
      .map((x) => x.std.toFixed(2))
      .join(
        ', ',
      )}: far from the usual range (mean near 0, std near 1, or values in [0, 1]); the scale may be missing (pixels used as 0..255).`;
  const flat = channels.filter((x) => x.std < 0.01);
  if (flat.length) return `Channel ${flat.map((x) => x.channel).join(', ')} is almost constant (std < 0.01): check the std and scale.`;
  return null;
}
