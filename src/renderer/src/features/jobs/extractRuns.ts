import { useCallback, useSyncExternalStore } from 'react';
import type { Progress } from '../../../../shared/define';
import type { Api } from '../../api';
import { isCancelled, toShownError, type ShownError } from '../../lib/errors';
import { FrameNotifier } from '../../lib/notifier';
import type { RunStatus } from './jobRunner';
import type { In, Out } from '../../lib/types';

// activations.extract runs, one per model, kept outside React so leaving the Models screen never loses a
// run's progress or its Cancel button. Same states and progress throttling (one render per frame) as the
// foundation's job runner, whose JobMethod does not list 'activations.extract' (yet): once it does, the
// panel can switch to useJobRunner() and this file can go.

export type ExtractOutput = Out<'activations.extract'>;

export interface ExtractRun {
  key: string;
  title: string;
  status: RunStatus;
  progress: Progress | null;
  startedAt: number;
  endedAt: number | null;
  output: ExtractOutput | null;
  error: ShownError | null;
}

class ExtractRuns extends FrameNotifier {
  private runs = new Map<string, ExtractRun>();
  private controllers = new Map<string, AbortController>();

  get(key: string): ExtractRun | undefined {
    return this.runs.get(key);
  }

  private set(key: string, patch: Partial<ExtractRun>): void {
    const cur = this.runs.get(key);
    if (cur) this.runs.set(key, { ...cur, ...patch });
  }

  async start(api: Api, key: string, title: string, input: In<'activations.extract'>): Promise<ExtractRun> {
    if (this.controllers.has(key)) throw new Error(`${title} is already running.`);
    const controller = new AbortController();
    this.controllers.set(key, controller);
    this.runs.set(key, { key, title, status: 'running', progress: null, startedAt: Date.now(), endedAt: null, output: null, error: null });
    this.notify();
    try {
      const output = await api.call('activations.extract', input, {
        signal: controller.signal,
        onProgress: (p) => {
          if (this.runs.get(key)?.status !== 'running') return;
          this.set(key, { progress: p });
          this.notify();
        },
      });
      this.set(key, { status: 'done', output, endedAt: Date.now() });
    } catch (e) {
      // Only the user cancels; a 'cancelled' error without our abort means the connection closed.
      const status: RunStatus = controller.signal.aborted ? 'cancelled' : isCancelled(e) ? 'interrupted' : 'failed';
      this.set(key, { status, error: status === 'failed' ? toShownError(e) : null, endedAt: Date.now() });
    } finally {
      this.controllers.delete(key);
      this.notify();
    }
    const run = this.runs.get(key);
    if (!run) throw new Error('extract run vanished');
    return run;
  }

  cancelRun(key: string): void {
    this.controllers.get(key)?.abort();
  }

  dismiss(key: string): void {
    if (this.controllers.has(key) || !this.runs.delete(key)) return;
    this.notify();
  }
}

const store = new ExtractRuns();

/** Runs are per project and model (model ids restart in every project). */
export function extractKey(projectPath: string, modelId: number): string {
  return `activations.extract:${projectPath}:${modelId}`;
}

/** The extract run of one model (undefined before the first), re-rendering at most once per frame. */
export function useExtractRun(key: string): ExtractRun | undefined {
  const subscribe = useCallback((l: () => void) => store.subscribe(l), []);
  return useSyncExternalStore(subscribe, () => store.get(key));
}

export const extractRuns = {
  start: (api: Api, key: string, title: string, input: In<'activations.extract'>) => store.start(api, key, title, input),
  cancel: (key: string) => store.cancelRun(key),
  dismiss: (key: string) => store.dismiss(key),
};
