import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { captionerDecoding, loadCaptioner } from '../src/main/core/features/describers/captioner';
import type { CaptionOptions, ImagePixels } from '../src/main/core/features/describers/roles';
import { runCases, type Cases } from './cases';

// Captioner benchmark; prints one JSON object on stdout (progress on stderr). Captions/s, in batches of 8 images per
// caption() call (NWB_CAPTIONER_BATCH; 1 = one at a time), through the real runtime (ImagePixels -> transformers.js preprocessing -> encoder ->
// greedy decoding with the KV cache, the cross-attention keys/values once per caption -> text), against PyTorch greedy
// decoding of the same modules and weights on the same threads, with the same keys/values caching
// (bench/python/captioner_torch.py; NWB_CAPTIONER_SPLIT=0 and NWB_TORCH_RECOMPUTE=1 measure both without it):
//   fixture: resources/fixtures/describers/captioner (natural stops at EOS; both sides emit the same tokens).
//     The PyTorch weights are the fixture script's cache (/tmp/nwb-fixtures/captioner.pt); skipped without it.
//   vit-gpt2: ViT-B/16 224 px + 12-layer 768-wide GPT-2 decoder (50,257 tokens), random weights, exported by
//     scripts/fixtures/export_captioner_bench.py to /tmp/nwb-captioner-bench (once, ~1 GB); exactly 16 tokens per
//     caption on both sides (EOS banned), since random weights stop anywhere.
// Needs /usr/bin/python3 with torch for the reference (skipped with a note otherwise). `--quick` shrinks it.

const ROOT = resolve(import.meta.dirname, '..');
const PY = '/usr/bin/python3';
const quick = process.argv.includes('--quick');
const threads = availableParallelism();
const log = (s: string) => process.stderr.write(`[captioner] ${s}\n`);
/** Images per caption() call: the runtime's greedy batch (GREEDY_BATCH in captioner.ts); the reference batches the same. */
const BATCH = Number(process.env.NWB_CAPTIONER_BATCH ?? 8);
const BENCH_DIR = process.env.NWB_CAPTIONER_BENCH ?? '/tmp/nwb-captioner-bench';

function fmnist(n: number): ImagePixels[] {
  const raw = gunzipSync(readFileSync('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz'));
  return Array.from({ length: n }, (_, i) => ({
    data: raw.subarray(16 + i * 784, 16 + (i + 1) * 784),
    width: 28,
    height: 28,
    channels: 1,
  }));
}

function havePython(): boolean {
  return existsSync(PY) && spawnSync(PY, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

function torchRef(args: string[]): Record<string, unknown> {
  const recompute = process.env.NWB_TORCH_RECOMPUTE === '1' ? ['--recompute'] : [];
  const r = spawnSync(PY, [join(ROOT, 'bench/python/captioner_torch.py'), '--threads', String(threads), ...recompute, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  } catch {
    return { error: `captioner_torch.py printed no JSON (exit ${r.status})` };
  }
}

/** The greedy path the last loaded captioner took ('cross-kv', or 'transformers.js (why)'). */
let greedyPath = '';

async function measure(folder: string, n: number, batch: number, opts: CaptionOptions): Promise<Record<string, number>> {
  const t0 = performance.now();
  const c = await loadCaptioner(folder, { signal: new AbortController().signal, threads });
  const loadSeconds = (performance.now() - t0) / 1000;
  const d = captionerDecoding(c);
  greedyPath = d ? `${d.greedy}${d.reason ? ` (${d.reason})` : ''}` : '?';
  log(`greedy decoding: ${greedyPath}`);
  const images = fmnist(n);
  const signal = new AbortController().signal;
  await c.caption(images.slice(0, batch), opts, signal); // warm-up
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  let tokens = 0;
  for (let i = 0; i < n; i += batch)
    for (const cap of await c.caption(images.slice(i, i + batch), opts, signal)) tokens += cap.tokenIds.length;
  const seconds = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(c1);
  await c.dispose();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    images: n,
    batch,
    seconds,
    captionsPerSecond: n / seconds,
    cpuSeconds,
    captionsPerCpuSecond: n / cpuSeconds,
    tokens,
    loadSeconds,
  };
}

function compare(ours: Record<string, number>, torch: Record<string, unknown>): object {
  const ref = typeof torch.captions_per_s === 'number' ? torch.captions_per_s : null;
  const refCpu = typeof torch.captions_per_cpu_s === 'number' ? torch.captions_per_cpu_s : null;
  return {
    ours,
    greedy: greedyPath,
    pytorch: torch,
    speedup: ref ? ours.captionsPerSecond / ref : null,
    // Process CPU seconds: steadier than wall time on the shared machine; with 2 threads OpenBLAS workers spin a
    // little while waiting, so PyTorch's CPU seconds include some waiting (the goal is the wall-time ratio).
    cpuSpeedup: refCpu ? ours.captionsPerCpuSecond / refCpu : null,
    goal: 1.5,
    threads,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    loadAvg1m: loadavg()[0],
  };
}

async function fixtureCase(): Promise<object> {
  const folder = join(ROOT, 'resources/fixtures/describers/captioner');
  const n = quick ? 100 : 1000;
  log(`fixture: ${n} images, greedy, ${threads} threads`);
  const ours = await measure(folder, n, BATCH, { numBeams: 1, maxNewTokens: 16, minNewTokens: 0 });
  const weights = '/tmp/nwb-fixtures/captioner.pt';
  if (!havePython()) return { ...compare(ours, {}), pytorch: { skipped: `${PY} with torch not found` } };
  if (!existsSync(weights))
    return { ...compare(ours, {}), pytorch: { skipped: `${weights} not found: run scripts/fixtures/train_captioner.py` } };
  log('fixture: pytorch');
  return compare(ours, torchRef(['--weights', weights, '--images', String(n), '--batch', String(BATCH)]));
}

async function vitGpt2Case(): Promise<object> {
  if (!havePython()) return { skipped: `${PY} with torch not found (it also exports the model)` };
  const folder = join(BENCH_DIR, 'captioner');
  if (!existsSync(join(folder, 'onnx/decoder_model_merged.onnx'))) {
    log(`exporting the ViT-GPT2-sized random-weight captioner to ${BENCH_DIR} (once, a few minutes, ~1 GB)`);
    const ex = spawnSync(PY, [join(ROOT, 'scripts/fixtures/export_captioner_bench.py'), '--out', BENCH_DIR], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (ex.status !== 0) return { error: 'export_captioner_bench.py failed' };
  }
  const n = quick ? 8 : 24;
  const fixed = 16;
  log(`vit-gpt2: ${n} images x ${fixed} tokens, ${threads} threads`);
  const ours = await measure(folder, n, BATCH, { numBeams: 1, maxNewTokens: fixed, minNewTokens: fixed });
  log('vit-gpt2: pytorch');
  const torch = torchRef([
    '--weights',
    join(BENCH_DIR, 'weights.pt'),
    '--bench-size',
    '--images',
    String(n),
    '--fixed',
    String(fixed),
    '--batch',
    String(BATCH),
  ]);
  return { model: 'ViT-B/16 224px + 12-layer 768-wide GPT-2 decoder, 50,257 tokens, random weights', ...compare(ours, torch) };
}

const CASES: Cases = { fixture: fixtureCase, 'vit-gpt2': vitGpt2Case };

await runCases('captioner', import.meta.filename, CASES, { cpus: threads });
