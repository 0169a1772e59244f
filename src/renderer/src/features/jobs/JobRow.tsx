import { formatCount, formatDate } from '../../lib/format';
import { useApp } from '../../lib/appContext';
import { jobKey } from './jobStore';
import { useJob, useJobStore } from './useJobs';
import type { JobInfo } from '../../lib/types';
import { ProgressBar } from '../../components/ProgressBar';

/** One job; a Resume button for interrupted or cancelled resumable jobs, progress + Cancel while resuming. */
export function JobRow({ job }: { job: JobInfo }) {
  const { project } = useApp();
  const store = useJobStore();
  const key = jobKey('jobs.resume', project?.path, job.id);
  const run = useJob(key);
  const resuming = run?.status === 'running';
  const canResume = job.resumable && (job.status === 'interrupted' || job.status === 'cancelled') && !resuming;

  function resume() {
    // Outcome toasts come from the app shell's settled listener; the row shows progress meanwhile.
    void store.start(key, `Resume: ${job.title}`, 'jobs.resume', { jobId: job.id });
  }

  const status = resuming ? 'running' : job.status;
  return (
    <tr data-testid={`job-row-${job.id}`} data-status={status} className={`job-${status}`}>
      <td className="mono">{job.kind}</td>
      <td>
        {job.title}
        {job.error && <div className="job-error">{job.error}</div>}
        {!job.error && job.message && <div className="hint">{job.message}</div>}
      </td>
      <td>
        <span className={`badge status-${status}`} data-testid={`job-status-${job.id}`}>
          {status}
        </span>
      </td>
      <td className="num">
        {resuming ? (
          <ProgressBar
            done={run.progress?.done ?? job.done}
            total={run.progress?.total ?? job.total}
            etaSeconds={run.progress?.etaSeconds}
            testId={`job-progress-${job.id}`}
          />
        ) : (
          <span data-testid={`job-done-${job.id}`}>
            {formatCount(job.done)} / {formatCount(job.total)}
          </span>
        )}
      </td>
      <td>{formatDate(job.updatedAt)}</td>
      <td className="actions-cell">
        {canResume && (
          <button type="button" className="primary" onClick={resume} data-testid={`job-resume-${job.id}`}>
            Resume
          </button>
        )}
        {resuming && (
          <button type="button" className="danger" onClick={() => store.cancel(key)} data-testid={`job-cancel-${job.id}`}>
            Cancel
          </button>
        )}
        {run?.status === 'failed' && run.error && (
          <span className="job-error" title={run.error.hint}>
            {run.error.message}
          </span>
        )}
      </td>
    </tr>
  );
}
