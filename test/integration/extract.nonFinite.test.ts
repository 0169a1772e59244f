import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMatrix } from '../../src/main/core/platform/store/activationRepo';
import { call, withProject } from '../helpers/backend';
import { tempDir } from '../helpers/tempDir';
import { logModel, solidPng, writeModel } from '../helpers/tinyVision';
import { refusal } from '../helpers/refusal';

// Issue #11, item 3: a model that produces NaN / -Infinity in known neurons on known images (test/helpers/tinyVision
// logModel: feat = [log(R - 0.5), log(G), log(B), R, G, B] of each solid-colour image, x = pixel / 255).
//   'stop' (default): the extraction stops before the batch is written, naming the layer, the first image, how many.
//   'flag': values stored as they are, planted neurons flagged, stats over the finite values only.
// Then explain.run skips the flagged neurons with the reason recorded, and Top Impact / ablation refuse the set.

const N = 24;
const BATCH = 8;

/** Image i: clean colours, except the planted ones (R < 128 -> NaN in neuron 0, B = 0 -> -Infinity in neuron 2). */
function colour(i: number): [number, number, number] {
  const c: [number, number, number] = [140 + 4 * i, 30 + 7 * i, 20 + 5 * i];
  if (i === 9) c[0] = 100;
  if (i === 18) c[2] = 0;
  if (i === 15) [c[0], c[2]] = [60, 0];
  if (i === 20) c[0] = 50;
  if (i === 21) c[0] = 0;
  return c;
}

/** What the model computes for a colour, in float64 (the model works in float32: compared to 4-5 decimals). */
function feat([r, g, b]: [number, number, number]): number[] {
  const [x, y, z] = [Math.fround(r / 255), Math.fround(g / 255), Math.fround(b / 255)];
  return [Math.log(x - 0.5), Math.log(y), Math.log(z), x, y, z];
}

const isBad = (v: number) => !Number.isFinite(v);

async function setUp() {
  const dir = await tempDir('nwb-nonfinite');
  const root = join(dir, 'probe');
  const names: string[] = [];
  for (let i = 0; i < N; i++) {
    const rel = `${i % 2 ? 'b' : 'a'}/img${String(i).padStart(2, '0')}.png`;
    mkdirSync(join(root, i % 2 ? 'b' : 'a'), { recursive: true });
    await solidPng(join(root, rel), colour(i));
    names.push(rel);
  }
  const { backend } = await withProject(dir);
  const probeSetId = (await call(backend, 'probe.import', { root })).probeSetId;
  const m = await call(backend, 'model.add', { path: writeModel(dir, 'logmodel.onnx', logModel()) });
  await call(backend, 'model.setPreprocessing', { modelId: m.id, preset: 'unit' });
  const db = backend.state.requireProject().db;
  // Rows follow image ids; expectations are computed in that order (whatever order the importer gave).
  const order = (
    db.prepare('SELECT rel_path FROM images WHERE probe_set_id = ? ORDER BY id').all(probeSetId) as { rel_path: string }[]
  ).map((r) => r.rel_path);
  const rows = order.map((rel) => feat(colour(names.indexOf(rel))));
  return { backend, db, probeSetId, modelId: m.id, order, rows };
}

