import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectEncoder, openEncoder, type Encoder } from '../../src/main/core/onnx/encoders';
import { FIXTURE_ENCODERS } from '../helpers/tinyEncoder';

// The fixture encoders against goldens computed in PyTorch (scripts/fixtures/train_dual_encoders.py):
// token ids exactly; raw and normalised embeddings within 1e-4 through PNG file -> sharp -> preprocessing -> onnxruntime.

interface GoldenEncoder {
  embed_dim: number;
  input_ids: number[][];
  attention_mask?: number[][];
  ids?: number[][];
  text_embeds: number[][];
  image_embeds: number[][];
}
interface Golden {
  texts: string[];
  images: string[];
  pad_id: number;
  max_length: number;
  encoders: Record<string, GoldenEncoder>;
}

const golden = JSON.parse(readFileSync(join(FIXTURE_ENCODERS, 'golden.json'), 'utf8')) as Golden;
const IMAGES = join(import.meta.dirname, '..', '..', 'resources', 'fixtures', 'golden', 'images');
const TOL = 1e-4;

function unit(rows: number[][]): number[][] {
  return rows.map((r) => {
    const n = Math.hypot(...r);
    return r.map((v) => v / n);
  });
}

function expectRowsClose(got: Float32Array, want: number[][], dim: number): number {
  expect(got.length).toBe(want.length * dim);
  let worst = 0;
  want.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(got[i * dim + j] - v)))));
  expect(worst).toBeLessThan(TOL);
  return worst;
}

for (const [name, layout, fixed] of [
  ['fmnist_siglip_a', 'separate', 16],
  ['fmnist_clip_b', 'combined', null],
] as const) {
  describe(`fixture encoder ${name}`, () => {
    const g = golden.encoders[name];
    let enc: Encoder;
    beforeAll(async () => {
      enc = await openEncoder(join(FIXTURE_ENCODERS, name), { provider: 'cpu', threads: 1 });
    });
    afterAll(async () => enc?.close());

    it('inspects as the golden describes', async () => {
      const info = await inspectEncoder(join(FIXTURE_ENCODERS, name));
      expect(info).toMatchObject({
        layout,
        dim: g.embed_dim,
        fixedTextLength: fixed,
        maxTextLength: golden.max_length,
        padId: golden.pad_id,
        imageSize: [28, 28],
      });
      expect(enc.dim).toBe(g.embed_dim);
    });

    it('token ids equal the golden exactly (padded rows and masks too)', () => {
      const b = enc.tokenize(golden.texts);
      if (fixed) {
        expect(b.length).toBe(fixed);
        const rows = golden.texts.map((_, i) => b.padded.slice(i * b.length, (i + 1) * b.length));
        expect(rows).toEqual(g.input_ids);
      } else {
        expect(b.ids).toEqual(g.ids);
        const w = b.length;
        expect(golden.texts.map((_, i) => b.padded.slice(i * w, (i + 1) * w))).toEqual(g.input_ids);
        expect(golden.texts.map((_, i) => b.mask.slice(i * w, (i + 1) * w))).toEqual(g.attention_mask);
      }
    });

    it('text embeddings (raw and normalised) match the golden within 1e-4', async () => {
      expectRowsClose(await enc.embedTexts(golden.texts, { normalize: false }), g.text_embeds, g.embed_dim);
      expectRowsClose(await enc.embedTexts(golden.texts), unit(g.text_embeds), g.embed_dim);
      // Batch size 1 and 3 give the same rows (no dependence on batch composition).
      expectRowsClose(await enc.embedTexts(golden.texts, { normalize: false, batch: 3 }), g.text_embeds, g.embed_dim);
      expectRowsClose(await enc.embedTexts(golden.texts, { normalize: false, batch: 1 }), g.text_embeds, g.embed_dim);
    });

    it('image embeddings from the PNG files (raw and normalised) match the golden within 1e-4', async () => {
      const files = golden.images.map((f) => join(IMAGES, f));
      expectRowsClose(await enc.embedImages(files, { normalize: false, batch: 4 }), g.image_embeds, g.embed_dim);
      expectRowsClose(await enc.embedImages(files), unit(g.image_embeds), g.embed_dim);
      const buffers = files.map((f) => readFileSync(f));
      expectRowsClose(await enc.embedImages(buffers, { normalize: false }), g.image_embeds, g.embed_dim);
    });
  });
}

describe('CLIP-style padding independence (fixture fmnist_clip_b)', () => {
  it('each text embeds the same alone as in the full batch', async () => {
    const enc = await openEncoder(join(FIXTURE_ENCODERS, 'fmnist_clip_b'), { provider: 'cpu', threads: 1 });
    try {
      const D = enc.dim;
      const all = await enc.embedTexts(golden.texts, { normalize: false });
      let worst = 0;
      for (let i = 0; i < golden.texts.length; i++) {
        const one = await enc.embedTexts([golden.texts[i]], { normalize: false });
        expect(enc.tokenize([golden.texts[i]]).length).toBe(golden.encoders.fmnist_clip_b.ids![i].length);
        for (let j = 0; j < D; j++) worst = Math.max(worst, Math.abs(one[j] - all[i * D + j]));
      }
      expect(worst).toBeLessThan(1e-5);
    } finally {
      await enc.close();
    }
  });
});
