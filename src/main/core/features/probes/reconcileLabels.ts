import {
  deleteUnusedLabels,
  insertLabel,
  loadImageLabels,
  loadImagesForLabeling,
  loadLabels,
  putImageLabel,
  removeImageLabel,
  setImageClass,
  setLabelParent,
  type LabelKind,
  type LabelRow,
  type LabelSource,
} from '../../platform/store/labelRepo';
import type { Db } from '../../platform/store/open';
import { ancestorsOf, classMatcher, folderKinds, folderLabelsOf, folderOf, leafName } from './labelRules';
import type { LabelsCsv } from './labelsCsv';
import { comparePaths } from './walk';

// Labels are a function of (the set's image paths, the CSV). Why one reconcile pass at the end of an import
// instead of labelling each batch: whether a folder is a class or a superclass depends on the whole tree,
// which a resumed or partial import only knows at the end. The pass diffs against what is stored, so a
// re-import of an unchanged folder writes nothing, and any earlier state (killed import, changed CSV,
// a folder that gained subfolders) converges to the same labels. Runs inside the final transaction.

// Labels come from NFC-normalised paths: one folder name typed on macOS (NFD) and on Linux/Windows (NFC) is
// the same name to a person, so "Café" in both forms is one class, not two look-alike ones. The images keep
// their on-disk paths; the merge is reported (`merged`) so the import can say it happened.

export interface ReconcileStats {
  added: number;
  removed: number;
  classChanged: number;
  /** Folders whose names differ only in Unicode normalisation, merged into one label each. */
  merged: { label: string; spellings: string[]; images: number }[];
}

export const nfc = (s: string): string => s.normalize('NFC');

export function reconcileLabels(db: Db, probeSetId: number, csv: LabelsCsv | null): ReconcileStats {
  const images = loadImagesForLabeling(db, probeSetId).map((i) => ({ ...i, labelPath: nfc(i.relPath) }));
  const kinds = folderKinds(images.map((i) => i.labelPath));
  const matchClass = classMatcher(kinds);
  const labelId = labelIdResolver(db, probeSetId);

  const current = new Map<number, Map<number, LabelSource>>();
  for (const r of loadImageLabels(db, probeSetId)) {
    let m = current.get(r.imageId);
    if (!m) current.set(r.imageId, (m = new Map()));
    m.set(r.labelId, r.source);
  }

  const stats: ReconcileStats = { added: 0, removed: 0, classChanged: 0, merged: mergedFolders(images) };
  for (const image of images) {
    let override: string | null = null;
    const csvLabels: string[] = [];
    for (const label of csv?.rows.get(image.labelPath)?.labels ?? []) {
      const m = matchClass(label);
      if (m && 'path' in m) override ??= m.path;
      else csvLabels.push(label);
    }
    const folder = override ? { classPath: override, superclassPaths: ancestorsOf(override) } : folderLabelsOf(image.labelPath, kinds);
    const source: LabelSource = override ? 'csv' : 'folder';

    const want = new Map<number, LabelSource>();
    const classId = folder.classPath === null ? null : labelId('class', folder.classPath);
    if (classId !== null) want.set(classId, source);
    for (const s of folder.superclassPaths) want.set(labelId('superclass', s), source);
    for (const l of csvLabels) want.set(labelId('csv', l), 'csv');

    const have = current.get(image.id) ?? new Map<number, LabelSource>();
    for (const [id, src] of want) {
      if (have.get(id) === src) continue;
      putImageLabel(db, image.id, id, src);
      stats.added++;
    }
    for (const id of have.keys()) {
      if (want.has(id)) continue;
      removeImageLabel(db, image.id, id);
      stats.removed++;
    }
    if (image.classId !== classId) {
      setImageClass(db, image.id, classId);
      stats.classChanged++;
    }
  }
  deleteUnusedLabels(db, probeSetId);
  return stats;
}

/** Folder paths (as on disk) that normalise to the same NFC path, with how many images lie below them. */
function mergedFolders(images: readonly { relPath: string; labelPath: string }[]): ReconcileStats['merged'] {
  if (images.every((i) => i.relPath === i.labelPath)) return []; // all NFC already: nothing can merge
  const spellings = new Map<string, Map<string, number>>(); // NFC folder -> on-disk folder -> images
  for (const i of images) {
    const dir = folderOf(i.relPath);
    if (dir === null) continue;
    for (const d of [dir, ...ancestorsOf(dir)]) {
      const forms = spellings.get(nfc(d)) ?? new Map<string, number>();
      forms.set(d, (forms.get(d) ?? 0) + 1);
      spellings.set(nfc(d), forms);
    }
  }
  const out: ReconcileStats['merged'] = [];
  for (const [label, forms] of spellings) {
    if (forms.size < 2) continue;
    // Only the deepest folder whose own name differs: "Café/x" and "Café/y" merge, their parents need not.
    const own = new Set([...forms.keys()].map(leafName));
    if (own.size < 2) continue;
    out.push({
      label,
      spellings: [...forms.keys()].sort((a, b) => Number(b === nfc(b)) - Number(a === nfc(a)) || comparePaths(a, b)),
      images: [...forms.values()].reduce((a, b) => a + b, 0),
    });
  }
  return out.sort((a, b) => comparePaths(a.label, b.label));
}

/** (kind, path) -> label id, creating labels (parents first) and fixing parent links as needed. */
function labelIdResolver(db: Db, probeSetId: number): (kind: LabelKind, path: string) => number {
  const key = (kind: LabelKind, path: string) => `${kind}\u0000${path}`;
  const known = new Map<string, LabelRow>(loadLabels(db, probeSetId).map((l) => [key(l.kind, l.path), l]));
  const checked = new Set<string>();
  const resolve = (kind: LabelKind, path: string): number => {
    const k = key(kind, path);
    const row = known.get(k);
    if (row && checked.has(k)) return row.id;
    const parent = kind === 'csv' ? null : folderOf(path);
    const parentId = parent === null ? null : resolve('superclass', parent);
    checked.add(k);
    if (row) {
      if (row.parentId !== parentId) setLabelParent(db, row.id, parentId);
      return row.id;
    }
    const fresh = {
      name: kind === 'csv' ? path : leafName(path),
      path,
      kind,
      parentId,
      depth: kind === 'csv' ? 0 : path.split('/').length - 1,
    };
    const id = insertLabel(db, probeSetId, fresh);
    known.set(k, { id, ...fresh });
    return id;
  };
  return resolve;
}
