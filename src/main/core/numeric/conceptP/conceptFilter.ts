/**
 * The concept filter (docs/methods.md "Concept filter"): keep concept j if mean(top-5 of P[:, j]) >= 0.5 and std(P[:, j]) >= 1e-5.
 * Statistics are accumulated row block by row block (buildP feeds them in the same pass that writes P),
 * in float64, from the UNquantised P values (float32 from onnxruntime). std is the sample std (ddof 1, torch.std's default); with
 * N in the thousands ddof 0 vs 1 changes it by < 0.1%.
 */
export const TOP_K = 5;
export const MIN_TOP_MEAN = 0.5;
export const MIN_STD = 1e-5;

export interface ConceptFilterOptions {
  topK?: number;
  minTopMean?: number;
  minStd?: number;
}

export interface DroppedConcept {
  concept: number;
  topMean: number;
  std: number;
  /** Which test failed: 'topMean' (never confidently present), 'std' (constant), or both. */
  reason: 'topMean' | 'std' | 'both';
}

export interface ConceptFilterResult {
  /** Kept concept indices, ascending. */
  kept: Int32Array;
  dropped: DroppedConcept[];
  /** Per concept (all M): mean of its top-k values and its std. */
  topMean: Float64Array;
  std: Float64Array;
  thresholds: { topK: number; minTopMean: number; minStd: number };
}

/**
 * Running per-column top-k and shifted sums. The hot loop (buildP) touches the public arrays directly:
 * `top` (cols x k, each column's values descending, -Infinity while unfilled), `topMin` (= the column's
 * k-th largest so far, contiguous so the common "not in the top k" test is one load), `shift` (the column's
 * first value; sums of (p - shift) avoid cancellation in var = E[x^2] - E[x]^2 when the std is ~1e-5).
 */
export class ConceptStatsAccumulator {
  readonly top: Float64Array;
  readonly topMin: Float64Array;
  readonly shift: Float64Array;
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
  rows = 0;

  constructor(
    readonly cols: number,
    readonly k = TOP_K,
  ) {
    this.top = new Float64Array(cols * k).fill(-Infinity);
    this.topMin = new Float64Array(cols).fill(-Infinity);
    this.shift = new Float64Array(cols);
    this.sum = new Float64Array(cols);
    this.sumSq = new Float64Array(cols);
  }

  /** Insert v into column j's top-k (call only when v > topMin[j]). */
  insertTop(j: number, v: number): void {
    const k = this.k;
    const base = j * k;
    let pos = k - 1;
    while (pos > 0 && this.top[base + pos - 1] < v) {
      this.top[base + pos] = this.top[base + pos - 1];
      pos--;
    }
    this.top[base + pos] = v;
    this.topMin[j] = this.top[base + k - 1];
  }

  /** Slow path for tests and small inputs: one row of P. */
  addRow(p: ArrayLike<number>): void {
    if (this.rows === 0) for (let j = 0; j < this.cols; j++) this.shift[j] = p[j];
    for (let j = 0; j < this.cols; j++) {
      const v = p[j];
      const d = v - this.shift[j];
      this.sum[j] += d;
      this.sumSq[j] += d * d;
      if (v > this.topMin[j]) this.insertTop(j, v);
    }
    this.rows++;
  }

  topMean(j: number): number {
    const n = Math.min(this.k, this.rows);
    if (n === 0) return NaN;
    let s = 0;
    for (let t = 0; t < n; t++) s += this.top[j * this.k + t];
    return s / n;
  }

  std(j: number): number {
    const n = this.rows;
    if (n < 2) return 0;
    const v = (this.sumSq[j] - (this.sum[j] * this.sum[j]) / n) / (n - 1);
    return v > 0 ? Math.sqrt(v) : 0;
  }

  filter(opts: ConceptFilterOptions = {}): ConceptFilterResult {
    const minTopMean = opts.minTopMean ?? MIN_TOP_MEAN;
    const minStd = opts.minStd ?? MIN_STD;
    if ((opts.topK ?? this.k) !== this.k) throw new Error(`filter: accumulator tracks top-${this.k}, asked for top-${opts.topK}`);
    const topMean = new Float64Array(this.cols);
    const std = new Float64Array(this.cols);
    const kept: number[] = [];
    const dropped: DroppedConcept[] = [];
    for (let j = 0; j < this.cols; j++) {
      topMean[j] = this.topMean(j);
      std[j] = this.std(j);
      const lowMean = !(topMean[j] >= minTopMean);
      const lowStd = !(std[j] >= minStd);
      if (!lowMean && !lowStd) kept.push(j);
      else dropped.push({ concept: j, topMean: topMean[j], std: std[j], reason: lowMean && lowStd ? 'both' : lowMean ? 'topMean' : 'std' });
    }
    return { kept: Int32Array.from(kept), dropped, topMean, std, thresholds: { topK: this.k, minTopMean, minStd } };
  }
}
