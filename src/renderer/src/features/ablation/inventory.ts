import type { ActivationSetInfo, ModelSummary } from '../../../../shared/contract';
import type { RunInfo } from '../explanations';
import { useMemo } from 'react';
import type { ShownError } from '../../lib/errors';
import { useContractQuery } from '../../lib/query';
import type { ProbeSetInfo } from '../../lib/types';

/** Everything the screen needs to name a run: its layer, model and probe set. */
export interface Inventory {
  runs: RunInfo[];
  sets: ActivationSetInfo[];
  models: ModelSummary[];
  probeSets: ProbeSetInfo[];
}

/** The four lists, each a query of its own feature (so each is re-read when that feature changes). */
export function useInventory(): { data: Inventory | null; error: ShownError | null } {
  const runs = useContractQuery('explain.runs', {});
  const sets = useContractQuery('activations.list', {});
  const models = useContractQuery('model.list', {});
  const probeSets = useContractQuery('probe.list', {});
  const data = useMemo(
    () =>
      runs.data && sets.data && models.data && probeSets.data
        ? { runs: runs.data, sets: sets.data, models: models.data, probeSets: probeSets.data }
        : null,
    [runs.data, sets.data, models.data, probeSets.data],
  );
  return { data, error: runs.error ?? sets.error ?? models.error ?? probeSets.error };
}

export interface RunContext {
  run: RunInfo;
  set: ActivationSetInfo | undefined;
  model: ModelSummary | undefined;
  probeSet: ProbeSetInfo | undefined;
}

export function runContext(inv: Inventory, runId: number): RunContext | null {
  const run = inv.runs.find((r) => r.id === runId);
  if (!run) return null;
  const set = inv.sets.find((s) => s.id === run.activationSetId);
  return {
    run,
    set,
    model: inv.models.find((m) => m.id === set?.modelId),
    probeSet: inv.probeSets.find((p) => p.id === set?.probeSetId),
  };
}

/** The split seed the explain run used (temperature is fitted on that split's val part). */
export function runSeed(run: RunInfo): number {
  const s = run.params.seed;
  return typeof s === 'number' && Number.isInteger(s) && s >= 0 ? s : 0;
}

/** Explanation methods an explain run holds (LE runs carry both baselines). */
export function runMethods(run: RunInfo): string[] {
  return run.method === 'imported' ? ['imported'] : [run.method, 'best_concept', 'top5'];
}

export function layerLabel(c: RunContext): string {
  return `${c.model?.name ?? `model ${c.set?.modelId ?? '?'}`} · ${c.set?.tensorName ?? `set ${c.run.activationSetId}`}`;
}
