import type { Db } from './open';
import { nowIso, stmt } from './statements';

// The `splits` table: seeded train/val/test assignments, one byte per image in image-id order
// (0 train, 1 val, 2 test) - the order of activation rows. Found again by (probe set, seed, fractions,
// manifest), so every run on an unchanged probe set reuses the same stored split. Imported splits (split.import:
// an assignment given by the user) have source 'imported' and are found only by id (migration 007).

export interface SplitRow {
  id: number;
  probeSetId: number;
  seed: number;
  fractions: [number, number, number];
  manifestHash: string;
  assignment: Uint8Array;
  createdAt: string;
  /** 'seeded' (made from seed + fractions) or 'imported' (given by the user; seed unused). */
  source: 'seeded' | 'imported';
  /** Where an imported split came from (file name or "index lists"); null for seeded ones. */
  name: string | null;
}

interface Raw {
  id: number;
  probe_set_id: number;
  seed: number;
  fractions: string;
  manifest_hash: string;
  assignment: Buffer;
  created_at: string;
  source: 'seeded' | 'imported';
  name: string | null;
}

const toRow = (r: Raw): SplitRow => ({
  id: r.id,
  probeSetId: r.probe_set_id,
  seed: r.seed,
  fractions: JSON.parse(r.fractions) as [number, number, number],
  manifestHash: r.manifest_hash,
  assignment: new Uint8Array(r.assignment),
  createdAt: r.created_at,
  source: r.source,
  name: r.name,
});

/** Fractions as stored and compared: JSON of the three numbers. */
export const fractionsKey = (f: readonly number[]): string => JSON.stringify(f.map((x) => Number(x)));

export function findSplit(
  db: Db,
  q: { probeSetId: number; seed: number; fractions: readonly number[]; manifestHash: string },
): SplitRow | null {
  const r = stmt(
    db,
    "SELECT * FROM splits WHERE probe_set_id = ? AND seed = ? AND fractions = ? AND manifest_hash = ? AND source = 'seeded' ORDER BY id LIMIT 1",
  ).get(q.probeSetId, q.seed, fractionsKey(q.fractions), q.manifestHash) as Raw | undefined;
  return r ? toRow(r) : null;
}

export function getSplit(db: Db, id: number): SplitRow | null {
  const r = stmt(db, 'SELECT * FROM splits WHERE id = ?').get(id) as Raw | undefined;
  return r ? toRow(r) : null;
}

export function insertSplit(
  db: Db,
  s: Omit<SplitRow, 'id' | 'createdAt' | 'source' | 'name'> & Partial<Pick<SplitRow, 'source' | 'name'>>,
): number {
  const r = stmt(
    db,
    'INSERT INTO splits(probe_set_id, seed, fractions, manifest_hash, assignment, created_at, source, name) VALUES (?,?,?,?,?,?,?,?)',
  ).run(
    s.probeSetId,
    s.seed,
    fractionsKey(s.fractions),
    s.manifestHash,
    Buffer.from(s.assignment.buffer, s.assignment.byteOffset, s.assignment.byteLength),
    nowIso(),
    s.source ?? 'seeded',
    s.name ?? null,
  );
  return Number(r.lastInsertRowid);
}

/** Every stored split of a probe set, newest first. */
export function listSplits(db: Db, probeSetId: number): SplitRow[] {
  return (stmt(db, 'SELECT * FROM splits WHERE probe_set_id = ? ORDER BY id DESC').all(probeSetId) as Raw[]).map(toRow);
}
