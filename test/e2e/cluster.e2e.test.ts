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

describe.skipIf(!haveChromium)('cluster jobs on the Jobs screen (browser mode)', () => {
  const fx = { project: '', shards: [] as string[], singleSetId: 0 };
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
