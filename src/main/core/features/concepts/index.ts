// The public surface of features/concepts: What other features use of the image-text concept scorer: encoders with their calibration, encoder concept matrices, and the simulators (label or encoder) that score an explanation.
// Other features import only from here (lint forbids reaching into this folder's other files).

export { encoderConceptMatrix } from './encoderConcepts';
export { encoderSession, requireCalibration, requireEncoder } from './encoderService';
export { embedProbeImages, embedTextsCached } from './embedCache';
export { scoreTextWithEncoder } from './simulate';
export { encoderSimulator, labelSimulator } from './simulators';
export type { ExplanationSimulator } from './simulators';
export { defaultSearchEncoder, textEmbedder } from './textSearch';
export type { TextEmbedder } from './textSearch';
