import { useCallback, useEffect, useState } from 'react';
import { JobRow } from './JobRow';
import { useApp } from '../../lib/appContext';
import { toShownError, type ShownError } from '../../lib/errors';
import { useJobs } from './useJobs';
import type { JobInfo } from '../../lib/types';
import { ErrorBox } from '../../components/ErrorBox';

const POLL_RUNNING_MS = 1000;
const POLL_IDLE_MS = 5000;

/** jobs.list, newest first; polled faster while anything runs. Interrupted/cancelled jobs can resume. */
export function JobsScreen() {
  const { api } = useApp();
  const runner = useJobs();
  const [jobs, setJobs] = useState<JobInfo[] | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const settledCount = runner.runs.filter((r) => r.status !== 'running').length;
  const activeCount = runner.runs.length - settledCount;

  const load = useCallback(async () => {
    try {
      setJobs(await api.call('jobs.list', {}));
      setError(null);
    } catch (e) {
      setError(toShownError(e));
    }
  }, [api]);

  useEffect(() => {
    void load();
  }, [load, settledCount, activeCount]);

  const anyRunning = activeCount > 0 || (jobs ?? []).some((j) => j.status === 'running');
  useEffect(() => {
    const t = window.setInterval(() => void load(), anyRunning ? POLL_RUNNING_MS : POLL_IDLE_MS);
    return () => window.clearInterval(t);
  }, [load, anyRunning]);

  return (
    <div className="stack">
      <div className="card-head">
        <h1>Jobs</h1>
        <button type="button" onClick={() => void load()} data-testid="jobs-refresh">
          Refresh
        </button>
      </div>
      <ErrorBox error={error} />
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
    </div>
  );
}
