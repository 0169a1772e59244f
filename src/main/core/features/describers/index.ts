// The public surface of features/describers (local generative models): what Describe-and-Dissect and reports use.
export { createDescriberHandlers } from './handlers';
export { captionJobKind } from './captionJob';
export { completeJobKind } from './completeJob';
export { generateJobKind } from './generateJob';
export { disposeRuntimes, runtimeFor } from './runtimes';
export { libraryOf, type LibraryEntry } from './library';
export { requireUsable } from './service';
export type * from './roles';
export { captionCached, completeCached, generateCached, type CaptionItem, type GeneratedPng } from './cached';
export { cropPixels, pngOf, probePixels } from './pixels';
export { checkCaptionOptions } from './captioner';
