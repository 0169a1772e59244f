import type { Contract } from '../../../../shared/contract';
import type { Handlers } from '../../../../shared/define';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../../../shared/errors';
import { checkWriteTarget, writeFileSafely } from '../../platform/files/safeWrite';
import type { BackendState } from '../../platform/context';
import { generatedImage, generativeCacheSize } from '../../platform/store/generativeRepo';
import { runCaption } from './captionJob';
import { runComplete } from './completeJob';
import { runGenerate } from './generateJob';
import { libraryOf } from './library';
import { unloadDescriber } from './runtimes';
import { addDescriber, checkDescriber, describerInfo } from './service';

type DescriberHandlers = Pick<
  Handlers<Contract>,
  | 'describer.add'
  | 'describer.list'
  | 'describer.remove'
  | 'describer.check'
  | 'caption.run'
  | 'lm.complete'
  | 'generate.images'
  | 'generated.image'
  | 'generated.cache'
  | 'generated.export'
>;

/** A file-name-safe short form of a prompt: 'a realistic image of a sandal' -> 'a_realistic_image_of_a_sandal'. */
const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60) || 'image';

export function createDescriberHandlers(state: BackendState): DescriberHandlers {
  const lib = () => libraryOf(state);
  const db = () => state.requireProject().db;
  return {
    'describer.add': async (input, ctx) => describerInfo(await addDescriber(lib(), input, ctx)),
    'describer.list': ({ role }) =>
      lib()
        .list()
        .filter((e) => !role || e.role === role)
        .map(describerInfo),
    'describer.remove': async ({ describerId }) => {
      unloadDescriber(describerId);
      return { removed: await lib().remove(describerId) };
    },
    'describer.check': (input, ctx) => checkDescriber(lib(), input.describerId, ctx),
    'caption.run': (input, ctx) => runCaption(state, input, ctx),
    'lm.complete': (input, ctx) => runComplete(state, input, ctx),
    'generate.images': (input, ctx) => runGenerate(state, input, ctx),
    'generated.image': ({ imageId }) => {
      const r = generatedImage(db(), imageId);
      if (!r) throw new AppError('not_found', `Generated image ${imageId} is not in this project's cache.`);
      return {
        id: r.id,
        dataUrl: `data:image/png;base64,${r.png.toString('base64')}`,
        width: r.width,
        height: r.height,
        seed: r.seed,
        generatorSha256: r.generatorSha,
        request: JSON.parse(r.request) as Record<string, unknown>,
        createdAt: r.createdAt,
      };
    },
    'generated.cache': () => generativeCacheSize(db()),
    'generated.export': async ({ imageIds, folder, overwrite }) => {
      const rows = imageIds.map((id) => {
        const r = generatedImage(db(), id);
        if (!r) throw new AppError('not_found', `Generated image ${id} is not in this project's cache.`);
        return r;
      });
      const targets = rows.map((r) => ({
        path: join(folder, `${slug(String((JSON.parse(r.request) as { prompt?: unknown }).prompt ?? 'image'))}_seed${r.seed}.png`),
        overwrite,
        protectedProjects: state.openProjectPaths(),
      }));
      // Refuse before writing anything, so a refused export leaves no partial set of files behind.
      targets.forEach(checkWriteTarget);
      await mkdir(folder, { recursive: true });
      const files: string[] = [];
      for (const [i, t] of targets.entries()) files.push((await writeFileSafely(t, (sink) => sink.write(rows[i].png))).path);
      return { files };
    },
  };
}
