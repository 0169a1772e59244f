import { AppError } from '../../../../shared/errors';
import type { Db } from '../../platform/store/open';
import * as repo from '../../platform/store/explanationRepo';
import { conceptSetSha } from '../../platform/store/conceptRepo';
import { copyExplainRows } from '../../platform/store/shardRepo';
import { mergeNeuronRuns, type OpenShard } from '../../platform/jobs/shards';

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
  const explainRunId = mergeNeuronRuns(db, shards, {
    what: 'explanation run',
    rowsTable: 'explain_neurons',
    existing: () => repo.findExplainRun(db, activationSetId, key),
    shardRuns: (s) => repo.listExplainRuns(s).filter((x) => x.key === key),
    create: (first, shardRunId, runId) => {
      const r = repo.getExplainRun(first, shardRunId)!;
      // LE(SigLIP) with the top-5 filter: the run names the filtered set the shards found in the project.
      if (
        r.conceptSetId !== null &&
        r.conceptSetId !== ids.conceptSetId &&
        conceptSetSha(db, r.conceptSetId) !== conceptSetSha(first, r.conceptSetId)
      )
        throw new AppError(
          'bad_input',
          `Shard ${shards[0].path}: the project's concept set ${r.conceptSetId} is not the filtered set the shards used.`,
          {
            path: shards[0].path,
            field: 'conceptSetId',
          },
        );
      return repo.createExplainRun(db, {
        activationSetId,
        method: r.method,
        runId,
        jobId: null,
        conceptSetId: r.conceptSetId,
        splitId: r.splitId,
        key,
        neurons: params.neurons as number[],
        params: r.params,
      });
    },
    copy: (s, shardRunId, id, runId) => copyExplainRows(s.db, db, shardRunId, id, runId),
    complete: (id) => repo.completeExplainRun(db, id),
  });
  return { explainRunId, activationSetId };
}
