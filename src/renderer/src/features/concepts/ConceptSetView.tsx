import { useEffect, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useContractQuery } from '../../lib/query';
import { formatCount } from '../../lib/format';

const PAGE = 200;

/** One concept set's concepts, a page at a time, with a substring search. */
export function ConceptSetView({ conceptSetId }: { conceptSetId: number }) {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [offset, setOffset] = useState(0);
  useEffect(() => {
    const t = window.setTimeout(() => {
      setQuery(search.trim());
      setOffset(0);
    }, 250);
    return () => window.clearTimeout(t);
  }, [search]);
  const page = useContractQuery('conceptSet.get', { conceptSetId, offset, limit: PAGE, ...(query ? { search: query } : {}) });
  const total = page.data?.total ?? 0;
  return (
    <div className="stack" data-testid="conceptset-view" data-id={conceptSetId} data-total={page.data?.total ?? ''}>
      <div className="results-tools">
        <h4>{page.data?.set.name ?? 'Concept set'}</h4>
        <input
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder="Search concepts…"
          aria-label="Search concepts"
          data-testid="conceptset-search"
        />
        <span className="hint">
          {page.data
            ? `${formatCount(total)} ${query ? 'matching' : 'concepts'}${total > PAGE ? ` · ${offset + 1}–${Math.min(offset + PAGE, total)}` : ''}`
            : 'Loading…'}
        </span>
        {total > PAGE && (
          <span className="inline-field">
            <button
              type="button"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE))}
              data-testid="conceptset-prev"
            >
              ← Previous
            </button>
            <button type="button" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)} data-testid="conceptset-next">
              Next →
            </button>
          </span>
        )}
      </div>
      <ErrorBox error={page.error} />
      {page.data && (
        <ul className="chip-list" data-testid="conceptset-concepts">
          {page.data.concepts.map((c, i) => (
            <li key={`${offset + i}:${c}`} className="chip">
              {c}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
