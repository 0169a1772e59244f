import type { ClusterJob } from '../../../../shared/contract';
import type { Db } from './open';

// The cluster jobs submitted from a project (docs/cluster.md), kept as one JSON list in the project's meta table so
// that the Jobs screen can follow them; the jobs' own records stay beside their shard files.

const KEY = 'cluster_jobs';

export function listClusterJobs(db: Db): ClusterJob[] {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(KEY) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as ClusterJob[]) : [];
}

function write(db: Db, jobs: ClusterJob[]): void {
  db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run(KEY, JSON.stringify(jobs));
}

/** Add (or replace: the same engine, job id and folder) a submitted job, newest first. */
export function addClusterJob(db: Db, job: ClusterJob): void {
  db.transaction(() => {
    const others = listClusterJobs(db).filter((j) => !(j.engine === job.engine && j.jobId === job.jobId && j.shardDir === job.shardDir));
    write(db, [job, ...others]);
  })();
}

/** Mark the jobs whose shards live in `shardDir` as merged (project.merge folded them in). */
export function markClusterJobsMerged(db: Db, shardDir: string, command: string, shards: number): void {
  db.transaction(() => {
    write(
      db,
      listClusterJobs(db).map((j) =>
        j.shardDir === shardDir && j.command === command && j.shards === shards ? { ...j, merged: true } : j,
      ),
    );
  })();
}

/**
 * Units of its range a shard file holds: images in its activation chunks (extraction), else the done count of the
 * shard's own job row (the neuron jobs' blocks); the whole range once it is complete.
 */
export function shardProgress(db: Db, provenance: Record<string, unknown>): { done: number; total: number } {
  const total = Number(provenance.to) - Number(provenance.from);
  if (provenance.complete === true) return { done: total, total };
  let done = 0;
  if (provenance.axis === 'images') {
    done = (db.prepare("SELECT coalesce(sum(n_rows), 0) AS n FROM activation_chunks WHERE kind = 'act'").get() as { n: number }).n;
  } else {
    const job = db.prepare('SELECT done, total FROM jobs ORDER BY id DESC LIMIT 1').get() as { done: number; total: number } | undefined;
    // The job counts in its own units (neurons or blocks): scale to the range.
    done = job && job.total > 0 ? Math.floor((job.done / job.total) * total) : 0;
  }
  return { done: Math.min(done, total), total };
}
