import type { Db } from './open';
import { stmt } from './statements';

// labels and image_labels primitives; the rules that decide which labels an image carries live in
// probe/labelRules.ts and probe/reconcileLabels.ts.

export type LabelKind = 'class' | 'superclass' | 'csv';
export type LabelSource = 'folder' | 'csv';

export interface LabelRow {
  id: number;
  name: string;
  path: string;
  kind: LabelKind;
  parentId: number | null;
  depth: number;
}

export interface ImageLabelRow {
  imageId: number;
  labelId: number;
  source: LabelSource;
}

export function loadLabels(db: Db, probeSetId: number): LabelRow[] {
  return stmt(db, 'SELECT id, name, path, kind, parent_id AS parentId, depth FROM labels WHERE probe_set_id = ?').all(
    probeSetId,
  ) as LabelRow[];
}

export function insertLabel(db: Db, probeSetId: number, l: Omit<LabelRow, 'id'>): number {
  const r = stmt(db, 'INSERT INTO labels(probe_set_id, name, path, kind, parent_id, depth) VALUES (?, ?, ?, ?, ?, ?)').run(
    probeSetId,
    l.name,
    l.path,
    l.kind,
    l.parentId,
    l.depth,
  );
  return Number(r.lastInsertRowid);
}

export function setLabelParent(db: Db, id: number, parentId: number | null): void {
  stmt(db, 'UPDATE labels SET parent_id = ? WHERE id = ?').run(parentId, id);
}

export function loadImagesForLabeling(db: Db, probeSetId: number): { id: number; relPath: string; classId: number | null }[] {
  return stmt(db, 'SELECT id, rel_path AS relPath, class_id AS classId FROM images WHERE probe_set_id = ?').all(probeSetId) as {
    id: number;
    relPath: string;
    classId: number | null;
  }[];
}

export function loadImageLabels(db: Db, probeSetId: number): ImageLabelRow[] {
  return stmt(
    db,
    `SELECT il.image_id AS imageId, il.label_id AS labelId, il.source FROM image_labels il
     JOIN images i ON i.id = il.image_id WHERE i.probe_set_id = ?`,
  ).all(probeSetId) as ImageLabelRow[];
}

export function putImageLabel(db: Db, imageId: number, labelId: number, source: LabelSource): void {
  stmt(db, 'INSERT OR REPLACE INTO image_labels(image_id, label_id, source) VALUES (?, ?, ?)').run(imageId, labelId, source);
}

export function removeImageLabel(db: Db, imageId: number, labelId: number): void {
  stmt(db, 'DELETE FROM image_labels WHERE image_id = ? AND label_id = ?').run(imageId, labelId);
}

export function setImageClass(db: Db, imageId: number, classId: number | null): void {
  stmt(db, 'UPDATE images SET class_id = ? WHERE id = ?').run(classId, imageId);
}

/** Labels no image carries any more (a removed folder, a class that became a superclass, an old CSV label). */
export function deleteUnusedLabels(db: Db, probeSetId: number): number {
  return stmt(
    db,
    'DELETE FROM labels WHERE probe_set_id = ? AND NOT EXISTS (SELECT 1 FROM image_labels il WHERE il.label_id = labels.id)',
  ).run(probeSetId).changes;
}
