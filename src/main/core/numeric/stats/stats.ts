import type { Histogram, NeuronStat } from '../../../../shared/contract';

// Per-neuron statistics over an N x K activation matrix that arrives in row chunks (never all in memory).
// NaN and +-Infinity (stored by an extraction with onNonFinite 'flag') are counted per neuron and left out:
// each neuron's min/max/mean/std/zero share and histogram describe its finite values only.

/** docs/methods.md "Words": a neuron is dead when its max activation over the probe set is < 0.01. */
export const DEAD_MAX = 0.01;
export const HISTOGRAM_BINS = 30;

export interface StatsAccumulator {
  add(rows: Float32Array): void;
  /** Pass 1 result; call before the histogram pass. */
  stats(): NeuronStat[];
  addHistogram(rows: Float32Array): void;
  histograms(): Histogram[];
}

/** Two passes over the same chunks: min/max/mean/std/zeros first (Welford), then histograms on [min,max]. */
export function statsAccumulator(k: number, bins = HISTOGRAM_BINS): StatsAccumulator {
  const min = new Float64Array(k).fill(Infinity);
  const max = new Float64Array(k).fill(-Infinity);
  const mean = new Float64Array(k);
  const m2 = new Float64Array(k);
  const zeros = new Float64Array(k);
  /** Finite values seen per neuron, and non-finite ones. */
  const n = new Float64Array(k);
  const bad = new Float64Array(k);
  const counts = new Int32Array(k * bins);
  return {
    add(rows) {
      const r = rows.length / k;
      for (let i = 0; i < r; i++) {
        for (let j = 0; j < k; j++) {
          const v = rows[i * k + j];
          if (!Number.isFinite(v)) {
            bad[j]++;
            continue;
          }
          n[j]++;
          if (v < min[j]) min[j] = v;
          if (v > max[j]) max[j] = v;
          if (v === 0) zeros[j]++;
          const d = v - mean[j];
          mean[j] += d / n[j];
          m2[j] += d * (v - mean[j]);
        }
      }
    },
    stats() {
      return Array.from({ length: k }, (_, j) => {
        const nj = n[j];
        return {
          neuron: j,
          min: nj ? min[j] : 0,
          max: nj ? max[j] : 0,
          mean: mean[j],
          // Population std (divide by N): describes this probe set, not an estimate of a wider one.
          std: nj ? Math.sqrt(m2[j] / nj) : 0,
          zeroShare: nj ? zeros[j] / nj : 0,
          // No rows at all: dead as before; no finite value at all: not "dead", flagged (nonFinite > 0).
          dead: nj ? max[j] < DEAD_MAX : bad[j] === 0,
          nonFinite: bad[j],
        };
      });
    },
    addHistogram(rows) {
      const r = rows.length / k;
      for (let i = 0; i < r; i++) {
        for (let j = 0; j < k; j++) {
          const v = rows[i * k + j];
          if (!Number.isFinite(v)) continue;
          const width = (max[j] - min[j]) / bins;
          const b = width > 0 ? Math.min(bins - 1, Math.floor((v - min[j]) / width)) : 0;
          counts[j * bins + b]++;
        }
      }
    },
    histograms() {
      return Array.from({ length: k }, (_, j) => {
        const width = (max[j] - min[j]) / bins;
        const edges = Array.from({ length: bins + 1 }, (_, b) => (b === bins ? max[j] : min[j] + b * width));
        return { edges: n[j] ? edges : [], counts: Array.from(counts.subarray(j * bins, (j + 1) * bins)) };
      });
    },
  };
}

/** Where the non-finite values of an N x cols row-major block are: counts, and the first one in row order. */
export interface NonFiniteReport {
  values: number;
  /** Rows (images) with at least one non-finite value. */
  rows: number;
  /** Columns (neurons / logits) with at least one, ascending. */
  cols: number[];
  first: { row: number; col: number; value: number } | null;
}

export function findNonFinite(data: Float32Array, nRows: number, nCols: number): NonFiniteReport {
  let values = 0;
  let rows = 0;
  let first: NonFiniteReport['first'] = null;
  const colHit = new Uint8Array(nCols);
  for (let i = 0; i < nRows; i++) {
    let rowHit = false;
    for (let j = 0; j < nCols; j++) {
      const v = data[i * nCols + j];
      if (Number.isFinite(v)) continue;
      values++;
      rowHit = true;
      colHit[j] = 1;
      first ??= { row: i, col: j, value: v };
    }
    if (rowHit) rows++;
  }
  const cols: number[] = [];
  for (let j = 0; j < nCols; j++) if (colHit[j]) cols.push(j);
  return { values, rows, cols, first };
}

/** Count of non-finite entries (for the logits of a whole set). */
export function countNonFinite(data: Float32Array): number {
  let c = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) c++;
  return c;
}
