import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirSync } from '../helpers/tempDir';
import type { Backend } from '../../src/main/core/app/backend';
import { committedChunks, readMatrix } from '../../src/main/core/platform/store/activationRepo';
import { ctx, freshBackend, insertProbeSet, writeFmnistPngs } from './extract.helpers';

// Cancel + resume gives the same matrix as one uninterrupted run; stats and exports agree with the matrix.

const CNN = 'resources/fixtures/models/fmnist_cnn.onnx';
const LAYER = '/layer3/relu_1/Relu_output_0';
const N = 100;
let images: string;
const backends: Backend[] = [];

async function setup() {
  const { backend } = await freshBackend();
  backends.push(backend);
  const probeSetId = insertProbeSet(backend, images);
  const model = await backend.handlers['model.add']({ path: CNN }, ctx());
  return { backend, probeSetId, modelId: model.id, db: backend.state.requireProject().db };
}

beforeAll(async () => {
  images = await writeFmnistPngs(N, join(tempDirSync('nwb-fm'), 'imgs'));
});
afterAll(() => backends.forEach((b) => b.dispose()));

describe('extraction job', () => {
  it('cancel + resume equals an uninterrupted run', async () => {
    const a = await setup();
    const whole = await a.backend.handlers['activations.extract'](
      { modelId: a.modelId, layer: LAYER, probeSetId: a.probeSetId, summary: 'mean', batchSize: 16 },
      ctx(),
    );
    expect(whole.activationSet).toMatchObject({ nImages: N, nNeurons: 64, nLogits: 10, rowsDone: N, complete: true });

    const b = await setup();
    const input = { modelId: b.modelId, layer: LAYER, probeSetId: b.probeSetId, summary: 'mean' as const, batchSize: 16 };
    const ac = new AbortController();
    const seen: number[] = [];
    const first = b.backend.handlers['activations.extract'](
      input,
      ctx((p) => {
        seen.push(p.done);
        if (p.done >= 48) ac.abort();
      }, ac.signal),
    );
    await expect(first).rejects.toMatchObject({ code: 'cancelled' });
    const setId = (await b.backend.handlers['activations.list']({}, ctx()))[0].id;
    const kept = committedChunks(b.db, setId);
    expect(kept).toBeGreaterThanOrEqual(3);
    expect(kept).toBeLessThan(Math.ceil(N / 16));
    // The job row says how far it got, committed with the chunks, and is resumable.
    const [job] = await b.backend.handlers['jobs.list']({}, ctx());
    expect(job).toMatchObject({ kind: 'activations.extract', status: 'cancelled', resumable: true, done: kept * 16, total: N });
    const resumed: string[] = [];
    const second = await b.backend.handlers['jobs.resume'](
      { jobId: job.id },
      ctx((p) => p.message && resumed.push(p.message)),
    );
    expect((second.result as { activationSet: { id: number } }).activationSet.id).toBe(setId);
    expect(resumed[0]).toMatch(/resuming at image/);
    expect((await b.backend.handlers['jobs.list']({}, ctx()))[0]).toMatchObject({ id: job.id, status: 'done', done: N });
    for (const kind of ['act', 'logits', 'pred'] as const) {
      const x = readMatrix(a.db, whole.activationSet.id, kind);
      const y = readMatrix(b.db, setId, kind);
      expect(Buffer.from(y.buffer).equals(Buffer.from(x.buffer))).toBe(true);
    }
    // Same parameters again: the complete set is returned, nothing recomputed.
    const again = await b.backend.handlers['activations.extract'](input, ctx());
    expect(again.activationSet.id).toBe(setId);
    expect(again.seconds).toBe(0);
  });

  it('refuses bad input before writing a job row', async () => {
    const s = await setup();
    await expect(
      s.backend.handlers['activations.extract']({ modelId: s.modelId, layer: 'nope', probeSetId: s.probeSetId, summary: 'auto' }, ctx()),
    ).rejects.toMatchObject({ code: 'bad_input' });
    await expect(
      s.backend.handlers['activations.extract']({ modelId: s.modelId, layer: LAYER, probeSetId: s.probeSetId, summary: 'cls' }, ctx()),
    ).rejects.toMatchObject({ code: 'bad_input' });
    expect(await s.backend.handlers['jobs.list']({}, ctx())).toEqual([]);
  });

  it('stats, neuron histogram and exports agree with the stored matrix', async () => {
    const s = await setup();
    const h = s.backend.handlers;
    const r = await h['activations.extract']({ modelId: s.modelId, layer: LAYER, probeSetId: s.probeSetId, summary: 'max' }, ctx());
    const id = r.activationSet.id;
    const m = readMatrix(s.db, id);
    const stats = await h['activations.stats']({ activationSetId: id }, ctx());
    expect(stats).toHaveLength(64);
    for (const j of [0, 17, 63]) {
      const col = Array.from({ length: N }, (_, i) => m[i * 64 + j]);
      const mean = col.reduce((a, b) => a + b, 0) / N;
      expect(stats[j].min).toBeCloseTo(Math.min(...col), 6);
      expect(stats[j].max).toBeCloseTo(Math.max(...col), 6);
      expect(stats[j].mean).toBeCloseTo(mean, 6);
      expect(stats[j].std).toBeCloseTo(Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / N), 6);
      expect(stats[j].zeroShare).toBeCloseTo(col.filter((v) => v === 0).length / N, 12);
      expect(stats[j].dead).toBe(Math.max(...col) < 0.01);
      const { histogram } = await h['activations.neuron']({ activationSetId: id, neuron: j }, ctx());
      expect(histogram.counts).toHaveLength(30);
      expect(histogram.counts.reduce((a, b) => a + b, 0)).toBe(N);
    }
    const dir = tempDirSync('nwb-export');
    const npy = await h['activations.export'](
      { activationSetId: id, path: join(dir, 'a.npy'), format: 'npy', kind: 'act', overwrite: false },
      ctx(),
    );
    const buf = readFileSync(npy.path);
    const headerLen = 10 + buf.readUInt16LE(8);
    expect(new Float32Array(buf.buffer.slice(buf.byteOffset + headerLen, buf.byteOffset + buf.length))).toEqual(m);
    const csv = await h['activations.export'](
      { activationSetId: id, path: join(dir, 'l.csv'), format: 'csv', kind: 'logits', overwrite: false },
      ctx(),
    );
    const lines = readFileSync(csv.path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(N + 1);
    // Row columns first (row, image_id, rel_path, class, labels), then the logits.
    expect(lines[1].split(',').slice(5).map(Number)).toEqual(Array.from(readMatrix(s.db, id, 'logits').subarray(0, 10)));
  });
});
