// The explanations feature's public surface: other features and the app shell import only from here.
export { ExplanationsScreen } from './ExplanationsScreen';
export { formatCorr, METHOD_LABEL, methodLabel, runMethodLabel, runTitle } from './format';
export type { RunInfo } from './types';
export { JumpBoxHost, openJumpBox, closeJumpBox, toggleJumpBox } from './JumpBox';
export { UnitLink, useUnitRoute } from './UnitLink';
