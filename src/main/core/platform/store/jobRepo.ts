import type { Db } from './open';
import { nowIso, stmt } from './statements';

// The `jobs` table: one row per long job, written before work starts and updated as batches commit.

export type JobStatus = 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface JobRow {
  id: number;
  kind: string;
  title: string;
  params_json: string;
  status: JobStatus;
  done: number;
  total: number;
  message: string | null;
  error: string | null;
  result_json: string | null;
  owner: string | null;
  run_id: number | null;
  created_at: string;
  updated_at: string;
}

export function insertJob(db: Db, j: { kind: string; title: string; paramsJson: string; owner: string }): number {
  const now = nowIso();
  const r = stmt(
    db,
    `INSERT INTO jobs(kind, title, params_json, status, owner, created_at, updated_at) VALUES (?, ?, ?, 'running', ?, ?, ?)`,
  ).run(j.kind, j.title, j.paramsJson, j.owner, now, now);
  return Number(r.lastInsertRowid);
}

/** Take over an existing row (resume): running again under a new owner, error cleared, progress kept. */
export function restartJob(db: Db, id: number, j: { title: string; paramsJson: string; owner: string }): void {
  stmt(
    db,
    `UPDATE jobs SET status = 'running', title = ?, params_json = ?, owner = ?, error = NULL, result_json = NULL, updated_at = ? WHERE id = ?`,
  ).run(j.title, j.paramsJson, j.owner, nowIso(), id);
}

export function setJobRun(db: Db, id: number, runId: number): void {
  stmt(db, 'UPDATE jobs SET run_id = ? WHERE id = ?').run(runId, id);
}

export function updateJobProgress(db: Db, id: number, done: number, total: number, message: string | null): void {
  stmt(db, 'UPDATE jobs SET done = ?, total = ?, message = ?, updated_at = ? WHERE id = ?').run(done, total, message, nowIso(), id);
}

export function finishJob(
  db: Db,
  id: number,
  status: Exclude<JobStatus, 'running'>,
  fields: { error?: string | null; resultJson?: string | null } = {},
): void {
  stmt(db, 'UPDATE jobs SET status = ?, error = ?, result_json = ?, updated_at = ? WHERE id = ?').run(
    status,
    fields.error ?? null,
    fields.resultJson ?? null,
    nowIso(),
    id,
  );
}

export function getJob(db: Db, id: number): JobRow | undefined {
  return stmt(db, 'SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
}

export function listJobs(db: Db, limit = 500): JobRow[] {
  return stmt(db, 'SELECT * FROM jobs ORDER BY id DESC LIMIT ?').all(limit) as JobRow[];
}

export function runningJobs(db: Db): JobRow[] {
  return stmt(db, `SELECT * FROM jobs WHERE status = 'running' ORDER BY id`).all() as JobRow[];
}

export function markJobInterrupted(db: Db, id: number): void {
  stmt(db, `UPDATE jobs SET status = 'interrupted', updated_at = ? WHERE id = ? AND status = 'running'`).run(nowIso(), id);
}

/** The newest unfinished job of `kind` whose params have `key` = value (e.g. an import of the same root). */
export function findUnfinishedJob(db: Db, kind: string, key: string, value: string): JobRow | undefined {
  return stmt(
    db,
    `SELECT * FROM jobs WHERE kind = ? AND status IN ('cancelled', 'interrupted', 'failed')
       AND json_extract(params_json, '$.' || ?) = ? ORDER BY id DESC LIMIT 1`,
  ).get(kind, key, value) as JobRow | undefined;
}

/** Running jobs of `kind` whose params hold this run key (and, per `scope`, these numeric params). */
export function findRunningJobsByKey(
  db: Db,
  kind: string,
  key: string,
  scope: Record<string, number>,
): { id: number; owner: string | null; title: string }[] {
  const names = Object.keys(scope).sort();
  const extra = names.map(() => ` AND json_extract(params_json, '$.' || ?) = ?`).join('');
  return stmt(
    db,
    `SELECT id, owner, title FROM jobs WHERE kind = ? AND status = 'running' AND json_extract(params_json, '$.key') = ?${extra}`,
  ).all(kind, key, ...names.flatMap((n) => [n, scope[n]])) as { id: number; owner: string | null; title: string }[];
}
