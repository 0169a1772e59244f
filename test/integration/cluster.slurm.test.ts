import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import * as acts from '../../src/main/core/platform/store/activationRepo';
import { call } from '../helpers/backend';
import { CNN, CNN_POOLED, probeProject } from './explain.helpers';

// cluster.submit / cluster.status (docs/cluster.md). The script is checked on every machine (dry run); the real
// array runs when a Slurm cluster answers here (scripts/cluster/slurm-single-node.sh start), else that test is skipped.

const slurmUp = (() => {
  try {
    return /idle|mixed|alloc/.test(execFileSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return false;
  }
})();

/** Every shard complete and every task ended (a shard is complete a moment before its task exits). */
const finished = (s: { done: boolean; tasks: { state: string }[] }) =>
  s.done && s.tasks.every((t) => t.state === 'COMPLETED' || t.state === 'NOT_IN_JOB');

async function setup() {
  const f = await probeProject(10); // 100 images
  const m = await call(f.backend, 'model.add', { path: CNN });
  await call(f.backend, 'model.setPreprocessing', { modelId: m.id, preset: 'fashion-mnist' });
  const input = { modelId: m.id, layer: CNN_POOLED, probeSetId: f.probeSetId, summary: 'identity' as const, batchSize: 16 };
  return { f, input };
}

describe('cluster.submit', () => {
  it('writes the array script (dry run) and refuses bad command input before submitting', async () => {
    const { f, input } = await setup();
    const dir = join(f.dir, 'shards');
    const r = await call(f.backend, 'cluster.submit', {
      command: 'activations.extract',
      input,
      shards: 4,
      shardDir: dir,
      jobName: 'ext',
      gpusPerTask: 1,
      maxParallel: 2,
      dryRun: true,
    });
    expect(r.jobId).toBeNull();
    expect(await readFile(r.scriptPath, 'utf8')).toBe(r.script);
    const lines = r.script.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        '#SBATCH --job-name=ext',
        '#SBATCH --array=0-3%2',
        `#SBATCH --output="${dir}/ext-%A_%a.out"`,
        '#SBATCH --gpus-per-task=1',
        `shard='{"index":'$i',"count":4,"path":"${dir}/activations.extract-'$i'of4.nwbshard"}'`,
      ]),
    );
    expect(lines.find((l) => l.startsWith('exec npm run -s cli -- activations.extract --project'))).toContain(
      `--readOnly --json '${JSON.stringify(input)}' --shard "$shard"`,
    );
    expect(r.shardFiles).toEqual([1, 2, 3, 4].map((i) => join(dir, `activations.extract-${i}of4.nwbshard`)));
    await expect(
      call(f.backend, 'cluster.submit', {
        command: 'activations.extract',
        input: { ...input, batchSize: 0 },
        shards: 4,
        shardDir: dir,
        dryRun: true,
      }),
    ).rejects.toThrow(/activations\.extract input is not valid: .*input\.batchSize/);
    await expect(
      call(f.backend, 'cluster.submit', {
        command: 'explain.run',
        input: { activationSetId: 1, shard: { index: 1, count: 2, path: 'x' } },
        shards: 2,
        shardDir: dir,
        dryRun: true,
      }),
    ).rejects.toThrow(/must not hold shard/);
  });

  it('refuses a shardDir with % (Slurm would rewrite the log path) before writing anything', async () => {
    const { f, input } = await setup();
    const dir = join(f.dir, 'run%j');
    await expect(
      call(f.backend, 'cluster.submit', { command: 'activations.extract', input, shards: 2, shardDir: dir, dryRun: true }),
    ).rejects.toThrow(`shardDir ${dir} holds %`);
    expect(existsSync(dir)).toBe(false);
  });

  it.skipIf(!slurmUp)('sbatch takes the script of a shardDir with a space; the task logs go to that folder', async () => {
    const { f, input } = await setup();
    const dir = join(f.dir, 'my shards');
    const r = await call(f.backend, 'cluster.submit', { command: 'activations.extract', input, shards: 2, shardDir: dir, jobName: 'sp' });
    try {
      expect(r.jobId).toMatch(/^\d+$/);
      const job = execFileSync('scontrol', ['show', 'job', `${r.jobId}_0`], { encoding: 'utf8' });
      expect(job).toContain(`StdOut=${dir}/sp-${r.jobId}_0.out`);
    } finally {
      if (r.jobId) execFileSync('scancel', [r.jobId]);
    }
  });

  it.skipIf(!slurmUp)(
    'a real 4-task Slurm array extracts the shards; cluster.status follows it; the merge equals the single run',
    async () => {
      const { f, input } = await setup();
      const single = await call(f.backend, 'activations.extract', { ...input, batchSize: 32 }); // another set: batch differs
      const dir = join(f.dir, 'shards');
      const r = await call(f.backend, 'cluster.submit', {
        command: 'activations.extract',
        input,
        shards: 4,
        shardDir: dir,
        jobName: 'nwbtest',
      });
      expect(r.jobId).toMatch(/^\d+$/);
      let st = await call(f.backend, 'cluster.status', { jobId: r.jobId!, shardDir: dir });
      for (let t = 0; t < 240 && !finished(st); t++) {
        await new Promise((ok) => setTimeout(ok, 1000));
        st = await call(f.backend, 'cluster.status', { jobId: r.jobId!, shardDir: dir });
      }
      expect(st.tasks.map((t) => [t.index, t.state, t.shardComplete])).toEqual([1, 2, 3, 4].map((i) => [i, 'COMPLETED', true]));
      const merged = await call(f.backend, 'project.merge', { shards: r.shardFiles });
      const db = f.backend.state.requireProject().db;
      // Same matrix as the single run made with 32-row chunks (the shards used 16-row chunks: 7 chunks vs 4).
      for (const kind of ['act', 'logits', 'pred'] as const) {
        const a = Buffer.from(acts.readMatrix(db, merged.activationSetId, kind).buffer);
        const b = Buffer.from(acts.readMatrix(db, single.activationSet.id, kind).buffer);
        expect(a.equals(b), kind).toBe(true);
      }
      expect(acts.getStats(db, merged.activationSetId)).toEqual(acts.getStats(db, single.activationSet.id));
      const shard1 = new Database(r.shardFiles[0], { readonly: true });
      expect(shard1.prepare("SELECT value FROM shard_provenance WHERE key = 'complete'").get()).toEqual({ value: 'true' });
      shard1.close();
    },
    300_000,
  );

  it.skipIf(!slurmUp)(
    'explain.run through a real array: submit stores the split and label concepts, the tasks read the project read-only',
    async () => {
      const { f, input } = await setup();
      const set = (await call(f.backend, 'activations.extract', input)).activationSet;
      const dir = join(f.dir, 'le-shards');
      const r = await call(f.backend, 'cluster.submit', {
        command: 'explain.run',
        input: { activationSetId: set.id, blockSize: 8 },
        shards: 3,
        shardDir: dir,
        jobName: 'nwble',
      });
      expect(r.script).toContain('--readOnly');
      let st = await call(f.backend, 'cluster.status', { jobId: r.jobId!, shardDir: dir });
      for (let t = 0; t < 240 && !finished(st); t++) {
        await new Promise((ok) => setTimeout(ok, 1000));
        st = await call(f.backend, 'cluster.status', { jobId: r.jobId!, shardDir: dir });
      }
      expect(st.tasks.map((t) => [t.state, t.shardComplete])).toEqual([1, 2, 3].map(() => ['COMPLETED', true]));
      const merged = await call(f.backend, 'project.merge', { shards: r.shardFiles });
      const run = (await call(f.backend, 'explain.runs', { activationSetId: set.id }))[0];
      expect(run).toMatchObject({ id: merged.explainRunId, neuronsTotal: 64, neuronsDone: 64, status: 'done' });
      // The single call finds the merged run: reused, nothing computed.
      expect(await call(f.backend, 'explain.run', { activationSetId: set.id })).toMatchObject({ reused: true });
    },
    300_000,
  );

  it.skipIf(!slurmUp)(
    'a task cancelled with scancel is listed, the merge is refused, cluster.resubmit runs it alone and the merge completes',
    async () => {
      const { f, input } = await setup();
      const dir = join(f.dir, 'kill');
      const r = await call(f.backend, 'cluster.submit', {
        command: 'activations.extract',
        input,
        shards: 4,
        shardDir: dir,
        jobName: 'nwbkill',
      });
      const status = () => call(f.backend, 'cluster.status', { jobId: r.jobId!, shardDir: dir });
      const until = async (ok: (s: Awaited<ReturnType<typeof status>>) => boolean, stepMs: number) => {
        let s = await status();
        for (let t = 0; t < 120_000 / stepMs && !ok(s); t++) {
          await new Promise((done) => setTimeout(done, stepMs));
          s = await status();
        }
        return s;
      };
      await until((s) => s.tasks[2].state === 'RUNNING', 100);
      execFileSync('scancel', [`${r.jobId}_2`]); // as soon as it runs: the CLI is still starting
      const after = await until((s) => s.tasks.every((t) => !['PENDING', 'RUNNING', 'COMPLETING'].includes(t.state)), 500);
      expect(after.tasks.map((t) => [t.state, t.shardComplete])).toEqual([
        ['COMPLETED', true],
        ['COMPLETED', true],
        ['CANCELLED', false],
        ['COMPLETED', true],
      ]);
      expect(after.done).toBe(false);
      expect(after.tasks[2].logTail).toMatch(/CANCELLED/); // slurmstepd's line in the task's log
      const db = f.backend.state.requireProject().db;
      const changes = () => (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
      const before = changes();
      await expect(call(f.backend, 'project.merge', { shards: r.shardFiles })).rejects.toThrow(/activations\.extract-3of4\.nwbshard/);
      expect(changes()).toBe(before);
      const again = await call(f.backend, 'cluster.resubmit', { jobId: r.jobId!, shardDir: dir });
      expect(again.tasks).toEqual([2]);
      let s2 = await call(f.backend, 'cluster.status', { jobId: again.jobId!, shardDir: dir });
      for (let t = 0; t < 240 && !finished(s2); t++) {
        await new Promise((done) => setTimeout(done, 1000));
        s2 = await call(f.backend, 'cluster.status', { jobId: again.jobId!, shardDir: dir });
      }
      expect(s2.tasks.map((t) => [t.state, t.shardComplete])).toEqual([
        ['NOT_IN_JOB', true],
        ['NOT_IN_JOB', true],
        ['COMPLETED', true],
        ['NOT_IN_JOB', true],
      ]);
      // The project lists both jobs for the Jobs screen, the resubmitted one first.
      expect((await call(f.backend, 'cluster.jobs', {})).map((j) => [j.engine, j.jobId, j.shards, j.merged])).toEqual([
        ['slurm', again.jobId, 4, false],
        ['slurm', r.jobId, 4, false],
      ]);
      const merged = await call(f.backend, 'project.merge', { shards: r.shardFiles });
      expect((await call(f.backend, 'activations.list', {})).find((a) => a.id === merged.activationSetId)).toMatchObject({
        rowsDone: 100,
        complete: true,
      });
      expect((await call(f.backend, 'cluster.jobs', {})).map((j) => j.merged)).toEqual([true, true]);
    },
    300_000,
  );
});
