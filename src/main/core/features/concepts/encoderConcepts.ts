import { AppError } from '../../../../shared/errors';
import { buildP, type QuantizedMatrix } from '../../numeric/conceptP';
import { embedProbeImages, embedTextsCached } from './embedCache';
import { loadLabelConcepts } from '../explanations';
import type { EncoderRow } from '../../platform/store/encoderRepo';
import type { Db } from '../../platform/store/open';
import { getProbeSet } from '../../platform/store/probeRepo';
import { encoderSession } from './encoderService';
import { unknownConcepts } from './unknownWords';

// The encoder side of concept scoring: cached image/text embeddings of a probe set and a concept list, the
// calibrated concept matrix P (compact, in this worker only), and the calibration labels of a probe set.

export interface Phase {
  signal?: AbortSignal;
  /** Progress of the embedding phase (images done / total). */
  onProgress?: (done: number, total: number) => void;
  /** Refuse, with this hint, instead of computing embeddings the project lacks (a shard only reads the project). */
  cachedOnly?: string;
}

export interface Embedded {
  vectors: Float32Array;
  rows: number;
  dim: number;
  computed: number;
  cached: number;
}

// The last probe set's image embeddings stay in this worker (one entry: 150 MB for 50k x 768), so the neuron
// page and typed text do not read them back from SQLite on every call. Keyed by the probe set's manifest,
// which changes with any re-import that changes its images.
let lastImages: { key: string; value: Embedded } | null = null;

export async function probeImageEmbeddings(db: Db, row: EncoderRow, probeSetId: number, phase: Phase = {}): Promise<Embedded> {
  const probe = getProbeSet(db, probeSetId);
  const key = `${db.name}\n${row.sha256}\n${probeSetId}\n${probe?.manifestHash}\n${probe?.images}`;
  if (probe?.manifestHash && lastImages?.key === key) {
    phase.onProgress?.(lastImages.value.rows, lastImages.value.rows);
    return { ...lastImages.value, computed: 0, cached: lastImages.value.rows };
  }
  const enc = await encoderSession(row);
  const r = await embedProbeImages(db, enc, probeSetId, {
    signal: phase.signal,
    onProgress: phase.onProgress,
    cachedOnly: phase.cachedOnly,
  });
  const value = { vectors: r.vectors, rows: r.vectors.length / enc.dim, dim: enc.dim, computed: r.computed, cached: r.cached };
  lastImages = probe?.manifestHash ? { key, value } : null;
  return value;
}

export async function conceptTextEmbeddings(db: Db, row: EncoderRow, texts: readonly string[], cachedOnly?: string): Promise<Embedded> {
  const enc = await encoderSession(row);
  const r = await embedTextsCached(db, enc, [...texts], { cachedOnly });
  return { vectors: r.vectors, rows: texts.length, dim: enc.dim, computed: r.computed, cached: r.cached };
}

export interface EncoderMatrix {
  P: QuantizedMatrix;
  names: string[];
  keptIdx: number[];
  dropped: { concept: string; top5Mean: number; std: number; reason: 'top5' | 'constant' }[];
  embeddings: { computed: number; cached: number };
  /** Concepts made only of words the tokenizer does not know (embedded as its unknown token). */
  unknown: string[];
}

/** P = sigmoid(a*(cos+b)) of every (image, concept), with the top-5 filter statistics. */
export async function encoderConceptMatrix(
  db: Db,
  row: EncoderRow,
  calib: { a: number; b: number },
  probeSetId: number,
  names: readonly string[],
  phase: Phase = {},
): Promise<EncoderMatrix> {
  if (names.length === 0) throw new AppError('bad_input', 'The concept set is empty.');
  const img = await probeImageEmbeddings(db, row, probeSetId, phase);
  const txt = await conceptTextEmbeddings(db, row, names, phase.cachedOnly);
  const built = await buildP(
    { data: img.vectors, rows: img.rows, cols: img.dim },
    { data: txt.vectors, rows: names.length, cols: txt.dim },
    { a: calib.a, b: calib.b, signal: phase.signal },
  );
  return {
    P: built.p,
    names: [...names],
    keptIdx: Array.from(built.filter.kept),
    dropped: built.filter.dropped.map((d) => ({
      concept: names[d.concept],
      top5Mean: d.topMean,
      std: d.std,
      reason: d.reason === 'topMean' ? 'top5' : 'constant',
    })),
    embeddings: { computed: img.computed + txt.computed, cached: img.cached + txt.cached },
    unknown: unknownConcepts(await encoderSession(row), names),
  };
}

export interface CalibrationLabels {
  names: string[];
  skipped: string[];
  /** N x L, row-major 0/1 in image-id order. */
  labels: Uint8Array;
  n: number;
}

/**
 * Binary labels for calibration (docs/methods.md "Calibration"): classes + superclasses of the probe set; a superclass that
 * covers more than `maxShare` of the classes is skipped (true for most images, it says little about a concept).
 */
export function calibrationLabels(db: Db, probeSetId: number, maxShare: number): CalibrationLabels {
  const lc = loadLabelConcepts(db, probeSetId);
  const classPaths = lc.labels.filter((l) => l.kind === 'class').map((l) => l.path);
  const cols: number[] = [];
  const skipped: string[] = [];
  lc.labels.forEach((l, j) => {
    if (l.kind === 'csv') return;
    const covered = l.kind === 'superclass' ? classPaths.filter((c) => c.startsWith(`${l.path}/`)).length : 1;
    if (covered / Math.max(1, classPaths.length) > maxShare) skipped.push(l.name);
    else cols.push(j);
  });
  const classNames = classPaths.length;
  if (classNames < 2)
    throw new AppError(
      'bad_input',
      'Calibration needs a probe set with at least two classes (class folders), so that every concept has positive and negative images.',
    );
  const n = lc.imageIds.length;
  const L = cols.length;
  const pos = new Map(cols.map((j, k) => [j, k]));
  const labels = new Uint8Array(n * L);
  for (let i = 0; i < n; i++) {
    for (let t = lc.rowPtr[i]; t < lc.rowPtr[i + 1]; t++) {
      const k = pos.get(lc.cols[t]);
      if (k !== undefined) labels[i * L + k] = 1;
    }
  }
  return { names: cols.map((j) => lc.labels[j].name), skipped, labels, n };
}
