import { AppError } from '../../../../shared/errors';
import { getEmbeddings } from '../../platform/store/embeddingRepo';
import type { Db } from '../../platform/store/open';
import { embedTextsCached } from './embedCache';
import { encoderSession, encoderStatus, requireCalibration, requireEncoder } from './encoderService';
import * as repo from '../../platform/store/encoderRepo';

// Text embeddings for search by meaning (explanations' neuron.search): a calibrated encoder's text tower, through
// the project's embedding cache. A project opened read-only reads the cache and embeds what is missing without
// storing it.

export interface TextEmbedder {
  encoder: { id: number; name: string; sha256: string };
  dim: number;
  /** texts.length x dim, L2-normalised rows, through the project's cache. */
  embed(texts: readonly string[]): Promise<Float32Array>;
  /** The same without storing (a typed query is not worth keeping in the project). */
  embedOnce(texts: readonly string[]): Promise<Float32Array>;
  /** Words of `text` the tokenizer maps to its unknown token. */
  unknownWords(text: string): string[];
}

/** The newest calibrated encoder whose files are present, or null. */
export function defaultSearchEncoder(db: Db): number | null {
  for (const e of repo.listEncoders(db).sort((a, b) => b.id - a.id)) {
    if (encoderStatus(e) === 'ok' && repo.currentCalibration(db, e.id)) return e.id;
  }
  return null;
}

export async function textEmbedder(db: Db, encoderId: number): Promise<TextEmbedder> {
  const row = requireEncoder(db, encoderId);
  requireCalibration(db, row);
  const enc = await encoderSession(row);
  return {
    encoder: { id: row.id, name: row.name, sha256: row.sha256 },
    dim: enc.dim,
    async embed(texts) {
      if (!db.readonly) return (await embedTextsCached(db, enc, texts)).vectors;
      const have = getEmbeddings(db, row.sha256, 'text', texts);
      const missing = [...new Set(texts.filter((t) => !have.has(t)))];
      if (missing.length) {
        const v = await enc.embedTexts(missing);
        missing.forEach((t, i) => have.set(t, v.slice(i * enc.dim, (i + 1) * enc.dim)));
      }
      const out = new Float32Array(texts.length * enc.dim);
      texts.forEach((t, i) => {
        const v = have.get(t);
        if (!v || v.length !== enc.dim) throw new AppError('internal', `No ${enc.dim}-d embedding of "${t}" from encoder "${row.name}".`);
        out.set(v, i * enc.dim);
      });
      return out;
    },
    embedOnce: (texts) => enc.embedTexts(texts),
    unknownWords(text) {
      return text.split(/[\s_]+/).filter((w) => w && enc.describeTokens(w).unknown > 0);
    },
  };
}
