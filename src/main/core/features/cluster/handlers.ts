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
  return {
    'project.merge': async (input) => {
      const out = await mergeShards(state, input.shards);
      markClusterJobsMerged(state.requireProject().db, dirname(input.shards[0]), out.kind, out.shards);
      return out;
    },
    'cluster.submit': (input) => (input.engine === 'kubernetes' ? submitKubernetes(state, input) : submit(state, input)),
    'cluster.status': (input) => status(input.jobId, input.shardDir),
    'cluster.jobs': () => listClusterJobs(state.requireProject().db),
    'cluster.resubmit': (input) => {
      const out = resubmit(input.jobId, input.shardDir);
      if (out.jobId) {
        const m = recordOf(out.jobId, input.shardDir);
        addClusterJob(state.requireProject().db, {
          engine: 'slurm',
          jobId: out.jobId,
          command: m.command,
          shards: m.count,
          shardDir: m.shardDir,
          submittedAt: new Date().toISOString(),
          merged: false,
        });
      }
      return out;
    },
  };
}
