// The public surface of features/jobs: What other features use of the jobs feature: marking the jobs of dead owners interrupted when a project opens.
// Other features import only from here (lint forbids reaching into this folder's other files).

export { markInterruptedJobs } from './handlers';
