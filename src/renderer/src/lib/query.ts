import { useMemo } from 'react';
import { keepPreviousData, QueryClient, useMutation, useQueries, useQuery, useQueryClient, type Query } from '@tanstack/react-query';
import { useApp } from './appContext';
import { FEATURES, featureOf, type Feature, type In, type JobMethod, type Out, type PlainMethod } from './contract';
import { toShownError, type ShownError } from './errors';

// The renderer's one data layer (TanStack Query). Every read of backend data is a query keyed by [method, input],
// made through useContractQuery; every call that changes project data is a mutation (useContractMutation) that
// names the features it changes. When a mutation succeeds or a job ends, the queries of the changed features and
// of the features that read them are invalidated: mounted ones refetch, the others refetch when next mounted.
// No screen keeps a reload counter.

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // A local backend: errors are real (no retries), data changes only through this app (no refetch on focus),
      // and a screen that mounts re-reads what it shows (staleTime 0) while showing the cached answer first.
      queries: { retry: false, refetchOnWindowFocus: false, refetchOnReconnect: false, staleTime: 0 },
      mutations: { retry: false },
    },
  });
}

/** A query's key: the method and its input, as sent. */
export type ContractKey<K extends PlainMethod> = readonly [K, In<K>];

export function contractKey<K extends PlainMethod>(method: K, input: In<K>): ContractKey<K> {
  return [method, input] as const;
}

/** What a screen reads from a query. `data` stays on the previous answer while a new input loads (like a table re-sorting). */
export interface Loaded<T> {
  data: T | null;
  error: ShownError | null;
  /** A request for this input (or a refetch) is in flight. */
  loading: boolean;
  /** `data` answers an earlier input; the current one is still loading. */
  stale: boolean;
  refetch(): void;
}

export interface QueryOptions<T> {
  /** Keep showing the previous input's data while the new input loads (default true). */
  keepPrevious?: boolean;
  /** Poll every n ms, or decide from the last answer (e.g. the job list, faster while something runs). */
  refetchInterval?: number | false | ((data: T | undefined) => number | false);
}

/**
 * Read `method` with `input` (null: nothing to read yet). The request carries an abort signal: a query nobody
 * shows any more (a page scrolled away, an input typed over) is cancelled in the backend too.
 */
export function useContractQuery<K extends PlainMethod>(
  method: K,
  input: In<K> | null,
  options: QueryOptions<Out<K>> = {},
): Loaded<Out<K>> {
  const { api } = useApp();
  const interval = options.refetchInterval;
  const q = useQuery({
    queryKey: [method, input ?? null],
    queryFn: ({ signal }) => api.call(method, input as In<K>, { signal }),
    enabled: input !== null,
    placeholderData: options.keepPrevious === false ? undefined : keepPreviousData,
    refetchInterval: typeof interval === 'function' ? (query) => interval(query.state.data as Out<K> | undefined) : interval,
  });
  const error = useMemo(() => (q.error ? toShownError(q.error) : null), [q.error]);
  const { refetch } = q;
  return useMemo(
    () =>
      input === null
        ? { data: null, error: null, loading: false, stale: false, refetch: () => undefined }
        : { data: q.data ?? null, error, loading: q.isFetching, stale: q.isPlaceholderData, refetch: () => void refetch() },
    // `input` itself is compared through the query's state: the same key gives the same data and flags.
    [input === null, q.data, error, q.isFetching, q.isPlaceholderData, refetch],
  );
}

/** Read `method` once per input (a list that may change length): the answers in input order, null while loading. */
export function useContractQueries<K extends PlainMethod>(method: K, inputs: readonly In<K>[]): (Out<K> | null)[] {
  const { api } = useApp();
  const results = useQueries({
    queries: inputs.map((input) => ({
      queryKey: [method, input],
      queryFn: ({ signal }: { signal: AbortSignal }) => api.call(method, input, { signal }),
    })),
  });
  return results.map((r) => (r.data as Out<K> | undefined) ?? null);
}

/**
 * Who reads whose data: a change in a feature also makes stale what the features listed under it show (an import
 * changes probe sets, which the models, concepts, explanations and ablation screens name and use).
 */
