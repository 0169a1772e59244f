import type Database from 'better-sqlite3';
import type { Db } from './open';

// Repositories run the same few statements thousands of times per import; preparing once per connection
// (keyed weakly by the connection, so a closed project frees them) keeps per-row cost to the SQLite step.
const cache = new WeakMap<Db, Map<string, Database.Statement>>();

export function stmt(db: Db, sql: string): Database.Statement {
  let byText = cache.get(db);
  if (!byText) {
    byText = new Map();
    cache.set(db, byText);
  }
  let s = byText.get(sql);
  if (!s) {
    s = db.prepare(sql);
    byText.set(sql, s);
  }
  return s;
}

export const nowIso = (): string => new Date().toISOString();
