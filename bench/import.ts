// Benchmark: probe-set import throughput and peak RSS, side by side with a plain sequential sharp decode
// loop over the same files. Two folders: 60k Fashion-MNIST train PNGs (28x28) and 5k generated
// 1024x768 JPEGs. Each measurement runs in its own child process so its peak RSS is its own.
// Usage: tsx bench/import.ts [--quick]  (prints one JSON object)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFashionMnistTree } from '../test/helpers/fashionMnist';

const quick = process.argv.includes('--quick');
const root = process.env.NWB_BENCH_DIR ?? join(tmpdir(), 'nwb-bench');
const sizes = quick ? { pngs: 5_000, jpegs: 300 } : { pngs: 60_000, jpegs: 5_000 };

async function ensurePngs(dir: string, count: number): Promise<void> {
  if (existsSync(join(dir, '.complete'))) return;
  process.stderr.write(`writing ${count} Fashion-MNIST PNGs to ${dir} ...\n`);
  await writeFashionMnistTree(dir, { count, split: 'train' });
  await writeFile(join(dir, '.complete'), '');
}

/** Photo-sized JPEGs with smooth structure plus noise, so they compress and decode like real photos. */
async function ensureJpegs(dir: string, count: number): Promise<void> {
  if (existsSync(join(dir, '.complete'))) return;
  process.stderr.write(`writing ${count} 1024x768 JPEGs to ${dir} ...\n`);
  const w = 1024;
  const h = 768;
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < count; i++) {
    const cls = `class_${i % 10}`;
    await mkdir(join(dir, cls), { recursive: true });
    const px = Buffer.alloc(w * h * 3);
    const fx = 1 + rand() * 6;
    const fy = 1 + rand() * 6;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 3;
        const base = 128 + 100 * Math.sin((x / w) * fx * Math.PI) * Math.cos((y / h) * fy * Math.PI);
        px[o] = base + rand() * 30;
        px[o + 1] = 255 - base + rand() * 30;
        px[o + 2] = ((x ^ y) & 0xff) * 0.3 + rand() * 30;
      }
    }
    await sharp(px, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 85 })
      .toFile(join(dir, cls, `img_${String(i).padStart(5, '0')}.jpg`));
  }
  await writeFile(join(dir, '.complete'), '');
}

function measure(mode: 'workbench' | 'sharp-loop', dir: string): Record<string, number> {
  const tsx = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
  const r = spawnSync(tsx, [join(import.meta.dirname, 'importChild.ts'), mode, dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`${mode} on ${dir} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
}

const pngDir = join(root, `fmnist-train-${sizes.pngs}`);
const jpegDir = join(root, `jpeg1024x768-${sizes.jpegs}`);
await ensurePngs(pngDir, sizes.pngs);
await ensureJpegs(jpegDir, sizes.jpegs);

const results: Record<string, unknown> = {};
for (const [name, dir] of [
  ['fashion_mnist_png_28x28', pngDir],
  ['jpeg_1024x768', jpegDir],
] as const) {
  const workbench = measure('workbench', dir);
  const reference = measure('sharp-loop', dir);
  results[name] = {
    images: workbench.images,
    workbench,
    reference_sequential_sharp_decode: reference,
    throughput_ratio: Number((workbench.imagesPerSecond / reference.imagesPerSecond).toFixed(2)),
    extra_rss_mb: Number((workbench.peakRssMb - reference.peakRssMb).toFixed(0)),
    targets: { throughput_ratio_at_least: 1, extra_rss_mb_at_most: 200 },
  };
}
console.log(JSON.stringify({ benchmark: 'probe import', quick, results }));
