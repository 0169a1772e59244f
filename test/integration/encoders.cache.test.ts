import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEncoder } from '../../src/main/core/onnx/encoders';
import { embedProbeImages, embedTextsCached } from '../../src/main/core/features/concepts/embedCache';
import { countEmbeddings, getEmbeddings, putEmbeddings } from '../../src/main/core/platform/store/embeddingRepo';
import { createProject, type Db } from '../../src/main/core/platform/store/open';
import { AppError } from '../../src/shared/errors';
import { tempDir } from '../helpers/tempDir';
import { FIXTURE_ENCODERS } from '../helpers/tinyEncoder';
import { writeFmnistPngs } from './extract.helpers';

// The embedding cache: vectors keyed by (encoder sha, image sha256 | text), computed once, kept across cancels.

function insertProbeSet(db: Db, root: string): number {
  const now = new Date().toISOString();
  const id = Number(
    db.prepare('INSERT INTO probe_sets(name, root_path, complete, created_at, updated_at) VALUES (?,?,1,?,?)').run('p', root, now, now)
      .lastInsertRowid,
  );
  const put = db.prepare(
    'INSERT INTO images(probe_set_id, rel_path, bytes, mtime_ms, sha256, width, height, format) VALUES (?,?,0,0,?,28,28,?)',
  );
  // The file name stands in for the content hash (the importer computes real ones).
  for (const f of readdirSync(root)
    .filter((x) => x.endsWith('.png'))
    .sort())
    put.run(id, f, `sha-${f}`, 'png');
  return id;
}

async function setup(n: number) {
  const dir = await tempDir('nwb-embcache');
  const db = await createProject(join(dir, 'p.nwb'), { appVersion: 'test' });
  const root = await writeFmnistPngs(n, join(dir, 'images'));
  const enc = await openEncoder(join(FIXTURE_ENCODERS, 'fmnist_siglip_a'), { provider: 'cpu', threads: 1 });
  return {
    dir,
    db,
    root,
    enc,
    close: async () => {
      await enc.close();
      db.close();
    },
  };
}

