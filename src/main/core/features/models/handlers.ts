import { join } from 'node:path';
import type { Handlers } from '../../../../shared/define';
import type { Contract } from '../../../../shared/contract';
import { ModelInfo, Preprocessing, type ModelSummary } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import * as acts from '../../platform/store/activationRepo';
import * as models from '../../platform/store/modelRepo';
import type { Db } from '../../platform/store/open';
import { imageSources } from '../../platform/store/probeRepo';
import { exportSet } from './exportMatrix';
import { heatmaps, tensorCacheOf } from './heatmaps';
import { runExtractJob, sessionsOf } from './extractJob';
import { runExtractShard } from './shardExtract';
import { addModel, modelStatus, rowProblem } from './modelService';
import { refuseIfModelInUse } from './modelUse';
import { presetFor, PRESETS, preprocessingSource, previewImage } from '../../onnx/preprocess';
import { inputStats } from './inputStats';
import { providerReport } from '../../onnx/session';
import { defaultNeurons } from '../../onnx/layers';
import { channelAxis } from '../../numeric/stats/summary';

type ModelMethods =
  | 'model.add'
  | 'model.list'
  | 'model.info'
  | 'model.remove'
  | 'model.setPreprocessing'
  | 'model.preview'
  | 'model.providers'
  | 'model.inputStats'
  | 'activations.extract'
  | 'activations.list'
  | 'activations.stats'
  | 'activations.neuron'
  | 'activations.heatmaps'
  | 'activations.export';

/** A row that cannot be described (saved by an older version) must not break the listing: shown as 'invalid' with its problem. */
const PLACEHOLDER_INFO: ModelInfo = {
  inputs: [],
  outputs: [],
  irVersion: 0,
  opset: 0,
  producer: '',
  imageInput: '',
  layout: 'NCHW',
  channels: 3,
  height: null,
  width: null,
  fixedBatch: null,
  logitsOutput: '',
  nodes: 0,
};

async function summaryOf(db: Db, m: models.ModelRow): Promise<ModelSummary> {
  const problem = rowProblem(m);
  const status = problem ? 'invalid' : await modelStatus(db, m);
  const { preprocessingSetByUser, ...row } = m;
  if (!problem)
    return {
      ...row,
      status,
      layers: models.countLayers(db, m.id),
      preprocessingSource: preprocessingSource(m.info, m.preprocessing, preprocessingSetByUser),
    };
  const info = ModelInfo.safeParse(m.info).success ? m.info : PLACEHOLDER_INFO;
  const pre = Preprocessing.safeParse(m.preprocessing).success
    ? m.preprocessing
    : { ...PRESETS.unit, channels: info.channels, layout: info.layout };
  return {
    ...row,
    status,
    layers: models.countLayers(db, m.id),
    problem,
    info,
    preprocessing: pre,
    preprocessingSource: { kind: 'set', detail: 'unknown: the stored row cannot be used' },
  };
}

function requireModel(db: Db, id: number): models.ModelRow {
  const m = models.getModel(db, id);
  if (!m) throw new AppError('not_found', `Model ${id} does not exist.`);
  return m;
}

function imagePath(db: Db, imageId: number): string {
  const [r] = imageSources(db, [imageId]);
  if (!r) throw new AppError('not_found', `Image ${imageId} does not exist.`);
  return join(r.rootPath, r.relPath);
}

/** Handlers of the model capability (models, layers, preprocessing, activation extraction). */
export function createModelHandlers(state: BackendState): Pick<Handlers<Contract>, ModelMethods> {
  const db = () => state.requireProject().db;
  return {
    'model.add': async ({ path, name, provider }) => summaryOf(db(), await addModel(db(), path, name, provider)),
    'model.list': async () => Promise.all(models.listModels(db()).map((m) => summaryOf(db(), m))),
    'model.info': async ({ modelId }) => {
      const m = requireModel(db(), modelId);
      const layers = models
        .listLayers(db(), modelId)
        .map((l) => ({ ...l, neurons: defaultNeurons(l.shape, l.shape.length === 4 ? channelAxis(l.shape, m.info.layout) : 1) }));
      return { model: await summaryOf(db(), m), layers };
    },
    'model.remove': ({ modelId }) => {
      const d = db();
      // Check and delete in one IMMEDIATE transaction: no job can claim the writer slot in between.
      return d
        .transaction(() => {
          refuseIfModelInUse(d, modelId);
          return { removed: models.deleteModel(d, modelId) };
        })
        .immediate();
    },
    'model.setPreprocessing': ({ modelId, preset, options }) => {
      const m = requireModel(db(), modelId);
      const base = preset ? presetFor(preset, m.info) : m.preprocessing;
      const next = { ...base, ...options };
      if (next.mean.length !== 1 && next.mean.length !== next.channels)
        throw new AppError('bad_input', `mean needs 1 or ${next.channels} values.`);
      if (next.std.length !== 1 && next.std.length !== next.channels)
        throw new AppError('bad_input', `std needs 1 or ${next.channels} values.`);
      models.setPreprocessing(db(), modelId, next);
      return next;
    },
    'model.preview': async ({ modelId, imageId, path, options }) => {
      const m = requireModel(db(), modelId);
      const src = imageId !== undefined ? imagePath(db(), imageId) : path;
      if (!src) throw new AppError('bad_input', 'Give an imageId or a path.');
      return previewImage(src, { ...m.preprocessing, ...options });
    },
    'model.providers': ({ provider }) => providerReport({ provider }),
    'model.inputStats': ({ modelId, probeSetId, images, options }) => {
      const m = requireModel(db(), modelId);
      return inputStats(db(), probeSetId, { ...m.preprocessing, ...options }, images);
    },
    'activations.extract': (input, ctx) =>
      input.shard ? runExtractShard(state, { ...input, shard: input.shard }, ctx) : runExtractJob(state, input, ctx),
    'activations.list': ({ modelId, probeSetId }) => acts.listSets(db(), { modelId, probeSetId }),
    'activations.stats': ({ activationSetId }) => {
      if (!acts.getSetRow(db(), activationSetId)) throw new AppError('not_found', `Activation set ${activationSetId} does not exist.`);
      return acts.getStats(db(), activationSetId);
    },
    'activations.neuron': ({ activationSetId, neuron }) => {
      const set = acts.getSetRow(db(), activationSetId);
      if (!set) throw new AppError('not_found', `Activation set ${activationSetId} does not exist.`);
      if (neuron >= set.nNeurons)
        throw new AppError(
          'bad_input',
          `Neuron ${neuron} is out of range: the layer has ${set.nNeurons} neurons (0..${set.nNeurons - 1}).`,
        );
      const r = acts.getNeuron(db(), activationSetId, neuron);
      if (!r)
        throw new AppError(
          'not_found',
          `No stats for neuron ${neuron} of activation set ${activationSetId} (is the extraction complete?).`,
        );
      return r;
    },
    'activations.heatmaps': (input, ctx) =>
      heatmaps({ db: db(), sessions: sessionsOf(state), cache: tensorCacheOf(state), signal: ctx.signal }, input),
    'activations.export': ({ activationSetId, path, overwrite, format, kind }) =>
      exportSet(db(), activationSetId, { path, overwrite, protectedProjects: state.openProjectPaths() }, format, kind),
  };
}
