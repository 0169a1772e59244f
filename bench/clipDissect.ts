/**
 * CLIP-Dissect benchmark: soft-WPMI labels for a layer from cached embeddings (src/main/core/numeric/dissect).
 *   npx tsx bench/clipDissect.ts            issue size: 2,048 neurons x 20,000 concepts x 50,000 images, d = 512
 *   npx tsx bench/clipDissect.ts --small    256 neurons x 2,000 concepts x 5,000 images, d = 128 (also --quick)
 *   options: --n N --k K --m M --d D --threads T (0 = all cores) --no-torch
 * Seeded synthetic data (mulberry32): L2-normalised text embeddings; each image is noise plus half of one random
 * concept's text, L2-normalised; neuron j's activation is uniform noise plus 1 on images of its concept
 * (j * 7919 mod m), so labels carry signal. The inputs are written once as float32 files and read by both cases,
 * so both compute on the same numbers. Cases, each in its own process (peak RSS is its own):
 *   ours   clipDissect (onnxruntime softmax per image chunk, float64 products, one log per neuron x concept)
 *   torch  /usr/bin/python3 + torch (bench/python/torch_clip_dissect.py): the reference's dense softmax matrix and
 *          per-neuron gather + log-sum, same threads.
 * Agreement: share of neurons whose label is the same in both. Prints ONE JSON object on stdout.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { clipDissect } from '../src/main/core/numeric/dissect';
import { mulberry32 } from '../src/main/core/numeric/le/splits';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const sarg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const small = process.argv.includes('--small') || process.argv.includes('--quick');
const N = arg('n', small ? 5000 : 50000);
const K = arg('k', small ? 256 : 2048);
const M = arg('m', small ? 2000 : 20000);
const D = arg('d', small ? 128 : 512);
const threads = arg('threads', 0);
const PY = '/usr/bin/python3';
const log = (s: string): void => void process.stderr.write(`[bench/clipDissect] ${s}\n`);
const rssMB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const secs = (t0: number): number => +((performance.now() - t0) / 1000).toFixed(2);

function normalise(a: Float32Array, d: number): void {
  for (let o = 0; o < a.length; o += d) {
    let s = 0;
    for (let t = 0; t < d; t++) s += a[o + t] * a[o + t];
    const inv = 1 / Math.sqrt(s);
    for (let t = 0; t < d; t++) a[o + t] *= inv;
  }
}

function writeData(dir: string): void {
  const u = mulberry32(2048);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const texts = Float32Array.from({ length: M * D }, normal);
  normalise(texts, D);
  const classOf = Int32Array.from({ length: N }, () => Math.floor(u() * M));
  const images = new Float32Array(N * D);
  const noise = 1 / Math.sqrt(D);
  for (let i = 0; i < N; i++) for (let t = 0; t < D; t++) images[i * D + t] = noise * normal() + 0.5 * texts[classOf[i] * D + t];
  normalise(images, D);
  const acts = new Float32Array(N * K);
  for (let i = 0; i < N; i++) for (let j = 0; j < K; j++) acts[i * K + j] = u() + (classOf[i] === (j * 7919) % M ? 1 : 0);
  writeFileSync(join(dir, 'images.f32'), images);
  writeFileSync(join(dir, 'texts.f32'), texts);
  writeFileSync(join(dir, 'acts.f32'), acts);
}

const readF32 = (file: string): Float32Array => {
  const b = readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

async function caseOurs(dir: string): Promise<Record<string, unknown>> {
  const images = readF32(join(dir, 'images.f32'));
  const texts = readF32(join(dir, 'texts.f32'));
  const acts = readF32(join(dir, 'acts.f32'));
  const dataRss = rssMB();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const res = await clipDissect(
    { acts, n: N, k: K, images, texts, d: D, m: M },
    { variant: 'soft_wpmi', threads, onProgress: (d, t) => d % 5 === 0 && log(`ours: ${d} of ${t}`) },
  );
  const seconds = secs(t0);
  const cpu = process.cpuUsage(c0);
  return {
    seconds,
    cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    dataRssMB: dataRss,
    peakRssMB: rssMB(),
    best: Array.from(res.best),
    bestScore: Array.from(res.score, (v) => +v.toFixed(5)),
  };
}

function caseTorch(dir: string): Record<string, unknown> {
  if (process.argv.includes('--no-torch')) return { skipped: '--no-torch' };
  if (!existsSync(PY) || spawnSync(PY, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0)
    return { skipped: 'no torch in /usr/bin/python3' };
  const torchThreads = threads > 0 ? threads : Number(process.env.OMP_NUM_THREADS ?? availableParallelism());
  const r = spawnSync(
    PY,
    [join(import.meta.dirname, 'python', 'torch_clip_dissect.py'), dir, String(N), String(K), String(M), String(D), String(torchThreads)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 << 20,
    },
  );
  return lastJson(r.stdout) ?? { error: `torch script printed no JSON (exit ${r.status})` };
}

function lastJson(s: string): Record<string, unknown> | null {
  for (const line of s.trim().split('\n').reverse()) {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      /* next */
    }
  }
  return null;
}

function child(name: string, dir: string): Record<string, unknown> {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, import.meta.filename, '--case', name, '--dir', dir, ...process.argv.slice(2)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 << 20,
    },
  );
  return lastJson(r.stdout) ?? { error: `case ${name} printed no JSON (exit ${r.status})` };
}

async function main(): Promise<void> {
  const which = sarg('case');
  if (which) {
    const dir = sarg('dir')!;
    const out = which === 'ours' ? await caseOurs(dir) : caseTorch(dir);
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  const load0 = loadavg().map((v) => +v.toFixed(2));
  const dir = mkdtempSync(join(tmpdir(), 'clipDissect-'));
  try {
    const t0 = performance.now();
    writeData(dir);
    log(`data: ${secs(t0)}s in ${dir}`);
    const ours = child('ours', dir);
    log(`ours: ${String(ours.seconds)}s`);
    const torch = child('torch', dir);
    log(`torch: ${String(torch.seconds)}s`);
    const a = ours.best as number[] | undefined;
    const b = torch.best as number[] | undefined;
    let same = 0;
    let maxScoreDiff = 0;
    if (a && b) {
      for (let j = 0; j < K; j++) if (a[j] === b[j]) same++;
      const sa = ours.bestScore as number[];
      const sb = torch.bestScore as number[];
      for (let j = 0; j < K; j++) if (a[j] === b[j]) maxScoreDiff = Math.max(maxScoreDiff, Math.abs(sa[j] - sb[j]));
    }
    const planted = a ? a.filter((t, j) => t === (j * 7919) % M).length / K : null;
    const strip = ({ best: _b, bestScore: _s, ...rest }: Record<string, unknown>): Record<string, unknown> => rest;
    const out = {
      benchmark: 'clipDissect',
      variant: 'soft_wpmi',
      sizes: { neurons: K, concepts: M, images: N, dim: D, topK: 100, small },
      threads,
      goals: { seconds: 30 },
      ours: strip(ours),
      torch: strip(torch),
      agreement:
        a && b ? { sameLabel: +(same / K).toFixed(4), neurons: K, maxBestScoreDiffWhenSame: +maxScoreDiff.toExponential(2) } : null,
      plantedConceptFound: planted,
      speedupVsTorch:
        typeof ours.seconds === 'number' && typeof torch.seconds === 'number' ? +(torch.seconds / ours.seconds).toFixed(2) : null,
      loadAverage: { before: load0, after: loadavg().map((v) => +v.toFixed(2)) },
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
