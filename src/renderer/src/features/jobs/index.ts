// The jobs feature's public surface: other features and the app shell import only from here.
export { JobsScreen } from './JobsScreen';
export { JobStatus } from './JobStatus';
export { RunningJobs } from './RunningJobs';
export * from './jobRunner';
export * from './extractRuns';
