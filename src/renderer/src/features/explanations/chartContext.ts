import { useContractQuery } from '../../lib/query';
import type { ChartContext } from './charts';
import { runMethodLabel } from './format';
import type { RunInfo } from './types';

/** What the neuron page's charts say they show in a saved figure: the run, its model and layer, the simulator. */
export function useChartContext(run: RunInfo, neuron: number): ChartContext {
  const sets = useContractQuery('activations.list', {});
  const models = useContractQuery('model.list', {});
  const set = sets.data?.find((s) => s.id === run.activationSetId);
  const model = set ? models.data?.find((m) => m.id === set.modelId) : undefined;
  const where = [model?.name, set?.tensorName].filter(Boolean).join(' ');
  return {
    run: `Run #${run.id} ${runMethodLabel(run)}${where ? ` · ${where}` : ''}`,
    runId: run.id,
    neuron,
    simulator: run.encoderId !== null ? `explainer encoder (#${run.encoderId})` : 'label simulator',
  };
}
