import { join } from 'node:path';
import { AppError } from '../../../../shared/errors';
import { getEmbeddings, putEmbeddings } from '../../platform/store/embeddingRepo';
import { probeImages } from '../../platform/store/imageRepo';
import type { Db } from '../../platform/store/open';
import { getProbeSet } from '../../platform/store/probeRepo';
import type { Encoder } from '../../onnx/encoders/encoder';

// Embeddings through the project's cache: look every key up first, compute only the missing ones, and commit
// each computed batch in its own transaction, so a cancelled or killed run keeps its finished batches and the
// next call continues from there. Images are keyed by their content sha256 (from the images table), texts by
// the exact string; both under the encoder's sha256. Vectors are L2-normalised.

export interface CachedEmbeddings {
  /** rows x dim, row-major, in the order asked for (image-id order for a probe set). */
  vectors: Float32Array;
  dim: number;
  rows: number;
  /** Distinct keys computed by this call / found in the cache. */
  computed: number;
  cached: number;
}

export interface EmbedProbeOptions {
  signal?: AbortSignal;
  /** Images ready (cached + computed so far) out of all images of the probe set. */
  onProgress?: (done: number, total: number) => void;
  /** Images per onnxruntime run (default 32). */
  batch?: number;
  /** Refuse, with this hint, instead of computing missing embeddings (a caller that only reads the project: a shard). */
  cachedOnly?: string;
}

function refuseMissing(hint: string | undefined, what: string, missing: number, encoder: Encoder): void {
  if (hint && missing)
    throw new AppError(
      'bad_input',
      `${missing} ${what} embeddings under encoder ${encoder.info.sha256.slice(0, 12)} are not cached in the project: ${hint}`,
      {
        field: 'embeddings',
        missing,
      },
    );
}

export async function embedProbeImages(
  db: Db,
  encoder: Encoder,
  probeSetId: number,
  opts: EmbedProbeOptions = {},
): Promise<CachedEmbeddings> {
  const ps = getProbeSet(db, probeSetId);
  if (!ps) throw new AppError('not_found', `Probe set ${probeSetId} does not exist.`);
  const images = probeImages(db, probeSetId);
  if (!images.length) throw new AppError('bad_input', `Probe set ${probeSetId} has no images.`);
  const sha = encoder.info.sha256;
  const D = encoder.dim;
  const have = getEmbeddings(
    db,
    sha,
    'image',
    images.map((i) => i.sha256),
  );
  // One file per missing content hash (identical files are embedded once).
  const missing = new Map<string, string>();
  for (const im of images) if (!have.has(im.sha256) && !missing.has(im.sha256)) missing.set(im.sha256, join(ps.rootPath, im.relPath));
  const keys = [...missing.keys()];
  const total = images.length;
  const cachedKeys = new Set(images.filter((i) => have.has(i.sha256)).map((i) => i.sha256)).size;
  const rowsPerKey = new Map<string, number>();
  for (const im of images) rowsPerKey.set(im.sha256, (rowsPerKey.get(im.sha256) ?? 0) + 1);
  refuseMissing(opts.cachedOnly, 'image', keys.length, encoder);
  let done = images.length - keys.reduce((s, k) => s + rowsPerKey.get(k)!, 0);
  opts.onProgress?.(done, total);
  if (keys.length) {
    await encoder.embedImages([...missing.values()], {
      batch: opts.batch ?? 32,
      signal: opts.signal,
      onRows: (start, rows) => {
        const entries = [];
        for (let k = 0; k * D < rows.length; k++) {
          const vector = rows.slice(k * D, (k + 1) * D);
          entries.push({ key: keys[start + k], vector });
          have.set(keys[start + k], vector);
          done += rowsPerKey.get(keys[start + k])!;
        }
        putEmbeddings(db, sha, 'image', entries);
        opts.onProgress?.(done, total);
      },
    });
  }
  const vectors = new Float32Array(images.length * D);
  images.forEach((im, i) => vectors.set(checked(have.get(im.sha256)!, D, encoder), i * D));
  return { vectors, dim: D, rows: images.length, computed: keys.length, cached: cachedKeys };
}

export interface EmbedTextsOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Texts per onnxruntime run (default 256). */
  batch?: number;
  /** As EmbedProbeOptions.cachedOnly. */
  cachedOnly?: string;
}

export async function embedTextsCached(
  db: Db,
  encoder: Encoder,
  texts: readonly string[],
  opts: EmbedTextsOptions = {},
): Promise<CachedEmbeddings> {
  const sha = encoder.info.sha256;
  const D = encoder.dim;
  const have = getEmbeddings(db, sha, 'text', texts);
  const missing = [...new Set(texts.filter((t) => !have.has(t)))];
  const cached = new Set(texts).size - missing.length;
  refuseMissing(opts.cachedOnly, 'concept text', missing.length, encoder);
  if (missing.length) {
    await encoder.embedTexts(missing, {
      batch: opts.batch ?? 256,
      signal: opts.signal,
      onRows: (start, rows) => {
        const entries = [];
        for (let k = 0; k * D < rows.length; k++) {
          const vector = rows.slice(k * D, (k + 1) * D);
          entries.push({ key: missing[start + k], vector });
          have.set(missing[start + k], vector);
        }
        putEmbeddings(db, sha, 'text', entries);
      },
      onBatch: (done, n) => opts.onProgress?.(done, n),
    });
  }
  const vectors = new Float32Array(texts.length * D);
  texts.forEach((t, i) => vectors.set(checked(have.get(t)!, D, encoder), i * D));
  return { vectors, dim: D, rows: texts.length, computed: missing.length, cached };
}

function checked(v: Float32Array, D: number, encoder: Encoder): Float32Array {
  if (v.length !== D)
    throw new AppError('internal', `A cached embedding of encoder ${encoder.info.name} has ${v.length} values, not ${D}.`);
  return v;
}
