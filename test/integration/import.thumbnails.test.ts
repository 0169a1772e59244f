import { existsSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { thumbPath } from '../../src/main/core/features/probes/thumbnails';
import { call, withProject } from '../helpers/backend';
import { fashionMnistPng, writeFashionMnistTree } from '../helpers/fashionMnist';
import { tempDir } from '../helpers/tempDir';

async function setup() {
  const dir = await tempDir('thumbs');
  const root = join(dir, 'fashion');
  const tree = await writeFashionMnistTree(root, { perClass: 1, split: 'test' });
  const { backend, projectPath } = await withProject(dir);
  const r = await call(backend, 'probe.import', { root });
  const { rows } = await call(backend, 'probe.images', { probeSetId: r.probeSetId });
  return { dir, root, tree, backend, projectPath, rows };
}

const decode = (dataUrl: string) => Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');

describe('probe.thumbnails', () => {
  it('makes JPEG thumbnails that fit the size, caches them by content hash next to the project', async () => {
    const { dir, root, backend, projectPath, rows } = await setup();
    const ids = rows.slice(0, 3).map((r) => r.id);
    const first = await call(backend, 'probe.thumbnails', { imageIds: ids, size: 64 });
    expect(first.map((t) => t.id)).toEqual(ids);
    for (const [i, t] of first.entries()) {
      expect(t.error).toBeUndefined();
      expect(t.dataUrl).toMatch(/^data:image\/jpeg;base64,/);
      const meta = await sharp(decode(t.dataUrl ?? '')).metadata();
      expect(meta.format).toBe('jpeg');
      expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(64);
      const cached = thumbPath(projectPath, rows[i].sha256, 64);
      expect(cached).toBe(join(dir, 'project.cache', 'thumbs', rows[i].sha256.slice(0, 2), `${rows[i].sha256}-64.jpg`));
      expect(existsSync(cached)).toBe(true);
    }
    expect(existsSync(join(dirname(projectPath), 'project.cache'))).toBe(true);

    // Served from the cache: the source is not needed any more.
    await unlink(join(root, rows[0].relPath));
    const second = await call(backend, 'probe.thumbnails', { imageIds: [ids[0]], size: 64 });
    expect(second[0].dataUrl).toBe(first[0].dataUrl);
    // Another size is not cached, so the missing source is reported.
    const other = await call(backend, 'probe.thumbnails', { imageIds: [ids[0]], size: 32 });
    expect(other[0]).toMatchObject({ id: ids[0], dataUrl: null, error: expect.stringContaining('missing') });
  });

  it('reports a changed source instead of caching a thumbnail of other pixels, and unknown ids', async () => {
    const { root, backend, projectPath, rows } = await setup();
    await writeFile(join(root, rows[1].relPath), await fashionMnistPng('train', 11));
    const [changed, unknown] = await call(backend, 'probe.thumbnails', { imageIds: [rows[1].id, 99999] });
    expect(changed).toMatchObject({ dataUrl: null, error: expect.stringContaining('changed on disk') });
    expect(existsSync(thumbPath(projectPath, rows[1].sha256, 96))).toBe(false);
    expect(unknown).toMatchObject({ id: 99999, dataUrl: null, error: expect.stringContaining('does not exist') });
  });

  it('reports a source that no longer decodes', async () => {
    const { root, backend, rows } = await setup();
    await writeFile(join(root, rows[2].relPath), 'not an image any more');
    const [t] = await call(backend, 'probe.thumbnails', { imageIds: [rows[2].id] });
    expect(t.dataUrl).toBeNull();
    expect(t.error).toBeTruthy();
  });
});
