import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calibrate, cosineBlocks } from '../../src/main/core/numeric/conceptP';
import { openEncoder } from '../../src/main/core/onnx/encoders';
import { CLASS_NAMES, SUPERCLASS_OF, fashionMnistPng, loadFashionMnist } from '../helpers/fashionMnist';

// Calibration of the fixture encoders against PyTorch: scripts/fixtures/train_dual_encoders.py ran the
// reference grid (docs/methods.md "Calibration") on the first 2,000 Fashion-MNIST test images x 10 class + 2 superclass texts and
// stored the best grid point in golden.json. The workbench's path (PNG -> sharp -> preprocessing ->
// onnxruntime embeddings -> cos blocks -> histogram grid) must land on the same grid point, with the same BCE.

const FIX = join(process.cwd(), 'resources/fixtures/encoders');
const golden = JSON.parse(readFileSync(join(FIX, 'golden.json'), 'utf8')) as {
  encoders: Record<string, { calibration: { a: number; b: number; bce: number; bce_a1_b0: number; images: number; concepts: string[] } }>;
};
const N = 2000;

describe.each(['fmnist_siglip_a', 'fmnist_clip_b'])('calibration of %s vs the PyTorch reference grid', (name) => {
  it('finds the same grid point and BCE on the same 2,000 test images', async () => {
    const ref = golden.encoders[name].calibration;
    expect(ref.images).toBe(N);
    const data = loadFashionMnist('test');
    const enc = await openEncoder(join(FIX, name));
    try {
      const pngs = await Promise.all(Array.from({ length: N }, (_, i) => fashionMnistPng('test', i)));
      const images = await enc.embedImages(pngs, { batch: 250 });
      const texts = await enc.embedTexts(ref.concepts);
      const L = ref.concepts.length;
      const cos = new Float32Array(N * L);
      await cosineBlocks({ data: images, rows: N, cols: enc.dim }, { data: texts, rows: L, cols: enc.dim }, (block, r0) =>
        cos.set(block, r0 * L),
      );
      // Binary labels: the image's class, and the superclass containing it.
      const labels = new Uint8Array(N * L);
      for (let i = 0; i < N; i++) {
        const cls = CLASS_NAMES[data.labels[i]];
        ref.concepts.forEach((c, j) => (labels[i * L + j] = c === cls || SUPERCLASS_OF[cls] === c ? 1 : 0));
      }
      const fit = calibrate(cos, labels, { rows: N, cols: L });
      expect(fit.grid.a).toBe(ref.a);
      expect(fit.grid.b).toBeCloseTo(ref.b, 10);
      expect(Math.abs(fit.grid.bce - ref.bce)).toBeLessThan(1e-5);
      expect(Math.abs(fit.before.bce - ref.bce_a1_b0)).toBeLessThan(1e-5);
      // The continuous refine can only improve on the grid.
      expect(fit.bce).toBeLessThanOrEqual(fit.grid.bce);
    } finally {
      await enc.close();
    }
  });
});
