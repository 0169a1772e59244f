import type { CaptionOptions, ImageRef } from '../../../../shared/contract';
import type { CallContext } from '../../../../shared/define';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import type { JobKind } from '../../platform/jobs/registry';
import { runJob } from '../../platform/jobs/runner';
import { getCaption, putCaption, type CaptionKey } from '../../platform/store/generativeRepo';
import { imageSources } from '../../platform/store/probeRepo';
import { libraryOf } from './library';
import { outsideBox, probePixels } from './pixels';
import { runtimeFor } from './runtimes';
import { captionOptionsKey } from './cached';
import { requireUsable } from './service';
import { checkCaptionOptions } from './captioner';

// caption.run: probe images (or crops) -> captions, cached in the project by captioner hash + image hash + crop +
// decoding options. Each caption is committed with the job's progress, so a killed or cancelled job resumes with
// only the missing ones.

export const CAPTION_KIND = 'caption.run';

export interface CaptionParams extends CaptionOptions {
  describerId: number;
  imageIds: number[];
  images: ImageRef[];
  fresh: boolean;
}

/** Images per captioner call: the runtime batches 8 through the encoder and decoder (docs/captioner.md); the job commits each call. */
const BATCH = 8;

export async function runCaption(state: BackendState, p: CaptionParams, ctx: CallContext, jobId?: number) {
  const lib = libraryOf(state);
  const project = state.requireProject();
  const { db } = project;
  const entry = requireUsable(lib, p.describerId, 'captioner');
  const decoding = { numBeams: p.numBeams, maxNewTokens: p.maxNewTokens, minNewTokens: p.minNewTokens, task: p.task };
  if (decoding.minNewTokens > decoding.maxNewTokens)
    throw new AppError('bad_input', `minNewTokens (${decoding.minNewTokens}) is larger than maxNewTokens (${decoding.maxNewTokens}).`);
  checkCaptionOptions(entry.details, decoding); // before the job row: a refusal leaves the project untouched
  const images: ImageRef[] = [...p.imageIds.map((imageId) => ({ imageId })), ...p.images];
  const sources = new Map(imageSources(db, [...new Set(images.map((i) => i.imageId))]).map((s) => [s.id, s]));
  const missingId = images.find((i) => !sources.has(i.imageId));
  if (missingId) throw new AppError('not_found', `Image ${missingId.imageId} does not exist in this project.`);
  for (const { imageId, box } of images) {
    const src = sources.get(imageId)!;
    if (box && (box[2] > src.width || box[3] > src.height)) throw outsideBox(src, box);
  }
  const options = captionOptionsKey(decoding);
  const keys: CaptionKey[] = images.map((i) => ({
    captionerSha: entry.sha256,
    imageSha: sources.get(i.imageId)!.sha256,
    box: i.box ? i.box.join(',') : '',
    options,
  }));
  const t0 = performance.now();
  return runJob(
    project,
    {
      kind: CAPTION_KIND,
      title: `Caption ${images.length} image${images.length === 1 ? '' : 's'} with ${entry.name}`,
      params: { ...p },
      jobId,
    },
    ctx,
    async (run) => {
      run.recordProvenance({ hashes: { captioner: entry.sha256 } });
      const cachedAtStart = keys.map((k) => (p.fresh && jobId === undefined ? undefined : getCaption(db, k)));
      const todo = images.map((_, i) => i).filter((i) => !cachedAtStart[i]);
      let done = images.length - todo.length;
      run.progress(done, images.length, todo.length ? 'loading the captioner' : 'all cached');
      if (todo.length) {
        const captioner = await runtimeFor(entry, {
          signal: run.signal,
          onProgress: (f) => ctx.progress({ done, total: images.length, message: `loading the captioner ${(f * 100).toFixed(0)}%` }),
        });
        for (let b = 0; b < todo.length; b += BATCH) {
          run.throwIfCancelled();
          const idx = todo.slice(b, b + BATCH);
          const pixels = await Promise.all(idx.map((i) => probePixels(sources.get(images[i].imageId)!, images[i].box)));
          const tb = performance.now();
          const caps = await captioner.caption(pixels, decoding, run.signal);
          const seconds = (performance.now() - tb) / 1000 / idx.length;
          done += idx.length;
          db.transaction(() => {
            idx.forEach((i, j) => putCaption(db, keys[i], { text: caps[j].text, tokenIds: caps[j].tokenIds, seconds }));
            run.progress(done, images.length, `${done} of ${images.length} captioned`);
          })();
        }
      }
      return {
        captions: images.map((img, i) => {
          const c = getCaption(db, keys[i])!;
          return { imageId: img.imageId, box: img.box ?? null, text: c.text, tokenIds: c.tokenIds, cached: !!cachedAtStart[i] };
        }),
        seconds: (performance.now() - t0) / 1000,
      };
    },
  );
}

export const captionJobKind: JobKind = {
  kind: CAPTION_KIND,
  writeHeavy: false,
  resume: (state, stored, ctx, jobId) => runCaption(state, stored as CaptionParams, ctx, jobId),
};
