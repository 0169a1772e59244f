import { ProgressBar } from '../../components/ProgressBar';
import { useJobs } from './useJobs';

/** The header's compact view of the running jobs: title and a thin bar each. */
export function HeaderJobs() {
  const { runs } = useJobs();
  return (
    <>
      {runs
        .filter((r) => r.status === 'running')
        .map((r) => (
          <div key={r.key} className="header-job" title={r.progress?.message ?? r.title}>
            <span className="header-job-title">{r.title}</span>
            <ProgressBar done={r.progress?.done ?? 0} total={r.progress?.total ?? 0} compact />
          </div>
        ))}
    </>
  );
}
