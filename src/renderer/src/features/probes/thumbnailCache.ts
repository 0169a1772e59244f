import type { Api } from '../../api';
import { isCancelled } from '../../lib/errors';
import { FrameNotifier } from '../../lib/notifier';

/**
 * Thumbnails (data URLs) by image id, fetched in batches for the ids a view currently shows. A batch
 * whose ids have all scrolled out of view is cancelled; missing ids are fetched as batches finish
 * (at most `concurrency` in flight). Bounded: the oldest entries not in view are evicted.
 */
export class ThumbnailCache extends FrameNotifier {
  private urls = new Map<number, string>();
  private failures = new Map<number, string>();
  private inflight = new Map<AbortController, number[]>();
  private pending = new Set<number>();
  private wanted: number[] = [];
  private wantedSet = new Set<number>();
  /** Completed batch requests; tests and the status line read it. */
  requests = 0;

  constructor(
    private readonly api: Api,
    readonly size = 96,
    private readonly batch = 120,
    private readonly concurrency = 2,
    private readonly capacity = 6000,
  ) {
    super();
  }

  get(id: number): string | undefined {
    return this.urls.get(id);
  }

  failure(id: number): string | undefined {
    return this.failures.get(id);
  }

  /**
   * The ids in view now (in display order); replaces the previous wish list. Batches none of whose ids
   * are in view are cancelled. With `fetch: false` (during a fast scroll) nothing new is requested yet.
   */
  want(ids: number[], { fetch = true }: { fetch?: boolean } = {}): void {
    this.wanted = ids;
    this.wantedSet = new Set(ids);
    for (const [ctrl, batchIds] of this.inflight) {
      if (!batchIds.some((id) => this.wantedSet.has(id))) {
        ctrl.abort();
        this.inflight.delete(ctrl);
        for (const id of batchIds) this.pending.delete(id);
      }
    }
    if (fetch) this.pump();
    else this.wanted = [];
  }

  cancelAll(): void {
    for (const c of this.inflight.keys()) c.abort();
    this.inflight.clear();
    this.pending.clear();
    this.cancel();
  }

  private pump(): void {
    if (this.inflight.size >= this.concurrency) return;
    const missing = this.wanted.filter((id) => !this.urls.has(id) && !this.failures.has(id) && !this.pending.has(id));
    while (missing.length > 0 && this.inflight.size < this.concurrency) void this.fetch(missing.splice(0, this.batch));
  }

  private async fetch(ids: number[]): Promise<void> {
    const ctrl = new AbortController();
    this.inflight.set(ctrl, ids);
    for (const id of ids) this.pending.add(id);
    try {
      const res = await this.api.call('probe.thumbnails', { imageIds: ids, size: this.size }, { signal: ctrl.signal });
      if (ctrl.signal.aborted) return;
      for (const t of res) {
        if (t.dataUrl) this.urls.set(t.id, t.dataUrl);
        else this.failures.set(t.id, t.error ?? 'no thumbnail');
      }
      this.requests++;
      this.evict();
    } catch (e) {
      if (ctrl.signal.aborted || isCancelled(e)) return;
      const msg = e instanceof Error ? e.message : String(e);
      for (const id of ids) this.failures.set(id, msg);
    } finally {
      if (this.inflight.get(ctrl) === ids) {
        this.inflight.delete(ctrl);
        for (const id of ids) this.pending.delete(id);
      }
    }
    this.notify();
    this.pump();
  }

  private evict(): void {
    if (this.urls.size <= this.capacity) return;
    for (const id of this.urls.keys()) {
      if (this.urls.size <= this.capacity * 0.8) break;
      if (!this.wantedSet.has(id)) this.urls.delete(id);
    }
  }
}
