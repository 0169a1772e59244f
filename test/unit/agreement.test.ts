import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { krippendorffAlpha, raterPearson, type AlphaMetric } from '../../src/main/core/numeric/compare';

// Rater agreement of the blind rating study. Golden: scripts/fixtures/make_agreement_golden.py (NumPy, written from
// the pairwise definition; the app uses the coincidence matrix).
const golden = JSON.parse(readFileSync('resources/fixtures/golden/agreement.json', 'utf8')) as {
  alpha: { name: string; units: number[][]; nominal: number | null; ordinal: number | null; interval: number | null }[];
  pearson: { a: number[]; b: number[]; r: number }[];
};

describe("Krippendorff's alpha", () => {
  it("gives Krippendorff's published values on his example (4 observers, 12 units, missing values)", () => {
    // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: nominal alpha = 0.743,
    // interval alpha = 0.849 (printed to three decimals).
    const units = golden.alpha.find((c) => c.name === 'krippendorff-2011')!.units;
    expect(krippendorffAlpha(units, 'nominal')).toBeCloseTo(0.743, 3);
    expect(krippendorffAlpha(units, 'interval')).toBeCloseTo(0.849, 3);
  });

  it.each(golden.alpha.map((c) => [c.name, c] as const))('equals the NumPy pairwise definition: %s', (_, c) => {
    for (const metric of ['nominal', 'ordinal', 'interval'] as AlphaMetric[]) {
      const got = krippendorffAlpha(c.units, metric);
      if (c[metric] === null) expect(got).toBeNull();
      else expect(got).toBeCloseTo(c[metric], 12);
    }
  });

  it('is 1 for perfect agreement, skips units rated once, and is undefined with nothing pairable', () => {
    expect(krippendorffAlpha([[1, 1], [5, 5, 5], [3, 3], [2]], 'ordinal')).toBeCloseTo(1, 12);
    expect(krippendorffAlpha([[4], [2]], 'ordinal')).toBeNull();
    expect(krippendorffAlpha([], 'interval')).toBeNull();
  });
});

describe("Pearson's r", () => {
  it.each(golden.pearson.map((p) => [p.a.length, p] as const))('equals np.corrcoef (%i pairs)', (_, p) => {
    expect(raterPearson(p.a, p.b)).toBeCloseTo(p.r, 12);
  });
  it('is undefined for fewer than 3 pairs or a constant list', () => {
    expect(raterPearson([1, 2], [2, 1])).toBeNull();
    expect(raterPearson([3, 3, 3], [1, 2, 3])).toBeNull();
  });
});
