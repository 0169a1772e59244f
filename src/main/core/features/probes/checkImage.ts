import sharp, { type Metadata } from 'sharp';
import { fastVerifyPng, readPngHeader } from './pngCheck';
import { skip, type Skip } from './skipReasons';

// Is this an image we can use, and what are its width, height and format? The pixel limit is checked
// from the header before anything is decoded; then the pixel data is actually decoded (a tiny resize, so
// big JPEGs decode at reduced scale via shrink-on-load and no full-size buffer is ever allocated).

export interface ImageFacts {
  width: number;
  height: number;
  format: string;
}

export type CheckResult = ({ ok: true } & ImageFacts) | ({ ok: false } & Skip);

/** Decoded size of the verification pass; anything small works, the point is that every pixel is read. */
const VERIFY_SIZE = 64;

function tooManyPixels(width: number, height: number, maxPixels: number): CheckResult | null {
  if (width * height <= maxPixels) return null;
  const mp = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MP`;
  return { ok: false, ...skip('too_many_pixels', `${width}x${height} = ${mp(width * height)}, over the ${mp(maxPixels)} limit`) };
}

function failure(e: unknown, stage: 'header' | 'pixels'): CheckResult {
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  if (stage === 'header' && /unsupported image format/i.test(message))
    return { ok: false, ...skip('not_image', 'not an image (no decoder recognises the content)') };
  return { ok: false, ...skip('corrupt', `the image does not decode (${message})`) };
}

/** `input` is the file's bytes, or its path for files too big to hold in memory. */
export async function checkImage(input: Buffer | string, maxPixels: number): Promise<CheckResult> {
  if (Buffer.isBuffer(input)) {
    const png = readPngHeader(input);
    if (png) {
      const limit = tooManyPixels(png.width, png.height, maxPixels);
      if (limit) return limit;
      if (fastVerifyPng(input)) return { ok: true, width: png.width, height: png.height, format: 'png' };
    }
  }
  // failOn 'error': truncated and damaged data fail; benign warnings (odd metadata) do not.
  // limitInputPixels off: our own maxPixels (checked just below, from the header) is the limit.
  const img = sharp(input, { failOn: 'error', limitInputPixels: false });
  let meta: Metadata;
  try {
    meta = await img.metadata();
  } catch (e) {
    return failure(e, 'header');
  }
  if (!meta.width || !meta.height || !meta.format) return { ok: false, ...skip('corrupt', 'the image header has no size') };
  const limit = tooManyPixels(meta.width, meta.height, maxPixels);
  if (limit) return limit;
  try {
    await img.resize(VERIFY_SIZE, VERIFY_SIZE, { fit: 'inside', withoutEnlargement: true }).raw().toBuffer();
  } catch (e) {
    return failure(e, 'pixels');
  }
  return { ok: true, width: meta.width, height: meta.height, format: meta.format };
}
