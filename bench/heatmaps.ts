import { mkdtempSync, readdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createBackend } from '../src/main/core/app/backend';
import { heatmaps, tensorCacheOf } from '../src/main/core/features/models/heatmaps';
import { sessionsOf } from '../src/main/core/features/models/extractJob';
import { decodeModel, encodeModel } from '../src/main/core/onnx/onnxProto';
import { createSession, runBatch } from '../src/main/core/onnx/session';
import { preprocessImage, PRESETS } from '../src/main/core/onnx/preprocess';
import { readFile } from 'node:fs/promises';

// Heatmaps benchmark (issue #17 goal: heatmaps for 10 images on the fixture CNN <= 500 ms); one JSON object on stdout.
//   cold:     the first activations.heatmaps call of a backend (loads the model, cuts it after layer3, creates the
//             session, decodes and runs 10 PNGs)
//   uncached: the same call with the session warm but no cached layer tensors (what opening another neuron page
//             on other images costs): median of REPS runs, each on a fresh tensor cache
//   cached:   another unit of the same 10 images (tensors cached: no model run)
//   reference, same run: one full-model forward pass of the same 10 preprocessed images (warm session, median)

const ROOT = resolve(import.meta.dirname, '..');
const FIX = join(ROOT, 'resources/fixtures');
const LAYER3 = '/layer3/relu_1/Relu_output_0';
const N = 10;
const REPS = process.argv.includes('--quick') ? 5 : 21;
const GOAL_MS = 500;
const log = (s: string) => process.stderr.write(`[heatmaps] ${s}\n`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0: number) => performance.now() - t0;

async function main(): Promise<object> {
  const dir = mkdtempSync(join(tmpdir(), 'nwb-bench-heat-'));
  const backend = createBackend({ userDataDir: dir, mode: 'cli' });
  const c = { signal: new AbortController().signal, progress: () => undefined };
  await backend.handlers['project.create']({ path: join(dir, 'bench.nwb') }, c);
  const db = backend.state.requireProject().db;
  const images = join(FIX, 'golden', 'images');
  const files = readdirSync(images)
    .filter((f) => f.endsWith('.png'))
    .sort();
  const now = new Date().toISOString();
  const ps = Number(
    db
      .prepare('INSERT INTO probe_sets(name, root_path, complete, created_at, updated_at) VALUES (?,?,1,?,?)')
      .run('golden', images, now, now).lastInsertRowid,
  );
  const put = db.prepare(
    'INSERT INTO images(probe_set_id, rel_path, bytes, mtime_ms, sha256, width, height, format) VALUES (?,?,0,0,?,28,28,?)',
  );
  for (const f of files) put.run(ps, f, f, 'png');
  const ids = (db.prepare('SELECT id FROM images WHERE probe_set_id = ? ORDER BY id').all(ps) as { id: number }[]).map((r) => r.id);
  const cnn = join(FIX, 'models', 'fmnist_cnn.onnx');
  const m = await backend.handlers['model.add']({ path: cnn }, c);
  await backend.handlers['model.setPreprocessing']({ modelId: m.id, preset: 'fashion-mnist' }, c);
  const set = (await backend.handlers['activations.extract']({ modelId: m.id, layer: LAYER3, probeSetId: ps, summary: 'mean' }, c))
    .activationSet;
  const ten = ids.slice(0, N);

  log('cold call');
  let t0 = performance.now();
  const cold = await backend.handlers['activations.heatmaps']({ activationSetId: set.id, neuron: 17, imageIds: ten }, c);
  const coldMs = ms(t0);

  log(`uncached x${REPS}`);
  const deps = { db, sessions: sessionsOf(backend.state) };
  const uncached: number[] = [];
  for (let r = 0; r < REPS; r++) {
    t0 = performance.now();
    const out = await heatmaps({ ...deps, cache: tensorCacheOf({}) }, { activationSetId: set.id, neuron: r % 64, imageIds: ten });
    uncached.push(ms(t0));
    if (out.computed !== N) throw new Error(`expected ${N} images computed, got ${out.computed}`);
  }

  log(`cached x${REPS}`);
  const cached: number[] = [];
  for (let r = 0; r < REPS; r++) {
    t0 = performance.now();
    const out = await backend.handlers['activations.heatmaps']({ activationSetId: set.id, neuron: (r * 7) % 64, imageIds: ten }, c);
    cached.push(ms(t0));
    if (out.computed !== 0) throw new Error('expected cached tensors');
  }

  log('reference: full-model forward pass of the same 10 images');
  const pre = { ...PRESETS['fashion-mnist'], layout: 'NCHW' as const };
  const x = new Float32Array(N * 784);
  const decode0 = performance.now();
  for (let i = 0; i < N; i++) x.set(await preprocessImage(join(images, files[i]), pre), i * 784);
  const decodeMs = ms(decode0);
  const { session } = await createSession(encodeModel(decodeModel(await readFile(cnn))), {});
  await runBatch(session, 'input', x, [N, 1, 28, 28], ['logits']); // warm-up
  const full: number[] = [];
  for (let r = 0; r < REPS; r++) {
    t0 = performance.now();
    await runBatch(session, 'input', x, [N, 1, 28, 28], ['logits']);
    full.push(ms(t0));
  }
  await session.release();
  backend.dispose();

  const uncachedMs = median(uncached);
  return {
    what: `activations.heatmaps, ${N} images, fixture CNN layer3 (7x7 maps of 64 channels), ${availableParallelism()} threads`,
    goalMs: GOAL_MS,
    pass: coldMs <= GOAL_MS && uncachedMs <= GOAL_MS,
    coldMs: Number(coldMs.toFixed(1)),
    uncachedMedianMs: Number(uncachedMs.toFixed(1)),
    cachedMedianMs: Number(median(cached).toFixed(2)),
    reference: {
      what: `one full-model forward pass of the same ${N} preprocessed images (warm session), median of ${REPS}`,
      fullForwardMedianMs: Number(median(full).toFixed(2)),
      decodeAndPreprocessMs: Number(decodeMs.toFixed(1)),
    },
    mapsCheck: { channel: 17, grid: cold.grid, scale: cold.scale },
  };
}

console.log(JSON.stringify(await main()));
