import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, testBackend, withProject } from '../helpers/backend';
import { writeFashionMnistTree } from '../helpers/fashionMnist';
import { tempDir } from '../helpers/tempDir';

// A REAL kill: a separate Node process imports into the project and is SIGKILLed midway (usually inside
// a batch transaction, see importChild.ts). Reopening must work, mark the job interrupted, show no partial
// batch, and jobs.resume must finish with exactly the folder's images.

const repo = join(__dirname, '..', '..');
const child = join(repo, 'test', 'helpers', 'importChild.ts');

interface JobState {
  status: string;
  done: number;
  total: number;
}

function readJob(projectPath: string): JobState | undefined {
  const ro = new Database(projectPath, { readonly: true, fileMustExist: true });
  try {
    return ro.prepare('SELECT status, done, total FROM jobs ORDER BY id DESC LIMIT 1').get() as JobState | undefined;
  } finally {
    ro.close();
  }
}

describe('import kill + resume (separate process)', () => {
  it('survives SIGKILL mid-import and resumes to the full folder', async () => {
    const dir = await tempDir('kill');
    const root = join(dir, 'fashion');
    const tree = await writeFashionMnistTree(root, { count: 2000, split: 'train' });
    const { backend, projectPath } = await withProject(dir);
    backend.dispose(); // the child owns the project while it imports

    // `node --import tsx`, not the tsx binary: that one runs the script in a grandchild a kill would miss.
    const args = ['--import', 'tsx', child, join(dir, 'child-data'), projectPath, root, '100'];
    const proc = spawn(process.execPath, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => proc.on('exit', (code, signal) => resolve(signal ?? code)));

    let seen: JobState | undefined;
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      seen = readJob(projectPath);
      if (seen && seen.done >= 300) break;
      if (proc.exitCode !== null) throw new Error(`child exited early (${proc.exitCode}): ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen?.status).toBe('running');
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL'); // reaped: its pid is gone before we reopen

    const after = testBackend(join(dir, 'reopen'));
    const info = await call(after, 'project.open', { path: projectPath });
    expect(info.interruptedJobs).toBe(1);
    const [job] = await call(after, 'jobs.list', {});
    expect(job).toMatchObject({ status: 'interrupted', total: 2000, resumable: true });
    expect(job.done).toBeGreaterThanOrEqual(300);
    expect(job.done).toBeLessThan(2000);
    const db = after.state.requireProject().db;
    expect(db.prepare('SELECT count(*) AS n FROM images').get()).toEqual({ n: job.done }); // whole batches only
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');

    const resumed = await call(after, 'jobs.resume', { jobId: job.id });
    expect(resumed.result).toMatchObject({ images: 2000, unchanged: job.done, added: 2000 - job.done, removed: 0 });
    const [set] = await call(after, 'probe.list', {});
    expect(set).toMatchObject({ images: 2000, complete: true, classes: 10 });

    // Ids follow the sorted paths (ASCII names here: code point order is plain string order) with no gaps,
    // exactly what one uninterrupted import gives: the killed run committed a prefix, the resume the rest.
    const byId = db.prepare('SELECT id, rel_path AS relPath FROM images ORDER BY id').all() as { id: number; relPath: string }[];
    expect(byId.map((r) => r.relPath)).toEqual(tree.files.map((f) => f.relPath).sort());
    expect(byId.map((r) => r.id)).toEqual(byId.map((_, i) => i + 1));

    // The manifest, recomputed independently from the files on disk.
    const lines: string[] = [];
    for (const f of [...tree.files].sort((a, b) => (a.relPath < b.relPath ? -1 : 1))) {
      lines.push(
        `${f.relPath}\t${createHash('sha256')
          .update(await readFile(f.absPath))
          .digest('hex')}\n`,
      );
    }
    expect(set.manifestHash).toBe(createHash('sha256').update(lines.join('')).digest('hex'));
  });
});
