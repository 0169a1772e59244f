import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { checkImage } from '../../src/main/core/features/probes/checkImage';
import { fastVerifyPng, readPngHeader } from '../../src/main/core/features/probes/pngCheck';
import { fashionMnistPng, pngClaiming } from '../helpers/fashionMnist';

// The PNG fast path must agree with the reference (sharp alone, which decodes every pixel): it may only
// accept what sharp decodes, and checkImage's verdict (fast path + fallback) must equal sharp's verdict.

/** The slow, obvious reference: does sharp decode every pixel (failOn 'error')? */
async function sharpDecodes(buf: Buffer): Promise<{ width: number; height: number } | null> {
  try {
    const img = sharp(buf, { failOn: 'error', limitInputPixels: false });
    const meta = await img.metadata();
    await img.raw().toBuffer();
    return { width: meta.width ?? 0, height: meta.height ?? 0 };
  } catch {
    return null;
  }
}

async function validPngs(): Promise<Record<string, Buffer>> {
  const fm = await fashionMnistPng('test', 3);
  const rgb = sharp({ create: { width: 37, height: 23, channels: 3, background: { r: 200, g: 30, b: 90 } } });
  const rgba = sharp({ create: { width: 19, height: 41, channels: 4, background: { r: 10, g: 220, b: 90, alpha: 0.4 } } });
  return {
    grey8: fm,
    rgb8: await rgb.clone().png().toBuffer(),
    rgba8: await rgba.clone().png().toBuffer(),
    palette: await sharp(fm).png({ palette: true, colours: 16 }).toBuffer(),
    palette1bit: await sharp(fm).threshold(128).png({ palette: true, colours: 2 }).toBuffer(),
    rgb16: await rgb.clone().toColourspace('rgb16').png().toBuffer(),
    interlaced: await sharp(fm).png({ progressive: true }).toBuffer(),
    interlacedRgba: await rgba.clone().png({ progressive: true }).toBuffer(),
    wide1px: await sharp({ create: { width: 300, height: 1, channels: 3, background: '#123456' } })
      .png()
      .toBuffer(),
  };
}

/** Deterministic damage: truncations, flipped bytes everywhere, a bad CRC, a missing IEND. */
function damaged(png: Buffer): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const f of [0.1, 0.3, 0.5, 0.7, 0.9, 0.98]) out[`truncated ${f}`] = png.subarray(0, Math.floor(png.length * f));
  out['no IEND'] = png.subarray(0, png.length - 12);
  for (let pos = 8; pos < png.length; pos += Math.max(1, Math.floor(png.length / 40))) {
    const b = Buffer.from(png);
    b[pos] ^= 0x5a;
    out[`flip @${pos}`] = b;
  }
  const crc = Buffer.from(png);
  crc[29] ^= 1; // last byte of the IHDR CRC
  out['bad IHDR crc'] = crc;
  return out;
}

describe('PNG fast check', () => {
  it('accepts valid PNGs of every colour type, depth and interlacing, with the dimensions sharp reports', async () => {
    for (const [name, png] of Object.entries(await validPngs())) {
      const ref = await sharpDecodes(png);
      expect(ref, name).not.toBeNull();
      expect(fastVerifyPng(png), name).toBe(true);
      const h = readPngHeader(png);
      expect({ width: h?.width, height: h?.height }, name).toEqual(ref);
      expect(await checkImage(png, 1e8), name).toEqual({ ok: true, ...ref, format: 'png' });
    }
  });

  it('never accepts a damaged PNG that sharp rejects, and checkImage agrees with sharp on every case', async () => {
    let cases = 0;
    for (const [base, png] of Object.entries(await validPngs())) {
      for (const [name, buf] of Object.entries(damaged(png))) {
        const ref = (await sharpDecodes(buf)) !== null;
        if (fastVerifyPng(buf)) expect(ref, `${base} ${name}: fast path accepted what sharp rejects`).toBe(true);
        const got = await checkImage(buf, 1e8);
        expect(got.ok, `${base} ${name}`).toBe(ref);
        if (!got.ok) expect(['corrupt', 'not_image', 'too_many_pixels']).toContain(got.code); // a flipped IHDR byte can claim a huge size
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(300);
  });

  it('checks the pixel limit from the header, before decoding', async () => {
    const huge = pngClaiming(30000, 30000);
    expect(await checkImage(huge, 100_000_000)).toMatchObject({ ok: false, code: 'too_many_pixels' });
    const fm = await fashionMnistPng('test', 0);
    expect(await checkImage(fm, 28 * 28 - 1)).toMatchObject({ ok: false, code: 'too_many_pixels' });
    const jpeg = await sharp(fm).jpeg().toBuffer();
    expect(await checkImage(jpeg, 28 * 28 - 1)).toMatchObject({ ok: false, code: 'too_many_pixels' });
    expect(await checkImage(jpeg, 1e8)).toEqual({ ok: true, width: 28, height: 28, format: 'jpeg' });
  });

  it('tells a non-image from a damaged image', async () => {
    expect(await checkImage(Buffer.from('plain text, not pixels'), 1e8)).toMatchObject({ ok: false, code: 'not_image' });
    const jpeg = await sharp(await fashionMnistPng('test', 0))
      .jpeg()
      .toBuffer();
    expect(await checkImage(jpeg.subarray(0, jpeg.length >> 1), 1e8)).toMatchObject({ ok: false, code: 'corrupt' });
  });
});
