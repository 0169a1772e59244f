// Comparing methods the way the papers do (issue #15). Contract: src/shared/contract/compare.ts.
export { createClassifierFindingHandlers, createCompareHandlers } from './handlers';
export { asText, labelOf, readRunLabels, type RunLabels } from './labels';
