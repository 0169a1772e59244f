import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Progress } from '../../../../shared/define';
import type { Api } from '../../api';
import { isCancelled, toShownError, type ShownError } from '../../lib/errors';
import type { In, JobMethod, Out } from '../../lib/contract';
import type { JobInfo } from '../../lib/types';

// Long-running contract jobs started from the UI. They live above the screens, so navigating away from
// the Probe sets screen never loses an import's progress or its Cancel button. Progress messages can
// arrive hundreds of times a second; state is flushed at most once per animation frame.

export type { JobMethod };
/** The contract's job statuses; 'interrupted': the connection to the backend closed while the job ran (resumable after a restart). */
export type RunStatus = JobInfo['status'];

export interface RunState {
  key: string;
  method: JobMethod;
  title: string;
  status: RunStatus;
  progress: Progress | null;
  startedAt: number;
  endedAt: number | null;
  /** The job's output once done (narrow with the contract's zod schema where needed). */
  output: unknown;
  error: ShownError | null;
}

export interface JobRunner {
  runs: RunState[];
  get(key: string): RunState | undefined;
  start<K extends JobMethod>(key: string, title: string, method: K, input: In<K>): Promise<Out<K> | null>;
  cancel(key: string): void;
  dismiss(key: string): void;
}

const RunnerContext = createContext<JobRunner | null>(null);

export function useJobRunner(): JobRunner {
  const v = useContext(RunnerContext);
  if (!v) throw new Error('useJobRunner outside <JobRunnerProvider>');
  return v;
}

export function JobRunnerProvider({ api, children, onSettled }: { api: Api; children: ReactNode; onSettled?: (run: RunState) => void }) {
  const [runs, setRuns] = useState<Map<string, RunState>>(() => new Map());
  const controllers = useRef(new Map<string, AbortController>());
  const pendingProgress = useRef(new Map<string, Progress>());
  const frame = useRef<number | null>(null);
  const settled = useRef(onSettled);
  useEffect(() => {
    settled.current = onSettled;
  }, [onSettled]);

  const flushProgress = useCallback(() => {
    frame.current = null;
    const batch = new Map(pendingProgress.current);
    pendingProgress.current.clear();
    setRuns((prev) => {
      const next = new Map(prev);
      for (const [key, progress] of batch) {
        const cur = next.get(key);
        if (cur && cur.status === 'running') next.set(key, { ...cur, progress });
      }
      return next;
    });
  }, []);

  const start = useCallback(
    async <K extends JobMethod>(key: string, title: string, method: K, input: In<K>): Promise<Out<K> | null> => {
      if (controllers.current.has(key)) throw new Error(`${title} is already running.`);
      const controller = new AbortController();
      controllers.current.set(key, controller);
      const initial: RunState = {
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
      setRuns((prev) => new Map(prev).set(key, initial));
      let final: RunState = initial;
      try {
        const output = await api.call(method, input, {
          signal: controller.signal,
          onProgress: (p) => {
            pendingProgress.current.set(key, p);
            if (frame.current === null) frame.current = requestAnimationFrame(flushProgress);
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
        controllers.current.delete(key);
        pendingProgress.current.delete(key);
        const { status, output, error, endedAt } = final;
        setRuns((prev) => {
          const cur = prev.get(key);
          return cur ? new Map(prev).set(key, { ...cur, status, output, error, endedAt }) : prev;
        });
        settled.current?.({ ...final, progress: null });
      }
    },
    [api, flushProgress],
  );

  const cancel = useCallback((key: string) => controllers.current.get(key)?.abort(), []);
  const dismiss = useCallback(
    (key: string) => {
      if (controllers.current.has(key)) return;
      setRuns((prev) => {
        if (!prev.has(key)) return prev;
        const next = new Map(prev);
        next.delete(key);
        return next;
      });
    },
    [],
  );

  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );

  const value = useMemo<JobRunner>(
    () => ({ runs: [...runs.values()], get: (k) => runs.get(k), start, cancel, dismiss }),
    [runs, start, cancel, dismiss],
  );
  return <RunnerContext.Provider value={value}>{children}</RunnerContext.Provider>;
}
