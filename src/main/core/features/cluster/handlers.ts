import type { Handlers } from '../../../../shared/define';
import type { Contract } from '../../../../shared/contract';
import type { BackendState } from '../../platform/context';
import { mergeShards } from './merge';
import { resubmit, status, submit } from './slurm';

export function createClusterHandlers(
  state: BackendState,
): Pick<Handlers<Contract>, 'project.merge' | 'cluster.submit' | 'cluster.status' | 'cluster.resubmit'> {
  return {
    'project.merge': (input) => mergeShards(state, input.shards),
    'cluster.submit': (input) => submit(state, input),
    'cluster.status': (input) => status(input.jobId, input.shardDir),
    'cluster.resubmit': (input) => resubmit(input.jobId, input.shardDir),
  };
}
