import { ErrorBox } from '../../components/ErrorBox';
import { useContractQuery } from '../../lib/query';
import { ClusterJobs } from './ClusterJobs';
import { JobRow } from './JobRow';
import { useJobs } from './useJobs';

const POLL_RUNNING_MS = 1000;
const POLL_IDLE_MS = 5000;

/**
 * jobs.list, newest first; polled faster while anything runs, and re-read whenever a job of this app starts or
 * ends (the job store invalidates it). Interrupted/cancelled jobs can resume.
 */
export function JobsScreen() {
  const { runs } = useJobs();
  const ours = runs.some((r) => r.status === 'running');
  const list = useContractQuery(
    'jobs.list',
    {},
    {
      refetchInterval: (jobs) => (ours || (jobs ?? []).some((j) => j.status === 'running') ? POLL_RUNNING_MS : POLL_IDLE_MS),
    },
  );
  const jobs = list.data;

  return (
    <div className="stack">
      <div className="card-head">
        <h1>Jobs</h1>
        <button type="button" onClick={list.refetch} data-testid="jobs-refresh">
          Refresh
        </button>
      </div>
      <ErrorBox error={list.error} />
      {jobs?.length === 0 && <p className="hint">No jobs yet. Importing a probe set starts one.</p>}
      {jobs && jobs.length > 0 && (
        <div className="card table-card">
          <table className="table jobs" data-testid="jobs-table">
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Title</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Done / total
                </th>
                <th scope="col">Updated</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => (
                <JobRow key={j.id} job={j} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ClusterJobs />
    </div>
  );
}
