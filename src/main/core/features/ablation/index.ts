// The public surface of features/ablation for other features: sharded ablation.run / topimpact.run (docs/cluster.md).
export { mergeAblationShards, prepareAblationShards } from './mergeShards';
