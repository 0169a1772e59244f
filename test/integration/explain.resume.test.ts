import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import { call, ctx } from '../helpers/backend';
import { PLANTED, extract, probeProject } from './explain.helpers';

// (4) explain.run commits block by block: cancelling keeps finished blocks, the same call again or
// jobs.resume continues with the rest under the same job, and the end result equals an uninterrupted run.

describe('explain.run cancel + resume', () => {
  it('equals an uninterrupted run', async () => {
    const f = await probeProject(50);
    const setId = await extract(f, PLANTED, 'planted');
    const input = { activationSetId: setId, blockSize: 2 };
    const cancelAt = async (n: number) => {
      const abort = new AbortController();
      const err = await call(
        f.backend,
        'explain.run',
        input,
        ctx({ signal: abort.signal, onProgress: (p) => p.done >= n && abort.abort() }),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('cancelled');
    };

    await cancelAt(2);
    const [job] = (await call(f.backend, 'jobs.list', {})).filter((j) => j.kind === 'explain.run');
    expect(job).toMatchObject({ status: 'cancelled', resumable: true, done: 2, total: 6 });
    let [run] = await call(f.backend, 'explain.runs', { activationSetId: setId });
    expect(run).toMatchObject({ status: 'cancelled', neuronsDone: 2, neuronsTotal: 6, jobId: job.id });

    // The same call again continues the same job and explain run.
    await cancelAt(4);
    [run] = await call(f.backend, 'explain.runs', { activationSetId: setId });
    expect(run).toMatchObject({ status: 'cancelled', neuronsDone: 4, jobId: job.id });

    const messages: string[] = [];
    const resumed = await call(
      f.backend,
      'jobs.resume',
      { jobId: job.id },
      ctx({ onProgress: (p) => p.message && messages.push(p.message) }),
    );
    expect(resumed).toMatchObject({ jobId: job.id, kind: 'explain.run' });
    expect(messages[0]).toMatch(/resuming at neuron 5 of 6/);
    const runs = await call(f.backend, 'explain.runs', { activationSetId: setId });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id: run.id, status: 'done', neuronsDone: 6 });
    expect((await call(f.backend, 'jobs.list', {})).find((j) => j.id === job.id)).toMatchObject({ status: 'done', done: 6, total: 6 });

    // Uninterrupted reference: an explicit neuron list is a different run with the same results.
    const whole = await call(f.backend, 'explain.run', { activationSetId: setId, neurons: [0, 1, 2, 3, 4, 5], blockSize: 6 });
    expect(whole.run.id).not.toBe(run.id);
    const a = await call(f.backend, 'explain.results', { runId: run.id });
    const b = await call(f.backend, 'explain.results', { runId: whole.run.id });
    expect(a.rows).toHaveLength(6);
    expect(a.rows).toEqual(b.rows);
    // Each neuron's explanations were written once (no duplicates from the interrupted blocks).
    const db = f.backend.state.requireProject().db;
    expect(db.prepare('SELECT count(*) AS n FROM explanations WHERE explain_run_id = ?').get(run.id)).toEqual({ n: 18 });
  }, 120_000);
});
