import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/main/core/app/backend';
import { skipCodeOf } from '../../src/main/core/features/probes/skipReasons';
import { projectUploadsDir } from '../../src/main/core/features/probes/upload';
import { contract, UPLOAD_LIMITS, type UploadFile } from '../../src/shared/contract';
import { createClient, createMemoryChannel, serve } from '../../src/shared/protocol';
import { AppError } from '../../src/shared/errors';
import { call, testBackend, withProject } from '../helpers/backend';
import { addBrokenFiles, addHiddenFiles, CLASS_NAMES, classPath, writeFashionMnistTree } from '../helpers/fashionMnist';
import { tempDir } from '../helpers/tempDir';

// probe.upload.begin / chunk / finish (browser-mode drops) through the real handlers on real files: the test
// plays the page (reads a Fashion-MNIST tree from disk, hashes it, sends it in chunks) and checks what lands in
// `<project>.uploads/<name>/`, then imports it and compares with importing the same folder by its path.

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface Local extends UploadFile {
  data: Buffer;
}

/** What the page collects from a dropped tree: image-extension files, hidden entries left out. */
async function readTree(root: string, rel = ''): Promise<Local[]> {
  const out: Local[] = [];
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await readTree(root, r)));
    else if (/\.(png|jpe?g)$/i.test(e.name)) {
      const data = await readFile(join(root, r));
      out.push({ relPath: r, bytes: data.length, sha256: sha(data), data });
    }
  }
  return out;
}

const describeFiles = (files: Local[]): UploadFile[] => files.map(({ relPath, bytes, sha256 }) => ({ relPath, bytes, sha256 }));

/** The page's loop: describe (in batches), send what is needed from its offset (packed into chunks). Returns bytes sent. */
async function send(
  backend: Backend,
  name: string,
  files: Local[],
  opts: { stopAfterBytes?: number; labelsCsv?: Local } = {},
): Promise<{ sent: number; have: number }> {
  const need: { relPath: string; offset: number }[] = [];
  let have = 0;
  const csv = opts.labelsCsv ? describeFiles([opts.labelsCsv])[0] : undefined;
  for (let i = 0; i < files.length || i === 0; i += UPLOAD_LIMITS.filesPerBegin) {
    const batch = describeFiles(files.slice(i, i + UPLOAD_LIMITS.filesPerBegin));
    const r = await call(backend, 'probe.upload.begin', { name, files: batch, more: i > 0, ...(i === 0 && csv ? { labelsCsv: csv } : {}) });
    need.push(...r.need);
    have += r.have;
  }
  const byPath = new Map([...files, ...(opts.labelsCsv ? [opts.labelsCsv] : [])].map((f) => [f.relPath, f]));
  let sent = 0;
  let pieces: { relPath: string; offset: number; data: string }[] = [];
  let size = 0;
  const flush = async () => {
    if (pieces.length) await call(backend, 'probe.upload.chunk', { name, pieces });
    pieces = [];
    size = 0;
  };
  for (const n of need) {
    const f = byPath.get(n.relPath) as Local;
    for (let off = n.offset; off < f.bytes;) {
      const room = UPLOAD_LIMITS.chunkBytes - size;
      let take = Math.min(room, f.bytes - off);
      if (opts.stopAfterBytes !== undefined) take = Math.min(take, opts.stopAfterBytes - sent);
      if (take <= 0) {
        await flush();
        if (opts.stopAfterBytes !== undefined && sent >= opts.stopAfterBytes) return { sent, have };
        continue;
      }
      pieces.push({ relPath: f.relPath, offset: off, data: f.data.subarray(off, off + take).toString('base64') });
      size += take;
      sent += take;
      off += take;
    }
  }
  await flush();
  return { sent, have };
}

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

async function setup() {
  const dir = await tempDir('upload');
  const source = join(dir, 'dropped', 'fashion');
  const tree = await writeFashionMnistTree(source, { perClass: 6, split: 'test' });
  const { backend, projectPath } = await withProject(dir);
  return { dir, source, tree, backend, projectPath };
}

