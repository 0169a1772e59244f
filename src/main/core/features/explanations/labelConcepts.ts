import type { DenseMatrix } from '../../numeric/le';
import { loadImageLabels, loadLabels, type LabelKind } from '../../platform/store/labelRepo';
import { probeImages } from '../../platform/store/imageRepo';
import { probeLabelStamp } from '../../platform/store/browseRepo';
import type { Db } from '../../platform/store/open';

// The label concept matrix of a probe set (docs/methods.md "Label concepts"): one column per
// class (one-hot), per superclass (an image carries every ancestor folder of its class: the OR of its
// classes) and per CSV label; rows are the images in image-id order, the order of activation rows.
// Read from image_labels, so CSV labels (multi-label, not tied to classes) come along. Constant columns are
// dropped from the explainer matrix (no information, and the elastic net cannot use them anyway).

export interface LabelColumn {
  name: string;
  kind: LabelKind;
  /** Folder path, e.g. "footwear/Sandal" (CSV labels: their name). */
  path: string;
}

export interface LabelConcepts {
  imageIds: Int32Array;
  /** Every label, classes then superclasses then CSV labels (each by path): the range view's series. */
  labels: LabelColumn[];
  /** Sparse membership: the labels of image i are cols[rowPtr[i] .. rowPtr[i+1]). */
  rowPtr: Int32Array;
  cols: Int32Array;
  /** Indices into `labels` of the explainer's concepts (non-constant columns), in order. */
  kept: number[];
  /** Names of the dropped (constant) labels. */
  dropped: string[];
}

const KIND_ORDER: Record<LabelKind, number> = { class: 0, superclass: 1, csv: 2 };

export function loadLabelConcepts(db: Db, probeSetId: number): LabelConcepts {
  const images = probeImages(db, probeSetId);
  const row = new Map(images.map((r, i) => [r.id, i]));
  const labels = loadLabels(db, probeSetId).sort(
    (a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
  // Names are what a user reads and types; when two labels share one (a CSV label named like a class, or
  // two class folders with the same leaf name) the path / a csv: prefix tells them apart.
  const count = new Map<string, number>();
  for (const l of labels) count.set(l.name, (count.get(l.name) ?? 0) + 1);
  const columns: LabelColumn[] = labels.map((l) => ({
    name: (count.get(l.name) ?? 0) > 1 ? (l.kind === 'csv' ? `csv:${l.name}` : l.path) : l.name,
    kind: l.kind,
    path: l.path,
  }));
  const colOf = new Map(labels.map((l, j) => [l.id, j]));
  const perImage: number[][] = images.map(() => []);
  for (const il of loadImageLabels(db, probeSetId)) {
    const i = row.get(il.imageId);
    const j = colOf.get(il.labelId);
    if (i !== undefined && j !== undefined && !perImage[i].includes(j)) perImage[i].push(j);
  }
  const rowPtr = new Int32Array(images.length + 1);
  perImage.forEach((l, i) => (rowPtr[i + 1] = rowPtr[i] + l.length));
  const cols = new Int32Array(rowPtr[images.length]);
  perImage.forEach((l, i) =>
    cols.set(
      l.sort((a, b) => a - b),
      rowPtr[i],
    ),
  );
  const freq = new Int32Array(labels.length);
  for (const j of cols) freq[j]++;
  const kept: number[] = [];
  const dropped: string[] = [];
  columns.forEach((c, j) => (freq[j] > 0 && freq[j] < images.length ? kept.push(j) : dropped.push(c.name)));
  return { imageIds: Int32Array.from(images, (r) => r.id), labels: columns, rowPtr, cols, kept, dropped };
}

// The neuron page reads the label concepts of its probe set on every call (150 ms for 50,000 images): the last one
// stays in this worker while the probe set's images and labels are unchanged (docs/browse.md). Read-only for callers.
let lastLabels: { key: string; value: LabelConcepts } | null = null;

export function cachedLabelConcepts(db: Db, probeSetId: number): LabelConcepts {
  const key = `${db.name}\n${probeSetId}\n${probeLabelStamp(db, probeSetId)}`;
  if (lastLabels?.key !== key) lastLabels = { key, value: loadLabelConcepts(db, probeSetId) };
  return lastLabels.value;
}

/** The dense explainer matrix P (N x kept concepts, row-major 0/1) and the concept names. */
export function conceptMatrix(lc: LabelConcepts): { matrix: DenseMatrix; names: string[] } {
  const n = lc.imageIds.length;
  const m = lc.kept.length;
  const pos = new Map(lc.kept.map((j, k) => [j, k]));
  const data = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let t = lc.rowPtr[i]; t < lc.rowPtr[i + 1]; t++) {
      const k = pos.get(lc.cols[t]);
      if (k !== undefined) data[i * m + k] = 1;
    }
  }
  return { matrix: { data, rows: n, cols: m }, names: lc.kept.map((j) => lc.labels[j].name) };
}

/** Column of a concept name among all labels (exact name first, then a unique case-insensitive match). */
export function findLabel(lc: LabelConcepts, text: string): number {
  const t = text.trim();
  const exact = lc.labels.findIndex((l) => l.name === t);
  if (exact >= 0) return exact;
  // Loosely, when only one label matches: case, '_' / '-' / spaces and a plural 's' aside ("ankle boots" is
  // Ankle_boot), as open-vocabulary labels (Describe-and-Dissect, typed text) write class names.
  const loosen = (x: string) =>
    x
      .toLowerCase()
      .replace(/[_\-\s]+/g, ' ')
      .trim()
      .replace(/s$/, '');
  const want = loosen(t);
  const loose = lc.labels.map((l, j) => (loosen(l.name) === want ? j : -1)).filter((j) => j >= 0);
  return loose.length === 1 ? loose[0] : -1;
}

/**
 * The label simulator: s(x) = bias + sum of the weights of the labels image x carries (P_sim = the 0/1
 * label matrix), at `rows`. `weightOf[j]` is the weight of label column j (0 when unused).
 */
export function simulateLabels(lc: LabelConcepts, weightOf: Float64Array, bias: number, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    let s = bias;
    for (let t = lc.rowPtr[i]; t < lc.rowPtr[i + 1]; t++) s += weightOf[lc.cols[t]];
    out[r] = s;
  }
  return out;
}
