import type { JobMethod } from './jobStore';
import { useJobs } from './useJobs';
import { ProgressBar } from '../../components/ProgressBar';

/** Jobs of a screen still running (started there, possibly before navigating away and back): progress + Cancel. */
export function RunningJobs({ methods, testId }: { methods: readonly JobMethod[]; testId: string }) {
  const runner = useJobs();
  const running = runner.runs.filter((r) => methods.includes(r.method) && r.status === 'running');
  if (running.length === 0) return null;
  return (
    <section className="card" data-testid={testId}>
      {running.map((r) => (
        <div key={r.key} className="job-progress">
          <strong>{r.title}</strong>
          <ProgressBar
            done={r.progress?.done ?? 0}
            total={r.progress?.total ?? 0}
            etaSeconds={r.progress?.etaSeconds}
            message={r.progress?.message}
          />
          <button type="button" className="danger" onClick={() => runner.cancel(r.key)}>
            Cancel
          </button>
        </div>
      ))}
    </section>
  );
}
