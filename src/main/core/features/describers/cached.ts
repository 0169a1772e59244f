import type { CaptionOptions } from '../../../../shared/contract';
import * as gen from '../../platform/store/generativeRepo';
import type { Db } from '../../platform/store/open';
import type { LibraryEntry } from './library';
import { pngOf } from './pixels';
import type { Captioner, Completion, CompletionRequest, GenerationRequest, ImageGenerator, ImagePixels, LanguageModel } from './roles';
import { canonicalJson, sha256Text } from './service';

// The three roles behind the project cache, for callers that run inside their own job (Describe-and-Dissect): the
// same keys as caption.run, lm.complete and generate.images, so what one made the other finds. Each result is
// written as soon as it exists (its own statement), so a killed run keeps it.

/** The cache key of an lm.complete request (everything that changes the answer). */
export function completionKey(r: CompletionRequest): { request: string; requestSha: string } {
  const sampling = { maxTokens: r.maxTokens, temperature: r.temperature, topK: r.topK, topP: r.topP, seed: r.seed };
  const request = canonicalJson({ prompt: r.prompt, system: r.system, schema: r.schema, chat: r.chat, sampling });
  return { request, requestSha: sha256Text(request) };
}

/** The cache key of a generate.images request; the seed is keyed per image. */
export function generationKey(o: Pick<GenerationRequest, 'prompt' | 'negativePrompt' | 'steps' | 'guidance' | 'scheduler'>) {
  const request = canonicalJson({
    prompt: o.prompt,
    negativePrompt: o.negativePrompt,
    steps: o.steps,
    guidance: o.guidance,
    scheduler: o.scheduler,
  });
  return { request, requestSha: sha256Text(request) };
}

// A task is keyed only when it is not the default '<CAPTION>', so captions cached before tasks existed keep their keys.
export const captionOptionsKey = (d: CaptionOptions): string =>
  canonicalJson({
    numBeams: d.numBeams,
    maxNewTokens: d.maxNewTokens,
    minNewTokens: d.minNewTokens,
    ...(d.task && d.task !== '<CAPTION>' ? { task: d.task } : {}),
  });

export interface CaptionItem {
  imageSha: string;
  /** [x0, y0, x1, y1] or null for the whole image. */
  box: readonly number[] | null;
  pixels: () => Promise<ImagePixels>;
}

/** Captions of images (cached ones read, the rest made in batches of 8 and written). */
export async function captionCached(
  db: Db,
  entry: LibraryEntry,
  load: () => Promise<Captioner>,
  items: readonly CaptionItem[],
  decoding: CaptionOptions,
  signal: AbortSignal,
): Promise<{ text: string; cached: boolean }[]> {
  const options = captionOptionsKey(decoding);
  const keys = items.map((it) => ({ captionerSha: entry.sha256, imageSha: it.imageSha, box: it.box ? it.box.join(',') : '', options }));
  const out = keys.map((k) => {
    const c = gen.getCaption(db, k);
    return c ? { text: c.text, cached: true } : null;
  });
  const todo = out.map((c, i) => (c ? -1 : i)).filter((i) => i >= 0);
  if (todo.length) {
    const captioner = await load();
    for (let b = 0; b < todo.length; b += 8) {
      const idx = todo.slice(b, b + 8);
      const pixels = await Promise.all(idx.map((i) => items[i].pixels()));
      const t0 = performance.now();
      const caps = await captioner.caption(pixels, decoding, signal);
      const seconds = (performance.now() - t0) / 1000 / idx.length;
      idx.forEach((i, j) => {
        gen.putCaption(db, keys[i], { text: caps[j].text, tokenIds: caps[j].tokenIds, seconds });
        out[i] = { text: caps[j].text, cached: false };
      });
    }
  }
  return out as { text: string; cached: boolean }[];
}

/** One answer (cached, or asked and written; an answer that fails its schema never reaches the cache). */
export async function completeCached(
  db: Db,
  entry: LibraryEntry,
  load: () => Promise<LanguageModel>,
  req: CompletionRequest,
  signal: AbortSignal,
): Promise<Completion & { cached: boolean }> {
  const { request, requestSha } = completionKey(req);
  const hit = gen.getCompletion(db, entry.sha256, requestSha);
  if (hit) return { ...hit, cached: true };
  const c = await (await load()).complete(req, signal);
  gen.putCompletion(db, entry.sha256, requestSha, request, c);
  return { ...c, cached: false };
}

export interface GeneratedPng {
  id: number;
  seed: number;
  png: Buffer;
  cached: boolean;
}

/** One image per seed (cached ones read, the rest generated and written as PNG). */
export async function generateCached(
  db: Db,
  entry: LibraryEntry,
  load: () => Promise<ImageGenerator>,
  req: GenerationRequest,
  signal: AbortSignal,
): Promise<GeneratedPng[]> {
  const { request, requestSha } = generationKey(req);
  const have = gen.generatedBySeed(db, entry.sha256, requestSha, req.seeds);
  const todo = req.seeds.filter((s) => !have.has(s));
  const made = new Map<number, number>();
  if (todo.length) {
    const t0 = performance.now();
    const images = await (await load()).generate({ ...req, seeds: todo }, signal, {});
    const seconds = (performance.now() - t0) / 1000 / images.length;
    for (const img of images) {
      const png = await pngOf(img);
      made.set(
        img.seed,
        gen.putGenerated(db, {
          generatorSha: entry.sha256,
          requestSha,
          request,
          seed: img.seed,
          width: img.width,
          height: img.height,
          png,
          seconds,
        }),
      );
    }
  }
  return req.seeds.map((seed) => {
    const id = have.get(seed)?.id ?? made.get(seed)!;
    return { id, seed, png: gen.generatedImage(db, id)!.png, cached: have.has(seed) };
  });
}
