import { useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { ErrorBox } from '../../components/ErrorBox';
import type { In } from '../../lib/contract';
import { formatCount } from '../../lib/format';
import { usePagedQuery } from '../../lib/pagedQuery';
import { useDebounced } from '../../lib/useDebounced';
import { ConceptHits } from './ConceptHits';
import { formatCorr, runMethodLabel } from './format';
import { runSimulatorKey, useSimulatorNamer } from './simulators';
import type { RunInfo } from './types';

/** Estimated row height (two lines of explanation); rows are measured, an expanded one grows. */
const ROW_H = 44;
/** Rows per explain.results request. */
const PAGE_SIZE = 500;
/** explanations.css .results-row grid-template-columns; simulator columns are appended to it. */
const BASE_GRID = '3.25rem minmax(10rem, 1fr) 2rem 3.75rem 3.75rem 3.75rem 3.75rem';
type Query = Omit<In<'explain.results'>, 'offset' | 'limit'>;
type SortKey = NonNullable<Query['sort']>['by'];
interface Sort {
  by: SortKey;
  dir: 'asc' | 'desc';
}

const COLUMNS: Array<{ key: SortKey | null; label: string; title: string; num: boolean; sim?: boolean }> = [
  { key: 'neuron', label: 'Unit', title: 'Unit index in the layer', num: true },
  { key: null, label: 'Explanation (LE)', title: 'weight x concept terms and the bias', num: false },
  { key: 'length', label: 'Len', title: 'Number of concepts', num: true },
  { key: 'valCorrelation', label: 'Val r', title: 'Pearson correlation, simulated vs true, val split', num: true, sim: true },
  {
    key: 'testCorrelation',
    label: 'Test r',
    title: 'Pearson correlation, simulated vs true, test split (the score)',
    num: true,
    sim: true,
  },
  { key: 'bestConceptTest', label: 'Best concept', title: 'Baseline: the single best concept, test r', num: true, sim: true },
  { key: 'top5Test', label: 'Top-5', title: 'Baseline: top-5 concepts without search, test r', num: true, sim: true },
];

/** A run's results: one row per neuron, sortable (server side), filter by concept, search, virtualised rows. */
/** A query as the table's data-query attribute shows it (tests wait for it): "sort:dir|concept|search|all or live". */
function queryTag(json: string): string {
  if (!json) return '';
  const q = JSON.parse(json) as Query;
  return `${q.sort?.by}:${q.sort?.dir}|${q.concept ?? ''}|${q.search ?? ''}|${q.includeDead === false ? 'live' : 'all'}`;
}

export function ResultsTable({ run, onOpen }: { run: RunInfo; onOpen: (neuron: number) => void }) {
  const runId = run.id;
  const name = useSimulatorNamer();
  const own = runSimulatorKey(run);
  const ownName = name(own, own);
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
  const [sort, setSort] = useState<Sort>({ by: 'neuron', dir: 'asc' });
  const [concept, setConcept] = useState('');
  const [search, setSearch] = useState('');
  const [hideDead, setHideDead] = useState(false);
  const dConcept = useDebounced(concept.trim());
  const dSearch = useDebounced(search.trim());
  // Pages of 500 rows as the virtual table scrolls; re-read when the run's results change (a finished block, a simulator).
  const page = usePagedQuery(
    'explain.results',
    { runId, sort, ...(dConcept ? { concept: dConcept } : {}), ...(dSearch ? { search: dSearch } : {}), includeDead: !hideDead },
    PAGE_SIZE,
  );
  const total = page.total ?? 0;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: total, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_H, overscan: 8 });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  const { need } = page;
  useEffect(() => {
    if (total > 0) need(first, last);
  }, [need, first, last, total]);

  // One extra column per image-text simulator the run was scored with (names from a loaded row; dead ones have none).
  const sims = items.map((v) => page.row(v.index)?.simulated).find((s) => s && s.length > 0) ?? [];
  const gridStyle = sims.length ? { gridTemplateColumns: `${BASE_GRID} ${sims.map(() => '3.75rem').join(' ')}` } : undefined;
  function toggleExpanded(n: number) {
    setExpanded((old) => {
      const next = new Set(old);
      if (next.has(n)) next.delete(n);
      else next.add(n);
      return next;
    });
  }

  function toggle(key: SortKey) {
    setSort((s) =>
      s.by === key ? { by: key, dir: s.dir === 'desc' ? 'asc' : 'desc' } : { by: key, dir: key === 'neuron' ? 'asc' : 'desc' },
    );
  }

  return (
    <section
      className="card results"
      data-testid="results"
      data-total={page.total ?? ''}
      data-loading={page.loading}
      data-query={queryTag(page.shownKey)}
    >
      <div className="results-tools">
        <input
          type="search"
          placeholder="Uses concept… e.g. footwear"
          value={concept}
          onChange={(e) => setConcept(e.target.value)}
          aria-label="Filter by concept"
          data-testid="results-concept"
        />
        <input
          type="search"
          placeholder="Search: neuron number or text"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          aria-label="Search results"
          data-testid="results-search"
        />
        <label className="inline-field">
          <input type="checkbox" checked={hideDead} onChange={(e) => setHideDead(e.target.checked)} data-testid="results-hide-dead" /> hide
          dead
        </label>
        <span className="hint" data-testid="results-count">
          {page.total === null ? 'Loading…' : `${formatCount(page.total)} neuron${page.total === 1 ? '' : 's'}`}
        </span>
      </div>
      {dConcept && <ConceptHits runId={runId} text={dConcept} onOpen={onOpen} />}
      <ErrorBox error={page.error} />
      <div className="results-table" role="table" aria-label="Explanation results" aria-rowcount={total + 1}>
        <div className="results-row results-group" role="row" style={gridStyle}>
          <div role="columnheader" className="results-group-lead" />
          <div
            role="columnheader"
            className="results-group-sim"
            data-testid="col-simulator"
            title={`Val r, Test r and the baselines' test r are correlations under the ${ownName}`}
          >
            scored by: {ownName}
          </div>
          {sims.map((sm) => (
            <div
              key={sm.simulator}
              role="columnheader"
              className="results-group-other"
              data-testid="col-other-simulator"
              title={`Test correlation of the explanation under the image-text simulator ${sm.name}`}
            >
              {name(sm.simulator, own)}
            </div>
          ))}
        </div>
        <div className="results-row results-head" role="row" style={gridStyle}>
          {COLUMNS.map((c) => (
            <div
              key={c.label}
              role="columnheader"
              className={c.num ? 'num' : ''}
              aria-sort={c.key && sort.by === c.key ? (sort.dir === 'desc' ? 'descending' : 'ascending') : undefined}
            >
              {c.key ? (
                <button
                  type="button"
                  className="link sort-button"
                  title={c.sim ? `${c.title} (${ownName})` : c.title}
                  onClick={() => c.key && toggle(c.key)}
                  data-testid={`rsort-${c.key}`}
                >
                  {c.label}
                  {sort.by === c.key ? (sort.dir === 'desc' ? ' ↓' : ' ↑') : ''}
                </button>
              ) : (
                <span className="sort-button head-label" title={c.title}>
                  {/* DnD and CLIP-Dissect explain with labels, not LE's weighted terms. */}
                  {run.method === 'dnd' || run.method === 'clip_dissect' ? `Label (${runMethodLabel(run)})` : c.label}
                </span>
              )}
            </div>
          ))}
          {sims.map((sm) => (
            <div key={sm.simulator} role="columnheader" className="num">
              <span
                className="sort-button head-label"
                title={`Test correlation of the explanation under the image-text simulator ${sm.name}`}
              >
                Test r
              </span>
            </div>
          ))}
        </div>
        <div className="results-scroll" ref={scrollRef} data-testid="results-scroll">
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((v) => {
              const r = page.row(v.index);
              if (!r)
                return (
                  <div
                    key={`p${v.index}`}
                    role="row"
                    className="results-row placeholder"
                    style={{ ...gridStyle, minHeight: ROW_H, transform: `translateY(${v.start}px)` }}
                    ref={virtualizer.measureElement}
                    data-index={v.index}
                  >
                    <div role="cell" className="num mono hint">
                      …
                    </div>
                  </div>
                );
              return (
                <div
                  key={r.neuron}
                  role="row"
                  tabIndex={0}
                  className={`results-row${r.dead ? ' dead' : ''}${expanded.has(r.neuron) ? ' expanded' : ''}`}
                  style={{ ...gridStyle, minHeight: ROW_H, transform: `translateY(${v.start}px)` }}
                  ref={virtualizer.measureElement}
                  data-index={v.index}
                  onClick={() => onOpen(r.neuron)}
                  onKeyDown={(e) => e.key === 'Enter' && onOpen(r.neuron)}
                  data-testid="result-row"
                  data-neuron={r.neuron}
                  data-dead={r.dead}
                >
                  <div role="cell" className="num mono">
                    {r.neuron}
                  </div>
                  <div role="cell" className="expl-cell">
                    <span className="expl-text" title={r.text} data-testid="result-text">
                      {r.dead ? <span className="badge badge-dead">dead</span> : r.text}
                    </span>
                    {!r.dead && r.terms.length > 2 && (
                      <button
                        type="button"
                        className="link expl-more"
                        aria-expanded={expanded.has(r.neuron)}
                        onClick={(e) => {
                          e.stopPropagation();
                          toggleExpanded(r.neuron);
                        }}
                        data-testid="result-expand"
                      >
                        {expanded.has(r.neuron) ? 'less' : 'more'}
                      </button>
                    )}
                  </div>
                  <div role="cell" className="num">
                    {r.length}
                  </div>
                  <div role="cell" className="num">
                    {formatCorr(r.valCorrelation)}
                  </div>
                  <div role="cell" className="num strong" data-testid="result-test" data-value={r.testCorrelation ?? ''}>
                    {formatCorr(r.testCorrelation)}
                  </div>
                  <div role="cell" className="num" title={r.bestConcept?.text}>
                    {formatCorr(r.bestConcept?.testCorrelation)}
                  </div>
                  <div role="cell" className="num" title={r.top5?.text}>
                    {formatCorr(r.top5?.testCorrelation)}
                  </div>
                  {sims.map((sm) => {
                    const v = r.simulated?.find((x) => x.simulator === sm.simulator)?.testCorrelation;
                    return (
                      <div
                        key={sm.simulator}
                        role="cell"
                        className="num"
                        data-testid="result-sim"
                        data-simulator={sm.name}
                        data-value={v ?? ''}
                      >
                        {formatCorr(v)}
                      </div>
                    );
                  })}
                </div>
              );
            })}
          </div>
        </div>
      </div>
    </section>
  );
}
