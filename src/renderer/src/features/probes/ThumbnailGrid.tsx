import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { usePagedQuery } from '../../lib/pagedQuery';
import type { ThumbnailCache } from './thumbnailCache';
import { formatCount } from '../../lib/format';
import { ErrorBox } from '../../components/ErrorBox';
import { ThumbnailCell } from './ThumbnailCell';
import { ImageDialog } from './ImageDialog';
import type { ImageRow } from '../../lib/types';

const GAP = 8;
const CAPTION = 18;
/** A range that holds still this long while scrolling gets its thumbnails (ms). */
const SETTLE_MS = 90;
/** Moving at most this many rows past the last fetched range counts as reading, not flinging. */
const SLOW_ROWS = 2;

/** Rows of a probe set per page request (probe.images). */
const PAGE_SIZE = 300;

/**
 * Virtualised image grid: rows of N columns (N from the width), only visible rows in the DOM, pages of
 * rows fetched for the visible range (pages scrolled far away are cancelled), thumbnails fetched for visible
 * ids only (ThumbnailCache).
 */
export function ThumbnailGrid({ probeSetId, labelId, thumbs }: { probeSetId: number; labelId: number | null; thumbs: ThumbnailCache }) {
  const pages = usePagedQuery('probe.images', { probeSetId, ...(labelId !== null ? { labelId } : {}) }, PAGE_SIZE);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [open, setOpen] = useState<ImageRow | null>(null);
  const closeDialog = useCallback(() => setOpen(null), []);

  useEffect(() => thumbs.subscribe(rerender), [thumbs]);

  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => setWidth(entry.contentRect.width));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const cell = thumbs.size + 8;
  const rowHeight = cell + CAPTION + GAP;
  const columns = Math.max(1, Math.floor((width + GAP) / (cell + GAP)));
  // Spread the columns over the whole width (each cell centres its thumbnail).
  const cellWidth = columns > 1 ? Math.floor((width - GAP * (columns - 1)) / columns) : cell;
  const total = pages.total ?? 0;
  const rowCount = Math.ceil(total / columns);

  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 3,
  });
  const items = virtualizer.getVirtualItems();
  const first = items.length ? items[0].index * columns : 0;
  const end = items.length ? Math.min(total, (items[items.length - 1].index + 1) * columns) : 0;

  // Rows for the visible range (page 0 first: it tells the total).
  const { need, row: rowAt } = pages;
  useEffect(() => {
    need(first, Math.max(end, first + 1) - 1);
  }, [need, first, end]);

  // Thumbnails for the visible ids only, once their rows are known. A slow scroll (at most SLOW_ROWS rows
  // past the last range fetched) loads as it goes; in a fling the range jumps many rows per frame, so
  // stale batches are cancelled at once and new ones wait until the range holds still for SETTLE_MS.
  const version = pages.version;
  const scrolling = virtualizer.isScrolling;
  const fetched = useRef({ first: 0, end: 0 });
  useEffect(() => {
    const ids: number[] = [];
    for (let i = first; i < end; i++) {
      const r = rowAt(i);
      if (r) ids.push(r.id);
    }
    const request = () => {
      fetched.current = { first, end };
      thumbs.want(ids);
    };
    const slow = Math.abs(first - fetched.current.first) <= SLOW_ROWS * columns;
    if (!scrolling || slow) {
      request();
      return;
    }
    thumbs.want(ids, { fetch: false });
    const t = window.setTimeout(request, SETTLE_MS);
    return () => window.clearTimeout(t);
  }, [rowAt, thumbs, first, end, version, scrolling, columns]);

  useEffect(() => {
    virtualizer.measure();
  }, [virtualizer, rowHeight, columns]);

  return (
    <div className="thumb-grid-wrap">
      <div className="thumb-grid-status hint" data-testid="grid-total">
        {pages.total === null ? 'Loading…' : `${formatCount(total)} image${total === 1 ? '' : 's'}`}
      </div>
      <ErrorBox error={pages.error} />
      <div ref={scrollRef} className="thumb-grid" data-testid="thumb-grid" tabIndex={0} aria-label="Image thumbnails">
        {pages.total === 0 && !pages.error && <p className="hint">No images.</p>}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}>
          {items.map((row) => (
            <div
              key={row.key}
              className="thumb-row"
              style={{ transform: `translateY(${row.start}px)`, height: rowHeight, gap: GAP }}
              data-row={row.index}
            >
              {Array.from({ length: columns }, (_, c) => {
                const index = row.index * columns + c;
                if (index >= total) return null;
                const image = pages.row(index);
                return (
                  <ThumbnailCell
                    key={index}
                    image={image}
                    size={thumbs.size}
                    width={cellWidth}
                    url={image ? thumbs.get(image.id) : undefined}
                    failure={image ? thumbs.failure(image.id) : undefined}
                    onOpen={setOpen}
                  />
                );
              })}
            </div>
          ))}
        </div>
      </div>
      {open && <ImageDialog image={open} onClose={closeDialog} />}
    </div>
  );
}
