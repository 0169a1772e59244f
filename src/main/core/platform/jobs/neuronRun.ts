import type { CallContext } from '../../../../shared/define';
import { AppError } from '../../../../shared/errors';
import type { ProjectHandle } from '../context';
import { findRunningJobsByKey, findUnfinishedJob, getJob } from '../store/jobRepo';
import { isOwnerAlive } from './owner';
import { runJob, type JobRun } from './runner';

// The keyed, resumable neuron-block run that LE, ablation and Top Impact share (and every per-neuron method
// after them): a key built from everything that changes results names the run; a complete run with that key
// is reused, a duplicate active one refused, an unfinished one resumed under its job; the run row records
// provenance, the neurons not done yet are worked in blocks that each commit with the job's progress, and the
// row is marked complete at the end. What differs per method (the run table, the work per block) is passed in.

/** A method's run rows: the store side of one keyed run. */
export interface NeuronRunStore {
  /** The run with this key, if one was started. */
  find(): { id: number; complete: boolean; jobId: number | null } | null;
  /** A new run row, under the job that computes it. */
  create(run: JobRun): number;
  /** An existing, unfinished run row taken over by a new job (a resume). */
  attach(id: number, run: JobRun): void;
  /** Neurons whose results are already committed. */
  doneNeurons(id: number): Set<number>;
  complete(id: number): void;
}

export interface NeuronRunSpec<R> {
  kind: string;
  title: string;
  /** Canonical JSON of everything that changes results: the same key is the same run. */
  key: string;
  /** What the job stores to resume (the call's input); the key is added. */
  params: object;
  /** Narrows the duplicate check to one scope (e.g. { activationSetId }) when the key alone does not include it. */
  scope?: Record<string, number>;
  /** What the busy error calls this run ("explanation run", "ablation run", ...). */
  what: string;
  /** Every neuron of the run, sorted. */
  neurons: readonly number[];
  store: NeuronRunStore;
  /** The answer for a run row (reused or just completed). */
  result(id: number, seconds: number, reused: boolean): R;
  /** Set when jobs.resume re-runs a stopped job. */
  resumeJobId?: number;
}

export interface NeuronRunContext {
  run: JobRun;
  /** The run row. */
  id: number;
  /** Neurons not done yet, in order. */
  todo: number[];
  /** Call inside the transaction that commits `n` more neurons. */
  neuronsDone(n: number): void;
  /** A progress message without new neurons (a preparation step). */
  status(message: string): void;
}

/**
 * Run (or reuse, or resume) a keyed neuron run. Inside the job, `prepare` runs first (what creating the run row
 * needs), then `start` with the row (provenance, rows that mark neurons done without work); `work` gets the
 * neurons still to do and commits them block by block through `neuronsDone`.
 */
export async function runNeuronJob<R>(
  project: ProjectHandle,
  spec: NeuronRunSpec<R>,
  ctx: CallContext,
  work: (c: NeuronRunContext) => Promise<void>,
  opts: { startMessage: string; prepare?: (run: JobRun) => Promise<void>; start?: (run: JobRun, id: number) => void } = {
    startMessage: 'working',
  },
): Promise<R> {
  const { db } = project;
  const existing = spec.store.find();
  if (existing?.complete && spec.resumeJobId === undefined) return spec.result(existing.id, 0, true);
  if (spec.resumeJobId === undefined) refuseDuplicate(project, spec);
  const prior = existing?.jobId == null ? undefined : getJob(db, existing.jobId);
  const jobId = spec.resumeJobId ?? (prior && prior.status !== 'done' ? prior.id : findUnfinishedJob(db, spec.kind, 'key', spec.key)?.id);
  const t0 = performance.now();

  return runJob(project, { kind: spec.kind, title: spec.title, params: { ...spec.params, key: spec.key }, jobId }, ctx, async (run) => {
    await opts.prepare?.(run);
    const id = existing?.id ?? spec.store.create(run);
    if (existing) spec.store.attach(id, run);
    opts.start?.(run, id);
    const done = spec.store.doneNeurons(id);
    const todo = spec.neurons.filter((k) => !done.has(k));
    const total = spec.neurons.length;
    let finished = total - todo.length;
    run.progress(finished, total, finished ? `resuming at neuron ${finished + 1} of ${total}` : `${opts.startMessage} ${total} neurons`);
    if (todo.length) {
      await work({
        run,
        id,
        todo,
        neuronsDone: (n) => {
          finished += n;
          run.progress(finished, total, `${finished} of ${total} neurons`);
        },
        status: (message) => run.progress(finished, total, message),
      });
    }
    spec.store.complete(id);
    return spec.result(id, (performance.now() - t0) / 1000, false);
  });
}

/** The same run already running under a live owner (this process or another) is refused, not started twice. */
function refuseDuplicate(project: ProjectHandle, spec: NeuronRunSpec<unknown>): void {
  const live = findRunningJobsByKey(project.db, spec.kind, spec.key, spec.scope ?? {}).find((r) => isOwnerAlive(r.owner));
  if (live) throw new AppError('busy', `The same ${spec.what} is already running (job ${live.id}, "${live.title}").`, { jobId: live.id });
}

/** The neurons still to do in blocks of `size`, checking for a cancel before each block. */
export function* neuronBlocks(todo: readonly number[], size: number, run: Pick<JobRun, 'throwIfCancelled'>): Generator<number[]> {
  for (let b0 = 0; b0 < todo.length; b0 += size) {
    run.throwIfCancelled();
    yield todo.slice(b0, b0 + size);
  }
}
