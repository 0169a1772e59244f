import type { ImageRow, LabelCount, ProbeSetInfo, SkippedFile } from '../../../../shared/contract';
import type { Db } from './open';
import { nowIso, stmt } from './statements';

// probe_sets and the read side of a probe set (what the handlers show). Writes done by an import while
// it runs live in imageRepo.ts / labelRepo.ts.

interface ProbeSetRow {
  id: number;
  name: string;
  root_path: string;
  labels_csv_path: string | null;
  manifest_hash: string | null;
  complete: number;
  created_at: string;
  images: number;
  skipped: number;
  classes: number;
}

const PROBE_SET_SELECT = `SELECT p.*,
  (SELECT count(*) FROM images i WHERE i.probe_set_id = p.id) AS images,
  (SELECT count(*) FROM skipped_files s WHERE s.probe_set_id = p.id) AS skipped,
  (SELECT count(*) FROM labels l WHERE l.probe_set_id = p.id AND l.kind = 'class') AS classes
  FROM probe_sets p`;

function toInfo(r: ProbeSetRow): ProbeSetInfo {
  return {
    id: r.id,
    name: r.name,
    rootPath: r.root_path,
    labelsCsvPath: r.labels_csv_path,
    images: r.images,
    skipped: r.skipped,
    classes: r.classes,
    manifestHash: r.manifest_hash,
    createdAt: r.created_at,
    complete: r.complete === 1,
  };
}

/** Find or create the probe set of `rootPath` and mark it incomplete until the import finishes. */
export function beginProbeSetImport(db: Db, s: { rootPath: string; name: string; labelsCsvPath: string | null }): number {
  const now = nowIso();
  const existing = stmt(db, 'SELECT id FROM probe_sets WHERE root_path = ?').get(s.rootPath) as { id: number } | undefined;
  if (existing) {
    stmt(db, 'UPDATE probe_sets SET name = ?, labels_csv_path = ?, complete = 0, manifest_hash = NULL, updated_at = ? WHERE id = ?').run(
      s.name,
      s.labelsCsvPath,
      now,
      existing.id,
    );
    return existing.id;
  }
  const r = stmt(
    db,
    'INSERT INTO probe_sets(name, root_path, labels_csv_path, complete, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)',
  ).run(s.name, s.rootPath, s.labelsCsvPath, now, now);
  return Number(r.lastInsertRowid);
}

export function completeProbeSet(db: Db, id: number, manifestHash: string): void {
  stmt(db, 'UPDATE probe_sets SET manifest_hash = ?, complete = 1, updated_at = ? WHERE id = ?').run(manifestHash, nowIso(), id);
}

export function listProbeSets(db: Db): ProbeSetInfo[] {
  return (stmt(db, `${PROBE_SET_SELECT} ORDER BY p.id`).all() as ProbeSetRow[]).map(toInfo);
}

export function getProbeSet(db: Db, id: number): ProbeSetInfo | undefined {
  const r = stmt(db, `${PROBE_SET_SELECT} WHERE p.id = ?`).get(id) as ProbeSetRow | undefined;
  return r && toInfo(r);
}

export function labelCounts(db: Db, probeSetId: number): LabelCount[] {
  const rows = stmt(
    db,
    `SELECT l.id, l.name, l.path, l.kind, l.parent_id AS parentId, l.depth,
       (SELECT count(*) FROM image_labels il WHERE il.label_id = l.id) AS images
     FROM labels l WHERE l.probe_set_id = ? ORDER BY l.kind = 'csv', l.path, l.kind`,
  ).all(probeSetId);
  return rows as LabelCount[];
}

export function imagePage(
  db: Db,
  q: { probeSetId: number; offset: number; limit: number; labelId?: number },
): { total: number; rows: ImageRow[] } {
  const cols = `i.id, i.rel_path AS relPath, i.sha256, i.width, i.height, i.format, i.class_id AS classId, c.name AS className`;
  if (q.labelId === undefined) {
    const total = (stmt(db, 'SELECT count(*) AS n FROM images WHERE probe_set_id = ?').get(q.probeSetId) as { n: number }).n;
    const rows = stmt(
      db,
      `SELECT ${cols} FROM images i LEFT JOIN labels c ON c.id = i.class_id WHERE i.probe_set_id = ? ORDER BY i.rel_path LIMIT ? OFFSET ?`,
    ).all(q.probeSetId, q.limit, q.offset) as ImageRow[];
    return { total, rows };
  }
  const total = (
    stmt(
      db,
      'SELECT count(*) AS n FROM image_labels il JOIN images i ON i.id = il.image_id WHERE il.label_id = ? AND i.probe_set_id = ?',
    ).get(q.labelId, q.probeSetId) as { n: number }
  ).n;
  const rows = stmt(
    db,
    `SELECT ${cols} FROM image_labels il JOIN images i ON i.id = il.image_id LEFT JOIN labels c ON c.id = i.class_id
     WHERE il.label_id = ? AND i.probe_set_id = ? ORDER BY i.rel_path LIMIT ? OFFSET ?`,
  ).all(q.labelId, q.probeSetId, q.limit, q.offset) as ImageRow[];
  return { total, rows };
}

export function skippedFiles(db: Db, probeSetId: number): SkippedFile[] {
  return stmt(db, 'SELECT rel_path AS relPath, reason, bytes FROM skipped_files WHERE probe_set_id = ? ORDER BY rel_path').all(
    probeSetId,
  ) as SkippedFile[];
}

export interface ImageSource {
  id: number;
  sha256: string;
  relPath: string;
  rootPath: string;
  /** As imported (after EXIF orientation, as decoders show it). */
  width: number;
  height: number;
}

export function imageSources(db: Db, ids: readonly number[]): ImageSource[] {
  const q = stmt(
    db,
    'SELECT i.id, i.sha256, i.rel_path AS relPath, p.root_path AS rootPath, i.width, i.height FROM images i JOIN probe_sets p ON p.id = i.probe_set_id WHERE i.id = ?',
  );
  return ids.map((id) => q.get(id) as ImageSource | undefined).filter((r): r is ImageSource => r !== undefined);
}
