import { ErrorBox } from '../../components/ErrorBox';
import { JobProgress, useJob } from '../jobs';

/**
 * A generative job started here: the progress bar (hashing, loading the model, tokens, UNet steps) with Cancel while
 * it runs, the backend's coded error when it failed. Like JobStatus, but the error box carries its code and a test
 * hook, and a cancelled try just says so (its finished results are cached: running it again reuses them).
 */
export function RunStatus({
  runKey,
  testId,
  cancelledText,
  unit,
}: {
  runKey: string;
  testId: string;
  cancelledText: string;
  /** What the bar's n / N counts, when it is not obvious (e.g. denoising steps). */
  unit?: string;
}) {
  const run = useJob(runKey);
  if (!run) return null;
  return (
    <div className="describer-run" data-testid={`${testId}-status`} data-status={run.status}>
      {run.status === 'running' && unit && <p className="hint run-unit">{unit}</p>}
      {run.status === 'running' && <JobProgress run={run} runKey={runKey} testId={testId} />}
      {run.status === 'cancelled' && <p className="warn-text">{cancelledText}</p>}
      {run.status === 'failed' && <ErrorBox error={run.error} testId={`${testId}-error`} />}
      {run.status === 'interrupted' && <p className="warn-text">Interrupted: the connection to the backend closed. Start it again.</p>}
    </div>
  );
}