const READERS: Record<Feature, readonly Feature[]> = {
  project: [],
  probes: ['models', 'concepts', 'explanations', 'ablation', 'reports'],
  jobs: [],
  models: ['explanations', 'ablation', 'reports'],
  concepts: ['explanations', 'ablation', 'reports'],
  explanations: ['ablation', 'reports', 'dissect', 'compare'],
  ablation: ['reports', 'compare'],
  // Reports read every feature's results (their sections and preview); bookmarks are declared with them.
  reports: [],
  // The generative cache of the project feeds Describe-and-Dissect's chains.
  describers: ['dissect'],
  // DnD / CLIP-Dissect runs are explain runs (changed through 'explanations'); the comparisons read every run.
  dissect: ['compare', 'reports'],
  compare: [],
  // Studies freeze their labels: the reports and the Compare methods screen's ratings summary read them.
  ratings: ['reports', 'compare'],
  // Cluster jobs and their status: read by the Jobs screen only (a merge names the features it fills).
  cluster: [],
};

/** `changed` and every feature that reads them, transitively. */
export function affectedFeatures(changed: readonly Feature[] | 'all'): Set<Feature> {
  if (changed === 'all') return new Set(FEATURES);
  const out = new Set<Feature>();
  const visit = (f: Feature) => {
    if (out.has(f)) return;
    out.add(f);
    READERS[f].forEach(visit);
  };
  changed.forEach(visit);
  return out;
}

/** Invalidate the queries of `changed` features and of their readers; resolves when the mounted ones have refetched. */
export function invalidateFeatures(client: QueryClient, changed: readonly Feature[] | 'all'): Promise<void> {
  const hit = affectedFeatures(changed);
  return client.invalidateQueries({
    predicate: (q: Query) => {
      const f = featureOf(String(q.queryKey[0]));
      return f !== undefined && hit.has(f);
    },
  });
}

/** What each job changes when it ends (whatever the outcome: a cancelled run keeps its finished blocks). */
export const JOB_CHANGES: Record<JobMethod, readonly Feature[] | 'all'> = {
  'probe.import': ['probes'],
  // The resumed job can be of any kind.
  'jobs.resume': 'all',
  'activations.extract': ['models'],
  'explain.run': ['explanations'],
  'ablation.run': ['ablation'],
  'topimpact.run': ['ablation'],
  'encoder.embed': ['concepts'],
  'calibration.run': ['concepts'],
  'conceptSet.filter': ['concepts'],
  'simulate.run': ['concepts', 'explanations'],
  // Writes a file, nothing in the project.
  'report.export': [],
  // The library file is app-wide; the caches are the project's.
  'describer.add': ['describers'],
  'describer.check': ['describers'],
  'caption.run': ['describers'],
  'lm.complete': ['describers'],
  'generate.images': ['describers'],
  'dnd.run': ['explanations'],
  'clipDissect.run': ['explanations'],
};

/** Write a query's answer into the cache now (e.g. the saved value a mutation returned), before its refetch lands. */
export function useSetQueryData(): <K extends PlainMethod>(
  method: K,
  input: In<K>,
  update: (old: Out<K> | undefined) => Out<K> | undefined,
) => void {
  const client = useQueryClient();
  return useMemo(
    () =>
      <K extends PlainMethod>(method: K, input: In<K>, update: (old: Out<K> | undefined) => Out<K> | undefined) => {
        client.setQueryData<Out<K>>([method, input], update);
      },
    [client],
  );
}

export function useInvalidate(): (changed: readonly Feature[] | 'all') => Promise<void> {
  const client = useQueryClient();
  return useMemo(() => (changed: readonly Feature[] | 'all') => invalidateFeatures(client, changed), [client]);
}

export interface Mutation<K extends PlainMethod> {
  /** Call the method; rejects with the backend's error (AppError) like api.call. */
  run(input: In<K>): Promise<Out<K>>;
  busy: boolean;
}

/**
 * A call that changes project data. On success the queries of `changes` (and of their readers) are invalidated
 * before `run` resolves its output; the refetch itself is not awaited, so a caller may navigate at once.
 */
export function useContractMutation<K extends PlainMethod>(
  method: K,
  options: { changes: readonly Feature[] | 'all' | 'nothing' },
): Mutation<K> {
  const { api } = useApp();
  const client = useQueryClient();
  const { changes } = options;
  const m = useMutation({
    mutationFn: (input: In<K>) => api.call(method, input),
    onSuccess: () => {
      if (changes !== 'nothing') void invalidateFeatures(client, changes);
    },
  });
  const { mutateAsync, isPending } = m;
  return useMemo(() => ({ run: (input: In<K>) => mutateAsync(input), busy: isPending }), [mutateAsync, isPending]);
}
