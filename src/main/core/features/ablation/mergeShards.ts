import { AblationRunParams, TopImpactParams, type ClassMapping } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { mergeNeuronRuns, type OpenShard } from '../../platform/jobs/shards';
import * as repo from '../../platform/store/ablationRepo';
import { getExplainRun, runExplanations } from '../../platform/store/explanationRepo';
import type { Db } from '../../platform/store/open';
import { copyAblationRows } from '../../platform/store/shardRepo';
import { getSplit } from '../../platform/store/splitRepo';
import { requireRun, resolveSet } from '../explanations';
import { ablationSimulator, defaultSplit, ensureTemperature, prepare } from './common';

// project.merge of ablation.run / topimpact.run shards (docs/cluster.md): inside the caller's transaction, one
// ablation_runs row of the single run's kind, key and neuron list, holding every shard's neuron rows (and scores).

export function mergeAblationShards(
  db: Db,
  shards: OpenShard[],
): { ablationRunId: number; activationSetId: number; explainRunId?: number } {
  const { kind: command, params, ids } = shards[0].prov;
  const kind: repo.AblationKind = command === 'ablation.run' ? 'ablation' : 'topimpact';
  const key = JSON.stringify(params.key);
  const activationSetId = ids.activationSetId;
  // Scores point at the explanations of the project's explain run: it must be the run the shards scored.
  if (kind === 'ablation' && getExplainRun(db, ids.explainRunId)?.key !== params.explainRunKey)
    throw new AppError(
      'bad_input',
      `Shard ${shards[0].path}: the project's explanation run ${ids.explainRunId} is not the one the shards scored (its key differs or it is missing).`,
      { path: shards[0].path, field: 'ids.explainRunId' },
    );
  const ablationRunId = mergeNeuronRuns(db, shards, {
    what: kind === 'ablation' ? 'ablation run' : 'Top Impact run',
    rowsTable: 'ablation_neurons',
    existing: () => repo.findAblationRun(db, kind, activationSetId, key),
    shardRuns: (s) => repo.listAblationRuns(s, activationSetId).filter((r) => r.kind === kind && r.key === key),
    create: (first, shardRunId, runId) => {
      const r = repo.getAblationRun(first, shardRunId)!;
      return repo.createAblationRun(db, {
        kind,
        activationSetId,
        explainRunId: r.explainRunId,
        runId,
        jobId: null,
        key,
        params: r.params,
        neurons: params.neurons as number[],
      });
    },
    copy: (s, shardRunId, id, runId) => copyAblationRows(s.db, db, shardRunId, id, runId),
    complete: (id) => repo.completeAblationRun(db, id),
  });
  return { ablationRunId, activationSetId, ...(kind === 'ablation' ? { explainRunId: ids.explainRunId } : {}) };
}

/**
 * What ablation.run / topimpact.run shards need stored in the project before they run read-only: the split and the
 * fitted temperature, and under an encoder simulator the embeddings it reads (the rows the single run would store).
 * cluster.submit calls it.
 */
export async function prepareAblationShards(db: Db, command: 'ablation.run' | 'topimpact.run', input: unknown): Promise<void> {
  let activationSetId: number;
  let seed: number;
  let splitId: number | null = null;
  let p: { temperature?: number; mapping?: ClassMapping };
  if (command === 'ablation.run') {
    const a = AblationRunParams.parse(input);
    const er = requireRun(db, a.explainRunId);
    // An encoder simulator: the probe images' and the run's concept texts' embeddings (the single run's cache rows).
    if (a.simulator !== 'label')
      await ablationSimulator(db, a.simulator, resolveSet(db, er.activationSetId).probe.id, runExplanations(db, er.id));
    ({ activationSetId, splitId } = er);
    seed = Number(er.params.seed ?? 0);
    p = a;
  } else {
    const t = TopImpactParams.parse(input);
    ({ activationSetId, seed } = t);
    p = t;
  }
  if (p.temperature !== undefined) return;
  const prep = await prepare(db, activationSetId, p.mapping, command === 'ablation.run' ? 'Ablation' : 'Top Impact');
  const split = (splitId !== null ? getSplit(db, splitId) : null) ?? defaultSplit(db, prep.src, seed);
  ensureTemperature(db, prep.src, split, prep.mapping, prep.labels);
}
