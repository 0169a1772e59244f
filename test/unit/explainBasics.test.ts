import { describe, expect, it } from 'vitest';
import {
  columnStats,
  labelMatrix,
  leastSquaresReference,
  makeSplit,
  pearson,
  solveSymmetric,
  splitIndices,
  standardiseRows,
} from '../../src/main/core/numeric/le';
import { enetGolden, lsPearsonGolden, maxAbsDiff } from './explainGolden';

describe('splits', () => {
  it('is deterministic per seed and matches the Python port of the PRNG', () => {
    const g = enetGolden();
    expect(Array.from(makeSplit(g.n, { seed: g.splitSeed }))).toEqual(g.split);
    expect(makeSplit(1000, { seed: 3 })).toEqual(makeSplit(1000, { seed: 3 }));
    expect(makeSplit(1000, { seed: 3 })).not.toEqual(makeSplit(1000, { seed: 4 }));
  });

  it('has 70/10/20 fractions', () => {
    for (const n of [10, 999, 50000]) {
      const { train, val, test } = splitIndices(makeSplit(n, { seed: 1 }));
      expect(train.length).toBe(Math.round(0.7 * n));
      expect(val.length).toBe(Math.round(0.1 * n));
      expect(train.length + val.length + test.length).toBe(n);
    }
  });
});

describe('pearson', () => {
  it('hand-computed cases', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 15);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 15);
    // x = [1,2,3,4], y = [1,3,2,4]: sxy = 4, sxx = syy = 5 -> 0.8
    expect(pearson([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 15);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBe(0);
  });

  it('matches numpy.corrcoef', () => {
    for (const c of lsPearsonGolden().pearson) expect(Math.abs(pearson(c.x, c.y) - c.r)).toBeLessThan(1e-12);
  });
});

describe('least squares with intercept', () => {
  it('hand-computed: y = 1 + 2x exactly, and a 2-column case', () => {
    const fit = leastSquaresReference(Float64Array.of(0, 1, 2, 3), 4, 1, [1, 3, 5, 7]);
    expect(fit.bias).toBeCloseTo(1, 12);
    expect(fit.weights[0]).toBeCloseTo(2, 12);
    // x1 = [0,1,0,1], x2 = [0,0,1,1], y = 3 + x1 - 2 x2
    const f2 = leastSquaresReference(Float64Array.of(0, 0, 1, 0, 0, 1, 1, 1), 4, 2, [3, 4, 1, 2]);
    expect(maxAbsDiff(f2.weights, [1, -2])).toBeLessThan(1e-12);
    expect(f2.bias).toBeCloseTo(3, 12);
  });

  it('matches numpy.linalg.lstsq', () => {
    for (const c of lsPearsonGolden().leastSquares) {
      const fit = leastSquaresReference(Float64Array.from(c.x), c.n, c.p, c.y);
      expect(maxAbsDiff(fit.weights, c.weights)).toBeLessThan(1e-10);
      expect(Math.abs(fit.bias - c.bias)).toBeLessThan(1e-10);
    }
  });

  it('solveSymmetric drops a duplicated column instead of blowing up', () => {
    // Columns 0 and 1 identical (unit variance), column 2 independent.
    const a = Float64Array.of(1, 1, 0, 1, 1, 0, 0, 0, 1);
    const x = solveSymmetric(a, 3, [0.5, 0.5, 0.2]);
    expect(Array.from(x)).toEqual([0.5, 0, 0.2]);
  });
});

describe('standardise', () => {
  it('matches the Python standardisation on train (population std, constant column guarded)', () => {
    const g = enetGolden();
    const p = { data: Float32Array.from(g.p), rows: g.n, cols: g.m };
    const { train } = splitIndices(Uint8Array.from(g.split));
    const s = columnStats(p, train);
    expect(maxAbsDiff(s.mean, g.pMean)).toBeLessThan(1e-12);
    expect(maxAbsDiff(s.std, g.pStd)).toBeLessThan(1e-12);
    expect(Array.from(s.constant)).toEqual(g.pConstant);
    const xs = standardiseRows(p, s, train);
    const constCol = g.pConstant.indexOf(1);
    for (let r = 0; r < train.length; r++) expect(xs[r * g.m + constCol]).toBe(0);
  });
});

describe('label matrix', () => {
  it('one-hot classes, superclass = OR of its classes, zero-variance columns dropped with their names', () => {
    const lm = labelMatrix({
      classIds: [0, 1, 2, 0, 1],
      classNames: ['cat', 'dog', 'shoe', 'never'],
      superclasses: [
        { name: 'animal', classes: [0, 1] },
        { name: 'everything', classes: [0, 1, 2, 3] },
      ],
    });
    expect(lm.names).toEqual(['cat', 'dog', 'shoe', 'animal']);
    expect(Array.from(lm.sourceColumn)).toEqual([0, 1, 2, 4]);
    expect(Array.from(lm.matrix.data)).toEqual([1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1]);
  });
});
