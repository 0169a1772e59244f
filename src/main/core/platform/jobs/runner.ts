import type { CallContext } from '../../../../shared/define';
import { AppError } from '../../../../shared/errors';
import type { ProjectHandle } from '../context';
import {
  finishJob,
  getJob,
  insertJob,
  markJobInterrupted,
  restartJob,
  runningJobs,
  setJobRun,
  updateJobProgress,
  type JobStatus,
} from '../store/jobRepo';
import type { Db } from '../store/open';
import { amendRun, insertRun } from '../store/runRepo';
import { APP_VERSION } from '../version';
import { EtaEstimator } from './eta';
import { holdOwner, isOwnerAlive, ownerId, parseOwner, releaseOwner } from './owner';
import { jobKind } from './registry';

// The one runner behind every long job (import now; extraction and fitting later):
//   row written before work starts -> progress as batches commit (with ETA) -> done | cancelled | failed.
// A kill leaves the row 'running' under a dead owner; the next open marks it 'interrupted' (resumable).

export interface JobSpec {
  kind: string;
  title: string;
  /** Everything needed to re-run the job, defaults included; stored in the job row and its provenance run. */
  params: Record<string, unknown>;
  /** Continue this existing (stopped) job row instead of creating a new one. */
  jobId?: number;
}

/** What the work function gets. */
export interface JobRun {
  readonly jobId: number;
  readonly runId: number;
  readonly db: Db;
  readonly signal: AbortSignal;
  /**
   * Record progress: writes the job row and tells the caller (with an ETA). Call it inside the transaction
   * that commits the batch, so the row's `done` always matches what is committed.
   */
  progress(done: number, total: number, message?: string): void;
  /** Throws AppError 'cancelled' once the caller has cancelled. */
  throwIfCancelled(): void;
  /** Add content hashes (inputs read, outputs written) and seeds to this run's provenance record. */
  recordProvenance(add: { hashes?: Record<string, string>; seeds?: Record<string, number> }): void;
}

const RESUMABLE: readonly JobStatus[] = ['cancelled', 'interrupted', 'failed'];

export async function runJob<R>(project: ProjectHandle, spec: JobSpec, ctx: CallContext, work: (run: JobRun) => Promise<R>): Promise<R> {
  const kind = jobKind(spec.kind);
  if (!kind) throw new AppError('internal', `Job kind '${spec.kind}' is not registered.`);
  if (ctx.signal.aborted) throw new AppError('cancelled', `${spec.title} was cancelled before it started.`);
  const { db } = project;
  const owner = ownerId(project.owner);
  const paramsJson = JSON.stringify(spec.params);

  // Check-and-claim in one IMMEDIATE transaction: no other connection can claim the slot in between.
  const { jobId, runId } = db
    .transaction(() => {
      if (kind.writeHeavy) claimWriterSlot(db, spec.jobId);
      let id: number;
      if (spec.jobId === undefined) {
        id = insertJob(db, { kind: spec.kind, title: spec.title, paramsJson, owner });
      } else {
        assertResumable(db, spec.jobId, spec.kind);
        id = spec.jobId;
        restartJob(db, id, { title: spec.title, paramsJson, owner });
      }
      const run = insertRun(db, { kind: spec.kind, appVersion: APP_VERSION, params: spec.params });
      setJobRun(db, id, run);
      return { jobId: id, runId: run };
    })
    .immediate();
  holdOwner(project.owner);

  const eta = new EtaEstimator();
  const run: JobRun = {
    jobId,
    runId,
    db,
    signal: ctx.signal,
    progress(done, total, message) {
      updateJobProgress(db, jobId, done, total, message ?? null);
      const etaSeconds = eta.update(done, total);
      ctx.progress({ done, total, ...(message ? { message } : {}), ...(etaSeconds === undefined ? {} : { etaSeconds }) });
    },
    throwIfCancelled() {
      if (ctx.signal.aborted) throw new AppError('cancelled', `${spec.title} was cancelled.`);
    },
    recordProvenance(add) {
      amendRun(db, runId, add);
    },
  };

  try {
    const result = await work(run);
    settle(db, jobId, 'done', { resultJson: JSON.stringify(result ?? null) });
    return result;
  } catch (e) {
    if (isCancel(e, ctx.signal)) {
      settle(db, jobId, 'cancelled');
      throw e instanceof AppError ? e : new AppError('cancelled', `${spec.title} was cancelled.`);
    }
    settle(db, jobId, 'failed', { error: e instanceof Error ? e.message : String(e) });
    throw e;
  } finally {
    releaseOwner(project.owner);
  }
}

/** Refuse to start while another live write-heavy job runs; rows of dead owners are marked on the way. */
function claimWriterSlot(db: Db, resumingId: number | undefined): void {
  for (const row of runningJobs(db)) {
    if (!isOwnerAlive(row.owner)) {
      markJobInterrupted(db, row.id);
      continue;
    }
    if (row.id !== resumingId && jobKind(row.kind)?.writeHeavy === false) continue; // unknown kinds count as writers
    const other = parseOwner(row.owner);
    const where = other && other.pid !== process.pid ? ` in another window or process (pid ${other.pid})` : '';
    throw new AppError(
      'busy',
      `Another job is writing to this project${where}: "${row.title}" (job ${row.id}, ${Math.round(row.done)} of ${Math.round(row.total)} done). Wait for it to finish or cancel it, then try again.`,
      { jobId: row.id },
    );
  }
}

function assertResumable(db: Db, id: number, kind: string): void {
  const row = getJob(db, id);
  if (!row) throw new AppError('not_found', `Job ${id} does not exist in this project.`);
  if (row.kind !== kind) throw new AppError('bad_input', `Job ${id} is a '${row.kind}' job, not '${kind}'.`);
  if (row.status === 'done')
    throw new AppError('bad_input', `Job ${id} ("${row.title}") has already finished; there is nothing to resume.`);
  if (row.status === 'running' && isOwnerAlive(row.owner)) throw new AppError('busy', `Job ${id} ("${row.title}") is still running.`);
  if (row.status !== 'running' && !RESUMABLE.includes(row.status)) throw new AppError('bad_input', `Job ${id} cannot be resumed.`);
}

function isCancel(e: unknown, signal: AbortSignal): boolean {
  if (signal.aborted) return true;
  if (e instanceof AppError) return e.code === 'cancelled';
  return e instanceof Error && e.name === 'AbortError';
}

/** Final status write. The project may have been closed under the job: the row then stays 'running'
 * under an owner that is no longer alive, and the next open marks it 'interrupted'. */
function settle(db: Db, id: number, status: Exclude<JobStatus, 'running'>, fields: { error?: string; resultJson?: string } = {}): void {
  if (!db.open) return;
  finishJob(db, id, status, fields);
}
