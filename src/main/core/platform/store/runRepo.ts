import type { Db } from './open';
import { nowIso, stmt } from './statements';

// The `runs` table: provenance of every computation (what ran, with which app version, parameters
// including defaults, content hashes of its inputs and outputs, and seeds).

export interface RunRecord {
  kind: string;
  appVersion: string;
  params: unknown;
  hashes?: Record<string, string>;
  seeds?: Record<string, number>;
}

export interface RunRow {
  id: number;
  kind: string;
  app_version: string;
  params_json: string;
  hashes_json: string;
  seeds_json: string;
  created_at: string;
}

export function insertRun(db: Db, r: RunRecord): number {
  const res = stmt(
    db,
    'INSERT INTO runs(kind, app_version, params_json, hashes_json, seeds_json, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(r.kind, r.appVersion, JSON.stringify(r.params), JSON.stringify(r.hashes ?? {}), JSON.stringify(r.seeds ?? {}), nowIso());
  return Number(res.lastInsertRowid);
}

/** Merge hashes / seeds known only as the run goes (e.g. the manifest hash at the end of an import). */
export function amendRun(db: Db, id: number, add: { hashes?: Record<string, string>; seeds?: Record<string, number> }): void {
  const row = getRun(db, id);
  if (!row) return;
  const hashes = { ...(JSON.parse(row.hashes_json) as Record<string, string>), ...add.hashes };
  const seeds = { ...(JSON.parse(row.seeds_json) as Record<string, number>), ...add.seeds };
  stmt(db, 'UPDATE runs SET hashes_json = ?, seeds_json = ? WHERE id = ?').run(JSON.stringify(hashes), JSON.stringify(seeds), id);
}

export function getRun(db: Db, id: number): RunRow | undefined {
  return stmt(db, 'SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
}
