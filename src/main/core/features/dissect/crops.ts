import { createHash } from 'node:crypto';
import type { CropsOutput, Preprocessing } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { cropPixels, pngOf, probePixels } from '../describers';
import { probeUnitImages, unitActivation, unitContext, unitMap, unitTensors, type HeatmapDeps, type UnitContext } from '../models';
import { attentionCrops, type Box } from '../../numeric/dissect';
import type { ImageSource } from '../../platform/store/probeRepo';

// Describe-and-Dissect step 1 (docs/dissect.md): a neuron's spatial map on each of its top images (the same maps the
// heatmap overlays draw, from the same cached layer tensors) -> attention crops -> the neuron's activation on each
// crop. The map covers the model input; boxes found there are mapped back to the image's own pixels through the
// preprocessing's resize (a squash scales each axis; a shorter-side centre crop scales once and shifts).

export interface CropSettings {
  cropsPerImage: number;
  maxIou: number;
  maxWholeIou: number;
}

/** A box on the model input (inH x inW) -> the same region of the w x h image, right/bottom exclusive, inside it. */
export function boxToImage(box: Box, inH: number, inW: number, w: number, h: number, resize: Preprocessing['resize']): Box {
  let sx: number;
  let sy: number;
  let ox = 0;
  let oy = 0;
  if (resize === 'squash') {
    sx = w / inW;
    sy = h / inH;
  } else {
    // 'cover': scale so the image covers the input, then the centre inW x inH window is kept.
    const s = Math.max(inW / w, inH / h);
    sx = sy = 1 / s;
    ox = (w * s - inW) / 2;
    oy = (h * s - inH) / 2;
  }
  const x0 = Math.max(0, Math.floor((box[0] + ox) * sx));
  const y0 = Math.max(0, Math.floor((box[1] + oy) * sy));
  const x1 = Math.min(w, Math.max(x0 + 1, Math.ceil((box[2] + ox) * sx)));
  const y1 = Math.min(h, Math.max(y0 + 1, Math.ceil((box[3] + oy) * sy)));
  return [x0, y0, x1, y1];
}

export const sha256Bytes = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export interface ImageCrops {
  imageId: number;
  source: ImageSource;
  activation: number;
  threshold: number | null;
  candidates: Box[];
  crops: { box: Box; activation: number; png: Buffer; sha: string }[];
}

/** Crops of the unit on probe images, with the unit's activation on each whole image and each crop. */
export async function cropsOf(deps: HeatmapDeps, ctx: UnitContext, imageIds: readonly number[], s: CropSettings): Promise<ImageCrops[]> {
  const { images, sources } = probeUnitImages(deps.db, ctx, imageIds);
  const tensors = await unitTensors(deps, ctx, images);
  const [inH, inW] = ctx.pre.size;
  const out: ImageCrops[] = [];
  for (const id of imageIds) {
    const source = sources.get(id)!;
    const t = tensors.get(source.sha256)!;
    const map = unitMap(ctx, t);
    const entry: ImageCrops = { imageId: id, source, activation: unitActivation(ctx, t), threshold: null, candidates: [], crops: [] };
    if (map && s.cropsPerImage > 0 && ctx.plan.kind !== 'none') {
      const bad = map.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0)
        throw new AppError('non_finite', `The model produced ${map[bad]} in the map of ${ctx.unit} on image ${id} (${source.relPath}).`);
      const found = attentionCrops(map, ctx.plan.h, ctx.plan.w, inH, inW, {
        maxCrops: s.cropsPerImage,
        maxIou: s.maxIou,
        maxWholeIou: s.maxWholeIou,
      });
      const toImage = (b: Box) => boxToImage(b, inH, inW, source.width, source.height, ctx.pre.resize);
      entry.threshold = found.threshold;
      entry.candidates = found.candidates.map(toImage);
      const whole = found.boxes.length ? await probePixels(source, undefined) : null;
      for (const b of found.boxes) {
        const box = toImage(b);
        const png = await pngOf({ ...cropPixels(whole!, box), seed: 0 });
        entry.crops.push({ box, activation: 0, png, sha: sha256Bytes(png) });
      }
    }
    out.push(entry);
  }
  // The unit on every crop, in one batched pass.
  const cropImages = out.flatMap((e) => e.crops.map((c) => ({ key: c.sha, input: c.png })));
  if (cropImages.length) {
    const ct = await unitTensors(deps, ctx, cropImages);
    for (const e of out) for (const c of e.crops) c.activation = unitActivation(ctx, ct.get(c.sha)!);
  }
  return out;
}

export async function cropsView(
  deps: HeatmapDeps,
  p: { activationSetId: number; neuron: number; imageIds: number[] } & CropSettings,
): Promise<CropsOutput> {
  const t0 = performance.now();
  const ctx = unitContext(deps.db, p.activationSetId, p.neuron);
  const ids = [...new Set(p.imageIds)];
  const found = await cropsOf(deps, ctx, ids, p);
  return {
    activationSetId: p.activationSetId,
    neuron: p.neuron,
    kind: ctx.plan.kind,
    reason: ctx.plan.kind === 'none' ? ctx.plan.reason : null,
    images: found.map((e) => ({
      imageId: e.imageId,
      relPath: e.source.relPath,
      width: e.source.width,
      height: e.source.height,
      threshold: e.threshold ?? 0,
      candidates: e.candidates,
      crops: e.crops.map((c) => ({ box: c.box, activation: c.activation })),
      activation: e.activation,
    })),
    seconds: (performance.now() - t0) / 1000,
  };
}
