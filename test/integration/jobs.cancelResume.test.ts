import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import { call, ctx, withProject } from '../helpers/backend';
import { writeFashionMnistTree } from '../helpers/fashionMnist';
import { tempDir } from '../helpers/tempDir';

// Cancel an import midway through its AbortSignal, then resume it: the committed work is kept and
// consistent, the resume does not redo it, and the result equals a fresh import's.

describe('import cancel + resume (in process)', () => {
  it('keeps what was committed, resumes under the same job id, ends equal to a fresh import', async () => {
    const dir = await tempDir('cancel');
    const root = join(dir, 'fashion');
    await writeFashionMnistTree(root, { count: 2000, split: 'train' });
    const { backend } = await withProject(dir);

    const abort = new AbortController();
    const err = await call(
      backend,
      'probe.import',
      { root },
      ctx({ signal: abort.signal, onProgress: (p) => p.done >= 300 && abort.abort() }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('cancelled');

    const [job] = await call(backend, 'jobs.list', {});
    expect(job).toMatchObject({ kind: 'probe.import', status: 'cancelled', total: 2000, resumable: true });
    expect(job.done).toBeGreaterThanOrEqual(1);
    expect(job.done).toBeLessThanOrEqual(1999);
    const db = backend.state.requireProject().db;
    const imageRows = () => (db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;
    expect(imageRows()).toBe(job.done);
    const [partial] = await call(backend, 'probe.list', {});
    expect(partial).toMatchObject({ complete: false, manifestHash: null });

    const resumed = await call(backend, 'jobs.resume', { jobId: job.id });
    expect(resumed).toMatchObject({ jobId: job.id, kind: 'probe.import' });
    expect(resumed.result).toMatchObject({ jobId: job.id, images: 2000, added: 2000 - job.done, unchanged: job.done, removed: 0 });
    const jobs = await call(backend, 'jobs.list', {});
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ id: job.id, status: 'done', done: 2000, total: 2000, resumable: false });
    expect(imageRows()).toBe(2000);
    const [set] = await call(backend, 'probe.list', {});
    expect(set.complete).toBe(true);
    // Each execution is a run (provenance), all linked to the one job.
    expect(db.prepare(`SELECT count(*) AS n FROM runs WHERE kind = 'probe.import'`).get()).toEqual({ n: 2 });

    const fresh = await withProject(join(dir, 'fresh'));
    await call(fresh.backend, 'probe.import', { root });
    const [freshSet] = await call(fresh.backend, 'probe.list', {});
    expect(set.manifestHash).toBe(freshSet.manifestHash);
    const labels = (b: typeof backend) =>
      b.state
        .requireProject()
        .db.prepare(
          'SELECT kind, path, (SELECT count(*) FROM image_labels WHERE label_id = labels.id) AS n FROM labels ORDER BY kind, path',
        )
        .all();
    expect(labels(backend)).toEqual(labels(fresh.backend));

    await expect(call(backend, 'jobs.resume', { jobId: job.id })).rejects.toMatchObject({ code: 'bad_input' }); // already done
    await expect(call(backend, 'jobs.resume', { jobId: 9999 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('importing the same folder again continues the stopped job instead of starting a new one', async () => {
    const dir = await tempDir('cancel');
    const root = join(dir, 'fashion');
    await writeFashionMnistTree(root, { count: 800, split: 'train' });
    const { backend } = await withProject(dir);
    const abort = new AbortController();
    await call(backend, 'probe.import', { root }, ctx({ signal: abort.signal, onProgress: (p) => p.done > 0 && abort.abort() })).catch(
      () => undefined,
    );
    const [stopped] = await call(backend, 'jobs.list', {});
    expect(stopped.status).toBe('cancelled');
    const r = await call(backend, 'probe.import', { root });
    expect(r).toMatchObject({ jobId: stopped.id, images: 800, unchanged: stopped.done });
    expect(await call(backend, 'jobs.list', {})).toHaveLength(1);
  });
});
