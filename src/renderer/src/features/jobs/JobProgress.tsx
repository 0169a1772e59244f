import { ProgressBar } from '../../components/ProgressBar';
import type { RunState } from './jobStore';
import { useJobStore } from './useJobs';

/** A running job's n / N bar (with its ETA and message) and its Cancel button. */
export function JobProgress({ run, runKey, testId }: { run: RunState; runKey: string; testId: string }) {
  const store = useJobStore();
  return (
    <div className="job-progress">
      <ProgressBar
        done={run.progress?.done ?? 0}
        total={run.progress?.total ?? 0}
        etaSeconds={run.progress?.etaSeconds}
        message={run.progress?.message}
        testId={`${testId}-progress`}
      />
      <button type="button" className="danger" onClick={() => store.cancel(runKey)} data-testid={`${testId}-cancel`}>
        Cancel
      </button>
    </div>
  );
}
