import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, imageSpec, imageTable, openEncoder, shortestEdgeSize } from '../../src/main/core/onnx/encoders';
import { tempDir } from '../helpers/tempDir';
import { textTower, visionTower, writeTinySeparate } from '../helpers/tinyEncoder';

// Embedding mechanics on tiny hand-built towers: padding rules, normalisation, preprocessing geometry.

describe('text padding', () => {
  it('dynamic length with attention_mask: a text embeds the same alone and next to a longer one', async () => {
    const dir = writeTinySeparate(await tempDir('nwb-enc'), visionTower(6), textTower(6, null));
    const enc = await openEncoder(dir, { provider: 'cpu', threads: 1 });
    try {
      expect(enc.info.fixedTextLength).toBeNull();
      const b = enc.tokenize(['bag', 'ankle boot with laces']);
      expect(b.length).toBe(4); // padded to the longest
      expect(b.mask).toEqual([1, 0, 0, 0, 1, 1, 1, 1]);
      const alone = await enc.embedTexts(['bag'], { normalize: false });
      const mixed = await enc.embedTexts(['bag', 'ankle boot with laces'], { normalize: false });
      for (let j = 0; j < 6; j++) expect(mixed[j]).toBeCloseTo(alone[j], 5);
    } finally {
      await enc.close();
    }
  });

  it('fixed length: pads with the pad id to L and truncates longer texts', async () => {
    const dir = writeTinySeparate(await tempDir('nwb-enc'), visionTower(6), textTower(6, 16));
    const enc = await openEncoder(dir, { provider: 'cpu', threads: 1 });
    try {
      const long = Array.from({ length: 20 }, () => 'bag').join(' ');
      const b = enc.tokenize(['bag', long]);
      expect(b.length).toBe(16);
      expect(b.padded.slice(0, 16)).toEqual([5, ...new Array(15).fill(0)]);
      expect(b.ids[1]).toHaveLength(16);
      expect(enc.describeTokens('bag zzz')).toEqual({ text: 'bag zzz', ids: [5, 1], tokens: ['bag', '<unk>'], unknown: 1 });
      const v = await enc.embedTexts(['bag', long]);
      for (let r = 0; r < 2; r++) expect(Math.hypot(...v.subarray(r * 6, r * 6 + 6))).toBeCloseTo(1, 6);
    } finally {
      await enc.close();
    }
  });
});

describe('image preprocessing', () => {
  it('shortest_edge keeps the aspect ratio like transformers (floor of the long side)', () => {
    expect(shortestEdgeSize(480, 640, 224)).toEqual({ height: 224, width: 298 });
    expect(shortestEdgeSize(640, 480, 224)).toEqual({ height: 298, width: 224 });
  });

  it('resize + center crop produce the crop size; grey is replicated to RGB; values follow the table', async () => {
    const spec = imageSpec(
      'preprocessor_config.json',
      {
        do_resize: true,
        size: { shortest_edge: 32 },
        do_center_crop: true,
        crop_size: { height: 32, width: 32 },
        resample: 3,
        rescale_factor: 1 / 255,
        image_mean: [0.5, 0.4, 0.3],
        image_std: [0.2, 0.25, 0.5],
        image_processor_type: 'CLIPImageProcessor',
      },
      { channels: 3, height: 32, width: 32 },
    );
    const dir = await tempDir('nwb-enc');
    const f = join(dir, 'grey.png');
    // 64 x 48 grey image, constant value 100: every output pixel is 100 whatever the kernel.
    writeFileSync(
      f,
      await sharp(Buffer.alloc(64 * 48, 100), { raw: { width: 64, height: 48, channels: 1 } })
        .png()
        .toBuffer(),
    );
    const px = await decodeImage(f, spec);
    expect(px.length).toBe(32 * 32 * 3);
    expect(new Set(px)).toEqual(new Set([100]));
    const t = imageTable(spec);
    expect(t[0][100]).toBe(Math.fround(Math.fround(Math.fround(100 / 255) - Math.fround(0.5)) / Math.fround(0.2)));
  });

  it('vision tower embeddings are unit rows unless normalize: false', async () => {
    const dir = writeTinySeparate(await tempDir('nwb-enc'), visionTower(6), textTower(6, 16));
    const enc = await openEncoder(dir, { provider: 'cpu', threads: 1 });
    try {
      const img = await sharp(Buffer.alloc(28 * 28 * 3, 200), { raw: { width: 28, height: 28, channels: 3 } })
        .png()
        .toBuffer();
      const raw = await enc.embedImages([img, img], { normalize: false });
      const unit = await enc.embedImages([img, img]);
      const n = Math.hypot(...raw.subarray(0, 6));
      for (let j = 0; j < 6; j++) expect(unit[j]).toBeCloseTo(raw[j] / n, 6);
    } finally {
      await enc.close();
    }
  });
});
