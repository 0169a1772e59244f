import { AppError } from '../../../../shared/errors';
import { isOwnerAlive, parseOwner } from '../../platform/jobs/owner';
import { activationSetModelId } from '../../platform/store/activationRepo';
import { explainRunModelId } from '../../platform/store/explanationRepo';
import { runningJobs, type JobRow } from '../../platform/store/jobRepo';
import type { Db } from '../../platform/store/open';

// model.remove cascades into the model's layers, activation sets, explanations and ablation runs. A job that
// reads or writes them while running would die on a foreign key half-way, so removing a model that a live job
// uses is refused. "Live": a 'running' row whose owner is alive (a job of this backend, or another process on
// this machine that has the project open; see jobs/owner.ts). Rows of dead owners do not block.

/** The model a job's stored params point at: directly (extraction) or through an activation set / explanation run. */
function modelOfJob(db: Db, row: JobRow): number | null {
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(row.params_json) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof p.modelId === 'number') return p.modelId;
  if (typeof p.activationSetId === 'number') return activationSetModelId(db, p.activationSetId);
  if (typeof p.explainRunId === 'number') return explainRunModelId(db, p.explainRunId);
  return null;
}

/** The first live running job that uses model `modelId`, or undefined. */
export function liveJobUsingModel(db: Db, modelId: number): JobRow | undefined {
  return runningJobs(db).find((row) => isOwnerAlive(row.owner) && modelOfJob(db, row) === modelId);
}

/** Throws busy naming the job (kind, progress, and the other process if it is not this one). */
export function refuseIfModelInUse(db: Db, modelId: number): void {
  const row = liveJobUsingModel(db, modelId);
  if (!row) return;
  const pct = row.total > 0 ? Math.floor((100 * row.done) / row.total) : 0;
  const owner = parseOwner(row.owner);
  const where = owner && owner.pid !== process.pid ? `, in another process: pid ${owner.pid}` : '';
  throw new AppError(
    'busy',
    `Model ${modelId} is used by running job ${row.id} (${row.kind}, ${pct}% done${where}). Cancel it or wait, then remove the model.`,
    { jobId: row.id, kind: row.kind, modelId },
  );
}
