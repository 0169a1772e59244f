import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { NeuronStat } from '../../../../shared/contract';
import { formatShare, formatValue } from '../../lib/format';
import { sortStats, type Sort, type SortKey } from './neuronSort';

const ROW_H = 30;

const COLUMNS: Array<{ key: SortKey; label: string; title: string; num: boolean }> = [
  { key: 'neuron', label: 'Neuron', title: 'Index of the unit in this layer', num: true },
  { key: 'max', label: 'Max', title: 'Largest activation over the probe set', num: true },
  { key: 'mean', label: 'Mean', title: 'Average activation over the probe set', num: true },
  { key: 'std', label: 'Std', title: 'Standard deviation over the probe set', num: true },
  { key: 'min', label: 'Min', title: 'Smallest activation over the probe set', num: true },
  { key: 'zeroShare', label: 'Zeros', title: 'Share of images where the activation is exactly 0', num: true },
  {
    key: 'dead',
    label: 'Dead?',
    title: 'Dead: max below 0.01 on every probe image. Non-finite: some values were NaN or ±Infinity (stats use the finite ones)',
    num: false,
  },
];

/**
 * All neurons of an activation set, sortable by any column, virtualised (only visible rows are in the
 * DOM, so 50k-unit layers scroll smoothly). Dead rows are flagged; click or arrow keys choose a neuron.
 */
export function NeuronStatsTable({
  stats,
  selected,
  onSelect,
  unitHref,
}: {
  stats: NeuronStat[];
  selected: number | null;
  onSelect: (n: number) => void;
  /** The unit page of a neuron: its number in each row links there (a click elsewhere on the row selects it). */
  unitHref: (n: number) => string;
}) {
  const [sort, setSort] = useState<Sort>({ key: 'neuron', desc: false });
  const rows = useMemo(() => sortStats(stats, sort), [stats, sort]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    overscan: 8,
  });

  function toggle(key: SortKey) {
    // Value columns start with the largest first: that is what one looks for.
    setSort((s) => (s.key === key ? { key, desc: !s.desc } : { key, desc: key !== 'neuron' }));
  }

  function onKey(e: KeyboardEvent) {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const at = rows.findIndex((r) => r.neuron === selected);
    const next = Math.max(0, Math.min(rows.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)));
    onSelect(rows[next].neuron);
    virtualizer.scrollToIndex(next);
  }

  return (
    <div className="neuron-table" role="table" aria-label="Neuron statistics" aria-rowcount={rows.length + 1} data-testid="neuron-table">
      <div className="neuron-row neuron-head" role="row">
        {COLUMNS.map((c) => (
          <div
            key={c.key}
            role="columnheader"
            className={c.num ? 'num' : ''}
            aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}
          >
            <button type="button" className="link sort-button" title={c.title} onClick={() => toggle(c.key)} data-testid={`sort-${c.key}`}>
              {c.label}
              {sort.key === c.key ? (sort.desc ? ' ↓' : ' ↑') : ''}
            </button>
          </div>
        ))}
      </div>
      <div
        className="neuron-scroll"
        ref={scrollRef}
        tabIndex={0}
        onKeyDown={onKey}
        aria-label="Neurons (arrow keys move)"
        data-testid="neuron-scroll"
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((v) => {
            const s = rows[v.index];
            return (
              <div
                key={s.neuron}
                role="row"
                aria-rowindex={v.index + 2}
                aria-selected={s.neuron === selected}
                className={`neuron-row${s.dead ? ' dead' : ''}${s.neuron === selected ? ' selected' : ''}`}
                style={{ height: ROW_H, transform: `translateY(${v.start}px)` }}
                onClick={() => onSelect(s.neuron)}
                data-testid={`neuron-stats-${s.neuron}`}
                data-dead={s.dead}
                data-nonfinite={s.nonFinite}
              >
                <div role="cell" className="num mono">
                  <a
                    href={unitHref(s.neuron)}
                    onClick={(e) => e.stopPropagation()}
                    title={`Open unit ${s.neuron}'s page`}
                    data-testid="stats-unit-link"
                  >
                    {s.neuron}
                  </a>
                </div>
                <div role="cell" className="num" data-testid="stat-max" data-value={s.max}>
                  {formatValue(s.max)}
                </div>
                <div role="cell" className="num" data-testid="stat-mean" data-value={s.mean}>
                  {formatValue(s.mean)}
                </div>
                <div role="cell" className="num">
                  {formatValue(s.std)}
                </div>
                <div role="cell" className="num">
                  {formatValue(s.min)}
                </div>
                <div role="cell" className="num">
                  {formatShare(s.zeroShare)}
                </div>
                <div role="cell">
                  {s.dead && <span className="badge badge-dead">dead</span>}
                  {s.nonFinite > 0 && (
                    <span
                      className="badge badge-nonfinite"
                      title={`${s.nonFinite} values were NaN or ±Infinity; the stats use the finite ones`}
                      data-testid="nonfinite-badge"
                    >
                      non-finite
                    </span>
                  )}
                  {!s.dead && s.nonFinite === 0 && <span className="hint">—</span>}
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
