import { spawnSync } from 'node:child_process';
import { chmod, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/main/core/app/backend';
import { skipCodeOf } from '../../src/main/core/features/probes/skipReasons';
import type { LabelCount } from '../../src/shared/contract';
import type { Progress } from '../../src/shared/define';
import { AppError } from '../../src/shared/errors';
import { call, ctx, testBackend, withProject } from '../helpers/backend';
import { addBrokenFiles, addHiddenFiles, CLASS_NAMES, classPath, fashionMnistPng, writeFashionMnistTree } from '../helpers/fashionMnist';
import { tempDir } from '../helpers/tempDir';

// probe.import end to end on real files: 200 Fashion-MNIST PNGs in a class/superclass tree plus broken
// and hidden files, a real project file, the real handlers.

async function setup(perClass = 20) {
  const dir = await tempDir('import');
  const root = join(dir, 'fashion');
  const tree = await writeFashionMnistTree(root, { perClass, split: 'test' });
  const broken = await addBrokenFiles(root);
  const hidden = await addHiddenFiles(root);
  const { backend, projectPath } = await withProject(dir);
  return { dir, root, tree, broken, hidden, backend, projectPath };
}

function byPath(labels: LabelCount[]): Record<string, LabelCount> {
  return Object.fromEntries(labels.map((l) => [`${l.kind}:${l.path}`, l]));
}

const db = (b: Backend) => b.state.requireProject().db;

describe('probe.import', () => {
  it('imports classes and superclasses from the folder tree and skips broken files with reasons', async () => {
    const { root, broken, hidden, backend } = await setup();
    const progress: Progress[] = [];
    const r = await call(backend, 'probe.import', { root }, ctx({ onProgress: (p) => progress.push(p) }));
    expect(r).toMatchObject({ added: 200, updated: 0, unchanged: 0, removed: 0, skipped: broken.length, images: 200 });

    const { probeSet, labels } = await call(backend, 'probe.summary', { probeSetId: r.probeSetId });
    expect(probeSet).toMatchObject({ name: 'fashion', rootPath: root, images: 200, skipped: broken.length, classes: 10, complete: true });
    expect(probeSet.manifestHash).toMatch(/^[0-9a-f]{64}$/);
    const l = byPath(labels);
    for (const name of CLASS_NAMES) expect(l[`class:${classPath(name)}`]).toMatchObject({ name, images: 20 });
    expect(l['superclass:upper_body']).toMatchObject({ images: 80, depth: 0, parentId: null });
    expect(l['superclass:footwear']).toMatchObject({ images: 60, depth: 0, parentId: null });
    expect(l['class:footwear/Sandal']).toMatchObject({ depth: 1, parentId: l['superclass:footwear'].id });
    expect(l['class:Bag']).toMatchObject({ depth: 0, parentId: null });
    expect(labels).toHaveLength(12);

    const skipped = await call(backend, 'probe.skipped', { probeSetId: r.probeSetId });
    expect(skipped.map((s) => ({ relPath: s.relPath, expected: skipCodeOf(s.reason) }))).toEqual(broken);
    expect(skipped.find((s) => s.relPath === 'oversized.png')?.bytes).toBe(300 * 1024 * 1024);
    for (const h of hidden) expect(skipped.map((s) => s.relPath)).not.toContain(h);

    const page = await call(backend, 'probe.images', { probeSetId: r.probeSetId, limit: 500 });
    expect(page.total).toBe(200);
    expect(page.rows.map((x) => x.relPath)).toEqual([...page.rows.map((x) => x.relPath)].sort());
    expect(page.rows[0]).toMatchObject({ width: 28, height: 28, format: 'png', className: 'Bag' });
    const shoes = await call(backend, 'probe.images', {
      probeSetId: r.probeSetId,
      labelId: l['superclass:footwear'].id,
      limit: 10,
      offset: 5,
    });
    expect(shoes.total).toBe(60);
    expect(shoes.rows).toHaveLength(10);
    expect(shoes.rows.every((x) => x.relPath.startsWith('footwear/'))).toBe(true);

    expect(progress.at(-1)).toMatchObject({ done: 200 + broken.length, total: 200 + broken.length }); // files, not images
    const [job] = await call(backend, 'jobs.list', {});
    expect(job).toMatchObject({ id: r.jobId, kind: 'probe.import', status: 'done', done: 206, total: 206, resumable: false });
  });

  it('records provenance: parameters with defaults, app version, manifest hash', async () => {
    const { root, backend } = await setup(2);
    const r = await call(backend, 'probe.import', { root });
    const run = db(backend).prepare('SELECT r.* FROM runs r JOIN jobs j ON j.run_id = r.id WHERE j.id = ?').get(r.jobId) as {
      kind: string;
      app_version: string;
      params_json: string;
      hashes_json: string;
    };
    const info = await call(backend, 'app.info', {});
    expect(run.kind).toBe('probe.import');
    expect(run.app_version).toBe(info.version);
    expect(JSON.parse(run.params_json)).toEqual({
      root,
      name: 'fashion',
      labelsCsv: null,
      maxFileBytes: 256 * 1024 * 1024,
      maxPixels: 100_000_000,
    });
    const [set] = await call(backend, 'probe.list', {});
    expect(JSON.parse(run.hashes_json)).toEqual({ manifest: set.manifestHash });
  });

  it('re-imports as a no-op, finds changed pixels by hash, ignores touched files, removes deleted ones', async () => {
    const { root, tree, broken, backend } = await setup();
    const first = await call(backend, 'probe.import', { root });
    const [before] = await call(backend, 'probe.list', {});

    const again = await call(backend, 'probe.import', { root });
    expect(again).toMatchObject({ probeSetId: first.probeSetId, added: 0, updated: 0, unchanged: 200, removed: 0, images: 200 });
    expect((await call(backend, 'probe.list', {}))[0].manifestHash).toBe(before.manifestHash);

    const [changed, touched, deleted] = [tree.files[3], tree.files[50], tree.files[120]];
    const shaOf = (rel: string) =>
      (db(backend).prepare('SELECT sha256 FROM images WHERE rel_path = ?').get(rel) as { sha256: string } | undefined)?.sha256;
    const oldSha = shaOf(changed.relPath);
    await writeFile(changed.absPath, await fashionMnistPng('train', 7)); // different pixels, same path
    const later = new Date(Date.now() + 5000);
    await utimes(touched.absPath, later, later); // same bytes, new mtime
    await unlink(deleted.absPath);
    await writeFile(join(root, 'empty.png'), await fashionMnistPng('test', 9)); // a skipped file fixed

    const third = await call(backend, 'probe.import', { root });
    expect(third).toMatchObject({ added: 1, updated: 1, unchanged: 198, removed: 1, images: 200, skipped: broken.length - 1 });
    expect(shaOf(changed.relPath)).not.toBe(oldSha);
    expect(shaOf(deleted.relPath)).toBeUndefined();
    const [after] = await call(backend, 'probe.list', {});
    expect(after.manifestHash).not.toBe(before.manifestHash);
    const l = byPath((await call(backend, 'probe.summary', { probeSetId: first.probeSetId })).labels);
    expect(l[`class:${classPath(deleted.className)}`].images).toBe(19);

    const fourth = await call(backend, 'probe.import', { root });
    expect(fourth).toMatchObject({ added: 0, updated: 0, unchanged: 200, removed: 0 });
  });

  it('refuses a missing root, a file as root, and works only with a project open', async () => {
    const { dir, root, backend } = await setup(1);
    const missing = join(dir, 'nope');
    await expect(call(backend, 'probe.import', { root: missing })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining(missing),
    });
    await expect(call(backend, 'probe.import', { root: join(root, 'README.txt') })).rejects.toMatchObject({ code: 'bad_input' });
    await expect(call(backend, 'probe.summary', { probeSetId: 999 })).rejects.toMatchObject({ code: 'not_found' });
    const bare = testBackend(join(dir, 'other'));
    const err = await call(bare, 'probe.import', { root }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('no_project');
    await expect(call(bare, 'probe.list', {})).rejects.toMatchObject({ code: 'no_project' });
    expect(await call(backend, 'jobs.list', {})).toEqual([]); // nothing was written for the refused imports
  });

  it('never follows symlinks out of the root, nor symlinked folders', async () => {
    const { dir, root, backend } = await setup(1);
    const outside = join(dir, 'outside.png');
    await writeFile(outside, await fashionMnistPng('test', 5));
    await symlink(outside, join(root, 'Bag', 'link_out.png'));
    await symlink(join(root, 'Bag'), join(root, 'bag_again'));
    await symlink(join(root, 'Trouser', 'missing.png'), join(root, 'dangling.png'));
    await writeFile(join(root, 'Dress', 'copy.png'), await fashionMnistPng('test', 6));
    await symlink(join(root, 'Dress', 'copy.png'), join(root, 'Dress', 'link_in.png'));
    expect(spawnSync('mkfifo', [join(root, 'a_pipe.png')]).status).toBe(0);

    const r = await call(backend, 'probe.import', { root });
    const skipped = Object.fromEntries(
      (await call(backend, 'probe.skipped', { probeSetId: r.probeSetId })).map((s) => [s.relPath, skipCodeOf(s.reason)]),
    );
    expect(skipped['Bag/link_out.png']).toBe('outside_root');
    expect(skipped['bag_again']).toBe('symlinked_folder');
    expect(skipped['dangling.png']).toBe('unreadable');
    expect(skipped['a_pipe.png']).toBe('not_a_file');
    expect(r.images).toBe(10 + 2); // one per class, plus copy.png and the link to it inside the root
  });

  // Root reads every file regardless of permissions, so this can only be shown as another user.
  it.skipIf(process.getuid?.() === 0)('skips a file it may not read as unreadable', async () => {
    const { root, tree, backend } = await setup(1);
    await chmod(tree.files[0].absPath, 0);
    const r = await call(backend, 'probe.import', { root });
    const skipped = await call(backend, 'probe.skipped', { probeSetId: r.probeSetId });
    expect(skipped.find((s) => s.relPath === tree.files[0].relPath)?.reason).toBe('unreadable: permission denied');
    expect(r.images).toBe(9);
  });

  it('applies maxFileBytes and maxPixels', async () => {
    const { root, backend } = await setup(1);
    const r = await call(backend, 'probe.import', { root, maxPixels: 28 * 28 - 1 });
    expect(r.images).toBe(0);
    const codes = (await call(backend, 'probe.skipped', { probeSetId: r.probeSetId })).map((s) => skipCodeOf(s.reason));
    expect(codes.filter((c) => c === 'too_many_pixels')).toHaveLength(12); // 10 images, the gigantic one, the truncated one (its header is whole)
    const r2 = await call(backend, 'probe.import', { root, maxFileBytes: 100 });
    expect(r2.images).toBe(0);
    const codes2 = (await call(backend, 'probe.skipped', { probeSetId: r.probeSetId })).map((s) => skipCodeOf(s.reason));
    expect(codes2.filter((c) => c === 'too_large').length).toBeGreaterThanOrEqual(10);
    const r3 = await call(backend, 'probe.import', { root });
    expect(r3).toMatchObject({ images: 10, added: 10 });
  });
});
