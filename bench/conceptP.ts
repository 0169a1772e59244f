/**
 * Concept-matrix benchmark: P = sigmoid(a (cos + b)) from cached embeddings, and calibration of (a, b).
 *   npx tsx bench/conceptP.ts            paper scale: N = 50,000 images, M = 8,438 concepts, D = 768, 1,000 classes
 *   npx tsx bench/conceptP.ts --quick    N = 5,000, M = 1,000, 100 classes
 *   options: --n N --m M --d D --classes C --threads T (onnxruntime, 0 = all cores) --no-torch
 * Synthetic embeddings (seeded): each image belongs to one class; label concepts = the first C texts; an
 * image is noise + a class-text component of random strength + a shared direction that every text also
 * has (so cos has an offset like real models). L2-normalised, in memory before timing starts.
 * Cases, each in its own process so peak RSS is its own:
 *   quantized  (b) calibrate (a, b) on C label concepts x N images, then (a) build uint16 P for all M
 *              concepts with the top-5 filter statistics (src/main/core/numeric/conceptP).
 *   dense      the same P build into a float32 N x M matrix (the naive form), same matmul, sigmoid in JS.
 *   torch      /usr/bin/python3 + torch (bench/python/torch_concept_p.py) on the same threads: matmul +
 *              sigmoid into a dense float32 P with top-5/std, and the reference grid BCE (timed on a sample
 *              of grid points, extrapolated to the full 16,281).
 * Prints ONE JSON object on stdout (progress on stderr).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildP,
  buildPDense,
  calibrate,
  cosineBlocks,
  l2normalise,
  REFERENCE_A_GRID,
  REFERENCE_B_GRID,
} from '../src/main/core/numeric/conceptP';
import { denseMatrix, type DenseMatrix } from '../src/main/core/numeric/le/types';
import { mulberry32 } from '../src/main/core/numeric/le/splits';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
function sarg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const quick = process.argv.includes('--quick');
const N = arg('n', quick ? 5000 : 50000);
const M = arg('m', quick ? 1000 : 8438);
const D = arg('d', 768);
const C = arg('classes', quick ? 100 : 1000);
const threads = arg('threads', 0);
const PY = '/usr/bin/python3';
const log = (s: string): void => void process.stderr.write(`[bench/conceptP] ${s}\n`);
const rssMB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const secs = (t0: number): number => +((performance.now() - t0) / 1000).toFixed(2);
const cpuSecs = (c0: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(c0);
  return +((d.user + d.system) / 1e6).toFixed(2);
};

interface Data {
  images: DenseMatrix;
  texts: DenseMatrix;
  classOf: Int32Array;
}

function makeData(): Data {
  const u = mulberry32(8438);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const shared = Float32Array.from({ length: D }, normal);
  const texts = new Float32Array(M * D);
  for (let j = 0; j < M; j++) for (let t = 0; t < D; t++) texts[j * D + t] = normal() + 0.23 * shared[t];
  const classOf = Int32Array.from({ length: N }, () => Math.floor(u() * C));
  const images = new Float32Array(N * D);
  for (let i = 0; i < N; i++) {
    const k = 0.06 + 0.14 * u(); // how clearly the image shows its class
    const c = classOf[i];
    for (let t = 0; t < D; t++) images[i * D + t] = normal() + k * texts[c * D + t] + 0.2 * shared[t];
  }
  l2normalise(texts, D, { inPlace: true });
  l2normalise(images, D, { inPlace: true });
  return { images: denseMatrix(images, N, D), texts: denseMatrix(texts, M, D), classOf };
}

async function caseQuantized(data: Data): Promise<Record<string, unknown>> {
  const dataRss = rssMB();
  // (b) calibration: cos of every image with the C label texts (one product per block), labels one-hot.
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  const labelTexts = denseMatrix(data.texts.data.subarray(0, C * D), C, D);
  const cos = new Float32Array(N * C);
  await cosineBlocks(data.images, labelTexts, (block, r0) => cos.set(block, r0 * C), { threads });
  const cosSeconds = secs(t0);
  const labels = new Uint8Array(N * C);
  for (let i = 0; i < N; i++) labels[i * C + data.classOf[i]] = 1;
  const t1 = performance.now();
  const fit = calibrate(cos, labels);
  const fitSeconds = secs(t1);
  const calibrateSeconds = secs(t0);
  const calibrateCpu = cpuSecs(c0);
  const calibrateRss = rssMB();
  log(
    `calibrate: a = ${fit.a.toFixed(3)}, b = ${fit.b.toFixed(4)}, bce ${fit.bce.toFixed(5)} (grid ${fit.grid.a}, ${fit.grid.b}: ${fit.grid.bce.toFixed(5)}), ${calibrateSeconds}s`,
  );
  // (a) quantized P for all M concepts + top-5 filter stats.
  t0 = performance.now();
  c0 = process.cpuUsage();
  const built = await buildP(data.images, data.texts, { a: fit.a, b: fit.b, threads });
  const buildSeconds = secs(t0);
  const buildCpu = cpuSecs(c0);
  log(`quantized P: ${buildSeconds}s, kept ${built.filter.kept.length}/${M}, rss ${rssMB()} MB`);
  return {
    calibration: {
      a: +fit.a.toFixed(4),
      b: +fit.b.toFixed(5),
      bce: +fit.bce.toFixed(6),
      grid: { a: fit.grid.a, b: fit.grid.b, bce: +fit.grid.bce.toFixed(6) },
      before: { bce: +fit.before.bce.toFixed(6) },
      iterations: fit.iterations,
      pairs: fit.pairs,
      histogramMaxBceError: +fit.histogram.maxBceError.toExponential(2),
      seconds: { cos: cosSeconds, fit: fitSeconds, total: calibrateSeconds },
      cpuSeconds: calibrateCpu,
      peakRssMBAfter: calibrateRss,
    },
    buildP: {
      seconds: buildSeconds,
      cpuSeconds: buildCpu,
      bytesP: built.p.data.byteLength,
      kept: built.filter.kept.length,
      dropped: built.filter.dropped.length,
    },
    totalSeconds: +(calibrateSeconds + buildSeconds).toFixed(2),
    dataRssMB: dataRss,
    peakRssMB: rssMB(),
  };
}

async function caseDense(data: Data, a: number, b: number): Promise<Record<string, unknown>> {
  const dataRss = rssMB();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const built = await buildPDense(data.images, data.texts, { a, b, threads });
  const seconds = secs(t0);
  log(`dense float32 P: ${seconds}s, kept ${built.filter.kept.length}/${M}`);
  return {
    buildP: { seconds, cpuSeconds: cpuSecs(c0), bytesP: built.p.data.byteLength, kept: built.filter.kept.length },
    dataRssMB: dataRss,
    peakRssMB: rssMB(),
  };
}

function caseTorch(data: Data, a: number, b: number): Record<string, unknown> {
  if (process.argv.includes('--no-torch')) return { skipped: '--no-torch' };
  if (!existsSync(PY) || spawnSync(PY, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0)
    return { skipped: 'no torch in /usr/bin/python3' };
  const dir = mkdtempSync(join(tmpdir(), 'conceptP-'));
  try {
    writeFileSync(join(dir, 'images.f32'), data.images.data);
    writeFileSync(join(dir, 'texts.f32'), data.texts.data);
    writeFileSync(join(dir, 'classes.i32'), data.classOf);
    const torchThreads =
      threads > 0
        ? threads
        : (process.env.OMP_NUM_THREADS ??
          String((globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2));
    const r = spawnSync(
      PY,
      [
        join(import.meta.dirname, 'python', 'torch_concept_p.py'),
        dir,
        String(N),
        String(M),
        String(D),
        String(C),
        String(a),
        String(b),
        String(torchThreads),
        String(REFERENCE_A_GRID.length * REFERENCE_B_GRID.length),
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    return lastJson(r.stdout) ?? { error: `torch script printed no JSON (exit ${r.status})` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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

function child(name: string, extra: string[] = []): Record<string, unknown> {
  const r = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, '--case', name, ...process.argv.slice(2), ...extra], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 << 20,
  });
  return lastJson(r.stdout) ?? { error: `case ${name} printed no JSON (exit ${r.status})` };
}

async function main(): Promise<void> {
  const which = sarg('case');
  if (which) {
    let t0 = performance.now();
    const data = makeData();
    log(`case ${which}: data ${secs(t0)}s, rss ${rssMB()} MB`);
    t0 = performance.now();
    const a = arg('a', 60);
    const b = arg('b', -0.1);
    const out = which === 'quantized' ? await caseQuantized(data) : which === 'dense' ? await caseDense(data, a, b) : caseTorch(data, a, b);
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  const load0 = loadavg().map((v) => +v.toFixed(2));
  const quantized = child('quantized');
  const cal = quantized.calibration as { a: number; b: number } | undefined;
  const ab = cal ? ['--a', String(cal.a), '--b', String(cal.b)] : [];
  const dense = child('dense', ab);
  const torch = child('torch', ab);
  const out = {
    benchmark: 'conceptP',
    sizes: { images: N, concepts: M, dim: D, classes: C, labelPairs: N * C, quick },
    threads,
    goals: { totalSeconds: 30, peakRssMB: 3072 },
    quantized,
    denseFloat32Reference: dense,
    torch,
    savings: {
      pBytesQuantized: (quantized.buildP as { bytesP?: number } | undefined)?.bytesP,
      pBytesDense: (dense.buildP as { bytesP?: number } | undefined)?.bytesP,
    },
    loadAverage: { before: load0, after: loadavg().map((v) => +v.toFixed(2)) },
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

await main();
