import { useEffect, useState } from 'react';
import { toShownError, type ShownError } from './errors';

export interface Loaded<T> {
  data: T | null;
  error: ShownError | null;
  loading: boolean;
}

/** Run `load` whenever `deps` change; stale answers are dropped. `load` null = nothing to load. */
export function useLoad<T>(load: (() => Promise<T>) | null, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: load !== null });
  useEffect(() => {
    if (!load) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (e: unknown) => live && setState({ data: null, error: toShownError(e), loading: false }),
    );
    return () => {
      live = false;
    };
  }, deps);
  return state;
}
