import type { Db } from './open';

// The project file's own facts: its meta table and the counts the project card shows.

export function projectMeta(db: Db): Record<string, string> {
  return Object.fromEntries(
    (db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]),
  );
}

export function projectCounts(db: Db): { probeSets: number; interruptedJobs: number } {
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  return {
    probeSets: count('SELECT count(*) AS n FROM probe_sets'),
    interruptedJobs: count(`SELECT count(*) AS n FROM jobs WHERE status = 'interrupted'`),
  };
}

/** The schema version the file is migrated to (SQLite's user_version). */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}
