import { createContext, useContext, useMemo, useSyncExternalStore } from 'react';
import type { JobKey, JobMethod, JobStore, RunState } from './jobStore';

// React's view of the job store: the app shell provides the one store; screens read runs and start, cancel or
// dismiss them. Re-renders come at most once per animation frame (the store's notifier).

export const JobStoreContext = createContext<JobStore | null>(null);

export function useJobStore(): JobStore {
  const store = useContext(JobStoreContext);
  if (!store) throw new Error('useJobStore outside <JobStoreContext.Provider>');
  return store;
}

/** One run by key (undefined before its first start), re-rendering only when it changes. */
export function useJob<K extends JobMethod>(key: JobKey<K>): RunState<K> | undefined {
  const store = useJobStore();
  return useSyncExternalStore(store.subscribe, () => store.get(key));
}

export interface Jobs {
  runs: RunState[];
  get<K extends JobMethod>(key: JobKey<K>): RunState<K> | undefined;
  start: JobStore['start'];
  cancel(key: string): void;
  dismiss(key: string): void;
}

/** Every run, plus the store's actions. */
export function useJobs(): Jobs {
  const store = useJobStore();
  const runs = useSyncExternalStore(store.subscribe, () => store.list());
  return useMemo(
    () => ({
      runs,
      get: store.get.bind(store),
      start: store.start.bind(store),
      cancel: (k: string) => store.cancel(k),
      dismiss: (k: string) => store.dismiss(k),
    }),
    [runs, store],
  );
}
