import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { createBackend, type Backend } from '../../src/main/core/app/backend';
import type { CallContext, Progress } from '../../src/shared/define';
import { tempDirSync } from '../helpers/tempDir';

// Shared set-up for extraction tests: a backend with a fresh project, and probe sets inserted straight
// into the store (the probe importer is another module; these tests only need its rows).

export function ctx(onProgress?: (p: Progress) => void, signal = new AbortController().signal): CallContext {
  return { signal, progress: (p) => onProgress?.(p) };
}

export async function freshBackend(): Promise<{ backend: Backend; dir: string }> {
  const dir = tempDirSync('nwb-extract');
  const backend = createBackend({ userDataDir: dir, mode: 'test' });
  await backend.handlers['project.create']({ path: join(dir, 'p.nwb') }, ctx());
  return { backend, dir };
}

/** A probe set over the image files of `root` (sorted names, image ids in that order). */
export function insertProbeSet(
  backend: Backend,
  root: string,
  files = readdirSync(root)
    .filter((f) => f.endsWith('.png'))
    .sort(),
): number {
  const db = backend.state.requireProject().db;
  const now = new Date().toISOString();
  const id = Number(
    db.prepare('INSERT INTO probe_sets(name, root_path, complete, created_at, updated_at) VALUES (?,?,1,?,?)').run(root, root, now, now)
      .lastInsertRowid,
  );
  const put = db.prepare(
    'INSERT INTO images(probe_set_id, rel_path, bytes, mtime_ms, sha256, width, height, format) VALUES (?,?,0,0,?,28,28,?)',
  );
  for (const f of files) put.run(id, f, f, 'png');
  return id;
}

/** The first n Fashion-MNIST test images as PNG files (Debian's dataset-fashion-mnist). */
export async function writeFmnistPngs(n: number, dir: string): Promise<string> {
  const raw = gunzipSync(readFileSync('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz'));
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const px = raw.subarray(16 + i * 784, 16 + (i + 1) * 784);
    await sharp(px, { raw: { width: 28, height: 28, channels: 1 } })
      .png()
      .toFile(join(dir, `${String(i).padStart(5, '0')}.png`));
  }
  return dir;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
