import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { loadDiffusionPipeline } from '../src/main/core/features/describers/generator';

// Image generator benchmark; prints one JSON object on stdout (progress on stderr). Seconds per image at N DDIM
// steps with classifier-free guidance 3 (uncond + cond in one UNet call, batch size 1, as the generate job runs),
// through our ONNX loop (tokenizer -> text encoder -> N UNet calls -> VAE stand-in -> RGB bytes), against the
// PyTorch sampler of the same modules and weights on the same threads (scripts/fixtures/export_generator_bench.py
// torch ...). Peak RSS of each side is measured in its own process. Each side also reports its process CPU seconds
// per image: on the shared 2-core machine wall time swings with other work, CPU time much less (same threads).
//   fixture: resources/fixtures/describers/generator (28x28x1, UNet channels 16/32); PyTorch weights from the
//     fixture script's cache (/tmp/nwb-fixtures/generator.pt), skipped without it.
//   mid: 4x64x64 latent (SD 1.5's latent size), UNet channels 128/256 with cross-attention, 8.4M UNet parameters,
//     random weights, exported by `export_generator_bench.py export /tmp/nwb-generator-bench` (run once).
// Flags: --steps N (20), --images K (3; fixture 20), --threads T (1: the machine is shared), --quick (steps 4).
// Child mode (internal): --one <folder> prints this process's own measurement.

const ROOT = resolve(import.meta.dirname, '..');
const PY = '/usr/bin/python3';
const SCRIPT = join(ROOT, 'scripts/fixtures/export_generator_bench.py');
const FIXTURE = join(ROOT, 'resources/fixtures/describers/generator');
const MID = process.env.NWB_GENERATOR_BENCH ?? '/tmp/nwb-generator-bench';
const arg = (k: string, d: number): number => (process.argv.includes(k) ? Number(process.argv[process.argv.indexOf(k) + 1]) : d);
const quick = process.argv.includes('--quick');
const steps = arg('--steps', quick ? 4 : 20);
const threads = arg('--threads', 1);
const log = (s: string): void => void process.stderr.write(`[generator] ${s}\n`);

async function one(folder: string, images: number): Promise<void> {
  const signal = new AbortController().signal;
  const t0 = performance.now();
  // --direct: every convolution as exported (no Winograd rewrite), to show what the rewrite gains.
  const gen = await loadDiffusionPipeline(folder, {
    signal,
    threads,
    ...(process.argv.includes('--direct') ? { winograd: false as const } : {}),
  });
  const loadSeconds = (performance.now() - t0) / 1000;
  const req = { prompt: 'a realistic image of a coat', negativePrompt: '', guidance: 3, scheduler: 'ddim' as const, batchSize: 1 };
  await gen.generate({ ...req, steps: 2, seeds: [0] }, signal, {}); // warm-up
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  await gen.generate({ ...req, steps, seeds: Array.from({ length: images }, (_, i) => i + 1) }, signal, {});
  const secs = (performance.now() - t1) / 1000 / images;
  const cpu = process.cpuUsage(c1);
  await gen.dispose();
  console.log(
    JSON.stringify({
      seconds_per_image: +secs.toFixed(4),
      cpu_seconds_per_image: +((cpu.user + cpu.system) / 1e6 / images).toFixed(4),
      load_seconds: +loadSeconds.toFixed(2),
      winograd_convs: gen.winogradConvs.length,
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}

function lastJson(stdout: string, what: string): Record<string, unknown> {
  try {
    return JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  } catch {
    return { error: `${what} printed no JSON` };
  }
}

function ours(folder: string, images: number, direct = false): Record<string, unknown> {
  const tsx = join(ROOT, 'node_modules/.bin/tsx');
  const r = spawnSync(
    tsx,
    [
      import.meta.filename,
      '--one',
      folder,
      '--steps',
      String(steps),
      '--threads',
      String(threads),
      '--images',
      String(images),
      ...(direct ? ['--direct'] : []),
    ],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return lastJson(r.stdout, 'the ONNX child');
}

function torchRef(which: string, images: number): Record<string, unknown> {
  if (!existsSync(PY) || spawnSync(PY, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0)
    return { skipped: `${PY} with torch not found` };
  const r = spawnSync(PY, [SCRIPT, 'torch', which, '--steps', String(steps), '--images', String(images), '--threads', String(threads)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: join(ROOT, 'scripts/fixtures'),
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  return lastJson(r.stdout, 'the PyTorch reference');
}

function compare(name: string, folder: string, torchWhich: string, images: number): Record<string, unknown> {
  log(`${name}: ONNX loop, ${images} images x ${steps} steps ...`);
  const onnx = ours(folder, images);
  const winograd = typeof onnx.winograd_convs === 'number' && onnx.winograd_convs > 0;
  if (winograd) log(`${name}: ONNX loop with direct convolutions ...`);
  const direct = winograd ? ours(folder, images, true) : undefined;
  log(`${name}: PyTorch ...`);
  const torch = torchRef(torchWhich, images);
  const ratio = (side: Record<string, unknown>, k: string) => {
    const a = side[k];
    const b = torch[k];
    return typeof a === 'number' && typeof b === 'number' ? +(b / a).toFixed(2) : null;
  };
  return {
    onnx,
    torch,
    speedup_vs_torch: ratio(onnx, 'seconds_per_image'),
    cpu_speedup_vs_torch: ratio(onnx, 'cpu_seconds_per_image'),
    ...(direct ? { onnx_direct_convolutions: direct, direct_cpu_speedup_vs_torch: ratio(direct, 'cpu_seconds_per_image') } : {}),
  };
}

async function main(): Promise<void> {
  if (process.argv.includes('--one')) return one(process.argv[process.argv.indexOf('--one') + 1], arg('--images', 3));
  const out: Record<string, unknown> = {
    steps,
    threads,
    guidance: 3,
    scheduler: 'ddim',
    load_average_before: loadavg().map((v) => +v.toFixed(2)),
    fixture: compare('fixture', FIXTURE, 'fixture', arg('--images', 20)),
  };
  out.mid = existsSync(join(MID, 'unet/model.onnx'))
    ? { latent: '4x64x64', unet_channels: [128, 256], ...compare('mid', MID, MID, arg('--images', quick ? 1 : 3)) }
    : { skipped: `no mid-size export at ${MID}: run /usr/bin/python3 scripts/fixtures/export_generator_bench.py export ${MID}` };
  out.load_average_after = loadavg().map((v) => +v.toFixed(2));
  console.log(JSON.stringify(out));
}

await main();
