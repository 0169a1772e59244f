import { describe, expect, it } from 'vitest';
import { shardRange } from '../../src/main/core/platform/jobs/shards';
import { contract } from '../../src/shared/contract';

// --shard i/n: contiguous ranges that cover every unit exactly once (hand-computed cases), and the contract field
// refuses an index outside 1..count before anything runs.

describe('shardRange', () => {
  it('splits 13 chunks in 4 as 3, 3, 3, 4 and 64 neurons in 4 as 16 each (floor((i-1)U/n) .. floor(iU/n))', () => {
    expect([1, 2, 3, 4].map((i) => shardRange(13, i, 4))).toEqual([
      { from: 0, to: 3 },
      { from: 3, to: 6 },
      { from: 6, to: 9 },
      { from: 9, to: 13 },
    ]);
    expect([1, 2, 3, 4].map((i) => shardRange(64, i, 4).to - shardRange(64, i, 4).from)).toEqual([16, 16, 16, 16]);
    expect(shardRange(2, 1, 3)).toEqual({ from: 0, to: 0 }); // more shards than units: some are empty
  });

  it('covers 0..U once for every U <= 200 and n <= 17, sizes differing by at most one', () => {
    for (let u = 0; u <= 200; u++)
      for (let n = 1; n <= 17; n++) {
        let at = 0;
        const sizes: number[] = [];
        for (let i = 1; i <= n; i++) {
          const r = shardRange(u, i, n);
          expect(r.from).toBe(at);
          sizes.push(r.to - r.from);
          at = r.to;
        }
        expect(at).toBe(u);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
  });

  it('the shard field refuses index 0, index > count and count > 4096', () => {
    const input = contract['activations.extract'].input;
    const base = { modelId: 1, layer: 'x', probeSetId: 1 };
    for (const shard of [
      { index: 0, count: 4, path: 'a' },
      { index: 5, count: 4, path: 'a' },
      { index: 1, count: 5000, path: 'a' },
      { index: 1, count: 4, path: '' },
    ])
      expect(input.safeParse({ ...base, shard }).success, JSON.stringify(shard)).toBe(false);
    expect(input.safeParse({ ...base, shard: { index: 4, count: 4, path: 'a' } }).success).toBe(true);
  });
});
