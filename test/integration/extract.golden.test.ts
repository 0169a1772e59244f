import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/main/core/app/backend';
import { readMatrix } from '../../src/main/core/platform/store/activationRepo';
import { ctx, freshBackend, insertProbeSet, maxAbsDiff } from './extract.helpers';

// The app's extraction (PNG -> sharp -> preprocessing -> onnxruntime -> summary) against PyTorch golden
// activations written by scripts/fixtures/make_golden.py.

const FIX = join(process.cwd(), 'resources/fixtures');
const TOL = 1e-4;

interface GoldenLayer {
  tensor: string;
  summaries: Record<string, { values: number[][] }>;
}
interface Golden {
  images: { file: string }[];
  preprocessing: { scale: number; mean: number[]; std: number[]; size: number; channels: 1 | 3; layout: 'NCHW' | 'NHWC' };
  predicted: number[];
  layers: Record<string, GoldenLayer>;
}

const load = (id: string): Golden | null => {
  const p = join(FIX, 'golden', `${id}.json`);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Golden) : null;
};

/** [model, golden layer, golden summary, app summary] */
const CASES: [string, string, string, 'mean' | 'max' | 'identity' | 'cls' | 'token_mean'][] = [
  ['fmnist_cnn', 'layer3', 'spatial_mean', 'mean'],
  ['fmnist_cnn', 'layer3', 'spatial_max', 'max'],
  ['fmnist_cnn', 'pooled', 'full', 'identity'],
  ['fmnist_vit', 'blocks.3.mlp.act', 'cls', 'cls'],
  ['fmnist_vit', 'blocks.3.mlp.act', 'token_mean', 'token_mean'],
  ['fmnist_vit', 'cls', 'full', 'identity'],
];

let backend: Backend;
let probeSetId: number;
const modelIds = new Map<string, number>();
const errors: Record<string, number> = {};

beforeAll(async () => {
  ({ backend } = await freshBackend());
  const g = load('fmnist_cnn') ?? load('fmnist_vit');
  if (g)
    probeSetId = insertProbeSet(
      backend,
      join(FIX, 'golden'),
      g.images.map((i) => i.file),
    );
});
afterAll(() => {
  console.log(`golden max abs error: ${JSON.stringify(errors)}`);
  backend.dispose();
});

async function modelId(id: string, g: Golden): Promise<number> {
  if (!modelIds.has(id)) {
    const m = await backend.handlers['model.add']({ path: join(FIX, 'models', `${id}.onnx`) }, ctx());
    const p = g.preprocessing;
    await backend.handlers['model.setPreprocessing'](
      {
        modelId: m.id,
        options: { scale: p.scale, mean: p.mean, std: p.std, size: [p.size, p.size], channels: p.channels, layout: p.layout },
      },
      ctx(),
    );
    modelIds.set(id, m.id);
  }
  return modelIds.get(id)!;
}

describe('extraction equals PyTorch golden activations', () => {
  for (const [id, layer, goldenSummary, summary] of CASES) {
    const g = load(id);
    it.skipIf(!g)(`${id} ${layer} ${summary}`, async () => {
      const ref = g!.layers[layer];
      const r = await backend.handlers['activations.extract'](
        { modelId: await modelId(id, g!), layer: ref.tensor, probeSetId, summary },
        ctx(),
      );
      const db = backend.state.requireProject().db;
      const err = maxAbsDiff(readMatrix(db, r.activationSet.id), ref.summaries[goldenSummary].values.flat());
      errors[`${id}.${layer}.${summary}`] = err;
      expect(err).toBeLessThanOrEqual(TOL);
      const logitsErr = maxAbsDiff(readMatrix(db, r.activationSet.id, 'logits'), g!.layers.logits.summaries.full.values.flat());
      errors[`${id}.logits`] = logitsErr;
      expect(logitsErr).toBeLessThanOrEqual(TOL);
      expect([...readMatrix(db, r.activationSet.id, 'pred')]).toEqual(g!.predicted);
    });
  }
});
