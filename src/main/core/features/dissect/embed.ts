import type { Encoder } from '../../onnx/encoders/encoder';
import { getEmbeddings, putEmbeddings } from '../../platform/store/embeddingRepo';
import type { Db } from '../../platform/store/open';

// Image and text embeddings for Describe-and-Dissect and CLIP-Dissect, through the project's embedding cache (the
// same table probe-image embeddings use, keyed by the content hash of the image: a crop's or generated image's PNG).

export interface Embedder {
  encoder: Encoder;
  dim: number;
  /** L2-normalised text embeddings (cached), texts x dim row-major. */
  texts(texts: readonly string[], signal: AbortSignal): Promise<Float32Array>;
}

/** L2-normalised embeddings of images (file path or encoded bytes, named by content hash `key`), n x dim row-major. */
export async function embedImagesCached(
  db: Db,
  e: Embedder,
  items: readonly { key: string; input: string | Buffer }[],
  signal: AbortSignal,
): Promise<Float32Array> {
  const sha = e.encoder.info.sha256;
  const have = getEmbeddings(
    db,
    sha,
    'image',
    items.map((i) => i.key),
  );
  const missing = [...new Map(items.filter((i) => !have.has(i.key)).map((i) => [i.key, i])).values()];
  if (missing.length) {
    const rows = await e.encoder.embedImages(
      missing.map((m) => m.input),
      { signal },
    );
    const entries = missing.map((m, k) => ({ key: m.key, vector: rows.slice(k * e.dim, (k + 1) * e.dim) }));
    putEmbeddings(db, sha, 'image', entries);
    for (const x of entries) have.set(x.key, x.vector);
  }
  const out = new Float32Array(items.length * e.dim);
  items.forEach((it, i) => out.set(have.get(it.key)!, i * e.dim));
  return out;
}
