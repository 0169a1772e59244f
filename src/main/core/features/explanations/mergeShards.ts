import { AppError } from '../../../../shared/errors';
import type { Db } from '../../platform/store/open';
import * as repo from '../../platform/store/explanationRepo';
import { conceptSetSha } from '../../platform/store/conceptRepo';
import { copyExplainRows } from '../../platform/store/shardRepo';
import { mergeNeuronRuns, type NeuronRunMerge, type OpenShard } from '../../platform/jobs/shards';

// project.merge of explain.run shards (docs/cluster.md): inside the caller's transaction, one explanation run in
// the project with the single run's key and neuron list, holding every shard's per-neuron rows unchanged.

export function mergeExplainShards(db: Db, shards: OpenShard[]): { explainRunId: number; activationSetId: number } {
  const { params, ids } = shards[0].prov;
  const key = JSON.stringify(params.key);
  const activationSetId = ids.activationSetId;
  const wantSha = (params.key as { concepts?: string }).concepts;
  if (conceptSetSha(db, ids.conceptSetId) !== wantSha)
    throw new AppError(
      'bad_input',
      `Shard ${shards[0].path}: the project's concept set ${ids.conceptSetId} is not the one the shards used.`,
      {
        path: shards[0].path,
        field: 'conceptSetId',
      },
    );
  // LE(SigLIP) with the top-5 filter: the run names the filtered set the shards found in the project.
  const setId = repo.listExplainRuns(shards[0].db).find((x) => x.key === key)?.conceptSetId ?? null;
  if (setId !== null && setId !== ids.conceptSetId && conceptSetSha(db, setId) !== conceptSetSha(shards[0].db, setId))
    throw new AppError(
      'bad_input',
      `Shard ${shards[0].path}: the project's concept set ${setId} is not the filtered set the shards used.`,
      {
        path: shards[0].path,
        field: 'conceptSetId',
      },
    );
  const explainRunId = mergeNeuronRuns(
    db,
    shards,
    explainRunMerge(db, activationSetId, key, params.neurons as number[], 'explanation run'),
  );
  return { explainRunId, activationSetId };
}

/** The merge of a job keyed in explain_runs (LE, CLIP-Dissect, DnD) whose run row is the first shard's; `copy` moves a shard's neuron rows (default: as they are). */
export function explainRunMerge(
  db: Db,
  activationSetId: number,
  key: string,
  neurons: number[],
  what: string,
  copy: NeuronRunMerge['copy'] = (s, shardRunId, id, runId) => copyExplainRows(s.db, db, shardRunId, id, runId),
): NeuronRunMerge {
  return {
    what,
    rowsTable: 'explain_neurons',
    existing: () => repo.findExplainRun(db, activationSetId, key),
    shardRuns: (s) => repo.listExplainRuns(s).filter((r) => r.key === key),
    create: (first, shardRunId, runId) => {
      const r = repo.getExplainRun(first, shardRunId)!;
      return repo.createExplainRun(db, {
        activationSetId,
        method: r.method,
        runId,
        jobId: null,
        conceptSetId: r.conceptSetId,
        splitId: r.splitId,
        key,
        neurons,
        params: r.params,
      });
    },
    copy,
    complete: (id) => repo.completeExplainRun(db, id),
  };
}
