// Time left from the rate so far. The rate is exponentially smoothed so one slow batch (a big file, a
// disk hiccup) does not swing the estimate, and samples closer than `minIntervalMs` are merged so bursts
// of fast batches (e.g. unchanged files on resume) do not produce absurd instantaneous rates.

export interface EtaOptions {
  /** Weight of the newest rate sample, 0..1. Default 0.3. */
  smoothing?: number;
  /** Samples closer together than this are merged. Default 250 ms. */
  minIntervalMs?: number;
}

export class EtaEstimator {
  private readonly alpha: number;
  private readonly minIntervalMs: number;
  private rate: number | undefined;
  private lastDone: number | undefined;
  private lastMs = 0;

  constructor(opts: EtaOptions = {}) {
    this.alpha = opts.smoothing ?? 0.3;
    this.minIntervalMs = opts.minIntervalMs ?? 250;
  }

  /** Feed the progress so far; returns seconds left, or undefined while there is no rate yet. */
  update(done: number, total: number, nowMs: number = Date.now()): number | undefined {
    if (this.lastDone === undefined || done < this.lastDone) {
      this.lastDone = done;
      this.lastMs = nowMs;
    } else if (nowMs - this.lastMs >= this.minIntervalMs) {
      const sample = ((done - this.lastDone) * 1000) / (nowMs - this.lastMs);
      this.rate = this.rate === undefined ? sample : this.alpha * sample + (1 - this.alpha) * this.rate;
      this.lastDone = done;
      this.lastMs = nowMs;
    }
    if (done >= total) return 0;
    if (!this.rate || this.rate <= 0) return undefined;
    return (total - done) / this.rate;
  }
}
