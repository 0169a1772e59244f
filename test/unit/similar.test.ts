import { describe, expect, it } from 'vitest';
import { basisRows, correlationsWith, profileInto, topCorrelated } from '../../src/main/core/numeric/similar';
import { mulberry32, pearson } from '../../src/main/core/numeric/le';

// Similar units by activation: r from stored profiles (dot products) against numeric/le's pearson (the reference),
// the seeded basis sample, and the neurons whose r is undefined.

describe('similar units: profiles', () => {
  it('basis: all rows when few; otherwise a seeded sample of distinct rows, ascending, the same for the same seed', () => {
    expect(Array.from(basisRows(5, 8))).toEqual([0, 1, 2, 3, 4]);
    const a = basisRows(50_000, 4096, 7);
    expect(a.length).toBe(4096);
    expect(new Set(a).size).toBe(4096);
    for (let i = 1; i < a.length; i++) expect(a[i]).toBeGreaterThan(a[i - 1]);
    expect(a[0]).toBeGreaterThanOrEqual(0);
    expect(a[a.length - 1]).toBeLessThan(50_000);
    expect(Array.from(basisRows(50_000, 4096, 7))).toEqual(Array.from(a));
    expect(Array.from(basisRows(50_000, 4096, 8))).not.toEqual(Array.from(a));
    // Uniform: about half of the sample falls in the first half of the rows.
    expect(Math.abs(a.filter((r) => r < 25_000).length - 2048)).toBeLessThan(200);
  });

  it('dot products of profiles are Pearson r over the basis rows; constant and non-finite neurons are left out', () => {
    const n = 300;
    const k = 6;
    const rand = mulberry32(3);
    const cols = Array.from({ length: k }, () => Float32Array.from({ length: n }, () => rand() * 4 - 1));
    cols[2] = Float32Array.from(cols[0], (v, i) => 2 * v + 0.1 * cols[1][i]); // strongly correlated with 0
    cols[3].fill(1.5); // constant
    cols[4][10] = Number.NaN; // not finite
    const rows = basisRows(n, 200, 11);
    const s = rows.length;
    const profiles = new Float32Array(k * s);
    const usable = Uint8Array.from(cols, (c, j) => (profileInto(c, rows, profiles.subarray(j * s, (j + 1) * s)) ? 1 : 0));
    expect(Array.from(usable)).toEqual([1, 1, 1, 0, rows.includes(10) ? 0 : 1, 1]);
    const r = correlationsWith(profiles, usable, s, 0);
    for (let q = 0; q < k; q++) {
      if (!usable[q]) expect(r[q]).toBeNaN();
      else
        expect(r[q]).toBeCloseTo(
          pearson(
            Array.from(rows, (i) => cols[0][i]),
            Array.from(rows, (i) => cols[q][i]),
          ),
          5,
        );
    }
    const top = topCorrelated(r, 0, 2);
    expect(top[0].neuron).toBe(2);
    expect(top.map((t) => t.neuron)).not.toContain(0);
    expect(Array.from(correlationsWith(profiles, usable, s, 3)).every(Number.isNaN)).toBe(true);
  });
});
