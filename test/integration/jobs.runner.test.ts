import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EtaEstimator } from '../../src/main/core/platform/jobs/eta';
import { markInterruptedJobs } from '../../src/main/core/features/jobs/handlers';
import { registerJobKinds } from '../../src/main/core/platform/jobs/registry';
import { runJob } from '../../src/main/core/platform/jobs/runner';
import { getJob, insertJob } from '../../src/main/core/platform/store/jobRepo';
import { getRun } from '../../src/main/core/platform/store/runRepo';
import { APP_VERSION } from '../../src/main/core/platform/version';
import type { Progress } from '../../src/shared/define';
import { AppError } from '../../src/shared/errors';
import { call, ctx, withProject } from '../helpers/backend';
import { writeFashionMnistTree } from '../helpers/fashionMnist';
import { tempDir } from '../helpers/tempDir';

// The generic job runner: statuses, provenance, ETA, the single-writer rule and owner liveness.

registerJobKinds([
  { kind: 'test.light', writeHeavy: false },
  { kind: 'test.writer', writeHeavy: true },
]);

const owner = (pid: number, host = hostname()) => `someone@${host}#${pid}`;

describe('EtaEstimator', () => {
  it('has no estimate until there is a rate, then follows a steady rate', () => {
    const eta = new EtaEstimator({ smoothing: 0.5, minIntervalMs: 100 });
    expect(eta.update(0, 1000, 0)).toBeUndefined();
    expect(eta.update(5, 1000, 50)).toBeUndefined(); // merged: too soon after the first sample
    expect(eta.update(100, 1000, 1000)).toBeCloseTo(9, 5); // 100/s, 900 left
    expect(eta.update(300, 1000, 2000)).toBeCloseTo(700 / 150, 5); // smoothed 0.5*200 + 0.5*100
    expect(eta.update(1000, 1000, 2500)).toBe(0);
  });
});

