import { describe, expect, it } from 'vitest';
import {
  activationOrder,
  bruteForceOracle,
  imageImpacts,
  linearHeadOracle,
  topCount,
  topImpactCurve,
  topImpactGrid,
  topImpactLayer,
  TOP_IMPACT_BETAS,
} from '../../src/main/core/numeric/ablation';
import { randomLayer, rng } from './ablationFixtures';

/*
 * Hand-computed Top Impact, 4 images, activations [3, 1, 2, 0].
 *   acc_orig = [1, 1, 0, 1] (sum 3), acc_new = [0, 1, 0, 1]
 *   L_orig = [1, 1, 2, 1] (sum 5),   L_new = [2.5, 0.5, 2.5, 1]
 *   I = 0.5 * [dacc / 3 + dL / 5]:
 *     img0: 0.5 * (1/3 + 1.5/5) = 0.5 * (20/60 + 18/60) = 19/60
 *     img1: 0.5 * (0 - 0.5/5) = -3/60      img2: 0.5 * (0 + 0.5/5) = 3/60      img3: 0
 *   sum |I| = 25/60; order by activation: img0, img2, img1, img3
 *   TI(0.25) = 19/25 (ceil(1) = 1 image), TI(0.5) = 22/25, TI(0.6) = ceil(2.4) = 3 images = 25/25, TI(0) = 0.
 */
describe('Top Impact, hand-computed', () => {
  it('impacts and curve', () => {
    const imp = imageImpacts(
      Uint8Array.of(1, 1, 0, 1),
      Uint8Array.of(0, 1, 0, 1),
      Float64Array.of(1, 1, 2, 1),
      Float64Array.of(2.5, 0.5, 2.5, 1),
    );
    const want = [19 / 60, -3 / 60, 3 / 60, 0];
    want.forEach((w, i) => expect(imp.impacts[i]).toBeCloseTo(w, 15));
    const c = topImpactCurve(imp.impacts, Float32Array.of(3, 1, 2, 0), [0.25, 0.5, 0.6, 0, 1]);
    expect(c.total).toBeCloseTo(25 / 60, 15);
    expect(Array.from(c.values).map((v) => +v.toFixed(12))).toEqual([0.76, 0.88, 1, 0, 1]);
  });

  it('edge cases: no impact -> NaN; no correct image -> accuracy term dropped', () => {
    const none = topImpactCurve(new Float64Array(3), Float32Array.of(1, 2, 3), [0.5]);
    expect(none.total).toBe(0);
    expect(none.values[0]).toBeNaN();
    const imp = imageImpacts(Uint8Array.of(0, 0), Uint8Array.of(1, 0), Float64Array.of(1, 1), Float64Array.of(2, 1));
    expect(imp.accTermUsed).toBe(false);
    expect(Array.from(imp.impacts)).toEqual([0.25, 0]);
  });

  it('topCount uses ceil and is robust to 0.1 * 30 = 3.0000000000000004', () => {
    expect(topCount(0.1, 30)).toBe(3);
    expect(topCount(0.0003, 15000)).toBe(5);
    expect(topCount(1e-9, 10)).toBe(1);
    expect(topCount(0, 10)).toBe(0);
    expect(topCount(2, 10)).toBe(10);
    const grid = topImpactGrid();
    expect(grid.length).toBe(100);
    expect(grid[0]).toBeCloseTo(1e-4, 15);
    expect(grid[99]).toBe(1);
    expect(TOP_IMPACT_BETAS).toEqual([0.0003, 0.002, 0.02, 0.1, 0.5]);
  });

  it('activationOrder (packed-key sort) equals a comparator sort, ties by index', () => {
    const r = rng(3);
    const act = Float32Array.from({ length: 5000 }, () => (r.uniform() < 0.3 ? 0 : Math.round(r.normal() * 50) / 10));
    const ref = Int32Array.from({ length: act.length }, (_, i) => i).sort((a, b) => act[b] - act[a] || a - b);
    expect(Array.from(activationOrder(act))).toEqual(Array.from(ref));
  });
});

describe('Top Impact of a layer', () => {
  it('closed form equals the brute-force oracle; layer means ignore flagged neurons', async () => {
    const L = randomLayer(31, 120, 4, 5);
    for (let i = 0; i < 120; i++) L.acts.data[i * 4 + 3] = 0; // dead neuron: zero ablation changes nothing
    const fast = await linearHeadOracle(L.acts, L.head, L.labels, 1.2);
    const slow = bruteForceOracle(L.acts, L.head, L.labels, 1.2);
    const a = await topImpactLayer(fast, L.acts);
    const b = await topImpactLayer(slow, L.acts);
    for (let k = 0; k < 3; k++) {
      for (let t = 0; t < a.betas.length; t++) expect(a.perNeuron[k].atBetas[t]).toBeCloseTo(b.perNeuron[k].atBetas[t], 10);
      for (let t = 0; t < a.curveBetas.length; t++) expect(a.perNeuron[k].curve[t]).toBeCloseTo(b.perNeuron[k].curve[t], 10);
      expect(a.perNeuron[k].curve[99]).toBeCloseTo(1, 12);
    }
    expect(a.perNeuron[3].flag).toBe('no-impact');
    expect(a.definedNeurons).toBe(3);
    const mean = (a.perNeuron[0].atBetas[4] + a.perNeuron[1].atBetas[4] + a.perNeuron[2].atBetas[4]) / 3;
    expect(a.meanAtBetas[4]).toBeCloseTo(mean, 14);
  });
});
