import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/backend';
import { CNN, CNN_POOLED, extract, probeProject } from './explain.helpers';

// cluster.status --merge (docs/cluster.md): the shards of a submitted job are merged into the project as soon as every
// shard file is complete, once. The job is a Kubernetes Indexed Job written with --dryRun (no cluster needed: its
// tasks' states are not queried, the shard files tell), and its 3 tasks run here as the pods would, one shard each.

describe('cluster.status with merge', () => {
  it.each([
    ['listed in the project', false],
    ['the project does not list (submitted from a copy of it)', true],
  ])(
    'merges a Top Impact job %s when its last shard completes, once; before that nothing is written',
    async (_, forgotten) => {
      const f = await probeProject(20);
      const setId = await extract(f, CNN, CNN_POOLED);
      const shardDir = join(f.dir, 'shards');
      const input = { activationSetId: setId, blockSize: 8 };
      const sub = await call(f.backend, 'cluster.submit', {
        engine: 'kubernetes',
        command: 'topimpact.run',
        input,
        shards: 3,
        shardDir,
        jobName: 'nwb-ti',
        kubernetes: {
          image: 'registry.example/nwb:1',
          volumes: [
            { hostPath: f.dir, mountPath: f.dir },
            { claimName: 'nwb-models', mountPath: dirname(CNN), readOnly: true },
          ],
        },
      });
      // The project's job list as a copy made before the submit would have it: empty.
      if (forgotten) f.backend.state.requireProject().db.prepare("DELETE FROM meta WHERE key = 'cluster_jobs'").run();
      const status = () => call(f.backend, 'cluster.status', { jobId: 'nwb-ti', shardDir, merge: true });
      const runs = async () => (await call(f.backend, 'ablation.runs', { activationSetId: setId })).length;
      // What a pod with completion index k runs: shard k+1 into its file.
      const task = (k: number) =>
        call(f.backend, 'topimpact.run', { ...input, shard: { index: k + 1, count: 3, path: sub.shardFiles[k] } });

      expect(await status()).toMatchObject({ done: false });
      await task(0);
      await task(2);
      const partial = await status();
      expect(partial.done).toBe(false);
      expect(partial.merged).toBeUndefined();
      expect(partial.tasks.map((t) => t.shardComplete)).toEqual([true, false, true]);
      expect(await runs()).toBe(0);

      await task(1);
      const done = await status();
      expect(done.done).toBe(true);
      expect(done.merged).toMatchObject({ kind: 'topimpact.run', shards: 3, activationSetId: setId });
      const [run] = await call(f.backend, 'ablation.runs', { activationSetId: setId });
      expect(run).toMatchObject({ id: done.merged!.ablationRunId, kind: 'topimpact', neuronsTotal: 64, neuronsDone: 64, status: 'done' });
      expect(await call(f.backend, 'cluster.jobs', {})).toMatchObject([{ jobId: 'nwb-ti', command: 'topimpact.run', merged: true }]);
      // Asked again: already merged, so nothing happens (a second merge would be refused).
      const again = await status();
      expect(again.done).toBe(true);
      expect(again.merged).toBeUndefined();
      expect(await runs()).toBe(1);
      // The merged run is the single call's result: that call now reuses it.
      expect(await call(f.backend, 'topimpact.run', input)).toMatchObject({ reused: true, run: { id: run.id } });
    },
    180_000,
  );
});
