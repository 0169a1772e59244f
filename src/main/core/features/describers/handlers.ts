import type { Contract } from '../../../../shared/contract';
import type { Handlers } from '../../../../shared/define';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import { generatedImage, generativeCacheSize } from '../../platform/store/generativeRepo';
import { runCaption } from './captionJob';
import { runComplete } from './completeJob';
import { runGenerate } from './generateJob';
import { libraryOf } from './library';
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
>;

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
    'describer.remove': async ({ describerId }) => ({ removed: await lib().remove(describerId) }),
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
  };
}
