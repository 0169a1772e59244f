import type { Handlers } from '../../../../shared/define';
import type { Contract } from '../../../../shared/contract';
import type { BackendState } from '../../platform/context';
import { mergeShards } from './merge';

export function createClusterHandlers(state: BackendState): Pick<Handlers<Contract>, 'project.merge'> {
  return {
    'project.merge': (input) => mergeShards(state, input.shards),
  };
}
