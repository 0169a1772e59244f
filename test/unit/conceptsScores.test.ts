import { describe, expect, it } from 'vitest';
import { auroc, aurocColumns, reliabilityDiagram, reliabilityFromCos, sigmoid } from '../../src/main/core/numeric/conceptP';
import { conceptsGolden } from './conceptsFixtures';

describe('auroc', () => {
  it('hand-computed cases', () => {
    expect(auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75); // pos {0.35, 0.8} vs neg {0.1, 0.4}: 3 of 4 pairs
    expect(auroc([1, 2, 3], [0, 1, 1])).toBe(1);
    expect(auroc([1, 2, 3], [1, 0, 0])).toBe(0);
    // Ties: pos {0.5, 0.5}, neg {0.5, 0.2}: pairs (0.5>0.2) x2 = 2, ties (0.5=0.5) x2 = 2 * 0.5 -> 3 / 4
    expect(auroc([0.5, 0.5, 0.5, 0.2], [1, 1, 0, 0])).toBe(0.75);
    expect(auroc([7, 7, 7, 7], [1, 0, 1, 0])).toBe(0.5);
  });

  it('is null without positives or without negatives', () => {
    expect(auroc([1, 2], [0, 0])).toBeNull();
    expect(auroc([1, 2], [1, 1])).toBeNull();
    expect(auroc([], [])).toBeNull();
  });

  it("matches sklearn's roc_auc_score with many ties (golden)", () => {
    for (const c of conceptsGolden().auroc) expect(Math.abs(auroc(c.scores, c.labels)! - c.auroc)).toBeLessThan(1e-12);
  });

  it('per column of a row-major matrix', () => {
    // 3 rows x 2 cols; col 0: scores [0.1, 0.9, 0.5], labels [0, 1, 0] -> 1; col 1 has no positives.
    expect(aurocColumns([0.1, 5, 0.9, 6, 0.5, 7], [0, 0, 1, 0, 0, 0], 3, 2)).toEqual([1, null]);
  });
});

describe('reliability diagram', () => {
  it('hand-checked bins and ECE', () => {
    const p = [0.05, 0.05, 0.15, 0.95, 1.0, 0.55];
    const y = [0, 1, 0, 1, 1, 0];
    const r = reliabilityDiagram(p, y);
    expect(r.bins.length).toBe(10);
    expect(r.count).toBe(6);
    expect(r.bins[0]).toEqual({ lo: 0, hi: 0.1, count: 2, meanPredicted: 0.05, observed: 0.5 });
    expect(r.bins[1]).toMatchObject({ count: 1, meanPredicted: 0.15, observed: 0 });
    expect(r.bins[5]).toMatchObject({ count: 1, meanPredicted: 0.55, observed: 0 });
    expect(r.bins[9]).toMatchObject({ count: 2, meanPredicted: 0.975, observed: 1 }); // p = 1 goes to the last bin
    expect(r.bins[3]).toMatchObject({ count: 0, meanPredicted: null, observed: null });
    // ECE = (2|0.05-0.5| + |0.15-0| + |0.55-0| + 2|0.975-1|) / 6 = (0.9 + 0.15 + 0.55 + 0.05) / 6
    expect(r.ece).toBeCloseTo(1.65 / 6, 14);
  });

  it('from cos equals the diagram of sigmoid(a (cos + b))', () => {
    const cos = [0.1, 0.2, -0.05, 0.3, 0.12];
    const y = [0, 1, 0, 1, 1];
    const p = cos.map((c) => sigmoid(30 * (c + -0.12)));
    expect(reliabilityFromCos(cos, y, 30, -0.12)).toEqual(reliabilityDiagram(p, y));
  });
});
