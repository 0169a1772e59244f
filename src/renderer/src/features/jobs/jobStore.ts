import type { Progress } from '../../../../shared/define';
import type { Api } from '../../api';
import type { ToastInput } from '../../lib/appContext';
import type { In, JobMethod, Out } from '../../lib/contract';
import { isCancelled, toShownError, type ShownError } from '../../lib/errors';
import { FrameNotifier } from '../../lib/notifier';
import type { JobInfo } from '../../lib/types';

// The one store of contract jobs started from the UI (imports, extractions, explanation / ablation / Top Impact
// runs, calibrations, filters, simulations, resumes). It lives outside React, above the screens, so leaving a
// screen never loses a run's progress or its Cancel button. Progress messages can arrive hundreds of times a
// second: subscribers are notified at most once per animation frame. When a run ends, the settled listeners run
// (the app shell shows the toast, re-reads the project and invalidates the queries the job changed) before the
// promise of start() resolves, so a caller that navigates on success finds fresh data.

export type { JobMethod };

/** The contract's job statuses; 'interrupted': the connection to the backend closed while the job ran (resumable after a restart). */
export type RunStatus = JobInfo['status'];

export interface RunState<K extends JobMethod = JobMethod> {
  key: string;
  method: K;
  title: string;
  status: RunStatus;
  progress: Progress | null;
  startedAt: number;
  endedAt: number | null;
  /** The job's output once done. */
  output: Out<K> | null;
  error: ShownError | null;
}

export interface StartOptions<K extends JobMethod = JobMethod> {
  /** The toast shown when the run ends, instead of the generic one; null: no toast. */
  toast?: (run: RunState<K>) => ToastInput | null;
}

export type StartedListener = (run: RunState) => void;
export type SettledListener = (run: RunState, options: StartOptions) => void;

/** A run's key; it carries its method's type so useJob() knows the run's output. */
export type JobKey<K extends JobMethod = JobMethod> = string & { readonly __method?: K };

/** A run's key: one run per method, project and the ids that make it distinct (a model, an activation set, a job). */
export function jobKey<K extends JobMethod>(method: K, projectPath: string | undefined, ...ids: Array<string | number>): JobKey<K> {
  return [method, projectPath ?? '', ...ids].join(':');
}

export class JobStore {
  private notifier = new FrameNotifier();
  private runs = new Map<string, RunState>();
  private controllers = new Map<string, AbortController>();
  private snapshot: RunState[] = [];
  private startedListeners = new Set<StartedListener>();
  private settledListeners = new Set<SettledListener>();

  constructor(private readonly api: Api) {}

  /** Listen for changes (at most one call per animation frame); returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => this.notifier.subscribe(listener);

  /** Every run of this session, oldest first; the same array until something changes. */
  list(): RunState[] {
    return this.snapshot;
  }

  get<K extends JobMethod>(key: JobKey<K>): RunState<K> | undefined {
    return this.runs.get(key) as RunState<K> | undefined;
  }

  onStarted(listener: StartedListener): () => void {
    this.startedListeners.add(listener);
    return () => this.startedListeners.delete(listener);
  }

  onSettled(listener: SettledListener): () => void {
    this.settledListeners.add(listener);
    return () => this.settledListeners.delete(listener);
  }

  /** Start `method` as the run `key` (refused while that key runs); resolves with its output, or null when it did not finish. */
  async start<K extends JobMethod>(
    key: JobKey<K>,
    title: string,
    method: K,
    input: In<K>,
    options: StartOptions<K> = {},
  ): Promise<Out<K> | null> {
    if (this.controllers.has(key)) throw new Error(`${title} is already running.`);
    const controller = new AbortController();
    this.controllers.set(key, controller);
    const initial: RunState<K> = {
      key,
      method,
      title,
      status: 'running',
      progress: null,
      startedAt: Date.now(),
      endedAt: null,
      output: null,
      error: null,
    };
    this.put(initial);
    for (const l of this.startedListeners) l(initial);
    let final: RunState<K> = initial;
    try {
      const output = await this.api.call(method, input, {
        signal: controller.signal,
        onProgress: (progress) => {
          const cur = this.runs.get(key);
          if (cur?.status === 'running') this.put({ ...cur, progress });
        },
      });
      final = { ...initial, status: 'done', output, endedAt: Date.now() };
      return output;
    } catch (e) {
      // Only the user cancels; a 'cancelled' error without our abort means the connection closed.
      const status: RunStatus = controller.signal.aborted ? 'cancelled' : isCancelled(e) ? 'interrupted' : 'failed';
      final = { ...initial, status, error: status === 'failed' ? toShownError(e) : null, endedAt: Date.now() };
      return null;
    } finally {
      this.controllers.delete(key);
      const cur = this.runs.get(key);
      // Keep the last progress on the ended run (a cancelled bar shows where it stopped).
      if (cur) this.put({ ...final, progress: cur.progress });
      for (const l of this.settledListeners) l(final as RunState, options as StartOptions);
    }
  }

  cancel(key: string): void {
    this.controllers.get(key)?.abort();
  }

  /** Forget an ended run (a running one stays). */
  dismiss(key: string): void {
    if (this.controllers.has(key) || !this.runs.delete(key)) return;
    this.changed();
  }

  private put(run: RunState): void {
    this.runs.set(run.key, run);
    this.changed();
  }

  private changed(): void {
    this.snapshot = [...this.runs.values()];
    this.notifier.notify();
  }
}
