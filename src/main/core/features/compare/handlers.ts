import { contract, type Contract } from '../../../../shared/contract';
import type { Handlers, OutputOf } from '../../../../shared/define';
import type { BackendState } from '../../platform/context';
import { classifierFinding } from './classifierFinding';
import { labelSimilarity } from './labelSimilarity';
import { compareLayer, type Read } from './layer';

type CompareMethodNames = 'compare.layer' | 'compare.labelSimilarity';

/** `handlers` is the backend's whole contract (given by the composition root): comparisons read through it. */
export function createCompareHandlers(
  state: BackendState,
  handlers: () => Handlers<Contract>,
): Pick<Handlers<Contract>, CompareMethodNames> {
  return {
    'compare.layer': ({ activationSetId }, ctx) => {
      const read: Read = async (method, input) => {
        const handler = handlers()[method] as (input: unknown, c: typeof ctx) => unknown;
        return (await handler(contract[method].input.parse(input), ctx)) as OutputOf<Contract, typeof method>;
      };
      return compareLayer(read, activationSetId);
    },
    // Runs the text models itself (encoder text tower, text embedder), reading labels from the store.
    'compare.labelSimilarity': (input, ctx) => labelSimilarity(state, input, ctx),
  };
}

/** compare.classifierFinding reads labels and activations from the store (nothing of it is a contract method's output). */
export function createClassifierFindingHandlers(state: BackendState): Pick<Handlers<Contract>, 'compare.classifierFinding'> {
  return { 'compare.classifierFinding': (input) => classifierFinding(state.requireProject().db, input) };
}
