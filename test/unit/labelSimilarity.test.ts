import { describe, expect, it } from 'vitest';
import { meanStandardError } from '../../src/main/core/numeric/compare';
import { rowCosines } from '../../src/main/core/numeric/compare/labelSimilarity';

// Hand-computed: label vectors (rows of a) against class-name vectors (rows of b), dim 2.
//   row 0: (3, 4) . (4, 3) = 24, |a| = |b| = 5           -> 24/25 = 0.96
//   row 1: (1, 0) . (0, 2) = 0                             -> 0
//   row 2: (2, 2) . (-1, -1) = -4, |a| = 2v2, |b| = v2     -> -4/4 = -1
//   row 3: (0, 0): a zero vector                           -> 0 (not NaN)
//   row 4: (10, 0) . (1, 1) = 10, |a| = 10, |b| = v2       -> 1/v2 (scale does not matter: encoders are not normalised)
describe('rowCosines', () => {
  it('is the cosine of each label row with its class row', () => {
    const a = [3, 4, 1, 0, 2, 2, 0, 0, 10, 0];
    const b = [4, 3, 0, 2, -1, -1, 1, 1, 1, 1];
    const c = rowCosines(a, b, 2);
    expect([...c].slice(0, 4)).toEqual([0.96, 0, -1, 0]);
    expect(c[4]).toBeCloseTo(Math.SQRT1_2, 15);
    // mean +- SE of the first three: mean (0.96 + 0 - 1) / 3 = -0.04/3; SD^2 = sum (x - m)^2 / 2.
    const m = -0.04 / 3;
    const sd = Math.sqrt(((0.96 - m) ** 2 + m ** 2 + (-1 - m) ** 2) / 2);
    const s = meanStandardError([...c].slice(0, 3));
    expect(s.mean).toBeCloseTo(m, 15);
    expect(s.standardError).toBeCloseTo(sd / Math.sqrt(3), 15);
  });

  it('refuses mismatched shapes', () => {
    expect(() => rowCosines([1, 2, 3], [1, 2, 3], 2)).toThrow(/n x dim/);
    expect(() => rowCosines([1, 2], [1, 2, 3, 4], 2)).toThrow(/n x dim/);
  });
});
