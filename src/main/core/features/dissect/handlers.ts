import type { Handlers } from '../../../../shared/define';
import type { Contract } from '../../../../shared/contract';
import { DndParamsSchema, ClipDissectParamsSchema } from '../../../../shared/contract';
import { sessionsOf, tensorCacheOf } from '../models';
import type { BackendState } from '../../platform/context';
import { dndChain, exportDissect } from './chain';
import { runClipDissect } from './clipDissectJob';
import { cropsView } from './crops';
import { runDnd } from './dndJob';
import { importLabels } from './importLabels';

type DissectMethods = 'activations.crops' | 'dnd.run' | 'dnd.chain' | 'clipDissect.run' | 'dissect.export' | 'labels.import';

export function createDissectHandlers(state: BackendState): Pick<Handlers<Contract>, DissectMethods> {
  const db = () => state.requireProject().db;
  return {
    'activations.crops': (input, ctx) =>
      cropsView({ db: db(), sessions: sessionsOf(state), cache: tensorCacheOf(state), signal: ctx.signal }, input),
    'dnd.run': (input, ctx) => runDnd(state, DndParamsSchema.parse(input), ctx),
    'dnd.chain': ({ runId, neuron }) => dndChain(db(), runId, neuron),
    'clipDissect.run': (input, ctx) => runClipDissect(state, ClipDissectParamsSchema.parse(input), ctx),
    'dissect.export': ({ runId, format, path, overwrite }) =>
      exportDissect(db(), runId, format, { path, overwrite, protectedProjects: state.openProjectPaths() }),
    'labels.import': (input) => importLabels(db(), input),
  };
}
