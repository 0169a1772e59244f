import { describe, expect, it } from 'vitest';
import {
  calibrate,
  cosHistogram,
  gridSearchBce,
  histogramBceBound,
  histogramPoints,
  meanBce,
  meanBceMany,
  REFERENCE_A_GRID,
  REFERENCE_B_GRID,
  softplus,
} from '../../src/main/core/numeric/conceptP';
import { mulberry32 } from '../../src/main/core/numeric/le/splits';
import { conceptsGolden, normals } from './conceptsFixtures';

/** Synthetic labelled pairs: cos ~ mixture, labels ~ Bernoulli(sigmoid(a (cos + b))). */
function synthetic(n: number, a: number, b: number, seed: number): { cos: Float32Array; labels: Uint8Array } {
  const g = normals(seed);
  const u = mulberry32(seed + 1);
  const cos = new Float32Array(n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    // Mostly "negatives" around 0.02, some "positives" around 0.2, like image-text cosines.
    const c = u() < 0.1 ? 0.2 + 0.05 * g() : 0.02 + 0.05 * g();
    cos[i] = c;
    labels[i] = u() < 1 / (1 + Math.exp(-a * (cos[i] + b))) ? 1 : 0;
  }
  return { cos, labels };
}

/** Brute-force exact grid: every (a, b) over every pair, first minimum in a-major order. */
function bruteGrid(cos: Float32Array, labels: Uint8Array): { a: number; b: number; bce: number } {
  let best = { a: NaN, b: NaN, bce: Infinity };
  for (const a of REFERENCE_A_GRID) {
    for (const b of REFERENCE_B_GRID) {
      let s = 0;
      for (let i = 0; i < cos.length; i++) {
        const z = a * (cos[i] + b);
        s += labels[i] ? softplus(-z) : softplus(z);
      }
      if (s / cos.length < best.bce) best = { a, b, bce: s / cos.length };
    }
  }
  return best;
}

describe('BCE', () => {
  it('matches sklearn log_loss (golden)', () => {
    const g = conceptsGolden().bcePairs;
    const cos = Float32Array.from(g.cos);
    const many = meanBceMany(cos, g.labels, g.cases);
    g.cases.forEach((c, t) => {
      expect(Math.abs(meanBce({ x: cos, y: g.labels, total: cos.length }, c.a, c.a * c.b) - c.bce)).toBeLessThan(1e-12);
      expect(Math.abs(many[t] - c.bce)).toBeLessThan(1e-12);
    });
  });

  it('softplus is stable at extreme z', () => {
    expect(softplus(1000)).toBe(1000);
    expect(softplus(-1000)).toBe(0);
    expect(softplus(0)).toBeCloseTo(Math.LN2, 15);
  });
});

describe('calibrate', () => {
  it('reference grid has 81 a values and 201 b values', () => {
    expect(REFERENCE_A_GRID.length).toBe(81);
    expect(REFERENCE_A_GRID.slice(0, 7)).toEqual([0, 0.1, 0.25, 0.5, 0.75, 1, 2]);
    expect(REFERENCE_A_GRID.at(-1)).toBe(150);
    expect(REFERENCE_B_GRID.length).toBe(201);
    expect(REFERENCE_B_GRID[137]).toBe(0.37);
  });

  it('histogram grid equals a brute-force exact grid on a small case', () => {
    for (const [a, b, seed] of [
      [40, -0.2, 3],
      [8, 0.1, 4],
      [120, -0.1, 5],
    ]) {
      const { cos, labels } = synthetic(800, a, b, seed);
      const brute = bruteGrid(cos, labels);
      const hp = histogramPoints(cosHistogram(cos, labels));
      const hist = gridSearchBce(hp);
      expect([hist.a, hist.b]).toEqual([brute.a, brute.b]);
      // Jensen: the histogram value is below the exact one, by at most a^2 h^2 / 32.
      expect(hist.bce).toBeLessThanOrEqual(brute.bce + 1e-15);
      expect(brute.bce - hist.bce).toBeLessThanOrEqual(histogramBceBound(hist.a, 2 / 65536));
      // calibrate() reports the same grid point, its bce exact.
      const fit = calibrate(cos, labels);
      expect([fit.grid.a, fit.grid.b]).toEqual([brute.a, brute.b]);
      expect(Math.abs(fit.grid.bce - brute.bce)).toBeLessThan(1e-12);
    }
  });

  it('recovers a known (a, b) = (40, -0.2) within a few percent; refine BCE <= grid BCE', () => {
    const { cos, labels } = synthetic(400_000, 40, -0.2, 7);
    const fit = calibrate(cos, labels);
    expect(Math.abs(fit.a - 40) / 40).toBeLessThan(0.03);
    expect(Math.abs(fit.b + 0.2) / 0.2).toBeLessThan(0.03);
    expect(fit.bce).toBeLessThanOrEqual(fit.grid.bce);
    expect(fit.bce).toBeLessThan(fit.before.bce);
    expect(fit.before).toMatchObject({ a: 1, b: 0 });
    expect(fit.converged).toBe(true);
    expect(fit.iterations).toBeGreaterThan(0);
    expect(fit.pairs).toBe(400_000);
    // Exact refinement lands on (numerically) the same optimum.
    const exact = calibrate(cos, labels, { refine: 'exact' });
    expect(Math.abs(exact.a - fit.a)).toBeLessThan(0.01);
    expect(Math.abs(exact.b - fit.b)).toBeLessThan(1e-4);
    expect(Math.abs(exact.bce - fit.bce)).toBeLessThan(fit.histogram.maxBceError);
  });

  it('the refined optimum has zero gradient on the exact data (logistic regression normal equations)', () => {
    const { cos, labels } = synthetic(50_000, 25, -0.1, 9);
    const fit = calibrate(cos, labels, { refine: 'exact' });
    let g0 = 0;
    let g1 = 0;
    for (let i = 0; i < cos.length; i++) {
      const r = 1 / (1 + Math.exp(-fit.a * (cos[i] + fit.b))) - labels[i];
      g0 += r * cos[i];
      g1 += r;
    }
    expect(Math.abs(g0 / cos.length)).toBeLessThan(1e-7);
    expect(Math.abs(g1 / cos.length)).toBeLessThan(1e-7);
  });

  it('checks shapes', () => {
    expect(() => calibrate(new Float32Array(4), new Uint8Array(3))).toThrow();
    expect(() => calibrate(new Float32Array(6), new Uint8Array(6), { rows: 2, cols: 4 })).toThrow();
  });
});

describe('calibrate: uncalibrated BCE', () => {
  it('before.bce (histogram at a = 1) equals the exact value to 1e-10', () => {
    const { cos, labels } = synthetic(20_000, 30, -0.1, 21);
    const fit = calibrate(cos, labels);
    expect(Math.abs(fit.before.bce - meanBceMany(cos, labels, [{ a: 1, b: 0 }])[0])).toBeLessThan(1e-10);
  });
});
