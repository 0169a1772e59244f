// The public surface of features/dissect: Describe-and-Dissect and CLIP-Dissect labels (docs/dissect.md).
export { createDissectHandlers } from './handlers';
export { dndJobKind, prepareDndShards } from './dndJob';
export { clipDissectJobKind, prepareClipDissectShards } from './clipDissectJob';
export { mergeClipDissectShards, mergeDndShards } from './mergeShards';
