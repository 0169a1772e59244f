import { useCallback, useEffect, useRef, useState } from 'react';
import type { Api } from '../../api';
import { toShownError, type ShownError } from '../../lib/errors';
import type { In } from '../../lib/types';
import type { ResultRow } from './types';

export const PAGE_SIZE = 500;
type Query = Omit<In<'explain.results'>, 'offset' | 'limit'>;

export interface PagedResults {
  /** The query key whose rows are shown ('' before the first page). */
  shownKey: string;
  total: number | null;
  row(i: number): ResultRow | undefined;
  /** Ask for the pages covering rows [from, to]. */
  need(from: number, to: number): void;
  loading: boolean;
  error: ShownError | null;
}

/** A run's results fetched page by page (500 rows) as the virtual table scrolls; a new query starts over. */
export function usePagedResults(api: Api, query: Query, key: string): PagedResults {
  const [pages, setPages] = useState<{ key: string; total: number | null; rows: Map<number, ResultRow[]> }>({ key: '', total: null, rows: new Map() });
  const [error, setError] = useState<ShownError | null>(null);
  const [inflight, setInflight] = useState(0);
  const asked = useRef(new Set<string>());
  const queryRef = useRef(query);
  const keyRef = useRef(key);
  useEffect(() => {
    queryRef.current = query;
    keyRef.current = key;
  });

  const fetchPage = useCallback(
    (page: number) => {
      const k = keyRef.current;
      const tag = `${k}#${page}`;
      if (asked.current.has(tag)) return;
      asked.current.add(tag);
      setInflight((n) => n + 1);
      api
        .call('explain.results', { ...queryRef.current, offset: page * PAGE_SIZE, limit: PAGE_SIZE })
        .then(
          (r) => {
            if (keyRef.current !== k) return;
            setError(null);
            setPages((prev) => {
              const rows = prev.key === k ? new Map(prev.rows) : new Map<number, ResultRow[]>();
              rows.set(page, r.rows);
              return { key: k, total: r.total, rows };
            });
          },
          (e: unknown) => {
            asked.current.delete(tag);
            if (keyRef.current === k) setError(toShownError(e));
          },
        )
        .finally(() => setInflight((n) => n - 1));
    },
    [api],
  );

  useEffect(() => {
    asked.current.clear();
    fetchPage(0);
  }, [key, fetchPage]);

  const current = pages.key === key;
  const need = useCallback(
    (from: number, to: number) => {
      for (let p = Math.floor(Math.max(0, from) / PAGE_SIZE); p <= Math.floor(Math.max(0, to) / PAGE_SIZE); p++) fetchPage(p);
    },
    [fetchPage],
  );
  return {
    shownKey: pages.key,
    total: pages.total,
    row: (i) => pages.rows.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE],
    need,
    loading: inflight > 0 || !current,
    error,
  };
}
