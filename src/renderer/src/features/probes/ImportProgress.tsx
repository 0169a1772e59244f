import type { RunState } from '../jobs';
import { ProgressBar } from '../../components/ProgressBar';

export function ImportProgress({ run, onCancel }: { run: RunState; onCancel: () => void }) {
  const p = run.progress;
  return (
    <div className="job-progress">
      <ProgressBar done={p?.done ?? 0} total={p?.total ?? 0} etaSeconds={p?.etaSeconds} message={p?.message} testId="import-progress" />
      <button type="button" className="danger" onClick={onCancel} data-testid="import-cancel">
        Cancel
      </button>
    </div>
  );
}
