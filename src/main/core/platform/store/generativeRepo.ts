import type { Db } from './open';
import { nowIso, stmt } from './statements';

// Tables gen_captions, gen_completions, gen_images (migration 008): what local generative models made, keyed by the
// model's content hash + the exact inputs. Rows are written one at a time, each in its own statement (a job's
// progress row is written in the same transaction by the caller), so a killed job keeps what it finished.

export interface CaptionKey {
  captionerSha: string;
  imageSha: string;
  /** 'x0,y0,x1,y1' or '' for the whole image. */
  box: string;
  options: string;
}

export interface CachedCaption {
  text: string;
  tokenIds: number[];
  seconds: number;
}

export function getCaption(db: Db, k: CaptionKey): CachedCaption | undefined {
  const r = stmt(
    db,
    'SELECT text, token_ids, seconds FROM gen_captions WHERE captioner_sha = ? AND image_sha = ? AND box = ? AND options = ?',
  ).get(k.captionerSha, k.imageSha, k.box, k.options) as { text: string; token_ids: string; seconds: number } | undefined;
  return r && { text: r.text, tokenIds: JSON.parse(r.token_ids) as number[], seconds: r.seconds };
}

export function putCaption(db: Db, k: CaptionKey, c: CachedCaption): void {
  stmt(
    db,
    `INSERT OR REPLACE INTO gen_captions(captioner_sha, image_sha, box, options, text, token_ids, seconds, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(k.captionerSha, k.imageSha, k.box, k.options, c.text, JSON.stringify(c.tokenIds), c.seconds, nowIso());
}

export interface CachedCompletion {
  text: string;
  json?: unknown;
  promptTokens: number;
  completionTokens: number;
  attempts: number;
  seconds: number;
}

interface CompletionRaw {
  text: string;
  json: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  attempts: number;
  seconds: number;
}

export function getCompletion(db: Db, modelSha: string, requestSha: string): CachedCompletion | undefined {
  const r = stmt(
    db,
    'SELECT text, json, prompt_tokens, completion_tokens, attempts, seconds FROM gen_completions WHERE model_sha = ? AND request_sha = ?',
  ).get(modelSha, requestSha) as CompletionRaw | undefined;
  return (
    r && {
      text: r.text,
      json: r.json === null ? undefined : (JSON.parse(r.json) as unknown),
      promptTokens: r.prompt_tokens,
      completionTokens: r.completion_tokens,
      attempts: r.attempts,
      seconds: r.seconds,
    }
  );
}

export function putCompletion(db: Db, modelSha: string, requestSha: string, request: string, c: CachedCompletion): void {
  stmt(
    db,
    `INSERT OR REPLACE INTO gen_completions(model_sha, request_sha, request, text, json, prompt_tokens, completion_tokens, attempts, seconds, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    modelSha,
    requestSha,
    request,
    c.text,
    c.json === undefined ? null : JSON.stringify(c.json),
    c.promptTokens,
    c.completionTokens,
    c.attempts,
    c.seconds,
    nowIso(),
  );
}

export interface GeneratedRow {
  id: number;
  generatorSha: string;
  seed: number;
  request: string;
  width: number;
  height: number;
  createdAt: string;
}

const GEN_COLS = 'id, generator_sha AS generatorSha, seed, request, width, height, created_at AS createdAt';

/** Cached images of one request, by seed. */
export function generatedBySeed(db: Db, generatorSha: string, requestSha: string, seeds: number[]): Map<number, GeneratedRow> {
  const get = stmt(db, `SELECT ${GEN_COLS} FROM gen_images WHERE generator_sha = ? AND request_sha = ? AND seed = ?`);
  const out = new Map<number, GeneratedRow>();
  for (const s of seeds) {
    const r = get.get(generatorSha, requestSha, s) as GeneratedRow | undefined;
    if (r) out.set(s, r);
  }
  return out;
}

export function putGenerated(
  db: Db,
  g: {
    generatorSha: string;
    requestSha: string;
    request: string;
    seed: number;
    width: number;
    height: number;
    png: Buffer;
    seconds: number;
  },
): number {
  const r = stmt(
    db,
    `INSERT INTO gen_images(generator_sha, request_sha, seed, request, width, height, png, seconds, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (generator_sha, request_sha, seed) DO UPDATE SET png = excluded.png, seconds = excluded.seconds, created_at = excluded.created_at
     RETURNING id`,
  ).get(g.generatorSha, g.requestSha, g.seed, g.request, g.width, g.height, g.png, g.seconds, nowIso()) as { id: number };
  return r.id;
}

export function generatedImage(db: Db, id: number): (GeneratedRow & { png: Buffer }) | undefined {
  return stmt(db, `SELECT ${GEN_COLS}, png FROM gen_images WHERE id = ?`).get(id) as (GeneratedRow & { png: Buffer }) | undefined;
}

export function generativeCacheSize(db: Db): { captions: number; completions: number; images: number; imageBytes: number } {
  const one = (sql: string) => (stmt(db, sql).get() as { n: number }).n;
  return {
    captions: one('SELECT COUNT(*) AS n FROM gen_captions'),
    completions: one('SELECT COUNT(*) AS n FROM gen_completions'),
    images: one('SELECT COUNT(*) AS n FROM gen_images'),
    imageBytes: one('SELECT COALESCE(SUM(LENGTH(png)), 0) AS n FROM gen_images'),
  };
}
