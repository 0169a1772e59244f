import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { AppError } from '../../../../shared/errors';
import type { ImageSource } from '../../platform/store/probeRepo';
import type { GeneratedImage, ImagePixels } from './roles';

// Pixels in and out of the generative models: a probe image (or a crop of it) read from disk and checked against the
// hash stored at import (the caption cache is keyed by that hash), and generated RGB images encoded as PNG.

export type Box = [number, number, number, number];

export async function probePixels(src: ImageSource, box: Box | undefined): Promise<ImagePixels> {
  const file = join(src.rootPath, ...src.relPath.split('/'));
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new AppError('not_found', `${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, {
      path: file,
    });
  }
  if (createHash('sha256').update(bytes).digest('hex') !== src.sha256)
    throw new AppError('bad_input', `${file} changed on disk since it was imported; import the folder again.`, { path: file });
  const { data, info } = await sharp(bytes).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const whole: ImagePixels = {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
    channels: 3,
  };
  if (!box) return whole;
  const [, , x1, y1] = box;
  if (x1 > info.width || y1 > info.height) throw outsideBox({ ...src, width: info.width, height: info.height }, box);
  return cropPixels(whole, box);
}

/** The refusal of a crop box that reaches outside its image. */
export function outsideBox(src: Pick<ImageSource, 'id' | 'relPath' | 'width' | 'height'>, box: Box): AppError {
  return new AppError(
    'bad_input',
    `Crop box [${box.join(', ')}] of image ${src.id} (${src.relPath}) reaches outside its ${src.width}x${src.height} pixels.`,
  );
}

/** The pixels inside box [x0, y0, x1, y1) (right / bottom exclusive). */
export function cropPixels(img: ImagePixels, [x0, y0, x1, y1]: Box): ImagePixels {
  const w = x1 - x0;
  const c = img.channels;
  const out = new Uint8Array(w * (y1 - y0) * c);
  for (let y = y0; y < y1; y++) out.set(img.data.subarray((y * img.width + x0) * c, (y * img.width + x1) * c), (y - y0) * w * c);
  return { data: out, width: w, height: y1 - y0, channels: c };
}

export async function pngOf(img: GeneratedImage): Promise<Buffer> {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .png()
    .toBuffer();
}
