import type { Db } from './open';
import { stmt } from './statements';

// Table `embeddings`: the embedding cache, keyed by (encoder sha, 'image', image sha256) or (encoder sha, 'text',
// the exact text). Vectors are stored L2-normalised, as little-endian float32 bytes (the layout of a Float32Array
// on every platform the app ships for). A vector is only valid for the encoder sha it is stored under: a changed
// encoder file has a new sha, so stale vectors are never read.

export type EmbeddingKind = 'image' | 'text';

/** Keys per lookup statement; the keys travel as one JSON array parameter (no IN-list size limit). */
const GET_CHUNK = 10_000;

/** Vectors stored for `keys` (missing keys are absent from the map). Keys may repeat. */
export function getEmbeddings(db: Db, encoderSha: string, kind: EmbeddingKind, keys: readonly string[]): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const q = stmt(
    db,
    'SELECT key, vector FROM embeddings WHERE encoder_sha = ? AND key_kind = ? AND key IN (SELECT value FROM json_each(?))',
  );
  const unique = [...new Set(keys)];
  for (let i = 0; i < unique.length; i += GET_CHUNK) {
    for (const r of q.iterate(encoderSha, kind, JSON.stringify(unique.slice(i, i + GET_CHUNK))) as Iterable<{
      key: string;
      vector: Buffer;
    }>) {
      out.set(r.key, toFloat32(r.vector));
    }
  }
  return out;
}

/** Store vectors in one transaction (replacing any stored under the same key). */
export function putEmbeddings(
  db: Db,
  encoderSha: string,
  kind: EmbeddingKind,
  entries: readonly { key: string; vector: Float32Array }[],
): void {
  const put = stmt(db, 'INSERT OR REPLACE INTO embeddings(encoder_sha, key_kind, key, vector) VALUES (?,?,?,?)');
  db.transaction(() => {
    for (const e of entries) put.run(encoderSha, kind, e.key, Buffer.from(e.vector.buffer, e.vector.byteOffset, e.vector.byteLength));
  })();
}

export function countEmbeddings(db: Db, encoderSha: string, kind?: EmbeddingKind): number {
  const r = kind
    ? stmt(db, 'SELECT count(*) AS n FROM embeddings WHERE encoder_sha = ? AND key_kind = ?').get(encoderSha, kind)
    : stmt(db, 'SELECT count(*) AS n FROM embeddings WHERE encoder_sha = ?').get(encoderSha);
  return (r as { n: number }).n;
}

export function deleteEmbeddings(db: Db, encoderSha: string): number {
  return stmt(db, 'DELETE FROM embeddings WHERE encoder_sha = ?').run(encoderSha).changes;
}

/** BLOB -> Float32Array (copied: a Buffer's offset need not be 4-byte aligned). */
function toFloat32(b: Buffer): Float32Array {
  const out = new Float32Array(b.length >>> 2);
  new Uint8Array(out.buffer).set(b.subarray(0, out.length * 4));
  return out;
}