describe('runJob', () => {
  it('writes the row before work, progress with ETA, done with result, and a provenance run', async () => {
    const { backend } = await withProject(await tempDir('runner'));
    const project = backend.state.requireProject();
    const seen: Progress[] = [];
    let rowDuringWork: unknown;
    const result = await runJob(
      project,
      { kind: 'test.light', title: 'Light', params: { a: 1, b: 'x' } },
      ctx({ onProgress: (p) => seen.push(p) }),
      async (run) => {
        rowDuringWork = getJob(run.db, run.jobId);
        for (let i = 1; i <= 4; i++) {
          run.progress(i * 25, 100, `step ${i}`);
          await new Promise((r) => setTimeout(r, 300));
        }
        run.recordProvenance({ hashes: { input: 'abc' }, seeds: { split: 7 } });
        return { answer: 42 };
      },
    );
    expect(result).toEqual({ answer: 42 });
    expect(rowDuringWork).toMatchObject({ status: 'running', kind: 'test.light', params_json: '{"a":1,"b":"x"}' });
    expect(seen.map((p) => p.done)).toEqual([25, 50, 75, 100]);
    expect(seen[2].etaSeconds).toBeGreaterThan(0);
    const [job] = await call(backend, 'jobs.list', {});
    expect(job).toMatchObject({
      kind: 'test.light',
      title: 'Light',
      status: 'done',
      done: 100,
      total: 100,
      message: 'step 4',
      error: null,
    });
    const row = getJob(project.db, job.id);
    expect(JSON.parse(row?.result_json ?? 'null')).toEqual({ answer: 42 });
    expect(row?.owner).toMatch(new RegExp(`@${hostname()}#${process.pid}$`));
    const run = getRun(project.db, row?.run_id ?? 0);
    expect(run).toMatchObject({ kind: 'test.light', app_version: APP_VERSION, params_json: '{"a":1,"b":"x"}' });
    expect(JSON.parse(run?.hashes_json ?? '')).toEqual({ input: 'abc' });
    expect(JSON.parse(run?.seeds_json ?? '')).toEqual({ split: 7 });
  });

  it('records failures with their message and cancellation as cancelled', async () => {
    const { backend } = await withProject(await tempDir('runner'));
    const project = backend.state.requireProject();
    await expect(
      runJob(project, { kind: 'test.light', title: 'Boom', params: {} }, ctx(), () => Promise.reject(new Error('disk on fire'))),
    ).rejects.toThrow('disk on fire');
    const abort = new AbortController();
    const cancelled = runJob(project, { kind: 'test.light', title: 'Stop', params: {} }, ctx({ signal: abort.signal }), async (run) => {
      abort.abort();
      run.throwIfCancelled();
      return 1;
    });
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
    const jobs = await call(backend, 'jobs.list', {});
    expect(jobs.map((j) => [j.title, j.status, j.error])).toEqual([
      ['Stop', 'cancelled', null],
      ['Boom', 'failed', 'disk on fire'],
    ]);
    expect(jobs.every((j) => !j.resumable)).toBe(true); // test kinds register no resume
    await expect(call(backend, 'jobs.resume', { jobId: jobs[0].id })).rejects.toMatchObject({ code: 'bad_input' });
  });

  it('allows one write-heavy job per project at a time', async () => {
    const dir = await tempDir('runner');
    const rootA = join(dir, 'a');
    const rootB = join(dir, 'b');
    await writeFashionMnistTree(rootA, { count: 1500, split: 'train' });
    await writeFashionMnistTree(rootB, { count: 5, split: 'test' });
    const { backend } = await withProject(dir);
    let second: Promise<unknown> | undefined;
    const first = call(
      backend,
      'probe.import',
      { root: rootA },
      ctx({ onProgress: (p) => p.total > 0 && (second ??= call(backend, 'probe.import', { root: rootB }).catch((e: unknown) => e)) }),
    );
    await first;
    const err = await second;
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('busy');
    expect((err as AppError).message).toMatch(/Another job is writing to this project: "Import a"/);
    // Once the writer is done the second import runs.
    await expect(call(backend, 'probe.import', { root: rootB })).resolves.toMatchObject({ images: 5 });
    expect((await call(backend, 'jobs.list', {})).map((j) => j.status)).toEqual(['done', 'done']);
  });

  it('treats a write-heavy job of another live process as busy, and a dead one as interrupted', async () => {
    const { backend } = await withProject(await tempDir('runner'));
    const project = backend.state.requireProject();
    const sleeper = spawn('sleep', ['30']);
    try {
      const id = insertJob(project.db, { kind: 'test.writer', title: 'Elsewhere', paramsJson: '{}', owner: owner(sleeper.pid ?? 0) });
      const err = await runJob(project, { kind: 'test.writer', title: 'Mine', params: {} }, ctx(), async () => 1).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'busy', message: expect.stringContaining(`pid ${sleeper.pid}`) });
      await expect(runJob(project, { kind: 'test.light', title: 'Light', params: {} }, ctx(), async () => 2)).resolves.toBe(2);
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.once('exit', r));
      await expect(runJob(project, { kind: 'test.writer', title: 'Mine', params: {} }, ctx(), async () => 3)).resolves.toBe(3);
      expect(getJob(project.db, id)?.status).toBe('interrupted');
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});

describe('markInterruptedJobs', () => {
  it('interrupts rows of dead owners and leaves rows of live processes on this machine alone', async () => {
    const { backend } = await withProject(await tempDir('runner'));
    const { db } = backend.state.requireProject();
    const sleeper = spawn('sleep', ['30']);
    const gone = spawn('true');
    await new Promise((r) => gone.once('exit', r));
    try {
      const live = insertJob(db, { kind: 'probe.import', title: 'live', paramsJson: '{}', owner: owner(sleeper.pid ?? 0) });
      const dead = insertJob(db, { kind: 'probe.import', title: 'dead', paramsJson: '{}', owner: owner(gone.pid ?? 0) });
      const remote = insertJob(db, {
        kind: 'probe.import',
        title: 'remote',
        paramsJson: '{}',
        owner: owner(sleeper.pid ?? 0, 'another-machine'),
      });
      const sameProcess = insertJob(db, {
        kind: 'probe.import',
        title: 'stale here',
        paramsJson: '{}',
        owner: `closed-backend@${hostname()}#${process.pid}`,
      });
      const legacy = insertJob(db, { kind: 'probe.import', title: 'no owner format', paramsJson: '{}', owner: 'x' });
      expect(markInterruptedJobs(db, backend.state.owner)).toBe(4);
      const status = (id: number) => getJob(db, id)?.status;
      expect([live, dead, remote, sameProcess, legacy].map(status)).toEqual([
        'running',
        'interrupted',
        'interrupted',
        'interrupted',
        'interrupted',
      ]);
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.once('exit', r));
      expect(markInterruptedJobs(db)).toBe(1);
      expect(status(live)).toBe('interrupted');
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});
