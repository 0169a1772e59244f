import { useApp } from '../../lib/appContext';
import { JobProgress } from './JobProgress';
import { useJob } from './useJobs';

/** A job started from this screen: n / N with ETA and Cancel while it runs; how it ended otherwise. */
export function JobStatus({ runKey, testId }: { runKey: string; testId: string }) {
  const { openScreen } = useApp();
  const run = useJob(runKey);
  if (!run) return null;
  return (
    <div className="extract-status" data-testid={`${testId}-status`} data-status={run.status}>
      {run.status === 'running' && <JobProgress run={run} runKey={runKey} testId={testId} />}
      {run.status === 'cancelled' && (
        <p className="warn-text">
          Cancelled. Finished blocks are kept: start again with the same settings, or resume it from{' '}
          <button type="button" className="link" onClick={() => openScreen('jobs')}>
            Jobs
          </button>
          .
        </p>
      )}
      {run.status === 'failed' && run.error && (
        <div className="error-box" role="alert">
          <strong>{run.error.title}</strong>
          <p>{run.error.message}</p>
          <p className="hint">{run.error.hint}</p>
        </div>
      )}
      {run.status === 'interrupted' && <p className="warn-text">Interrupted: restart the backend and resume it from the Jobs screen.</p>}
    </div>
  );
}
