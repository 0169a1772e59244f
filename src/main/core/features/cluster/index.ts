// The public surface of features/cluster: sharded runs merged into the project (docs/cluster.md).
export { createClusterHandlers } from './handlers';
