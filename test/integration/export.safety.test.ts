import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileSafely } from '../../src/main/core/platform/files/safeWrite';
import { projectCacheDir } from '../../src/main/core/platform/files/safeWrite';
import { AppError } from '../../src/shared/errors';
import { call, withProject } from '../helpers/backend';
import { tempDir } from '../helpers/tempDir';
import { CNN, CNN_POOLED, extract, probeProject } from './explain.helpers';
import { refusal } from '../helpers/refusal';

// No export may ever write over a project: the open one, its -wal/-shm, its cache folder, or another project
// on disk. Exports are written to a temporary file and renamed into place, and an existing file is replaced
// only when the caller says so. The project must stay byte-for-byte the same after each refusal.

const sha = (p: string) => (existsSync(p) ? createHash('sha256').update(readFileSync(p)).digest('hex') : 'absent');

describe('exports never overwrite a project', () => {
  it('refuses the open project, its journal, its cache and any other project file; the project is untouched', async () => {
    const f = await probeProject(3);
    const setId = await extract(f, CNN, CNN_POOLED);
    const er = await call(f.backend, 'explain.run', { activationSetId: setId, neurons: [0, 1, 2] });
    const project = f.backend.state.requireProject();
    const other = await withProject(f.dir, 'other'); // a second project, open in another backend
    const cache = projectCacheDir(project.path);
    mkdirSync(join(cache, 'thumbs'), { recursive: true });
    writeFileSync(join(cache, 'thumbs', 'x.jpg'), 'thumb');
    const hard = join(f.dir, 'hard-link.csv');
    linkSync(project.path, hard);
    const soft = join(f.dir, 'soft-link.csv');
    symlinkSync(project.path, soft);
    const rel = relative(process.cwd(), project.path);

    const targets: [string, string][] = [
      ['the open project', project.path],
      ['the open project by a ./relative path', rel.startsWith('.') ? rel : `./${rel}`],
      ['its -wal', `${project.path}-wal`],
      ['its -shm', `${project.path}-shm`],
      ['a file in its cache folder', join(cache, 'thumbs', 'x.jpg')],
      ['a new file in its cache folder', join(cache, 'new.csv')],
      ['a hard link to it', hard],
      ['a symbolic link to it', soft],
      ['another project on disk', other.projectPath],
      ['the -wal of another project', `${other.projectPath}-wal`],
    ];
    for (const [what, path] of targets) {
      project.db.pragma('wal_checkpoint(TRUNCATE)');
      const before = [sha(project.path), sha(`${project.path}-wal`), sha(other.projectPath), sha(join(cache, 'thumbs', 'x.jpg'))];
      for (const overwrite of [false, true]) {
        const a = await refusal(call(f.backend, 'explain.export', { runId: er.run.id, format: 'csv', path, overwrite }));
        expect(a.code, `${what} (explain.export, overwrite ${overwrite})`).toBe('protected_path');
        expect(a.message).toMatch(/Refusing to write .*(is a Neuron Workbench project|belongs to the project)/);
        const b = await refusal(call(f.backend, 'activations.export', { activationSetId: setId, format: 'npy', path, overwrite }));
        expect(b.code, `${what} (activations.export)`).toBe('protected_path');
      }
      expect([sha(project.path), sha(`${project.path}-wal`), sha(other.projectPath), sha(join(cache, 'thumbs', 'x.jpg'))], what).toEqual(
        before,
      );
    }
    expect(project.db.pragma('integrity_check', { simple: true })).toBe('ok');
    const ro = new Database(other.projectPath, { readonly: true });
    expect(ro.pragma('integrity_check', { simple: true })).toBe('ok');
    ro.close();
    // The project still answers: the run and its rows are all there.
    expect((await call(f.backend, 'explain.results', { runId: er.run.id })).total).toBe(3);
  }, 60_000);

  it('refuses an existing file unless overwrite, replaces it atomically when asked, and names a missing folder', async () => {
    const f = await probeProject(2);
    const setId = await extract(f, CNN, CNN_POOLED);
    const target = join(f.dir, 'acts.csv');
    writeFileSync(target, 'precious');
    const e = await refusal(call(f.backend, 'activations.export', { activationSetId: setId, format: 'csv', path: target }));
    expect(e.code).toBe('file_exists');
    expect(e.message).toContain(target);
    expect(e.message).toContain('--overwrite');
    expect(readFileSync(target, 'utf8')).toBe('precious');

    const r = await call(f.backend, 'activations.export', { activationSetId: setId, format: 'csv', path: target, overwrite: true });
    const lines = readFileSync(target, 'utf8').trim().split('\n');
    expect(lines.length).toBe(1 + 20); // header + 2 images x 10 classes
    expect(r.bytes).toBe(readFileSync(target).length);

    const missing = join(f.dir, 'no-such-folder', 'x.csv');
    const m = await refusal(call(f.backend, 'activations.export', { activationSetId: setId, format: 'csv', path: missing }));
    expect(m.code).toBe('not_found');
    expect(m.message).toContain(join(f.dir, 'no-such-folder'));
    const d = await refusal(call(f.backend, 'activations.export', { activationSetId: setId, format: 'csv', path: f.dir }));
    expect(d.code).toBe('bad_input');
    expect(d.message).toMatch(/is a folder/);
    expect(readdirSync(f.dir).filter((n) => n.endsWith('.partial'))).toEqual([]);
  }, 60_000);

  it('a writer that fails half-way leaves neither a half file nor its temporary file', async () => {
    const dir = await tempDir('safe-write');
    const target = join(dir, 'out.bin');
    const e = await writeFileSafely({ path: target }, async (sink) => {
      await sink.write(Buffer.alloc(1 << 20, 7));
      throw new AppError('cancelled', 'stopped mid-write');
    }).then(
      () => null,
      (x: unknown) => x,
    );
    expect((e as AppError).code).toBe('cancelled');
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(target, 'old');
    await writeFileSafely({ path: target, overwrite: true }, async (sink) => {
      await sink.write('new');
      throw new Error('boom');
    }).catch(() => undefined);
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });
});
