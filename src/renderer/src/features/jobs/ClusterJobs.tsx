import { useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { ProgressBar } from '../../components/ProgressBar';
import type { Out } from '../../lib/contract';
import { toShownError, type ShownError } from '../../lib/errors';
import { formatDate } from '../../lib/format';
import { useContractMutation, useContractQuery } from '../../lib/query';

// Cluster jobs submitted from this project (cluster.submit, docs/cluster.md): each task's scheduler state and how much
// of its shard file is written, the log tail of a failed task, Resubmit for failed Slurm tasks, Merge when every shard
// file is complete.

type ClusterJob = Out<'cluster.jobs'>[number];
type Task = Out<'cluster.status'>['tasks'][number];

const POLL_MS = 5000;
const FAILED = /^(FAILED|CANCELLED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL|PREEMPTED|BOOT_FAIL|DEADLINE)/;
const ACTIVE = /^(PENDING|RUNNING|CONFIGURING|COMPLETING|REQUEUED|RESIZING|SUSPENDED)/;

/** The badge colour of a scheduler state (the Jobs table's status classes). */
function stateClass(state: string): string {
  if (state === 'COMPLETED') return 'status-done';
  if (FAILED.test(state)) return 'status-failed';
  if (/^(RUNNING|COMPLETING|CONFIGURING)/.test(state)) return 'status-running';
  return '';
}

export function ClusterJobs() {
  const jobs = useContractQuery('cluster.jobs', {});
  if (!jobs.data?.length) return <ErrorBox error={jobs.error} />;
  return (
    <section className="stack" data-testid="cluster-jobs">
      <h2>Cluster jobs</h2>
      {jobs.data.map((j, k) => (
        <ClusterJobCard
          key={`${j.engine}:${j.jobId}:${j.shardDir}`}
          job={j}
          // A newer job of the same shards (a resubmission) runs the unfinished tasks: resubmit from there, not twice.
          superseded={jobs.data!.slice(0, k).some((n) => n.shardDir === j.shardDir && n.command === j.command && n.shards === j.shards)}
        />
      ))}
    </section>
  );
}

function ClusterJobCard({ job, superseded }: { job: ClusterJob; superseded: boolean }) {
  const ref = { jobId: job.jobId, shardDir: job.shardDir };
  const status = useContractQuery('cluster.status', ref, { refetchInterval: (s) => (s?.done ? false : POLL_MS) });
  const resubmit = useContractMutation('cluster.resubmit', { changes: ['cluster'] });
  const merge = useContractMutation('project.merge', { changes: ['cluster', 'models', 'explanations', 'ablation'] });
  const [error, setError] = useState<ShownError | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const s = status.data;
  const tasks = s?.tasks ?? [];
  const complete = tasks.filter((t) => t.shardComplete).length;
  const failed = tasks.filter((t) => !t.shardComplete && FAILED.test(t.state));
  const canResubmit =
    job.engine === 'slurm' && !superseded && tasks.some((t) => !t.shardComplete && !ACTIVE.test(t.state) && t.state !== 'NOT_IN_JOB');
  const id = job.jobId;
  const withLogs = tasks.some((t) => t.logTail);

  async function act(run: () => Promise<string>) {
    setError(null);
    setNote(null);
    try {
      setNote(await run());
    } catch (e) {
      setError(toShownError(e));
    }
    status.refetch();
  }

  return (
    <div className="card" data-testid={`cluster-job-${id}`} data-done={s?.done ? 'true' : 'false'}>
      <div className="card-head">
        <h3>
          <span className="mono">{job.command}</span> in {job.shards} shards{' '}
          <span className="hint">
            {job.engine === 'slurm' ? `Slurm job ${id}` : `Kubernetes Job ${id}`} · {formatDate(job.submittedAt)}
          </span>
        </h3>
        <div className="actions-cell">
          <button type="button" onClick={status.refetch} data-testid={`cluster-refresh-${id}`}>
            Refresh
          </button>
          {canResubmit && (
            <button
              type="button"
              disabled={resubmit.busy}
              data-testid={`cluster-resubmit-${id}`}
              onClick={() =>
                act(async () => {
                  const r = await resubmit.run(ref);
                  return r.jobId
                    ? `Resubmitted shard${r.tasks.length > 1 ? 's' : ''} ${r.tasks.map((k) => k + 1).join(', ')} as Slurm job ${r.jobId}.`
                    : 'Nothing to resubmit.';
                })
              }
            >
              Resubmit unfinished
            </button>
          )}
          {s?.done && !job.merged && (
            <button
              type="button"
              className="primary"
              disabled={merge.busy}
              data-testid={`cluster-merge-${id}`}
              onClick={() =>
                act(async () => {
                  const r = await merge.run({ shards: tasks.map((t) => t.shardFile) });
                  return `Merged ${r.shards} shards into the project in ${r.seconds.toFixed(2)} s.`;
                })
              }
            >
              Merge into the project
            </button>
          )}
          {job.merged && <span className="badge status-done">merged</span>}
        </div>
      </div>
      <p className="hint" data-testid={`cluster-summary-${id}`}>
        {complete} of {job.shards} shard files complete
        {failed.length > 0 && `, ${failed.length} failed`}
        {job.engine === 'kubernetes' && ` · states are not read from Kubernetes: kubectl get pods -l app.kubernetes.io/instance=${id}`}
        {' · '}
        <span className="mono">{job.shardDir}</span>
      </p>
      <ErrorBox error={status.error ?? error} testId={`cluster-error-${id}`} />
      {note && (
        <p className="hint" data-testid={`cluster-note-${id}`}>
          {note}
        </p>
      )}
      {tasks.length > 0 && (
        <table className="table jobs" data-testid={`cluster-tasks-${id}`}>
          <thead>
            <tr>
              <th scope="col" className="num">
                Shard
              </th>
              <th scope="col">State</th>
              <th scope="col">Shard file</th>
              {withLogs && <th scope="col">Log tail</th>}
            </tr>
          </thead>
          <tbody>
            {tasks.map((t) => (
              <TaskRow key={t.index} job={job} task={t} withLogs={withLogs} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function TaskRow({ job, task: t, withLogs }: { job: ClusterJob; task: Task; withLogs: boolean }) {
  const testId = `cluster-task-${job.jobId}-${t.index}`;
  // Kubernetes is not asked (kubectl is the user's): its tasks have no state here, their shard files tell.
  const unasked = job.engine === 'kubernetes' && t.state === 'UNKNOWN';
  return (
    <tr data-testid={testId} data-state={t.state} data-complete={t.shardComplete ? 'true' : 'false'}>
      <td className="num">
        {t.index} / {job.shards}
      </td>
      <td>
        {unasked ? (
          <span className="hint" title="Not read from Kubernetes: kubectl get pods shows the pods">
            n/a
          </span>
        ) : (
          <span className={`badge ${stateClass(t.state)}`}>{t.state}</span>
        )}
      </td>
      <td className="shard-file">
        {t.shardComplete ? (
          <span className="badge status-done">complete</span>
        ) : t.progress ? (
          <ProgressBar
            done={t.progress.done}
            total={t.progress.total}
            showEta={false}
            message={job.command === 'activations.extract' ? 'images' : 'neurons'}
            testId={`${testId}-progress`}
          />
        ) : (
          <span className="hint">no shard file yet</span>
        )}
      </td>
      {withLogs && <td>{t.logTail ? <pre className="log-tail">{t.logTail}</pre> : null}</td>}
    </tr>
  );
}
