import { createHash } from 'node:crypto';
import { AppError } from '../../../../shared/errors';
import type { Db } from './open';
import { nowIso, stmt } from './statements';

// `concept_sets` and `concepts`: an ordered list of concept texts with the sha256 of the texts (one per
// line), so a run's provenance names exactly what it used. Derived sets are stored once per (source,
// content); sets the user names are keyed by their name (see ensureNamedConceptSet).

export function conceptsSha(names: readonly string[]): string {
  return createHash('sha256').update(names.join('\n')).digest('hex');
}

// Creating a set is check-then-insert, so it runs in one IMMEDIATE transaction: the write lock is taken
// before the check, and a second process (six parallel CLI calls on one project) waits (busy_timeout) and
// then finds the first one's row instead of inserting a duplicate.

function insertSet(db: Db, s: { name: string; source: string; names: readonly string[] }, sha256: string): number {
  const id = Number(
    stmt(db, 'INSERT INTO concept_sets(name, source, sha256, created_at) VALUES (?,?,?,?)').run(s.name, s.source, sha256, nowIso())
      .lastInsertRowid,
  );
  const put = stmt(db, 'INSERT INTO concepts(concept_set_id, idx, text) VALUES (?,?,?)');
  s.names.forEach((t, i) => put.run(id, i, t));
  return id;
}

/** The derived set of `source` with these concepts (their sha256), or null: a reader that must not create it. */
export function findConceptSet(db: Db, source: string, sha256: string): number | null {
  const found = stmt(db, 'SELECT id FROM concept_sets WHERE source = ? AND sha256 = ? ORDER BY id LIMIT 1').get(source, sha256) as
    { id: number } | undefined;
  return found?.id ?? null;
}

/** A derived set (labels, builtin, filtered, imported): one per (source, content); its name only describes it. */
export function ensureConceptSet(
  db: Db,
  s: { name: string; source: string; names: readonly string[] },
): { id: number; sha256: string; created: boolean } {
  const sha256 = conceptsSha(s.names);
  return db
    .transaction(() => {
      const found = findConceptSet(db, s.source, sha256);
      if (found !== null) return { id: found, sha256, created: false };
      return { id: insertSet(db, s, sha256), sha256, created: true };
    })
    .immediate();
}

/**
 * A set the user names (file import, combine): the name is the key. Same name and same concepts: the
 * existing set (importing again is a no-op). Same name, other concepts: refused when the user typed the
 * name (`explicit`); a default name (the file's name) instead takes the first free "name (2)", "name (3)", ...
 * and any of those holding the same concepts is returned.
 */
export function ensureNamedConceptSet(
  db: Db,
  s: { name: string; source: string; names: readonly string[]; explicit: boolean; from: string },
): { id: number; sha256: string; created: boolean; name: string } {
  const sha256 = conceptsSha(s.names);
  const name = s.name.normalize('NFC');
  return db
    .transaction(() => {
      const rows = stmt(db, 'SELECT id, name, sha256 FROM concept_sets WHERE substr(name, 1, length(?)) = ? ORDER BY id').all(
        name,
        name,
      ) as { id: number; name: string; sha256: string }[];
      const suffixed = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\((\\d+)\\)$`);
      const taken = rows.filter((r) => r.name === name || (!s.explicit && suffixed.test(r.name)));
      const same = taken.find((r) => r.sha256 === sha256);
      if (same) return { id: same.id, sha256, created: false, name: same.name };
      const clash = taken.find((r) => r.name === name);
      let finalName = name;
      if (clash) {
        if (s.explicit) {
          const n = countConcepts(db, clash.id);
          throw new AppError(
            'bad_input',
            `A concept set named "${name}" already exists (set ${clash.id}, ${n} concepts) with other concepts than ${s.from} (${s.names.length}). ` +
              'Choose another name, or use the existing set.',
            { conceptSetId: clash.id, name },
          );
        }
        const used = new Set(taken.map((r) => r.name));
        for (let k = 2; used.has(finalName); k++) finalName = `${name} (${k})`;
      }
      return { id: insertSet(db, { ...s, name: finalName }, sha256), sha256, created: true, name: finalName };
    })
    .immediate();
}

export function countConcepts(db: Db, conceptSetId: number): number {
  return (stmt(db, 'SELECT count(*) AS n FROM concepts WHERE concept_set_id = ?').get(conceptSetId) as { n: number }).n;
}

export function conceptNames(db: Db, conceptSetId: number): string[] {
  return (stmt(db, 'SELECT text FROM concepts WHERE concept_set_id = ? ORDER BY idx').all(conceptSetId) as { text: string }[]).map(
    (r) => r.text,
  );
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