describe('embedding cache', () => {
  it('computes each image once; a new image costs one; rows follow image ids and equal a direct run', async () => {
    const { db, root, enc, close } = await setup(20);
    try {
      const ps = insertProbeSet(db, root);
      const progress: number[] = [];
      const first = await embedProbeImages(db, enc, ps, { batch: 8, onProgress: (d) => progress.push(d) });
      expect([first.computed, first.cached, first.rows, first.dim]).toEqual([20, 0, 20, 64]);
      expect(progress.at(-1)).toBe(20);
      const files = readdirSync(root)
        .sort()
        .map((f) => join(root, f));
      const direct = await enc.embedImages(files, { batch: 5 });
      for (let i = 0; i < direct.length; i++) expect(Math.abs(first.vectors[i] - direct[i])).toBeLessThan(1e-6);
      for (let r = 0; r < 20; r++) {
        let s = 0;
        for (let j = 0; j < 64; j++) s += first.vectors[r * 64 + j] ** 2;
        expect(Math.sqrt(s)).toBeCloseTo(1, 5);
      }

      const second = await embedProbeImages(db, enc, ps);
      expect([second.computed, second.cached]).toEqual([0, 20]);
      expect(Array.from(second.vectors)).toEqual(Array.from(first.vectors));

      await writeFmnistPngs(21, root); // adds 00020.png
      const now = new Date().toISOString();
      db.prepare(
        "INSERT INTO images(probe_set_id, rel_path, bytes, mtime_ms, sha256, width, height, format) VALUES (?, '00020.png', 0, 0, 'sha-00020.png', 28, 28, 'png')",
      ).run(ps);
      db.prepare('UPDATE probe_sets SET updated_at = ? WHERE id = ?').run(now, ps);
      const third = await embedProbeImages(db, enc, ps);
      expect([third.computed, third.cached, third.rows]).toEqual([1, 20, 21]);
      expect(countEmbeddings(db, enc.info.sha256, 'image')).toBe(21);
    } finally {
      await close();
    }
  });

  it('a cancel keeps the finished batches and the next call computes only the rest', async () => {
    const { db, root, enc, close } = await setup(24);
    try {
      const ps = insertProbeSet(db, root);
      const ac = new AbortController();
      const err = await embedProbeImages(db, enc, ps, { batch: 8, signal: ac.signal, onProgress: (d) => d >= 8 && ac.abort() }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('cancelled');
      expect(countEmbeddings(db, enc.info.sha256, 'image')).toBe(8);
      const rest = await embedProbeImages(db, enc, ps, { batch: 8 });
      expect([rest.computed, rest.cached]).toEqual([16, 8]);
    } finally {
      await close();
    }
  });

  it('identical files (same sha256) are embedded once', async () => {
    const { db, root, enc, close } = await setup(3);
    try {
      mkdirSync(join(root, 'dup'));
      copyFileSync(join(root, '00000.png'), join(root, 'dup', 'a.png'));
      const ps = insertProbeSet(db, root);
      db.prepare(
        "INSERT INTO images(probe_set_id, rel_path, bytes, mtime_ms, sha256, width, height, format) VALUES (?, 'dup/a.png', 0, 0, 'sha-00000.png', 28, 28, 'png')",
      ).run(ps);
      const r = await embedProbeImages(db, enc, ps);
      expect([r.computed, r.cached, r.rows]).toEqual([3, 0, 4]);
      expect(Array.from(r.vectors.subarray(3 * 64))).toEqual(Array.from(r.vectors.subarray(0, 64)));
    } finally {
      await close();
    }
  });

  it('texts: cached by exact string; repeats computed once', async () => {
    const { db, enc, close } = await setup(1);
    try {
      const a = await embedTextsCached(db, enc, ['ankle boot', 'bag', 'ankle boot']);
      expect([a.computed, a.cached, a.rows]).toEqual([2, 0, 3]);
      expect(Array.from(a.vectors.subarray(128))).toEqual(Array.from(a.vectors.subarray(0, 64)));
      const b = await embedTextsCached(db, enc, ['bag', 'Bag', 'ankle boot']);
      expect([b.computed, b.cached]).toEqual([1, 2]);
      const direct = await enc.embedTexts(['bag']);
      expect(Array.from(b.vectors.subarray(0, 64))).toEqual(Array.from(direct));
    } finally {
      await close();
    }
  });

  it('the repository looks up 50k keys in one call quickly and stores float32 bytes exactly', async () => {
    const dir = await tempDir('nwb-embcache');
    const db = await createProject(join(dir, 'p.nwb'), { appVersion: 'test' });
    try {
      const D = 16;
      const entries = Array.from({ length: 50_000 }, (_, i) => ({
        key: `k${i}`,
        vector: Float32Array.from({ length: D }, (_, j) => Math.fround(Math.sin(i * D + j))),
      }));
      let t0 = performance.now();
      putEmbeddings(db, 'enc', 'image', entries);
      const putMs = performance.now() - t0;
      const keys = [...entries.map((e) => e.key), 'absent'];
      t0 = performance.now();
      const got = getEmbeddings(db, 'enc', 'image', keys);
      const getMs = performance.now() - t0;
      expect(got.size).toBe(50_000);
      expect(got.has('absent')).toBe(false);
      expect(Array.from(got.get('k12345')!)).toEqual(Array.from(entries[12345].vector));
      expect(getEmbeddings(db, 'other', 'image', keys).size).toBe(0);
      expect(getEmbeddings(db, 'enc', 'text', keys).size).toBe(0);
      // Generous bounds for a busy 2-core machine; typical is well under a second each.
      expect(putMs).toBeLessThan(10_000);
      expect(getMs).toBeLessThan(5_000);
    } finally {
      db.close();
    }
  });
});
