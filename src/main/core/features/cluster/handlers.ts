import { dirname } from 'node:path';
import type { Handlers } from '../../../../shared/define';
import type { Contract } from '../../../../shared/contract';
import type { BackendState } from '../../platform/context';
import { addClusterJob, listClusterJobs, markClusterJobsMerged } from '../../platform/store/clusterRepo';
import { submitKubernetes } from './kubernetes';
import { mergeShards } from './merge';
import { recordOf, resubmit, status, submit } from './slurm';

export function createClusterHandlers(
  state: BackendState,
): Pick<Handlers<Contract>, 'project.merge' | 'cluster.submit' | 'cluster.status' | 'cluster.jobs' | 'cluster.resubmit'> {
  const merge = (shards: string[]) => {
    const out = mergeShards(state, shards);
    markClusterJobsMerged(state.requireProject().db, dirname(shards[0]), out.kind, out.shards);
    return out;
  };
  /** Record a job the project does not list (submitted from a copy, or before jobs were recorded). */
  const adopt = (jobId: string, shardDir: string) => {
    const m = recordOf(jobId, shardDir);
    addClusterJob(state.requireProject().db, {
      engine: m.engine ?? 'slurm',
      jobId,
      command: m.command,
      shards: m.count,
      shardDir: m.shardDir,
      submittedAt: new Date().toISOString(),
      merged: false,
    });
  };
  return {
    'project.merge': (input) => merge(input.shards),
    'cluster.submit': (input) => (input.engine === 'kubernetes' ? submitKubernetes(state, input) : submit(state, input)),
    'cluster.status': async (input) => {
      const out = await status(input.jobId, input.shardDir);
      if (!input.merge || !out.done) return out;
      // Automatic merge: once, when every shard is complete (the job's record in the project says whether it was).
      const dir = dirname(out.tasks[0].shardFile);
      const job = listClusterJobs(state.requireProject().db).find((j) => j.jobId === input.jobId && j.shardDir === dir);
      if (job?.merged) return out;
      // Listed first, so the merge marks it and a later poll does not merge (and be refused) again.
      if (!job) adopt(input.jobId, input.shardDir);
      return { ...out, merged: merge(out.tasks.map((t) => t.shardFile)) };
    },
    'cluster.jobs': () => listClusterJobs(state.requireProject().db),
    'cluster.resubmit': async (input) => {
      const out = await resubmit(input.jobId, input.shardDir);
      if (out.jobId) adopt(out.jobId, input.shardDir);
      return out;
    },
  };
}