describe('probe.upload (browser drops)', () => {
  it('stores the dropped tree next to the project, byte for byte, and imports it with the folder labels', async () => {
    const { source, tree, backend, projectPath } = await setup();
    const files = await readTree(source);
    expect(files).toHaveLength(60);
    const { sent, have } = await send(backend, 'fashion', files);
    expect(have).toBe(0);
    expect(sent).toBe(files.reduce((a, f) => a + f.bytes, 0));
    const fin = await call(backend, 'probe.upload.finish', { name: 'fashion' });
    const root = join(projectUploadsDir(projectPath), 'fashion');
    expect(root).toBe(join(dirname(projectPath), 'project.uploads', 'fashion'));
    expect(fin).toMatchObject({ root, labelsCsv: null, files: 60, bytes: sent, removed: 0 });
    for (const f of tree.files) expect(sha(await readFile(join(root, f.relPath)))).toBe(sha(await readFile(f.absPath)));
    expect(existsSync(join(root, '.partial'))).toBe(false);

    const r = await call(backend, 'probe.import', { root: fin.root, name: 'fashion' });
    expect(r).toMatchObject({ added: 60, skipped: 0, images: 60 });
    const { labels } = await call(backend, 'probe.summary', { probeSetId: r.probeSetId });
    const count = (path: string) => labels.find((l) => l.path === path && l.kind !== 'csv')?.images;
    for (const name of CLASS_NAMES) expect(count(classPath(name))).toBe(6);
    expect(count('footwear')).toBe(18); // Sandal, Sneaker, Ankle_boot
    expect(count('upper_body')).toBe(24);
  });

  it('gives broken image files the same skip reasons as an import from disk', async () => {
    const { source, backend } = await setup();
    const broken = (await addBrokenFiles(source, { sub: 'Bag', oversized: false })).filter((b) => !b.relPath.endsWith('.txt'));
    await addHiddenFiles(source);
    const files = await readTree(source);
    await send(backend, 'fashion', files);
    const fin = await call(backend, 'probe.upload.finish', { name: 'fashion' });
    const up = await call(backend, 'probe.import', { root: fin.root });
    const disk = await call(backend, 'probe.import', { root: source, name: 'from disk' });
    const reasons = async (id: number) => (await call(backend, 'probe.skipped', { probeSetId: id })).map((s) => [s.relPath, s.reason]);
    expect(await reasons(up.probeSetId)).toEqual((await reasons(disk.probeSetId)).filter(([p]) => !p.endsWith('.txt')));
    expect((await call(backend, 'probe.skipped', { probeSetId: up.probeSetId })).map((s) => [s.relPath, skipCodeOf(s.reason)])).toEqual(
      broken.map((b) => [b.relPath, b.expected]),
    );
    expect(up.images).toBe(disk.images);
  });

  it('a second drop of the same folder sends nothing and the import finds every image unchanged', async () => {
    const { source, backend } = await setup();
    const files = await readTree(source);
    await send(backend, 'fashion', files);
    const first = await call(backend, 'probe.import', { root: (await call(backend, 'probe.upload.finish', { name: 'fashion' })).root });
    const again = await send(backend, 'fashion', files);
    expect(again).toEqual({ sent: 0, have: 60 });
    const fin = await call(backend, 'probe.upload.finish', { name: 'fashion' });
    expect(fin.removed).toBe(0);
    const second = await call(backend, 'probe.import', { root: fin.root });
    expect(second).toMatchObject({ probeSetId: first.probeSetId, added: 0, updated: 0, unchanged: 60, removed: 0 });
  });

  it('resumes an interrupted upload from the bytes that arrived, across a backend restart', async () => {
    const { dir, source, backend, projectPath } = await setup();
    // One big file (split over several chunks) among the small ones, so the stop lands inside a file.
    const big = Buffer.alloc(UPLOAD_LIMITS.chunkBytes * 2 + 12345);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    await writeFile(join(source, 'Bag', 'big.png'), big);
    const files = await readTree(source);
    const total = files.reduce((a, f) => a + f.bytes, 0);
    const stopAt = UPLOAD_LIMITS.chunkBytes + 1000;
    const first = await send(backend, 'fashion', files, { stopAfterBytes: stopAt });
    expect(first.sent).toBe(stopAt);
    // The finish refuses: files are missing, and it names one.
    const early = await refusal(call(backend, 'probe.upload.finish', { name: 'fashion' }));
    expect(early.code).toBe('bad_input');
    expect(early.message).toMatch(/is not complete: \d+ files did not arrive \(e\.g\. "/);

    backend.dispose();
    const restarted = testBackend(join(dir, 'again'));
    await call(restarted, 'project.open', { path: projectPath });
    const rest = await send(restarted, 'fashion', files);
    expect(first.sent + rest.sent).toBe(total); // not one byte sent twice
    const fin = await call(restarted, 'probe.upload.finish', { name: 'fashion' });
    expect(sha(await readFile(join(fin.root, 'Bag', 'big.png')))).toBe(sha(big));
    for (const f of files) expect((await stat(join(fin.root, f.relPath))).size).toBe(f.bytes);
  });

  it('refuses bytes that do not match the SHA-256, and keeps nothing of them', async () => {
    const { source, backend } = await setup();
    const [f] = await readTree(source);
    await call(backend, 'probe.upload.begin', { name: 'fashion', files: describeFiles([f]) });
    const wrong = Buffer.from(f.data);
    wrong[wrong.length - 1] ^= 0xff;
    const e = await refusal(
      call(backend, 'probe.upload.chunk', { name: 'fashion', pieces: [{ relPath: f.relPath, offset: 0, data: wrong.toString('base64') }] }),
    );
    expect(e.code).toBe('bad_input');
    expect(e.message).toContain(`"${f.relPath}" do not match its SHA-256 (expected ${f.sha256}, got ${sha(wrong)})`);
    expect(e.data).toMatchObject({ path: f.relPath });
    const root = join(projectUploadsDir(backend.state.requireProject().path), 'fashion');
    expect(existsSync(join(root, f.relPath))).toBe(false);
    expect(await readdir(join(root, '.partial'))).toEqual([]);
    // The right bytes then go through from the start.
    const ok = await call(backend, 'probe.upload.begin', { name: 'fashion', files: describeFiles([f]) });
    expect(ok.need).toEqual([{ relPath: f.relPath, offset: 0 }]);
    await call(backend, 'probe.upload.chunk', {
      name: 'fashion',
      pieces: [{ relPath: f.relPath, offset: 0, data: f.data.toString('base64') }],
    });
    expect(sha(await readFile(join(root, f.relPath)))).toBe(f.sha256);
  });

  it.each([
    ['../escape.png', 'would leave the upload folder'],
    ['Bag/../../escape.png', 'would leave the upload folder'],
    ['./Bag/a.png', 'would leave the upload folder'],
    ['/etc/escape.png', 'is an absolute path'],
    ['C:/Windows/escape.png', 'is an absolute path'],
    ['Bag\\..\\escape.png', 'contains a backslash'],
    ['Bag//a.png', 'empty folder name'],
    ['.hidden/a.png', 'is hidden'],
    ['Bag/a.exe', 'is not an image type'],
    ['Bag/noext', 'is not an image type'],
  ])('refuses the path %s with a coded error that names it', async (relPath, why) => {
    const { dir, backend, projectPath } = await setup();
    const e = await refusal(
      call(backend, 'probe.upload.begin', { name: 'fashion', files: [{ relPath, bytes: 3, sha256: sha(Buffer.from('abc')) }] }),
    );
    expect(e.code).toBe('bad_input');
    expect(e.message).toContain(`Refusing to upload "${relPath}": `);
    expect(e.message).toContain(why);
    expect(e.data).toEqual({ path: relPath });
    expect(existsSync(join(dir, 'escape.png'))).toBe(false);
    expect(existsSync(projectUploadsDir(projectPath))).toBe(false); // refused before anything is written
  });

  it('refuses bad folder names, oversized files, totals and chunks', async () => {
    const { source, backend } = await setup();
    const [f] = await readTree(source);
    for (const name of ['..', '.', 'a/b', '.git', ' x'])
      expect((await refusal(call(backend, 'probe.upload.begin', { name, files: describeFiles([f]) }))).data).toEqual({ path: name });
    // One file over the import's size limit: refused by the contract, naming the field.
    const { server, client } = createMemoryChannel();
    const stop = serve(contract, backend.handlers, server);
    const api = createClient(contract, client);
    const big = await refusal(
      api.call('probe.upload.begin', { name: 'x', files: [{ ...describeFiles([f])[0], bytes: UPLOAD_LIMITS.maxFileBytes + 1 }] }),
    );
    stop();
    api.close();
    expect(big.code).toBe('bad_input');
    expect(big.message).toContain('files[0].bytes: must be');
    // A total over the upload limit (65 files of 256 MB > 16 GB), refused before any byte is written.
    const many = Array.from({ length: 65 }, (_, i) => ({ relPath: `Bag/${i}.png`, bytes: UPLOAD_LIMITS.maxFileBytes, sha256: f.sha256 }));
    const total = await refusal(call(backend, 'probe.upload.begin', { name: 'x', files: many }));
    expect(total.code).toBe('bad_input');
    expect(total.message).toMatch(/The drop holds 16\.25 GB, over the 16\.00 GB one upload takes/);
    // Bytes beyond the described size, and a chunk over the per-call limit.
    await call(backend, 'probe.upload.begin', { name: 'x', files: describeFiles([f]) });
    const more = await refusal(
      call(backend, 'probe.upload.chunk', {
        name: 'x',
        pieces: [{ relPath: f.relPath, offset: 0, data: Buffer.concat([f.data, Buffer.from('!')]).toString('base64') }],
      }),
    );
    expect(more.message).toContain(`"${f.relPath}" was described as ${f.bytes} bytes, and more arrived`);
    const half = Math.floor(UPLOAD_LIMITS.chunkBytes / 2) + 8;
    const tooMuch = await refusal(
      call(backend, 'probe.upload.chunk', {
        name: 'x',
        pieces: [
          { relPath: f.relPath, offset: 0, data: Buffer.alloc(half).toString('base64') },
          { relPath: f.relPath, offset: half, data: Buffer.alloc(half).toString('base64') },
        ],
      }),
    );
    expect(tooMuch.message).toContain('carries at most 512 KB');
    // Out of order bytes say where the file continues; a file that was never described is not accepted.
    const gap = await refusal(
      call(backend, 'probe.upload.chunk', { name: 'x', pieces: [{ relPath: f.relPath, offset: 10, data: 'AAAA' }] }),
    );
    expect(gap.data).toEqual({ path: f.relPath, offset: 10, expected: 0 });
    const stranger = await refusal(
      call(backend, 'probe.upload.chunk', { name: 'x', pieces: [{ relPath: 'Bag/other.png', offset: 0, data: 'AAAA' }] }),
    );
    expect(stranger.code).toBe('not_found');
    const escape = await refusal(
      call(backend, 'probe.upload.chunk', { name: 'x', pieces: [{ relPath: '../p.png', offset: 0, data: 'AAAA' }] }),
    );
    expect(escape.data).toEqual({ path: '../p.png' });
  });

  it('never writes over the project: not through a symlink, a symlinked folder or a hard link in the upload folder', async () => {
    const { dir, source, backend, projectPath } = await setup();
    const files = (await readTree(source)).slice(0, 3);
    const root = join(projectUploadsDir(projectPath), 'fashion');
    const before = await readFile(projectPath);
    const attack = async (prepare: () => Promise<void>, relPath: string) => {
      await prepare();
      const f = files.find((x) => x.relPath === relPath) as Local;
      await call(backend, 'probe.upload.begin', { name: 'fashion', files: describeFiles([f]) });
      const e = await refusal(
        call(backend, 'probe.upload.chunk', { name: 'fashion', pieces: [{ relPath, offset: 0, data: f.data.toString('base64') }] }),
      );
      expect(e.code).toBe('protected_path');
      expect(e.message).toContain(relPath.split('/')[0]);
      expect(await readFile(projectPath)).toEqual(before);
    };
    // 1. The file's name is a symlink to the project.
    const [a, b] = files.map((f) => f.relPath);
    await attack(async () => {
      await mkdir(dirname(join(root, a)), { recursive: true });
      await symlink(projectPath, join(root, a));
    }, a);
    // 2. A hard link to the project under the file's name.
    await attack(async () => {
      await mkdir(dirname(join(root, b)), { recursive: true });
      await link(projectPath, join(root, b));
    }, b);
    // 3. A folder of the path is a symlink to a folder outside: nothing is written there.
    const other = join(dir, 'outside');
    await mkdir(other);
    const d: Local = { ...files[2], relPath: 'Linked/x.png' };
    await symlink(other, join(root, 'Linked'));
    await call(backend, 'probe.upload.begin', { name: 'fashion', files: describeFiles([d]) });
    const e = await refusal(
      call(backend, 'probe.upload.chunk', {
        name: 'fashion',
        pieces: [{ relPath: d.relPath, offset: 0, data: d.data.toString('base64') }],
      }),
    );
    expect(e.code).toBe('protected_path');
    expect(e.message).toContain('is a symbolic link');
    expect(await readdir(other)).toEqual([]);
  });

  it('a drop under the same name mirrors the new folder: files it no longer has are removed, as a re-import from disk would', async () => {
    const { source, backend } = await setup();
    const files = await readTree(source);
    await send(backend, 'fashion', files);
    await call(backend, 'probe.import', { root: (await call(backend, 'probe.upload.finish', { name: 'fashion' })).root });
    const fewer = files.filter((f) => !f.relPath.startsWith('Bag/'));
    expect((await send(backend, 'fashion', fewer)).sent).toBe(0);
    const fin = await call(backend, 'probe.upload.finish', { name: 'fashion' });
    expect(fin).toMatchObject({ files: 54, removed: 6 });
    expect(existsSync(join(fin.root, 'Bag'))).toBe(false);
    const r = await call(backend, 'probe.import', { root: fin.root });
    expect(r).toMatchObject({ removed: 6, images: 54, unchanged: 54 });
  });

  it('keeps a labels CSV beside the images (hidden, so it is not an image of the set) and imports its labels', async () => {
    const { source, backend } = await setup();
    const files = await readTree(source);
    const csv = Buffer.from(`path,pattern\n${files.map((f, i) => `${f.relPath},${i % 2 ? 'striped' : 'plain'}`).join('\n')}\n`);
    const labelsCsv: Local = { relPath: 'labels.csv', bytes: csv.length, sha256: sha(csv), data: csv };
    expect((await send(backend, 'fashion', files, { labelsCsv })).sent).toBe(csv.length + files.reduce((a, f) => a + f.bytes, 0));
    expect((await send(backend, 'fashion', files, { labelsCsv })).sent).toBe(0);
    const fin = await call(backend, 'probe.upload.finish', { name: 'fashion' });
    expect(fin.labelsCsv).toBe(join(fin.root, '.labels.csv'));
    const r = await call(backend, 'probe.import', { root: fin.root, labelsCsv: fin.labelsCsv as string });
    expect(r).toMatchObject({ images: 60, skipped: 0 });
    const { labels } = await call(backend, 'probe.summary', { probeSetId: r.probeSetId });
    expect(labels.filter((l) => l.kind === 'csv').map((l) => [l.name, l.images])).toEqual([
      ['plain', 30],
      ['striped', 30],
    ]);
  });
});
