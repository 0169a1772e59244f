import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ort } from '../src/main/core/onnx/ort';
import sharp from 'sharp';
import { openEncoder } from '../src/main/core/onnx/encoders';
import { createSession } from '../src/main/core/onnx/session';
import { runCases, type Cases } from './cases';

// Image-text encoder benchmark; prints one JSON object on stdout (progress on stderr).
//   fmnist_siglip_a / fmnist_clip_b: the fixture encoders through the app's real path: PNG files on disk -> sharp
//     decode -> preprocessor_config.json preprocessing -> onnxruntime -> L2-normalised rows (images/s), and
//     tokenizer.json tokenisation -> padding -> onnxruntime (texts/s).
//   vit-b16: a ViT-B/16-sized vision tower (random weights, pixel_values [B,3,224,224] -> image_embeds [B,768]),
//     onnxruntime vs PyTorch eager on the same threads, batch and image count, preprocessed tensors in memory.
//     Needs /usr/bin/python3 with torch and bench/python/vit_b16.py; skipped otherwise.
// Each case runs in its own process so its peak RSS is its own. `--quick` shrinks every case.

const ROOT = resolve(import.meta.dirname, '..');
const CACHE = join(ROOT, '.cache', 'bench');
const PY = '/usr/bin/python3';
const quick = process.argv.includes('--quick');
const threads = availableParallelism();
const log = (s: string) => process.stderr.write(`[encoders] ${s}\n`);

async function fmnistPngs(n: number): Promise<string[]> {
  const dir = join(CACHE, 'fmnist-t10k');
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length < n) {
    log(`writing ${n} Fashion-MNIST test PNGs to ${dir} (once)`);
    const raw = gunzipSync(readFileSync('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz'));
    for (let i = 0; i < n; i++) {
      const px = raw.subarray(16 + i * 784, 16 + (i + 1) * 784);
      await sharp(px, { raw: { width: 28, height: 28, channels: 1 } })
        .png()
        .toFile(join(dir, `${String(i).padStart(5, '0')}.png`));
    }
  }
  return readdirSync(dir)
    .sort()
    .slice(0, n)
    .map((f) => join(dir, f));
}

/** Distinct short phrases from the fixture vocabulary (1-4 words), like a concept list. */
function phrases(vocab: string[], n: number): string[] {
  const words = vocab.filter((w) => !w.startsWith('<'));
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const k = 1 + (i % 4);
    out.push(Array.from({ length: k }, (_, j) => words[(i * 7 + j * 13 + Math.floor(i / words.length)) % words.length]).join(' '));
  }
  return out;
}

