import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/backend';
import { CNN, probeProject } from './explain.helpers';

// A merge process killed with SIGKILL in the middle of its transaction (caught when the project's WAL has grown by
// uncommitted pages) leaves the project as it was: the main file's bytes are unchanged, it passes integrity_check, holds
// no activation set, and the same merge then completes.

const LAYER3 = '/layer3/relu_1/Relu_output_0';
const digest = async (p: string) =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');
/** A kill that came after the commit would leave the set in the project: the test fails then, it cannot pass falsely. */
const walSize = (p: string) =>
  stat(`${p}-wal`).then(
    (s) => s.size,
    () => 0,
  );

describe('merge killed mid-way', () => {
  it('SIGKILL during the merge transaction leaves the project unchanged; merging again completes', async () => {
    const f = await probeProject(60); // 600 images: layer3 identity is 7.5 MB of rows, more than SQLite's page cache
    const m = await call(f.backend, 'model.add', { path: CNN });
    await call(f.backend, 'model.setPreprocessing', { modelId: m.id, preset: 'fashion-mnist' });
    const input = { modelId: m.id, layer: LAYER3, probeSetId: f.probeSetId, summary: 'identity' as const };
    const shards = [1, 2, 3, 4].map((i) => join(f.dir, `x${i}of4.nwbshard`));
    for (let i = 1; i <= 4; i++)
      await call(f.backend, 'activations.extract', { ...input, shard: { index: i, count: 4, path: shards[i - 1] } });
    const project = join(f.dir, 'project.nwb');
    await call(f.backend, 'project.close', {});
    const copy = join(f.dir, 'before.nwb');
    await copyFile(project, copy);
    const before = await digest(project);
    const wal0 = await walSize(project);

    const script = join(f.dir, 'merge.ts');
    const root = resolve('.');
    await writeFile(
      script,
      `import { createBackend } from '${root}/src/main/core/app/backend';
const b = createBackend({ userDataDir: ${JSON.stringify(join(f.dir, 'child'))}, mode: 'cli' });
const c = { signal: new AbortController().signal, progress: () => undefined };
void (async () => {
await b.handlers['project.open']({ path: ${JSON.stringify(project)}, readOnly: false }, c);
// A small page cache makes SQLite spill uncommitted pages to the WAL early in the transaction (what we wait for).
b.state.requireProject().db.pragma('cache_size = 50');
process.stdout.write('merging\\n');
await b.handlers['project.merge']({ shards: ${JSON.stringify(shards)} }, c);
process.stdout.write('merged\\n');
})();
`,
    );
    // node itself with tsx's loader: one process (the tsx CLI would run the script in a grandchild a kill misses).
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((ok) => child.on('exit', (_code, sig) => ok(sig)));
    // Wait for 'merging', then for the WAL to grow by more than 1 MB (uncommitted pages spilled), then kill.
    let killedAt = -1;
    for (let t = 0; t < 60_000 && killedAt < 0 && !out.includes('merged'); t++) {
      if (out.includes('merging') && (await walSize(project)) > wal0 + 2 ** 20) {
        child.kill('SIGKILL');
        killedAt = await walSize(project);
      } else await new Promise((ok) => setTimeout(ok, 1));
    }
    expect(await exited).toBe('SIGKILL');
    expect(out).not.toContain('merged');
    expect(killedAt).toBeGreaterThan(wal0 + 2 ** 20);

    expect(await digest(project)).toBe(before); // nothing reached the main file
    // Opened read-write (as the app does, running WAL recovery): the uncommitted frames are discarded.
    const db = new Database(project);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare('SELECT count(*) AS n FROM activation_sets').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM activation_chunks').get()).toEqual({ n: 0 });
    db.close();

    await call(f.backend, 'project.open', { path: project });
    const merged = await call(f.backend, 'project.merge', { shards });
    expect((await call(f.backend, 'activations.list', {})).find((s) => s.id === merged.activationSetId)).toMatchObject({
      rowsDone: 600,
      complete: true,
    });
  }, 240_000);
});
