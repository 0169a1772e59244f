import type { ReactNode } from 'react';
import { useContractQuery } from '../../lib/query';
import { router, type Route } from '../../routes';

/** The address of a unit of an activation set (its model read from the set), optionally with the run to show. */
export function useUnitRoute(): (setId: number, neuron: number, runId?: number) => Route {
  const sets = useContractQuery('activations.list', {});
  return (setId, neuron, runId) => {
    const set = sets.data?.find((s) => s.id === setId);
    if (set)
      return { screen: 'explanations', view: 'unit', modelId: set.modelId, setId, neuron, ...(runId !== undefined ? { runId } : {}) };
    // Not read yet: the run's own neuron address leads to the same page.
    return runId !== undefined ? { screen: 'explanations', view: 'run', runId, neuron } : { screen: 'explanations', view: 'default' };
  };
}

/** A link to a unit's page (other features' rows and charts use it: ablation, Top Impact). */
export function UnitLink({
  setId,
  neuron,
  runId,
  children,
  testId = 'unit-link',
}: {
  setId: number;
  neuron: number;
  runId?: number;
  children?: ReactNode;
  testId?: string;
}) {
  const route = useUnitRoute();
  return (
    <a
      href={router.href(route(setId, neuron, runId))}
      onClick={(e) => e.stopPropagation()}
      title={`Open unit ${neuron}'s page`}
      data-testid={testId}
      data-neuron={neuron}
    >
      {children ?? neuron}
    </a>
  );
}
