import { useCallback, useMemo, useRef, useState } from 'react';
import { useQueries } from '@tanstack/react-query';
import { useApp } from './appContext';
import type { In, Out, PlainMethod } from './contract';
import { toShownError, type ShownError } from './errors';

// A long list read page by page for a virtual list (a run's results, a probe set's 100k images): only the pages
// around the rows in view are queries; each page is an ordinary query of the data layer, keyed by [method, input
// with offset and limit], so it is cached, invalidated with its feature, and cancelled when scrolled far away.

/** Methods that read one page of a list: input with offset and limit, output { total, rows }. */
export type PagedMethod = {
  [K in PlainMethod]: In<K> extends { offset?: number; limit?: number }
    ? Out<K> extends { total: number; rows: readonly unknown[] }
      ? K
      : never
    : never;
}[PlainMethod];

type RowOf<K extends PagedMethod> = Out<K>['rows'][number];
type Base<K extends PagedMethod> = Omit<In<K>, 'offset' | 'limit'>;

export interface Paged<R> {
  /** The query (JSON of the base input) whose rows are shown: the previous one until the new one's rows arrive. */
  shownKey: string;
  total: number | null;
  row(index: number): R | undefined;
  /** Ask for the pages covering rows [from, to]; pages outside are let go. */
  need(from: number, to: number): void;
  /** Changes whenever a page arrives (an effect dependency for work on loaded rows). */
  version: number;
  loading: boolean;
  error: ShownError | null;
}

interface Shown<R> {
  key: string;
  total: number | null;
  pages: Map<number, readonly R[]>;
}

export function usePagedQuery<K extends PagedMethod>(method: K, base: Base<K>, pageSize: number): Paged<RowOf<K>> {
  const { api } = useApp();
  const key = JSON.stringify(base);
  const [window, setWindow] = useState({ key, first: 0, last: 0 });
  const span = window.key === key ? window : { key, first: 0, last: 0 };
  const pageNumbers = useMemo(() => Array.from({ length: span.last - span.first + 1 }, (_, i) => span.first + i), [span.first, span.last]);
  const results = useQueries({
    queries: pageNumbers.map((page) => {
      const input = { ...(JSON.parse(key) as Base<K>), offset: page * pageSize, limit: pageSize } as unknown as In<K>;
      return {
        queryKey: [method, input],
        queryFn: ({ signal }: { signal: AbortSignal }) =>
          api.call(method, input, { signal }) as Promise<{ total: number; rows: readonly RowOf<K>[] }>,
      };
    }),
  });

  // The current query's pages; while it has none yet, the last query that had some stays on screen.
  let version = 0;
  let fetching = false;
  let error: unknown = null;
  for (const r of results) {
    version += r.dataUpdatedAt;
    fetching ||= r.isFetching;
    if (r.error && !error) error = r.error;
  }
  // Rebuilt only when a page's data changes (`version` stands for `results`), so `row` keeps its identity between renders.
  const current = useMemo<Shown<RowOf<K>>>(() => {
    const out: Shown<RowOf<K>> = { key, total: null, pages: new Map() };
    results.forEach((r, i) => {
      if (!r.data) return;
      out.pages.set(pageNumbers[i], r.data.rows);
      out.total = r.data.total;
    });
    return out;
  }, [version, key, pageNumbers]);
  const last = useRef<Shown<RowOf<K>> | null>(null);
  const hasRows = current.total !== null;
  if (hasRows) last.current = current;
  const shown = hasRows ? current : (last.current ?? current);

  const need = useCallback(
    (from: number, to: number) => {
      const first = Math.floor(Math.max(0, from) / pageSize);
      const lastPage = Math.max(first, Math.floor(Math.max(0, to) / pageSize));
      setWindow((w) => (w.key === key && w.first === first && w.last === lastPage ? w : { key, first, last: lastPage }));
    },
    [key, pageSize],
  );
  const shownError = useMemo(() => (error ? toShownError(error) : null), [error]);
  const { key: shownKey, total, pages } = shown;
  const row = useCallback((i: number) => pages.get(Math.floor(i / pageSize))?.[i % pageSize], [pages, pageSize]);
  return useMemo(
    () => ({ shownKey, total, row, need, version, loading: fetching || shownKey !== key, error: shownError }),
    [shownKey, total, row, need, version, fetching, key, shownError],
  );
}
