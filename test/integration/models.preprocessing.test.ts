import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel, onnx } from '../../src/main/core/onnx/onnxProto';
import { call } from '../helpers/backend';
import { CNN, probeProject } from './explain.helpers';

// Preprocessing is read from the file's metadata_props when the export wrote it, else guessed, and model.add
// says which (issue #17); model.inputStats shows the statistics of preprocessed probe images, checked here
// against the pixels decoded independently with sharp.

function withMeta(meta: Record<string, string>): Uint8Array {
  const m = decodeModel(readFileSync(CNN));
  m.metadataProps = Object.entries(meta).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value }));
  return encodeModel(m);
}

describe('preprocessing: from metadata, or a guess said to be one; input statistics', () => {
  it('model.add reads metadata_props, says "a guess" otherwise, and names a key it could not use', async () => {
    const f = await probeProject(1);
    const plain = join(f.dir, 'plain.onnx');
    copyFileSync(CNN, plain);
    const g = await call(f.backend, 'model.add', { path: plain });
    expect(g.preprocessingSource.kind).toBe('guess');
    expect(g.preprocessingSource.detail).toMatch(/^a guess: .*28x28 grayscale input looks like Fashion-MNIST.*model\.setPreprocessing/);

    const json = join(f.dir, 'json.onnx');
    writeFileSync(
      json,
      withMeta({ 'nwb.preprocessing': JSON.stringify({ scale: 1 / 255, mean: [0.5], std: [0.25], interpolation: 'nearest' }) }),
    );
    const j = await call(f.backend, 'model.add', { path: json });
    expect(j.preprocessing).toMatchObject({ scale: 1 / 255, mean: [0.5], std: [0.25], interpolation: 'nearest', size: [28, 28] });
    expect(j.preprocessingSource).toEqual({ kind: 'metadata', detail: "read from the model file's metadata_props (nwb.preprocessing)" });

    const keys = join(f.dir, 'keys.onnx');
    writeFileSync(keys, withMeta({ 'preprocessing.mean': '0.1', 'preprocessing.std': '[0.2]', 'preprocessing.preset': 'unit' }));
    const k = await call(f.backend, 'model.add', { path: keys });
    expect(k.preprocessing).toMatchObject({ mean: [0.1], std: [0.2], resize: 'squash', scale: 1 / 255 });
    expect(k.preprocessingSource.detail).toContain('preprocessing.preset, preprocessing.mean, preprocessing.std');

    const bad = join(f.dir, 'bad.onnx');
    writeFileSync(bad, withMeta({ 'preprocessing.mean': '0.485,0.456,0.406' }));
    const b = await call(f.backend, 'model.add', { path: bad });
    expect(b.preprocessingSource.kind).toBe('guess');
    expect(b.preprocessingSource.detail).toContain(
      "its preprocessing metadata could not be used: metadata_props 'preprocessing.mean' has 3 values; the model's input has 1 channel(s)",
    );

    // Changed by the user: 'set'; the model page reads the same through model.info.
    await call(f.backend, 'model.setPreprocessing', { modelId: g.id, options: { mean: [0.3] } });
    expect((await call(f.backend, 'model.info', { modelId: g.id })).model.preprocessingSource).toEqual({
      kind: 'set',
      detail: 'set by you',
    });
  }, 60_000);

  it('model.inputStats: per-channel mean/std/min/max of preprocessed probe images = the pixels by hand; a missing scale is flagged', async () => {
    const f = await probeProject(2); // 20 images
    const m = await call(f.backend, 'model.add', { path: CNN });
    const s = await call(f.backend, 'model.inputStats', { modelId: m.id, probeSetId: f.probeSetId, images: 5 });
    expect(s.images).toHaveLength(5);
    expect(s.channels).toHaveLength(1);
    // By hand: decode the same PNGs, (p / 255 - 0.286) / 0.353.
    const probe = (await call(f.backend, 'probe.list', {})).find((p) => p.id === f.probeSetId)!;
    const xs: number[] = [];
    for (const im of s.images) {
      const px = await sharp(join(probe.rootPath, im.relPath)).greyscale().raw().toBuffer();
      for (const p of px) xs.push((p / 255 - 0.286) / 0.353);
    }
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(s.channels[0].mean).toBeCloseTo(mean, 5);
    expect(s.channels[0].std).toBeCloseTo(std, 5);
    expect(s.channels[0].min).toBeCloseTo(Math.min(...xs), 5);
    expect(s.channels[0].max).toBeCloseTo(Math.max(...xs), 5);
    expect(s.warning).toBeNull();
    // Raw 0..255 pixels (no scale): flagged.
    const raw = await call(f.backend, 'model.inputStats', {
      modelId: m.id,
      probeSetId: f.probeSetId,
      images: 5,
      options: { scale: 1, mean: [0], std: [1] },
    });
    expect(raw.channels[0].mean).toBeCloseTo((mean * 0.353 + 0.286) * 255, 3);
    expect(raw.warning).toMatch(/the scale may be missing/);
  }, 60_000);
});
