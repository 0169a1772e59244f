// The public surface of features/models: What other features use of the models feature: loading a stored model for a run.
// Other features import only from here (lint forbids reaching into this folder's other files).

export { loadForRun } from './modelService';
export { ensureColumns, neuronProfiles, readColumnsByRows, readNeuronColumns, writeColumns } from './columns';
export type { SetShape } from './columns';
export {
  heatmaps,
  probeUnitImages,
  tensorCacheOf,
  unitActivation,
  unitContext,
  unitMap,
  unitTensors,
  type HeatmapDeps,
  type UnitContext,
  type UnitImage,
} from './heatmaps';
export { sessionsOf } from './extractJob';
export { mergeExtractShards } from './shardExtract';
