import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirSync } from '../helpers/tempDir';
import type { Backend } from '../../src/main/core/app/backend';
import { readMatrix } from '../../src/main/core/platform/store/activationRepo';
import { ctx, freshBackend, insertProbeSet, maxAbsDiff } from './extract.helpers';

// Every model shape the extractor must handle, checked against PyTorch outputs (variants/golden.json).

const V = 'resources/fixtures/variants';
interface Golden {
  gray: { logits: number[][]; stage_mean: number[][]; stage_max: number[][]; pooled: number[][] };
  rgb: { logits: number[][] };
}
const golden = JSON.parse(readFileSync(join(V, 'golden.json'), 'utf8')) as Golden;
const TOL = 1e-4;

let backend: Backend;
let probeSetId: number;
const errors: Record<string, number> = {};

beforeAll(async () => {
  ({ backend } = await freshBackend());
  probeSetId = insertProbeSet(backend, join(process.cwd(), V, 'images'));
});
afterAll(() => {
  console.log(`variants max abs error: ${JSON.stringify(errors)}`);
  backend.dispose();
});

async function extract(modelId: number, layer: string, summary: 'mean' | 'max' | 'identity' | 'auto', batchSize?: number) {
  const r = await backend.handlers['activations.extract']({ modelId, layer, probeSetId, summary, batchSize }, ctx());
  const db = backend.state.requireProject().db;
  return {
    r,
    act: readMatrix(db, r.activationSet.id, 'act'),
    logits: readMatrix(db, r.activationSet.id, 'logits'),
    pred: readMatrix(db, r.activationSet.id, 'pred'),
  };
}

const cases: { name: string; prefix: string; rgb?: boolean; size28?: boolean }[] = [
  { name: 'batch1', prefix: '' },
  { name: 'nhwc', prefix: '/net' },
  { name: 'rank3', prefix: '/net' },
  { name: 'two_outputs', prefix: '' },
  { name: 'dynamic_hw', prefix: '', size28: true },
  { name: 'ext_data', prefix: '' },
  { name: 'rgb', prefix: '', rgb: true },
];

describe('extraction on model variants matches PyTorch', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const h = backend.handlers;
      const m = await h['model.add']({ path: join(V, `${c.name}.onnx`) }, ctx());
      if (c.size28) await h['model.setPreprocessing']({ modelId: m.id, preset: 'fashion-mnist', options: { size: [28, 28] } }, ctx());
      if (c.rgb) await h['model.setPreprocessing']({ modelId: m.id, options: { mean: [0.286], std: [0.353] } }, ctx());
      const stage = `${c.prefix}/relu2/Relu_output_0`;
      const mean = await extract(m.id, stage, 'auto', 3);
      const ref = c.rgb ? golden.rgb : golden.gray;
      const eLogits = maxAbsDiff(mean.logits, ref.logits.flat());
      expect(eLogits).toBeLessThanOrEqual(TOL);
      expect([...mean.pred]).toEqual(ref.logits.map((row) => row.indexOf(Math.max(...row))));
      errors[`${c.name}.logits`] = eLogits;
      if (c.rgb) return;
      expect(mean.r.activationSet).toMatchObject({ summary: 'mean', nNeurons: 16, nImages: 4, complete: true });
      errors[`${c.name}.mean`] = maxAbsDiff(mean.act, golden.gray.stage_mean.flat());
      expect(errors[`${c.name}.mean`]).toBeLessThanOrEqual(TOL);
      const max = await extract(m.id, stage, 'max');
      errors[`${c.name}.max`] = maxAbsDiff(max.act, golden.gray.stage_max.flat());
      expect(errors[`${c.name}.max`]).toBeLessThanOrEqual(TOL);
    });
  }

  it('pooled features of the second output (identity)', async () => {
    const m = (await backend.handlers['model.list']({}, ctx())).find((x) => x.name === 'two_outputs')!;
    const pooled = await extract(m.id, 'features', 'auto');
    expect(pooled.r.activationSet.summary).toBe('identity');
    errors['two_outputs.pooled'] = maxAbsDiff(pooled.act, golden.gray.pooled.flat());
    expect(errors['two_outputs.pooled']).toBeLessThanOrEqual(TOL);
  });
});

describe('preprocessing preview', () => {
  it('returns the de-normalised image and the tensor stats', async () => {
    const m = (await backend.handlers['model.list']({}, ctx())).find((x) => x.name === 'nhwc')!;
    const imageId = (backend.state.requireProject().db.prepare('SELECT min(id) AS id FROM images').get() as { id: number }).id;
    const v = await backend.handlers['model.preview']({ modelId: m.id, imageId }, ctx());
    expect(v.shape).toEqual([1, 28, 28, 1]);
    expect(v.dataUrl).toMatch(/^data:image\/png;base64,/);
    // De-normalising gives back the original pixels exactly.
    const sharp = (await import('sharp')).default;
    const back = await sharp(Buffer.from(v.dataUrl.split(',')[1], 'base64'))
      .raw()
      .toBuffer();
    const orig = await sharp(join(V, 'images', '00.png'))
      .raw()
      .toBuffer();
    expect(back.equals(orig)).toBe(true);
    expect(v.stats.min).toBeCloseTo((0 - 0.286) / 0.353, 5);
    const squashed = await backend.handlers['model.preview'](
      { modelId: m.id, imageId, options: { size: [14, 20], channels: 3, mean: [0.5], std: [0.5] } },
      ctx(),
    );
    expect(squashed.shape).toEqual([1, 14, 20, 3]);
  });
});

describe('model file status', () => {
  it('reports ok, changed and missing, and refuses to run a changed file', async () => {
    const d = tempDirSync('nwb-status');
    const p = join(d, 'm.onnx');
    copyFileSync(join(V, 'batch1.onnx'), p);
    const h = backend.handlers;
    const m = await h['model.add']({ path: p }, ctx());
    expect(m.status).toBe('ok');
    expect((await h['model.add']({ path: p }, ctx())).id).toBe(m.id); // same file, same model
    const bytes = readFileSync(p);
    bytes[bytes.length - 5] ^= 0xff;
    writeFileSync(p, bytes);
    expect((await h['model.info']({ modelId: m.id }, ctx())).model.status).toBe('changed');
    await expect(h['activations.extract']({ modelId: m.id, layer: 'logits', probeSetId, summary: 'auto' }, ctx())).rejects.toMatchObject({
      code: 'model_invalid',
    });
    rmSync(p);
    expect((await h['model.list']({}, ctx())).find((x) => x.id === m.id)!.status).toBe('missing');
    expect(existsSync(p)).toBe(false);
  });
});
