import { AppError } from '../../../../shared/errors';
import type { Db } from '../../platform/store/open';
import * as repo from '../../platform/store/explanationRepo';
import { conceptSetSha } from '../../platform/store/conceptRepo';
import { copyExplainRows, copyRunRow } from '../../platform/store/shardRepo';

// project.merge of explain.run shards (docs/cluster.md): inside the caller's transaction, one explanation run in
// the project with the single run's key and neuron list, holding every shard's per-neuron rows unchanged.

export interface ExplainShard {
  path: string;
  db: Db;
  prov: { index: number; from: number; to: number; params: Record<string, unknown>; ids: Record<string, number> };
}

export function mergeExplainShards(db: Db, shards: ExplainShard[]): { explainRunId: number; activationSetId: number } {
  const { params, ids } = shards[0].prov;
  const key = JSON.stringify(params.key);
  const neurons = params.neurons as number[];
  const activationSetId = ids.activationSetId;
  const have = repo.findExplainRun(db, activationSetId, key);
  if (have)
    throw new AppError(
      'bad_input',
      `The project already has this explanation run (id ${have.id}, ${have.complete ? 'complete' : 'unfinished'}): nothing to merge.`,
      { explainRunId: have.id },
    );
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
  const runs = shards.map((s) => {
    const r = repo.listExplainRuns(s.db).filter((x) => x.key === key);
    if (r.length !== 1)
      throw new AppError('bad_input', `Shard ${s.path}: holds ${r.length} runs of the job, not 1.`, {
        path: s.path,
        field: 'explain_runs',
      });
    return r[0];
  });
  const first = runs[0];
  const runId = first.runId === null ? null : copyRunRow(shards[0].db, db, first.runId);
  const explainRunId = repo.createExplainRun(db, {
    activationSetId,
    method: first.method,
    runId,
    jobId: null,
    conceptSetId: first.conceptSetId,
    splitId: first.splitId,
    key,
    neurons,
    params: first.params,
  });
  shards.forEach((s, i) => {
    const n = copyExplainRows(s.db, db, runs[i].id, explainRunId, runId);
    const want = s.prov.to - s.prov.from;
    if (n !== want)
      throw new AppError('bad_input', `Shard ${s.path}: holds ${n} of its ${want} neurons: run its task again, then merge.`, {
        path: s.path,
        field: 'explain_neurons',
      });
  });
  repo.completeExplainRun(db, explainRunId);
  return { explainRunId, activationSetId };
}
