import type { CallContext } from '../../../../shared/define';
import type { ExtractParams } from '../../../../shared/contract';
import { ExtractInput } from '../../../../shared/contract';
import type { BackendState } from '../../platform/context';
import type { JobKind } from '../../platform/jobs/registry';
import { runJob } from '../../platform/jobs/runner';
import { findUnfinishedJob } from '../../platform/store/jobRepo';
import { extractActivations, resolveExtraction, type ExtractResult } from './extract';
import { SessionCache } from '../../onnx/session';

// activations.extract as a job of the shared runner: a job row with progress + ETA, committed in the same
// transaction as each chunk; cancel/kill leaves it resumable (jobs.resume, or the same call again).

export const EXTRACT_KIND = 'activations.extract';

/** One session cache per backend, shared by the handlers and by jobs.resume. */
const caches = new WeakMap<BackendState, SessionCache>();
export function sessionsOf(state: BackendState): SessionCache {
  let c = caches.get(state);
  if (!c) caches.set(state, (c = new SessionCache()));
  return c;
}

const jobKey = (p: ExtractParams) => `${p.modelId}|${p.layer}|${p.probeSetId}|${p.summary}`;

export async function runExtractJob(state: BackendState, p: ExtractParams, ctx: CallContext, resumeJobId?: number): Promise<ExtractResult> {
  const project = state.requireProject();
  resolveExtraction(project.db, p); // refuse bad input before a job row exists
  const key = jobKey(p);
  const jobId = resumeJobId ?? findUnfinishedJob(project.db, EXTRACT_KIND, 'key', key)?.id;
  const title = `Extract ${p.layer} (${p.summary})`;
  return runJob(project, { kind: EXTRACT_KIND, title, params: { ...p, key }, jobId }, ctx, (run) =>
    extractActivations(
      {
        db: run.db,
        sessions: sessionsOf(state),
        signal: run.signal,
        progress: (pr) => pr.message && run.progress(pr.done, pr.total, pr.message),
        onCommit: (done, total) => run.progress(done, total),
      },
      p,
    ),
  );
}

export const extractJobKind: JobKind = {
  kind: EXTRACT_KIND,
  writeHeavy: true,
  resume: (state, stored, ctx, jobId) => runExtractJob(state, ExtractInput.parse(stored), ctx, jobId),
};
