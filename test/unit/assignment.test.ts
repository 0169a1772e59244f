import { describe, expect, it } from 'vitest';
import { bruteForceAssignment, maxWeightAssignment } from '../../src/main/core/numeric/assignment';
import { rng } from './ablationFixtures';

describe('max-weight assignment (Hungarian)', () => {
  it('a hand case: the diagonal is not the best, the anti-diagonal is', () => {
    // rows 0,1 -> cols 1,0 gives 9 + 8 = 17 > 5 + 1 = 6.
    const a = maxWeightAssignment([5, 9, 8, 1], 2, 2);
    expect([...a.columnOf]).toEqual([1, 0]);
    expect(a.total).toBe(17);
  });

  it('recovers a planted permutation from a confusion matrix with noise', () => {
    const perm = [3, 0, 4, 1, 2];
    const w = new Float64Array(25);
    for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) w[r * 5 + c] = c === perm[r] ? 90 : (r * 7 + c * 3) % 5;
    expect([...maxWeightAssignment(w, 5, 5).columnOf]).toEqual(perm);
  });

  it('equals brute force on 300 random square and rectangular cases (total weight)', () => {
    const r = rng(17);
    for (let t = 0; t < 300; t++) {
      const rows = 1 + Math.floor(r.uniform() * 6);
      const cols = 1 + Math.floor(r.uniform() * 6);
      // Integer counts (ties happen) and, every third case, real weights.
      const w = Float64Array.from({ length: rows * cols }, () => (t % 3 ? Math.floor(r.uniform() * 6) : r.uniform() * 10));
      const fast = maxWeightAssignment(w, rows, cols);
      const slow = bruteForceAssignment(w, rows, cols);
      expect(fast.total).toBeCloseTo(slow.total, 9);
      // A valid injective map whose weights sum to its total; as many assigned rows as min(rows, cols).
      const used = [...fast.columnOf].filter((c) => c >= 0);
      expect(new Set(used).size).toBe(used.length);
      expect(used.length).toBe(Math.min(rows, cols));
      expect(fast.columnOf.reduce((a, c, i) => a + (c >= 0 ? w[i * cols + c] : 0), 0)).toBeCloseTo(fast.total, 9);
    }
  });

  it('empty and bad input', () => {
    expect(maxWeightAssignment([], 0, 0).total).toBe(0);
    expect(() => maxWeightAssignment([1, 2, 3], 2, 2)).toThrow(/expected 2 x 2/);
    expect(() => maxWeightAssignment([1, NaN, 3, 4], 2, 2)).toThrow(/not finite/);
    expect(() => maxWeightAssignment([1, -2, 3, 4], 2, 2)).toThrow(/negative/);
    // All-zero rows and columns are paired at weight 0; a row with nothing left stays -1.
    expect([...maxWeightAssignment([0, 0, 0, 5, 0, 0], 3, 2).columnOf]).toEqual([0, 1, -1]);
  });
});
