import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/main/core/app/backend';
import * as acts from '../../src/main/core/platform/store/activationRepo';
import { call } from '../helpers/backend';
import { writeFashionMnistTree } from '../helpers/fashionMnist';
import { CNN, CNN_POOLED } from '../integration/explain.helpers';
import { CHROMIUM, elementShot, useWebSpec, watchErrors } from './support';
import { openProjectByPath, waitReady } from './scenario';

// A cluster job on the Jobs screen (docs/cluster.md), browser mode. The project is built through the real backend
// before the server starts: cluster.submit writes a 4-shard Kubernetes extraction job (not applied; no cluster here,
// so states are UNKNOWN and the screen reads the shard files), and its four shards are computed for real with
// activations.extract --shard. Planted on disk: shard 3 cut back to its first chunk (16 of its 32 images, not
// complete) and shard 4 not there yet. Then the complete files are put in place, the screen shows every shard
// complete, and its Merge button folds them into the project: the merged matrix equals a single run's.

const PER_CLASS = 10; // 100 images, 16-image chunks -> 7 chunks -> shards of 1, 2, 2, 2 chunks (16, 32, 32, 20 images)
const LONG = 60_000;
const JOB = 'nwb-extract';
const haveChromium = existsSync(CHROMIUM);
const slurmUp = (() => {
  try {
    return /idle|mixed|alloc/.test(execFileSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return false;
  }
})();

describe.skipIf(!haveChromium)('cluster jobs on the Jobs screen (browser mode)', () => {
  const fx = { project: '', shards: [] as string[], singleSetId: 0, slurmJob: '' };
  const spec = useWebSpec('nwb-cluster-e2e', async (dir) => {
    const root = join(dir, 'fmnist-probes');
    await writeFashionMnistTree(root, { perClass: PER_CLASS, split: 'test' });
    const backend = createBackend({ userDataDir: join(dir, 'user-data-build'), mode: 'test' });
    try {
      fx.project = (await call(backend, 'project.create', { path: join(dir, 'cluster.nwb') })).path;
      const probeSetId = (await call(backend, 'probe.import', { root })).probeSetId;
      const m = await call(backend, 'model.add', { path: CNN });
      await call(backend, 'model.setPreprocessing', { modelId: m.id, preset: 'fashion-mnist' });
      const input = { modelId: m.id, layer: CNN_POOLED, probeSetId, summary: 'identity' as const, batchSize: 16 };
      // The single run to compare with (another set: 32-image chunks).
      fx.singleSetId = (await call(backend, 'activations.extract', { ...input, batchSize: 32 })).activationSet.id;
      const r = await call(backend, 'cluster.submit', {
        engine: 'kubernetes',
        command: 'activations.extract',
        input,
        shards: 4,
        shardDir: join(dir, 'shards'),
        jobName: JOB,
        kubernetes: {
          image: 'nwb:test',
          volumes: [
            { hostPath: dir, mountPath: dir },
            { claimName: 'nwb-models', mountPath: dirname(CNN), readOnly: true },
          ],
        },
      });
      fx.shards = r.shardFiles;
      for (const [k, path] of r.shardFiles.entries())
        await call(backend, 'activations.extract', { ...input, shard: { index: k + 1, count: 4, path } });
      // With a Slurm cluster here: a real 3-task array (8-image chunks: another job) whose task 2 is cancelled.
      if (slurmUp) await cancelledSlurmJob(backend, { ...input, batchSize: 8 }, join(dir, 'slurm'));
      await call(backend, 'project.close', {});
    } finally {
      backend.dispose();
    }
    // Keep the complete shards 3 and 4 aside; shard 3 loses its second chunk (as if its task stopped there).
    await copyFile(fx.shards[2], `${fx.shards[2]}.full`);
    await rename(fx.shards[3], `${fx.shards[3]}.full`);
    const db = new Database(fx.shards[2]);
    db.prepare('DELETE FROM activation_chunks WHERE chunk = (SELECT max(chunk) FROM activation_chunks)').run();
    db.prepare("UPDATE shard_provenance SET value = 'false' WHERE key = 'complete'").run();
    db.close();
  });

  async function cancelledSlurmJob(backend: ReturnType<typeof createBackend>, input: Record<string, unknown>, shardDir: string) {
    const r = await call(backend, 'cluster.submit', { command: 'activations.extract', input, shards: 3, shardDir, jobName: 'nwbe2e' });
    fx.slurmJob = r.jobId!;
    const status = () => call(backend, 'cluster.status', { jobId: r.jobId!, shardDir });
    const until = async (ok: (s: Awaited<ReturnType<typeof status>>) => boolean, stepMs: number) => {
      let s = await status();
      for (let t = 0; t < 120_000 / stepMs && !ok(s); t++) {
        await new Promise((done) => setTimeout(done, stepMs));
        s = await status();
      }
      return s;
    };
    await until((s) => s.tasks[1].state === 'RUNNING', 100);
    execFileSync('scancel', [`${r.jobId}_1`]);
    const after = await until((s) => s.tasks.every((t) => !['PENDING', 'RUNNING', 'COMPLETING'].includes(t.state)), 500);
    expect(after.tasks.map((t) => t.state)).toEqual(['COMPLETED', 'CANCELLED', 'COMPLETED']);
  }

  it.skipIf(!slurmUp)(
    'a cancelled Slurm task shows its log tail; Resubmit runs it again and Merge folds the job in',
    async () => {
      const page = await spec.browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
      const errors = watchErrors(page);
      await page.goto(spec.server.url);
      await waitReady(page);
      await openProjectByPath(page, fx.project);
      await page.click('[data-testid=nav-jobs]');
      const id = fx.slurmJob;
      const task = (i: number) => `[data-testid=cluster-task-${id}-${i}]`;
      await page.waitForSelector(task(3), { timeout: LONG });
      expect(await page.getAttribute(task(2), 'data-state')).toBe('CANCELLED');
      expect(await page.textContent(`${task(2)} .log-tail`)).toMatch(/CANCELLED/); // slurmstepd's line
      expect(await page.textContent(`[data-testid=cluster-summary-${id}]`)).toContain('2 of 3 shard files complete, 1 failed');
      expect(await page.$(`[data-testid=cluster-merge-${id}]`)).toBeNull();
      await elementShot(page, `[data-testid=cluster-job-${id}]`, 'cluster-jobs-slurm-cancelled', 1200);
      await page.click(`[data-testid=cluster-resubmit-${id}]`);
      await page.waitForSelector(`[data-testid=cluster-note-${id}]`, { timeout: LONG });
      const note = (await page.textContent(`[data-testid=cluster-note-${id}]`)) ?? '';
      const again = /^Resubmitted shard 2 as Slurm job (\d+)\.$/.exec(note);
      expect(again, note).not.toBeNull();
      // The new job's card: it runs task 2 only; it polls until its shard is complete, then offers the merge.
      const card2 = `[data-testid=cluster-job-${again![1]}]`;
      await page.waitForSelector(card2, { timeout: LONG });
      expect(await page.$(`[data-testid=cluster-resubmit-${id}]`)).toBeNull(); // the new job runs it: no second resubmit
      await page.waitForSelector(`${card2}[data-done=true]`, { timeout: 120_000 });
      await page.click(`[data-testid=cluster-merge-${again![1]}]`);
      await page.waitForSelector(`[data-testid=cluster-note-${again![1]}]`, { timeout: LONG });
      expect(await page.textContent(`[data-testid=cluster-note-${again![1]}]`)).toMatch(/^Merged 3 shards into the project/);
      expect(errors).toEqual([]);
      await page.close();
    },
    240_000,
  );

  it('shows each shard (complete, 16 / 32 images, no file yet), then merges the finished job into the project', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await openProjectByPath(page, fx.project);
    await page.click('[data-testid=nav-jobs]');

    const card = `[data-testid=cluster-job-${JOB}]`;
    const task = (i: number) => `[data-testid=cluster-task-${JOB}-${i}]`;
    await page.waitForSelector(`${task(4)}`, { timeout: LONG });
    expect(await page.textContent(`[data-testid=cluster-summary-${JOB}]`)).toContain('2 of 4 shard files complete');
    expect(await page.textContent(`[data-testid=cluster-summary-${JOB}]`)).toContain(
      `kubectl get pods -l app.kubernetes.io/instance=${JOB}`,
    );
    for (const i of [1, 2, 3, 4]) expect(await page.getAttribute(task(i), 'data-state')).toBe('UNKNOWN');
    expect(await page.getAttribute(task(1), 'data-complete')).toBe('true');
    expect(await page.getAttribute(task(2), 'data-complete')).toBe('true');
    expect(await page.getAttribute(task(3), 'data-complete')).toBe('false');
    // Shard 3 covers chunks 3 and 4 (images 48-80) and kept one: 16 of 32.
    const bar = `[data-testid=cluster-task-${JOB}-3-progress]`;
    expect([await page.getAttribute(bar, 'data-done'), await page.getAttribute(bar, 'data-total')]).toEqual(['16', '32']);
    expect(await page.textContent(task(4))).toContain('no shard file yet');
    expect(await page.$(`[data-testid=cluster-merge-${JOB}]`)).toBeNull();
    // Kubernetes jobs are not resubmitted from here (the Job retries its failed indexes itself).
    expect(await page.$(`[data-testid=cluster-resubmit-${JOB}]`)).toBeNull();
    await elementShot(page, card, 'cluster-jobs', 1200);

    // The tasks finish: their shard files arrive; Refresh reads them, Merge appears and folds them in.
    await rename(`${fx.shards[2]}.full`, fx.shards[2]);
    await rename(`${fx.shards[3]}.full`, fx.shards[3]);
    await page.click(`[data-testid=cluster-refresh-${JOB}]`);
    await page.waitForSelector(`${card}[data-done=true]`, { timeout: LONG });
    expect(await page.textContent(`[data-testid=cluster-summary-${JOB}]`)).toContain('4 of 4 shard files complete');
    await page.click(`[data-testid=cluster-merge-${JOB}]`);
    await page.waitForSelector(`[data-testid=cluster-note-${JOB}]`, { timeout: LONG });
    expect(await page.textContent(`[data-testid=cluster-note-${JOB}]`)).toMatch(/^Merged 4 shards into the project/);
    await page.waitForSelector(`${card} .badge.status-done:text("merged")`, { timeout: LONG });
    expect(await page.$(`[data-testid=cluster-merge-${JOB}]`)).toBeNull();
    await elementShot(page, card, 'cluster-jobs-merged', 1200);

    // The merged set (the newest) holds the single run's matrix, byte for byte.
    const db = new Database(fx.project, { readonly: true });
    const merged = (db.prepare('SELECT max(id) AS id FROM activation_sets').get() as { id: number }).id;
    expect(merged).not.toBe(fx.singleSetId);
    for (const kind of ['act', 'logits', 'pred'] as const) {
      const a = Buffer.from(acts.readMatrix(db, merged, kind).buffer);
      const b = Buffer.from(acts.readMatrix(db, fx.singleSetId, kind).buffer);
      expect(a.equals(b), kind).toBe(true);
    }
    db.close();
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