describe('non-finite activations from a real ONNX model', () => {
  it(
    "'stop' names the layer, the first image and the counts; 'flag' then completes the same set with exactly the planted neurons flagged",
    { timeout: 60_000 },
    async () => {
      const { backend, db, probeSetId, modelId, order, rows } = await setUp();

      // Hand computation of the first batch with a non-finite value, in row order.
      const badChunk = Math.floor(rows.findIndex((r) => r.some(isBad)) / BATCH);
      const chunkRows = rows.slice(badChunk * BATCH, (badChunk + 1) * BATCH);
      const firstRow = chunkRows.findIndex((r) => r.some(isBad));
      const firstCol = chunkRows[firstRow].findIndex(isBad);
      const values = chunkRows.flat().filter(isBad).length;
      const images = chunkRows.filter((r) => r.some(isBad)).length;
      const neurons = [0, 1, 2, 3, 4, 5].filter((j) => chunkRows.some((r) => isBad(r[j])));
      const firstImage = order[badChunk * BATCH + firstRow];
      const firstValue = Number.isNaN(chunkRows[firstRow][firstCol]) ? 'NaN' : '-Infinity';

      const input = { modelId, layer: 'feat', probeSetId, batchSize: BATCH } as const;
      const e = await refusal(call(backend, 'activations.extract', input));
      expect(e.code).toBe('non_finite');
      expect(e.message).toContain(`Layer 'feat' produced ${values} non-finite value${values === 1 ? '' : 's'} (NaN or +-Infinity)`);
      expect(e.message).toContain(`in the batch of images ${badChunk * BATCH + 1}-${badChunk * BATCH + BATCH} of ${N}`);
      expect(e.message).toContain(
        `${images} image${images === 1 ? '' : 's'}, ${neurons.length} of 6 neurons (neurons ${neurons.join(', ')})`,
      );
      expect(e.message).toContain(
        `First: image '${firstImage}' (image ${badChunk * BATCH + firstRow + 1}), neuron ${firstCol} = ${firstValue}`,
      );
      expect(e.message).toContain('--onNonFinite flag');
      expect(e.data).toMatchObject({
        kind: 'layer',
        tensor: 'feat',
        values,
        images,
        neurons,
        firstImage,
        firstNeuron: firstCol,
        firstValue,
        savedImages: badChunk * BATCH,
      });

      // What was committed before stays; the set is incomplete and the job says why (failed, resumable).
      const [set] = await call(backend, 'activations.list', { modelId });
      expect(set).toMatchObject({ complete: false, rowsDone: badChunk * BATCH, nonFiniteNeurons: [], nonFiniteLogits: 0 });
      const [job] = await call(backend, 'jobs.list', {});
      expect(job).toMatchObject({ kind: 'activations.extract', status: 'failed', resumable: true, done: badChunk * BATCH });
      expect(job.error).toBe(e.message);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');

      // A finite layer with non-finite logits: the stored logits are checked too, and named.
      const l = await refusal(call(backend, 'activations.extract', { ...input, layer: 'pooled' }));
      expect(l.code).toBe('non_finite');
      expect(l.message).toMatch(/^The model output 'logits' \(stored as logits\) produced \d+ non-finite values/);
      expect(l.data).toMatchObject({ kind: 'logits', tensor: 'logits', firstImage, firstLogit: 0 });

      // The same call with 'flag' continues the same set and job from the saved images.
      const progress: string[] = [];
      const done = await call(
        backend,
        'activations.extract',
        { ...input, onNonFinite: 'flag' },
        { signal: new AbortController().signal, progress: (p) => p.message && progress.push(p.message) },
      );
      expect(done.activationSet.id).toBe(set.id);
      expect(progress[0]).toBe(badChunk ? `resuming at image ${badChunk * BATCH + 1}` : 'extracting');
      const planted = [0, 2];
      const badRows = rows.filter((r) => r.some(isBad)).length;
      expect(done.activationSet).toMatchObject({ complete: true, rowsDone: N, nonFiniteNeurons: planted, nonFiniteLogits: 2 * badRows });
      const jobs = await call(backend, 'jobs.list', {});
      expect(jobs.find((j) => j.id === job.id)?.status).toBe('done');

      // Stored as they are.
      const act = readMatrix(db, set.id, 'act');
      rows.forEach((r, i) => r.forEach((v, j) => (isBad(v) ? expect(act[i * 6 + j]).toBe(v) : expect(act[i * 6 + j]).toBeCloseTo(v, 4))));

      // Stats of every neuron over its finite values only (population std), and the count of the others.
      const stats = await call(backend, 'activations.stats', { activationSetId: set.id });
      for (let j = 0; j < 6; j++) {
        const col = rows.map((r) => r[j]).filter((v) => !isBad(v));
        const mean = col.reduce((a, b) => a + b, 0) / col.length;
        const std = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length);
        expect(stats[j].nonFinite).toBe(N - col.length);
        expect(stats[j].min).toBeCloseTo(Math.min(...col), 4);
        expect(stats[j].max).toBeCloseTo(Math.max(...col), 4);
        expect(stats[j].mean).toBeCloseTo(mean, 4);
        expect(stats[j].std).toBeCloseTo(std, 4);
        expect(stats[j].zeroShare).toBe(col.filter((v) => v === 0).length / col.length);
      }
      expect(stats.filter((s) => s.nonFinite > 0).map((s) => s.neuron)).toEqual(planted);
      expect(stats[0].nonFinite).toBe(4); // images 9, 15, 20, 21
      expect(stats[2].nonFinite).toBe(2); // images 15, 18
      const { histogram } = await call(backend, 'activations.neuron', { activationSetId: set.id, neuron: 0 });
      expect(histogram.counts.reduce((a, b) => a + b, 0)).toBe(N - 4);

      // explain.run skips the flagged neurons, each with its reason; all-flagged requests are refused.
      const run = await call(backend, 'explain.run', { activationSetId: set.id });
      expect(run.run.params.skippedNonFinite).toEqual(planted);
      expect(run.run.neuronsDone).toBe(6);
      const results = await call(backend, 'explain.results', { runId: run.run.id, sort: { by: 'neuron', dir: 'asc' } });
      for (const k of planted) {
        const row = results.rows.find((r) => r.neuron === k)!;
        expect(row.text).toBe(`skipped: ${stats[k].nonFinite} of ${N} activations are NaN or +-Infinity (flagged at extraction)`);
        expect(row.terms).toEqual([]);
      }
      expect(db.prepare('SELECT count(*) AS n FROM explanations WHERE explain_run_id = ? AND neuron IN (0, 2)').get(run.run.id)).toEqual({
        n: 0,
      });
      const all = await refusal(call(backend, 'explain.run', { activationSetId: set.id, neurons: planted }));
      expect(all.code).toBe('non_finite');
      expect(all.message).toContain('0 (4 of 24), 2 (2 of 24)');

      // Ablation-type consumers need the whole layer and the logits: refused with the reason.
      const ti = await refusal(call(backend, 'topimpact.run', { activationSetId: set.id }));
      expect(ti.code).toBe('non_finite');
      expect(ti.message).toContain(
        `Top Impact cannot use activation set ${set.id} (layer 'feat'): neurons 0, 2 have NaN or +-Infinity activations, and ${2 * badRows} stored logits are NaN or +-Infinity`,
      );
      const ab = await refusal(call(backend, 'ablation.run', { explainRunId: run.run.id }));
      expect(ab.code).toBe('non_finite');
      expect(ab.message).toMatch(/^Ablation cannot use activation set \d+ \(layer 'feat'\): neurons 0, 2 have NaN/);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    },
  );

  it(
    "'stop' refuses to complete a set whose stored rows already hold non-finite values (left by an interrupted 'flag' run)",
    { timeout: 60_000 },
    async () => {
      const { backend, probeSetId, modelId } = await setUp();
      const input = { modelId, layer: 'feat', probeSetId, batchSize: BATCH } as const;
      await call(backend, 'activations.extract', { ...input, onNonFinite: 'flag' });
      // Make the set incomplete again, as a kill after the last chunk and before the stats would leave it.
      const db = backend.state.requireProject().db;
      db.prepare('UPDATE activation_sets SET complete = 0').run();
      db.prepare('DELETE FROM neuron_stats').run();
      const e = await refusal(call(backend, 'activations.extract', input));
      expect(e.code).toBe('non_finite');
      expect(e.message).toMatch(
        /^Layer 'feat' produced 6 non-finite values \(NaN or \+-Infinity\) in the rows already stored for activation set \d+: 5 images, 2 of 6 neurons \(neurons 0, 2\)/,
      );
      expect(e.message).toContain('stored by an earlier run with --onNonFinite flag');
    },
  );
});