async function fixtureCase(name: string): Promise<object> {
  const folder = join(ROOT, 'resources/fixtures/encoders', name);
  if (!existsSync(folder)) return { skipped: `${folder} not found` };
  const nImages = quick ? 500 : 2000;
  const nTexts = quick ? 500 : 2000;
  const files = await fmnistPngs(nImages);
  const enc = await openEncoder(folder, { threads });
  const vocab = Object.keys(
    (JSON.parse(readFileSync(join(folder, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } }).model.vocab,
  );
  const texts = phrases(vocab, nTexts);
  await enc.embedImages(files.slice(0, 64)); // warm-up
  await enc.embedTexts(texts.slice(0, 64));
  log(`${name}: ${nImages} images (batch 64), ${nTexts} texts (batch 256), ${threads} threads`);
  let t0 = performance.now();
  await enc.embedImages(files, { batch: 64 });
  const imageSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  await enc.embedTexts(texts, { batch: 256 });
  const textSeconds = (performance.now() - t0) / 1000;
  const r = {
    encoder: name,
    layout: enc.info.layout,
    dim: enc.dim,
    provider: enc.provider.used,
    threads,
    images: nImages,
    imageBatch: 64,
    imageSeconds,
    imagesPerSecond: nImages / imageSeconds,
    texts: nTexts,
    textBatch: 256,
    textSeconds,
    textsPerSecond: nTexts / textSeconds,
    path: 'PNG files -> sharp -> preprocessor_config -> onnxruntime -> L2 norm; tokenizer.json -> pad -> onnxruntime -> L2 norm',
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    loadAvg1m: loadavg()[0],
  };
  await enc.close();
  return r;
}

/**
 * One batch size: onnxruntime (the app's session settings) vs PyTorch eager, same threads, batch and images.
 * Two batch sizes are reported: 8, and 32 (what the app uses for image embeddings), because PyTorch gains
 * from larger batches while onnxruntime stays flat: the comparison is only honest with both.
 */
async function vitAtBatch(session: ort.InferenceSession, script: string, batch: number, n: number): Promise<object> {
  const input = session.inputNames.includes('pixel_values') ? 'pixel_values' : session.inputNames[0];
  const output = session.outputNames.includes('image_embeds') ? 'image_embeds' : session.outputNames[0];
  const x = new Float32Array(batch * 3 * 224 * 224);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.0137);
  const run = (b: number) =>
    session.run({ [input]: new ort.Tensor('float32', x.subarray(0, b * 3 * 224 * 224), [b, 3, 224, 224]) }, [output]);
  await run(batch); // warm-up with a full batch (as the PyTorch side does)
  log(`vit-b16 onnxruntime: ${n} images, batch ${batch}, ${threads} threads`);
  const t0 = performance.now();
  for (let done = 0; done < n; done += batch) await run(Math.min(batch, n - done));
  const ortIps = n / ((performance.now() - t0) / 1000);
  log(`vit-b16 pytorch eager: batch ${batch}`);
  const py = spawnSync(PY, [script, '--time', '--threads', String(threads), '--batch', String(batch), '--images', String(n)], {
    encoding: 'utf8',
    cwd: join(ROOT, 'bench/python'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let torch: { images_per_s?: number } & Record<string, unknown> = {};
  try {
    torch = JSON.parse(py.stdout.trim().split('\n').pop() ?? '{}') as typeof torch;
  } catch {
    torch = { error: `vit_b16.py --time printed no JSON (exit ${py.status})` };
  }
  return {
    batch,
    images: n,
    onnxruntimeImagesPerSecond: ortIps,
    pytorchImagesPerSecond: torch.images_per_s ?? null,
    speedup: typeof torch.images_per_s === 'number' ? ortIps / torch.images_per_s : null,
    pytorch: torch,
  };
}

async function vitCase(): Promise<object> {
  const script = join(ROOT, 'bench/python/vit_b16.py');
  const n = quick ? 8 : 64;
  if (!existsSync(script)) return { skipped: `${script} not found` };
  if (!existsSync(PY) || spawnSync(PY, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0)
    return { skipped: `${PY} with torch not found` };
  const onnxPath = join(CACHE, 'vit_b16.onnx');
  mkdirSync(CACHE, { recursive: true });
  if (!existsSync(onnxPath)) {
    log('exporting a random-weight ViT-B/16 vision tower to ONNX (once)');
    const ex = spawnSync(PY, [script, '--export', onnxPath], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (ex.status !== 0 || !existsSync(onnxPath)) return { error: 'vit_b16.py --export failed' };
  }
  const { session, report } = await createSession(readFileSync(onnxPath), { threads });
  try {
    const batches = [];
    for (const batch of quick ? [8] : [8, 32]) batches.push(await vitAtBatch(session, script, batch, Math.max(n, batch * 2)));
    return {
      model: 'ViT-B/16 vision tower, random weights, pixel_values [B,3,224,224] -> image_embeds [B,768]',
      inputs: 'preprocessed 224x224 tensors in memory (no decode), same for both',
      provider: report.used,
      threads,
      batches,
      goal: 1.5,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      loadAvg1m: loadavg()[0],
    };
  } finally {
    await session.release();
  }
}

const CASES: Cases = {
  fmnist_siglip_a: () => fixtureCase('fmnist_siglip_a'),
  fmnist_clip_b: () => fixtureCase('fmnist_clip_b'),
  'vit-b16': vitCase,
};

await runCases('encoders', import.meta.filename, CASES, { cpus: threads });
