import type { JobKind } from '../platform/jobs/registry';
import { importJobKind } from '../features/probes/importProbe';
import { extractJobKind } from '../features/models/extractJob';
import { explainJobKind } from '../features/explanations/explainJob';
import { ablationJobKind } from '../features/ablation/ablationRun';
import { topImpactJobKind } from '../features/ablation/topImpactRun';
import { calibrationJobKind } from '../features/concepts/calibrationJob';
import { embedJobKind, filterJobKind } from '../features/concepts/conceptJobs';
import { simulateJobKind } from '../features/concepts/simulate';
import { captionJobKind, completeJobKind, generateJobKind } from '../features/describers';
import { clipDissectJobKind, dndJobKind } from '../features/dissect';

/** Every kind of long job, registered by createBackend: a new job kind is added here. */
export const JOB_KINDS: readonly JobKind[] = [
  importJobKind,
  extractJobKind,
  explainJobKind,
  ablationJobKind,
  topImpactJobKind,
  calibrationJobKind,
  embedJobKind,
  filterJobKind,
  simulateJobKind,
  captionJobKind,
  completeJobKind,
  generateJobKind,
  dndJobKind,
  clipDissectJobKind,
];
