import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { createBackend } from '../src/main/core/app/backend';
import { exposeOutputs } from '../src/main/core/onnx/graph';
import { decodeModel, encodeModel } from '../src/main/core/onnx/onnxProto';
import { createSession, runBatch } from '../src/main/core/onnx/session';
import { runCases, type Cases } from './cases';

// Inference benchmark; prints one JSON object on stdout (progress on stderr).
//   fmnist-cnn / fmnist-vit: activations.extract over the 10k Fashion-MNIST test images through the app's real
//     path: PNG files on disk -> sharp decode -> preprocessing -> onnxruntime -> summary -> SQLite chunks + stats.
//     The probe-set rows are inserted directly (the importer is benchmarked separately).
//   resnet50: onnxruntime vs PyTorch eager, layer4 pooled features, 512 preprocessed 224x224 inputs in memory
//     (engine speed only), same thread count. Needs /usr/bin/python3 with torch + torchvision; skipped otherwise.
// Each case runs in its own process so its peak RSS is its own. `--quick` shrinks every case.

const ROOT = resolve(import.meta.dirname, '..');
const CACHE = join(ROOT, '.cache', 'bench');
const PY = '/usr/bin/python3';
const quick = process.argv.includes('--quick');
const threads = availableParallelism();
const log = (s: string) => process.stderr.write(`[inference] ${s}\n`);

async function fmnistPngs(n: number): Promise<string> {
  const dir = join(CACHE, 'fmnist-t10k');
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length >= n) return dir;
  log(`writing ${n} Fashion-MNIST test PNGs to ${dir} (once)`);
  const raw = gunzipSync(readFileSync('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz'));
  for (let i = 0; i < n; i++) {
    const px = raw.subarray(16 + i * 784, 16 + (i + 1) * 784);
    await sharp(px, { raw: { width: 28, height: 28, channels: 1 } })
      .png()
      .toFile(join(dir, `${String(i).padStart(5, '0')}.png`));
  }
  return dir;
}

async function fmnistCase(model: string, summary: 'mean' | 'cls'): Promise<object> {
  const n = quick ? 1000 : 10000;
  const images = await fmnistPngs(n);
  const dir = mkdtempSync(join(tmpdir(), 'nwb-bench-'));
  const backend = createBackend({ userDataDir: dir, mode: 'cli' });
  const c = { signal: new AbortController().signal, progress: () => undefined };
  await backend.handlers['project.create']({ path: join(dir, 'bench.nwb') }, c);
  const db = backend.state.requireProject().db;
  const now = new Date().toISOString();
  const ps = Number(
    db
      .prepare('INSERT INTO probe_sets(name, root_path, complete, created_at, updated_at) VALUES (?,?,1,?,?)')
      .run('fmnist', images, now, now).lastInsertRowid,
  );
  const put = db.prepare(
    'INSERT INTO images(probe_set_id, rel_path, bytes, mtime_ms, sha256, width, height, format) VALUES (?,?,0,0,?,28,28,?)',
  );
  db.transaction(() =>
    readdirSync(images)
      .sort()
      .slice(0, n)
      .forEach((f) => put.run(ps, f, f, 'png')),
  )();
  const m = await backend.handlers['model.add']({ path: join(ROOT, 'resources/fixtures/models', `${model}.onnx`) }, c);
  const { layers } = await backend.handlers['model.info']({ modelId: m.id }, c);
  const layer =
    layers.filter((l) => l.suggested && l.shape.length === (summary === 'cls' ? 3 : 4)).pop() ?? layers.filter((l) => l.suggested)[0];
  log(`${model}: ${n} images, layer ${layer.friendly} [${layer.shape}] ${summary}`);
  const t0 = performance.now();
  const r = await backend.handlers['activations.extract'](
    { modelId: m.id, layer: layer.tensorName, probeSetId: ps, summary, batchSize: 64 },
    c,
  );
  const seconds = (performance.now() - t0) / 1000;
  backend.dispose();
  return {
    model,
    images: n,
    layer: layer.friendly,
    tensor: layer.tensorName,
    summary,
    batch: 64,
    threads,
    provider: r.provider.used,
    seconds,
    imagesPerSecond: n / seconds,
    neurons: r.activationSet.nNeurons,
    path: 'PNG files -> sharp -> preprocess -> onnxruntime -> summary -> SQLite (+ stats)',
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    loadAvg1m: loadavg()[0],
  };
}

async function resnetCase(): Promise<object> {
  const n = quick ? 64 : 512;
  const batch = 32;
  if (!existsSync(PY) || spawnSync(PY, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status !== 0) {
    return { skipped: `${PY} with torch + torchvision not found` };
  }
  const onnxPath = join(CACHE, 'resnet50.onnx');
  if (!existsSync(onnxPath)) {
    log('exporting ResNet-50 (random weights) to ONNX (once)');
    const ex = spawnSync(PY, [join(ROOT, 'bench/python/export_resnet50.py'), onnxPath], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (ex.status !== 0) return { error: 'export_resnet50.py failed' };
  }
  const pooled = '/avgpool/GlobalAveragePool_output_0';
  const { session, report } = await createSession(encodeModel(exposeOutputs(decodeModel(readFileSync(onnxPath)), [pooled])), { threads });
  const x = new Float32Array(batch * 3 * 224 * 224);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.0137);
  await runBatch(session, 'input', x.subarray(0, 2 * 3 * 224 * 224), [2, 3, 224, 224], [pooled]); // warm-up
  log(`resnet50 onnxruntime: ${n} images, batch ${batch}, ${threads} threads`);
  const t0 = performance.now();
  for (let done = 0; done < n; done += batch) {
    const b = Math.min(batch, n - done);
    await runBatch(session, 'input', x.subarray(0, b * 3 * 224 * 224), [b, 3, 224, 224], [pooled]);
  }
  const ortSeconds = (performance.now() - t0) / 1000;
  await session.release();
  log('resnet50 pytorch eager');
  const py = spawnSync(PY, [join(ROOT, 'bench/python/torch_resnet50.py'), String(n), String(batch), String(threads)], {
    encoding: 'utf8',
    cwd: join(ROOT, 'bench/python'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const torch = JSON.parse(py.stdout.trim().split('\n').pop() ?? '{}') as { imagesPerSecond?: number };
  const ort = {
    engine: 'onnxruntime-node',
    provider: report.used,
    images: n,
    batch,
    threads,
    seconds: ortSeconds,
    imagesPerSecond: n / ortSeconds,
  };
  return {
    layer: 'layer4 pooled (avgpool)',
    inputs: 'preprocessed 224x224 tensors in memory (no decode), same for both',
    onnxruntime: ort,
    pytorch: torch,
    ratio: torch.imagesPerSecond ? ort.imagesPerSecond / torch.imagesPerSecond : null,
    goal: 1.5,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    // Other processes on the machine skew both engines; a load average above the core count means the numbers are noisy.
    loadAvg1m: loadavg()[0],
  };
}

const CASES: Cases = {
  'fmnist-cnn': () => fmnistCase('fmnist_cnn', 'mean'),
  'fmnist-vit': () => fmnistCase('fmnist_vit', 'cls'),
  resnet50: resnetCase,
};

await runCases('inference', import.meta.filename, CASES, { cpus: threads });
