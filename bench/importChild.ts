// One import measurement in its own process (see bench/import.ts): `workbench` runs the real probe.import
// handler into a fresh project; `sharp-loop` decodes every image file sequentially with sharp, the plain
// baseline. Prints one JSON line: images, seconds, imagesPerSecond, peakRssMb.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createBackend } from '../src/main/core/app/backend';

const [mode, dir] = process.argv.slice(2);

async function listImages(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && /\.(png|jpe?g)$/i.test(e.name)).map((e) => join(e.parentPath, e.name));
}

async function workbench(): Promise<number> {
  const tmp = await mkdtemp(join(tmpdir(), 'nwb-bench-import-'));
  const backend = createBackend({ userDataDir: tmp, mode: 'cli' });
  const ctx = { signal: new AbortController().signal, progress: () => {} };
  try {
    await backend.handlers['project.create']({ path: join(tmp, 'bench.nwb') }, ctx);
    const r = await backend.handlers['probe.import']({ root: dir }, ctx);
    return r.images;
  } finally {
    backend.dispose();
    await rm(tmp, { recursive: true, force: true });
  }
}

async function sharpLoop(): Promise<number> {
  const files = await listImages(dir);
  for (const f of files) await sharp(f).raw().toBuffer();
  return files.length;
}

const t0 = performance.now();
const images = mode === 'workbench' ? await workbench() : await sharpLoop();
const seconds = (performance.now() - t0) / 1000;
const peakRssMb = process.resourceUsage().maxRSS / 1024;
console.log(
  JSON.stringify({
    images,
    seconds: Number(seconds.toFixed(2)),
    imagesPerSecond: Math.round(images / seconds),
    peakRssMb: Math.round(peakRssMb),
  }),
);
