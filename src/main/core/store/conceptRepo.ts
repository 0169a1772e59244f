import { createHash } from 'node:crypto';
import type { Db } from './open';
import { nowIso, stmt } from './statements';

// `concept_sets` and `concepts`: an ordered list of concept texts, identified by the sha256 of the texts
// (one per line), so the same list is stored once and a run's provenance names exactly what it used.

export function conceptsSha(names: readonly string[]): string {
  return createHash('sha256').update(names.join('\n')).digest('hex');
}

/** The concept set with these names from this source, created when new. Returns its id and sha. */
export function ensureConceptSet(db: Db, s: { name: string; source: string; names: readonly string[] }): { id: number; sha256: string } {
  const sha256 = conceptsSha(s.names);
  const found = stmt(db, 'SELECT id FROM concept_sets WHERE source = ? AND sha256 = ? ORDER BY id LIMIT 1').get(s.source, sha256) as { id: number } | undefined;
  if (found) return { id: found.id, sha256 };
  return db.transaction(() => {
    const id = Number(stmt(db, 'INSERT INTO concept_sets(name, source, sha256, created_at) VALUES (?,?,?,?)').run(s.name, s.source, sha256, nowIso()).lastInsertRowid);
    const put = stmt(db, 'INSERT INTO concepts(concept_set_id, idx, text) VALUES (?,?,?)');
    s.names.forEach((t, i) => put.run(id, i, t));
    return { id, sha256 };
  })();
}

export function conceptNames(db: Db, conceptSetId: number): string[] {
  return (stmt(db, 'SELECT text FROM concepts WHERE concept_set_id = ? ORDER BY idx').all(conceptSetId) as { text: string }[]).map((r) => r.text);
}

export function conceptSetSha(db: Db, conceptSetId: number): string | null {
  return (stmt(db, 'SELECT sha256 FROM concept_sets WHERE id = ?').get(conceptSetId) as { sha256: string } | undefined)?.sha256 ?? null;
}

export interface ConceptSetRow {
  id: number;
  name: string;
  source: string;
  count: number;
  sha256: string;
  createdAt: string;
}

const SET_SQL = `SELECT s.id, s.name, s.source, s.sha256, s.created_at AS createdAt,
  (SELECT count(*) FROM concepts c WHERE c.concept_set_id = s.id) AS count FROM concept_sets s`;

export function listConceptSets(db: Db): ConceptSetRow[] {
  return stmt(db, `${SET_SQL} ORDER BY s.id`).all() as ConceptSetRow[];
}

export function getConceptSet(db: Db, id: number): ConceptSetRow | null {
  return (stmt(db, `${SET_SQL} WHERE s.id = ?`).get(id) as ConceptSetRow | undefined) ?? null;
}
