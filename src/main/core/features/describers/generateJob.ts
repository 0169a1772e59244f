import type { GenerationOptions } from '../../../../shared/contract';
import type { CallContext } from '../../../../shared/define';
import type { BackendState } from '../../platform/context';
import type { JobKind } from '../../platform/jobs/registry';
import { runJob } from '../../platform/jobs/runner';
import { generatedBySeed, putGenerated } from '../../platform/store/generativeRepo';
import { libraryOf } from './library';
import { pngOf } from './pixels';
import { runtimeFor } from './runtimes';
import { generationKey } from './cached';
import { requireUsable } from './service';

// generate.images: prompt -> `count` images, image i from seed + i, cached in the project as PNG by generator hash +
// prompt + negative prompt + steps + guidance + scheduler (the request key) and the seed. Each image is committed
// with the job's progress as it is finished, so a kill or cancel keeps the finished ones and a resume makes the rest.
// Batch size is not in the key: the initial noise of an image depends only on its seed.

export const GENERATE_KIND = 'generate.images';

export interface GenerateParams extends GenerationOptions {
  describerId: number;
  fresh: boolean;
}

export async function runGenerate(state: BackendState, p: GenerateParams, ctx: CallContext, jobId?: number) {
  const project = state.requireProject();
  const { db } = project;
  const entry = requireUsable(libraryOf(state), p.describerId, 'image_generator');
  const o = p;
  const { request, requestSha } = generationKey(o);
  const seeds = Array.from({ length: o.count }, (_, i) => o.seed + i);
  const t0 = performance.now();
  const warnings: string[] = [];
  return runJob(
    project,
    { kind: GENERATE_KIND, title: `Generate ${o.count} × "${o.prompt.slice(0, 60)}" with ${entry.name}`, params: { ...p }, jobId },
    ctx,
    async (run) => {
      run.recordProvenance({ hashes: { generator: entry.sha256 }, seeds: { first: o.seed } });
      const before = p.fresh && jobId === undefined ? new Map() : generatedBySeed(db, entry.sha256, requestSha, seeds);
      const todo = seeds.filter((s) => !before.has(s));
      // Progress counts UNet steps: one image of N steps is N units.
      const total = o.count * o.steps;
      run.progress((o.count - todo.length) * o.steps, total, todo.length ? 'loading the image generator' : 'all cached');
      if (todo.length) {
        const gen = await runtimeFor(entry, {
          signal: run.signal,
          onProgress: (f) =>
            ctx.progress({
              done: (o.count - todo.length) * o.steps,
              total,
              message: `loading the image generator ${(f * 100).toFixed(0)}%`,
            }),
        });
        let finished = o.count - todo.length;
        const cachedUnits = finished * o.steps;
        let tImage = performance.now();
        let leftInBatch = 0;
        let delivered = 0;
        let seconds = 0;
        const pending: Promise<void>[] = [];
        try {
          await gen.generate({ ...o, seeds: todo }, run.signal, {
            // step counts UNet calls over the whole request; each call advances up to batchSize images by one step.
            onStep: (step) =>
              ctx.progress({
                done: cachedUnits + Math.min(step * o.batchSize, todo.length * o.steps),
                total,
                message: `${finished} of ${o.count} images`,
              }),
            onWarning: (w) => warnings.push(w),
            onImage: (_i, img) => {
              // A batch's images arrive together when it ends: each is charged its share of the batch's time.
              if (leftInBatch === 0) {
                const now = performance.now();
                leftInBatch = Math.min(o.batchSize, todo.length - delivered);
                seconds = (now - tImage) / 1000 / leftInBatch;
                tImage = now;
              }
              leftInBatch--;
              delivered++;
              const imageSeconds = seconds; // the PNG is written later, after the next batch may have reset `seconds`
              pending.push(
                pngOf(img).then((png) => {
                  finished++;
                  db.transaction(() => {
                    putGenerated(db, {
                      generatorSha: entry.sha256,
                      requestSha,
                      request,
                      seed: img.seed,
                      width: img.width,
                      height: img.height,
                      png,
                      seconds: imageSeconds,
                    });
                    run.progress(finished * o.steps, total, `${finished} of ${o.count} images`);
                  })();
                }),
              );
            },
          });
        } finally {
          // Images finished before a cancel or failure are committed before the job ends: a resume skips them.
          await Promise.allSettled(pending);
        }
        await Promise.all(pending);
      }
      const rows = generatedBySeed(db, entry.sha256, requestSha, seeds);
      return {
        images: seeds.map((s) => {
          const r = rows.get(s)!;
          return { id: r.id, seed: s, width: r.width, height: r.height, cached: before.has(s) };
        }),
        seconds: (performance.now() - t0) / 1000,
        warnings,
      };
    },
  );
}

export const generateJobKind: JobKind = {
  kind: GENERATE_KIND,
  writeHeavy: false,
  resume: (state, stored, ctx, jobId) => runGenerate(state, stored as GenerateParams, ctx, jobId),
};
