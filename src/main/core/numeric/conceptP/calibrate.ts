import { meanBce, meanBceMany, newtonBce, type PointSet } from './bce';
import { cosHistogram, DEFAULT_BINS, histogramBceBound, histogramPoints } from './cosHistogram';

/** The reference grid (docs/methods.md "Calibration"): a in {0.1, 0.25, 0.5, 0.75, 1} U {0, 2, ..., 150}, ascending. */
export const REFERENCE_A_GRID: readonly number[] = [0, 0.1, 0.25, 0.5, 0.75, 1, ...Array.from({ length: 75 }, (_, i) => 2 * (i + 1))];
/** b in {-1.00, -0.99, ..., 1.00} (computed as i / 100, no accumulated drift). */
export const REFERENCE_B_GRID: readonly number[] = Array.from({ length: 201 }, (_, i) => (i - 100) / 100);

export interface CalibrateOptions {
  /** Optional shape check: cos and labels must then hold rows x cols values. */
  rows?: number;
  cols?: number;
  aGrid?: readonly number[];
  /** Must be ascending (the search over b relies on convexity in b along an ordered grid). */
  bGrid?: readonly number[];
  /** Histogram bins over [-1, 1] (default 65,536). */
  bins?: number;
  /** Continuous refinement from the best grid point: on the histogram (default), on the exact pairs, or none. */
  refine?: 'histogram' | 'exact' | 'none';
  maxIterations?: number;
}

export interface CalibrationPoint {
  a: number;
  b: number;
  /** Exact mean BCE over all pairs. */
  bce: number;
}

export interface CalibrationResult extends CalibrationPoint {
  /** Best reference-grid point (its bce exact, too). */
  grid: CalibrationPoint;
  /** Uncalibrated sigmoid(cos): a = 1, b = 0 (bce from the histogram, error <= h^2 / 32 = 2.9e-11). */
  before: CalibrationPoint;
  /** Newton iterations of the refinement. */
  iterations: number;
  converged: boolean;
  pairs: number;
  positives: number;
  histogram: { bins: number; width: number; gridBce: number; maxBceError: number };
}

/**
 * For one a, the index of the best b on an ascending grid. f(j) = BCE(a, b_j) is convex in b, so the
 * first j with f(j) <= f(j+1) is the first global minimiser: a binary search needs ~2 log2(|grid|)
 * evaluations instead of |grid|, and on ties it returns the same index as a full scan with strict '<'.
 */
function bestB(ps: PointSet, a: number, bGrid: readonly number[]): { j: number; f: number } {
  const memo = new Map<number, number>();
  const f = (j: number): number => {
    let v = memo.get(j);
    if (v === undefined) memo.set(j, (v = meanBce(ps, a, a * bGrid[j])));
    return v;
  };
  let lo = 0;
  let hi = bGrid.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (f(mid) <= f(mid + 1)) hi = mid;
    else lo = mid + 1;
  }
  return { j: lo, f: f(lo) };
}

/** Grid search of mean BCE over aGrid x bGrid on a point set (first minimum in a-major order on ties). */
export function gridSearchBce(
  ps: PointSet,
  aGrid: readonly number[] = REFERENCE_A_GRID,
  bGrid: readonly number[] = REFERENCE_B_GRID,
): { a: number; b: number; bce: number } {
  for (let j = 1; j < bGrid.length; j++) if (!(bGrid[j] > bGrid[j - 1])) throw new Error('gridSearchBce: bGrid must be ascending');
  let best = { a: NaN, b: NaN, bce: Infinity };
  for (const a of aGrid) {
    const r = bestB(ps, a, bGrid);
    if (r.f < best.bce) best = { a, b: bGrid[r.j], bce: r.f };
  }
  return best;
}

/**
 * Fit (a, b) of P = sigmoid(a * (cos + b)) by minimising mean binary cross-entropy against 0/1 labels
 * (docs/methods.md "Calibration"). `cos` and `labels` are the labelled images x label concepts
 * (N x L row-major, but only the pairing matters: every pair counts once).
 * 1. One pass: histograms of cos for positives and negatives (cosHistogram.ts, error bound there).
 * 2. Reference grid on the histogram, exact argmin in b per a by convexity (bestB).
 * 3. Newton on (a, a*b) from the best grid point (bce.ts), on the histogram or the exact pairs.
 * 4. One exact pass for the final and the grid point's BCE (softplus form, no clamp: see bce.ts); the
 *    uncalibrated BCE (a = 1) comes from the histogram, within 2.9e-11.
 */
export function calibrate(cos: Float32Array, labels: Uint8Array, opts: CalibrateOptions = {}): CalibrationResult {
  if (cos.length !== labels.length) throw new Error(`calibrate: ${cos.length} cos values but ${labels.length} labels`);
  if (cos.length === 0) throw new Error('calibrate: no pairs');
  if (opts.rows !== undefined && opts.cols !== undefined && opts.rows * opts.cols !== cos.length)
    throw new Error(`calibrate: ${cos.length} pairs != ${opts.rows} x ${opts.cols}`);
  const aGrid = opts.aGrid ?? REFERENCE_A_GRID;
  const bGrid = opts.bGrid ?? REFERENCE_B_GRID;
  const h = cosHistogram(cos, labels, opts.bins ?? DEFAULT_BINS);
  const hp = histogramPoints(h);
  const grid = gridSearchBce(hp, aGrid, bGrid);
  let a = grid.a;
  let b = grid.b;
  let iterations = 0;
  let converged = true;
  const mode = opts.refine ?? 'histogram';
  if (mode !== 'none') {
    const ps: PointSet = mode === 'exact' ? { x: cos, y: labels, total: cos.length } : hp;
    const r = newtonBce(ps, grid.a, grid.a * grid.b, { maxIterations: opts.maxIterations });
    iterations = r.iterations;
    converged = r.converged;
    // b = beta / a is undefined at a = 0 (then every P is sigmoid(beta)); keep the grid's b there.
    if (r.a !== 0 && Number.isFinite(r.a) && Number.isFinite(r.beta)) {
      a = r.a;
      b = r.beta / r.a;
    }
  }
  const [bce, gridBce] = meanBceMany(cos, labels, [
    { a, b },
    { a: grid.a, b: grid.b },
  ]);
  // Uncalibrated sigmoid(cos) from the histogram: at a = 1 its error bound is h^2 / 32 = 2.9e-11 (default
  // bins), i.e. exact for any display, and it saves a third softplus per pair in the exact pass.
  const beforeBce = meanBce(hp, 1, 0);
  // Guard: the refinement must never be worse than the grid point it started from (it is not, up to the
  // histogram error; if the exact numbers disagree, report the grid point).
  const refinedBetter = bce <= gridBce;
  return {
    a: refinedBetter ? a : grid.a,
    b: refinedBetter ? b : grid.b,
    bce: refinedBetter ? bce : gridBce,
    grid: { a: grid.a, b: grid.b, bce: gridBce },
    before: { a: 1, b: 0, bce: beforeBce },
    iterations,
    converged,
    pairs: cos.length,
    positives: h.positives,
    histogram: {
      bins: h.bins,
      width: h.width,
      gridBce: grid.bce,
      maxBceError: histogramBceBound(Math.max(...aGrid.map(Math.abs), Math.abs(a)), h.width),
    },
  };
}
