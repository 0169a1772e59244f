import type { Api } from '../../api';
import { isCancelled, toShownError, type ShownError } from '../../lib/errors';
import { FrameNotifier } from '../../lib/notifier';
import type { ImageRow } from '../../lib/types';

/**
 * Lazily loaded rows of one probe set (optionally one label), page by page, for a virtual list that may
 * cover 100k images: only pages the view asks for are fetched, and requests for pages scrolled far
 * away are cancelled.
 */
export class ImagePages extends FrameNotifier {
  total: number | null = null;
  error: ShownError | null = null;
  /** Bumped whenever a page arrives; views use it as an effect dependency. */
  version = 0;
  private pages = new Map<number, ImageRow[]>();
  private inflight = new Map<number, AbortController>();

  constructor(
    private readonly api: Api,
    private readonly probeSetId: number,
    private readonly labelId: number | null,
    readonly pageSize = 300,
  ) {
    super();
  }

  row(index: number): ImageRow | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /** Make sure rows [start, end) are loaded or loading; cancel loads of pages far outside it. */
  ensure(start: number, end: number): void {
    const first = Math.floor(start / this.pageSize);
    const last = Math.max(first, Math.floor(Math.max(start, end - 1) / this.pageSize));
    for (const [page, ctrl] of this.inflight) {
      if (page < first - 1 || page > last + 1) {
        ctrl.abort();
        this.inflight.delete(page);
      }
    }
    for (let page = first; page <= last; page++) {
      if (this.total !== null && page * this.pageSize >= this.total && page > 0) break;
      if (!this.pages.has(page) && !this.inflight.has(page)) void this.load(page);
    }
  }

  /** Abort everything in flight (unmount); the object stays usable. */
  cancelAll(): void {
    for (const c of this.inflight.values()) c.abort();
    this.inflight.clear();
    this.cancel();
  }

  private async load(page: number): Promise<void> {
    const ctrl = new AbortController();
    this.inflight.set(page, ctrl);
    try {
      const res = await this.api.call(
        'probe.images',
        {
          probeSetId: this.probeSetId,
          offset: page * this.pageSize,
          limit: this.pageSize,
          ...(this.labelId !== null ? { labelId: this.labelId } : {}),
        },
        { signal: ctrl.signal },
      );
      if (ctrl.signal.aborted) return;
      this.pages.set(page, res.rows);
      this.total = res.total;
      this.error = null;
    } catch (e) {
      if (ctrl.signal.aborted || isCancelled(e)) return;
      this.error = toShownError(e);
      if (this.total === null) this.total = 0;
    } finally {
      if (this.inflight.get(page) === ctrl) this.inflight.delete(page);
    }
    this.version++;
    this.notify();
  }
}
