// The public surface of features/explanations: What other features use of explanations: the activation-set context (the stored matrix and its split), label concepts and their simulator, run lookups and explanation text.
// Other features import only from here (lint forbids reaching into this folder's other files).

export { ensureSplit, readColumns, resolveSet, setShard } from './context';
export type { SetContext } from './context';
export { conceptMatrix, loadLabelConcepts, simulateLabels } from './labelConcepts';
export type { LabelConcepts } from './labelConcepts';
export { requireRun, runInfo } from './runInfo';
export { at, labelWeights, scoreByLabels } from './scoring';
export { shardSplit, skippedDetails } from './explainJob';
export { explanationText } from './text';
export { explainRunMerge, mergeExplainShards } from './mergeShards';
export { prepareExplainShards } from './explainJob';
