import { createHash } from 'node:crypto';
import type { Db } from './open';
import { stmt } from './statements';

// images and skipped_files: the writes of an import (callers wrap them in one transaction per batch) and the
// image reads jobs need (the images of a probe set in activation-row order, one image's file and class).

export interface StoredImage {
  id: number;
  bytes: number;
  mtimeMs: number;
  sha256: string;
}

export interface ImageFile {
  relPath: string;
  bytes: number;
  mtimeMs: number;
  sha256: string;
  width: number;
  height: number;
  format: string;
}

/** rel_path -> what the quick (size + mtime) and hash checks compare against. */
export function loadImageIndex(db: Db, probeSetId: number): Map<string, StoredImage> {
  const index = new Map<string, StoredImage>();
  const q = stmt(db, 'SELECT id, rel_path AS relPath, bytes, mtime_ms AS mtimeMs, sha256 FROM images WHERE probe_set_id = ?');
  for (const r of q.iterate(probeSetId) as Iterable<StoredImage & { relPath: string }>) {
    index.set(r.relPath, { id: r.id, bytes: r.bytes, mtimeMs: r.mtimeMs, sha256: r.sha256 });
  }
  return index;
}

export function loadSkippedPaths(db: Db, probeSetId: number): Set<string> {
  const rows = stmt(db, 'SELECT rel_path AS relPath FROM skipped_files WHERE probe_set_id = ?').all(probeSetId) as { relPath: string }[];
  return new Set(rows.map((r) => r.relPath));
}

export function insertImage(db: Db, probeSetId: number, f: ImageFile): number {
  const r = stmt(
    db,
    'INSERT INTO images(probe_set_id, rel_path, bytes, mtime_ms, sha256, width, height, format) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(probeSetId, f.relPath, f.bytes, f.mtimeMs, f.sha256, f.width, f.height, f.format);
  return Number(r.lastInsertRowid);
}

export function updateImage(db: Db, id: number, f: ImageFile): void {
  stmt(db, 'UPDATE images SET bytes = ?, mtime_ms = ?, sha256 = ?, width = ?, height = ?, format = ? WHERE id = ?').run(
    f.bytes,
    f.mtimeMs,
    f.sha256,
    f.width,
    f.height,
    f.format,
    id,
  );
}

/** Same content, new size/mtime (e.g. touched or copied): remember them so the next quick check passes. */
export function touchImage(db: Db, id: number, bytes: number, mtimeMs: number): void {
  stmt(db, 'UPDATE images SET bytes = ?, mtime_ms = ? WHERE id = ?').run(bytes, mtimeMs, id);
}

export function deleteImage(db: Db, id: number): void {
  stmt(db, 'DELETE FROM images WHERE id = ?').run(id);
}

export function upsertSkipped(db: Db, probeSetId: number, relPath: string, reason: string, bytes: number | null): void {
  stmt(db, 'INSERT OR REPLACE INTO skipped_files(probe_set_id, rel_path, reason, bytes) VALUES (?, ?, ?, ?)').run(
    probeSetId,
    relPath,
    reason,
    bytes,
  );
}

export function deleteSkipped(db: Db, probeSetId: number, relPath: string): void {
  stmt(db, 'DELETE FROM skipped_files WHERE probe_set_id = ? AND rel_path = ?').run(probeSetId, relPath);
}

/** sha256 over the images sorted by rel_path (byte order), one "rel_path TAB sha256 LF" line each. */
export function computeManifestHash(db: Db, probeSetId: number): string {
  const h = createHash('sha256');
  const q = stmt(db, 'SELECT rel_path AS relPath, sha256 FROM images WHERE probe_set_id = ? ORDER BY rel_path');
  for (const r of q.iterate(probeSetId) as Iterable<{ relPath: string; sha256: string }>) h.update(`${r.relPath}\t${r.sha256}\n`);
  return h.digest('hex');
}

export function countImages(db: Db, probeSetId: number): number {
  return (stmt(db, 'SELECT count(*) AS n FROM images WHERE probe_set_id = ?').get(probeSetId) as { n: number }).n;
}

export function countSkipped(db: Db, probeSetId: number): number {
  return (stmt(db, 'SELECT count(*) AS n FROM skipped_files WHERE probe_set_id = ?').get(probeSetId) as { n: number }).n;
}

export interface ProbeImage {
  id: number;
  relPath: string;
  sha256: string;
  classId: number | null;
}

/**
 * The images of a probe set in id order: the order of activation rows (extraction reads the images so), of
 * embedding rows and of every per-image vector (labels, splits) that lines up with them.
 */
export function probeImages(db: Db, probeSetId: number): ProbeImage[] {
  return stmt(db, 'SELECT id, rel_path AS relPath, sha256, class_id AS classId FROM images WHERE probe_set_id = ? ORDER BY id').all(
    probeSetId,
  ) as ProbeImage[];
}

/** Image ids of a probe set sorted by rel_path (SQLite byte order: the manifest's order, not JS string order). */
export function imageIdsByPath(db: Db, probeSetId: number): number[] {
  return (stmt(db, 'SELECT id FROM images WHERE probe_set_id = ? ORDER BY rel_path').all(probeSetId) as { id: number }[]).map((r) => r.id);
}

/** One image's rel_path and class label name (null: no class), or undefined when the image does not exist. */
export function imageWithClass(db: Db, imageId: number): { relPath: string; className: string | null } | undefined {
  return stmt(
    db,
    'SELECT i.rel_path AS relPath, c.name AS className FROM images i LEFT JOIN labels c ON c.id = i.class_id WHERE i.id = ?',
  ).get(imageId) as { relPath: string; className: string | null } | undefined;
}
