import type { Handlers } from '../../../../shared/define';
import type { Contract, JobInfo } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import { getJob, listJobs, markJobInterrupted, runningJobs, type JobRow } from '../../platform/store/jobRepo';
import type { Db } from '../../platform/store/open';
import { isOwnerAlive } from '../../platform/jobs/owner';
import { jobKind } from '../../platform/jobs/registry';

export function createJobHandlers(state: BackendState): Pick<Handlers<Contract>, 'jobs.list' | 'jobs.resume'> {
  return {
    'jobs.list': () => listJobs(state.requireProject().db).map(jobInfo),

    'jobs.resume': async ({ jobId }, ctx) => {
      const { db } = state.requireProject();
      const row = getJob(db, jobId);
      if (!row) throw new AppError('not_found', `Job ${jobId} does not exist in this project.`);
      const kind = jobKind(row.kind);
      if (!kind?.resume) throw new AppError('bad_input', `Job ${jobId} ("${row.title}") is a '${row.kind}' job, which cannot be resumed.`);
      // Status checks (done / still running) happen in the runner, inside the transaction that claims the row.
      const result = await kind.resume(state, JSON.parse(row.params_json) as unknown, ctx, jobId);
      return { jobId, kind: row.kind, result };
    },
  };
}

function jobInfo(r: JobRow): JobInfo {
  const stopped = r.status === 'cancelled' || r.status === 'interrupted' || r.status === 'failed';
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    status: r.status,
    done: r.done,
    total: r.total,
    message: r.message,
    error: r.error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    resumable: stopped && jobKind(r.kind)?.resume !== undefined,
  };
}

/**
 * On project open: jobs left 'running' by an owner that is gone (killed process, closed backend) become
 * 'interrupted' and resumable. Rows of owners still alive, such as another process on this machine that
 * has the project open and is importing, are left alone (see owner.ts). Returns how many were marked.
 */
export function markInterruptedJobs(db: Db, _backendOwner?: string): number {
  let marked = 0;
  db.transaction(() => {
    for (const row of runningJobs(db)) {
      if (isOwnerAlive(row.owner)) continue;
      markJobInterrupted(db, row.id);
      marked++;
    }
  }).immediate();
  return marked;
}
