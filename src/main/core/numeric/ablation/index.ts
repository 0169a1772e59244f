// Public surface of the ablation core: ablation scores (Optim / Norm), temperature, Top Impact, aggregates.
// Pure functions over typed arrays; no electron, no DB.
export * from './types';
export * from './crossEntropy';
export * from './temperature';
export * from './logits';
export * from './rankOne';
export * from './cumulant';
export * from './linearHeadOracle';
export * from './reference';
export * from './normScaling';
export * from './adam';
export * from './oracleAccess';
export * from './optimScaling';
export * from './scoreAblation';
export * from './replaceChannel';
export * from './topImpact';
export * from './topImpactLayer';
export * from './aggregate';
