// The jobs feature's public surface: other features and the app shell import only from here.
export { HeaderJobs } from './HeaderJobs';
export { JobsScreen } from './JobsScreen';
export { JobProgress } from './JobProgress';
export { JobStatus } from './JobStatus';
export { RunningJobs } from './RunningJobs';
export { JobStore, jobKey, type JobKey, type JobMethod, type RunState, type RunStatus, type StartOptions } from './jobStore';
export { JobStoreContext, useJob, useJobs, useJobStore } from './useJobs';
