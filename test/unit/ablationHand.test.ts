import { describe, expect, it } from 'vitest';
import {
  ablationScore,
  ablationSummary,
  linearHead,
  linearHeadOracle,
  matrix,
  meanWithStandardError,
  normScaling,
  quadraticFit,
  replaceChannel,
  channelSummary,
  scoreAblation,
} from '../../src/main/core/numeric/ablation';

/*
 * Hand-computed ablation score. 2 classes, 2 neurons, 6 images, T = 1, all labels 0.
 * Head: W = [[0.5, 0.5], [-0.5, -0.5]], b = 0, so z0 - z1 = a0 + a1 and
 *   L = log(1 + exp(z1 - z0)) = log(1 + e^-(a0 + a1)).
 * Neuron 1 is dead (a1 = 0 on every image). Split: images 0, 1 val; 2..5 test.
 * Neuron 0: a0 = [0, ln9 | 0, ln3, ln7, ln15]  ->  mu = val mean = ln3.
 *   original test losses: ln2, ln(4/3), ln(8/7), ln(16/15)       (1 + 1/x for x = 1, 3, 7, 15)
 *   mean ablation (a0 = ln3): ln(4/3) on every image
 *   |dL| = ln(3/2), 0, ln(7/6), ln(5/4)   ->  D = ln(3/2 * 7/6 * 5/4) = ln(35/16)
 * Explanation s = [0, 2 | 0, 1, 1, 2]. Norm on val: rho = 1 (two points), std(a) = ln9/2 = ln3, std(s) = 1
 *   -> c = ln3, d = mean(a) - c mean(s) = ln3 - ln3 = 0, so v = s ln3 = ln(3^s) on test: 0, ln3, ln3, ln9
 *   new losses: ln2, ln(4/3), ln(4/3), ln(10/9)
 *   |dL| = 0, 0, ln(4/3) - ln(8/7) = ln(7/6), ln(16/15) - ln(10/9) = -ln(25/24)  -> |.| = ln(25/24)
 *   numerator = ln(7/6 * 25/24) = ln(175/144)
 *   alpha_norm = 1 - ln(175/144) / ln(35/16) = 0.750913...
 * Neuron 1 (dead): mean ablation changes nothing -> D = 0 -> score NaN, flagged.
 */
describe('ablation score, hand-computed tiny model', () => {
  const L = Math.log;
  const a0 = [0, L(9), 0, L(3), L(7), L(15)];
  const acts = matrix(Float64Array.from(a0.flatMap((v) => [v, 0])), 6, 2);
  const sims = matrix(Float64Array.from([0, 2, 0, 1, 1, 2].flatMap((v) => [v, 1])), 6, 2);
  const head = linearHead(Float64Array.of(0.5, 0.5, -0.5, -0.5), Float64Array.of(0, 0), 2, 2);
  const labels = new Int32Array(6);
  const split = Uint8Array.of(1, 1, 2, 2, 2, 2);

  it('matches the arithmetic in the comment', async () => {
    const oracle = await linearHeadOracle(acts, head, labels, 1);
    const [n0, n1] = await scoreAblation(oracle, acts, sims, split, { methods: ['norm', 'optim'] });
    expect(n0.valMean).toBeCloseTo(L(3), 14);
    expect(n0.denominator).toBeCloseTo(L(35 / 16), 13);
    expect(n0.norm?.c).toBeCloseTo(L(3), 14);
    expect(n0.norm?.d).toBeCloseTo(0, 14);
    expect(n0.norm?.rho).toBeCloseTo(1, 14);
    expect(n0.norm?.numerator).toBeCloseTo(L(175 / 144), 13);
    expect(n0.norm?.score).toBeCloseTo(1 - L(175 / 144) / L(35 / 16), 12);
    expect(n0.norm?.score).toBeCloseTo(0.750913, 5);
    expect(n0.flag).toBeNull();
    // Optim starts at c = 1, d = 0 and must not end worse on val than where it started.
    expect(n0.optim!.finalObjective).toBeLessThanOrEqual(n0.optim!.initialObjective);
    expect(n1.denominator).toBe(0);
    expect(n1.flag).toBe('zero-denominator');
    expect(n1.norm?.score).toBeNaN();
    expect(n1.optim?.score).toBeNaN();
  });

  it('ablationScore edge cases', () => {
    expect(ablationScore(0, 2)).toBe(1);
    expect(ablationScore(2, 2)).toBe(0);
    expect(ablationScore(1, 0)).toBeNaN();
  });
});

describe('Norm scaling formula', () => {
  it('c = rho * std(a) / std(s), d = mean(a) - c * mean(s): by hand on 4 points', () => {
    // a = [1, 2, 3, 6] (mean 3, pop var (4+1+0+9)/4 = 3.5), s = [0, 1, 1, 2] (mean 1, pop var 0.5)
    // cov = ((-2)(-1) + (-1)(0) + 0*0 + 3*1) / 4 = 5/4; c = cov / var(s) = 2.5; d = 3 - 2.5 = 0.5
    const r = normScaling(Float64Array.of(1, 2, 3, 6), Float64Array.of(0, 1, 1, 2));
    expect(r.c).toBeCloseTo(2.5, 14);
    expect(r.d).toBeCloseTo(0.5, 14);
    expect(r.rho).toBeCloseTo(1.25 / Math.sqrt(3.5 * 0.5), 14);
  });
  it('constant explanation -> mean ablation', () => {
    const r = normScaling(Float64Array.of(1, 2, 3), Float64Array.of(4, 4, 4));
    expect(r).toEqual({ c: 0, d: 2, rho: 0 });
  });
  it('uses only the given rows', () => {
    const r = normScaling(Float64Array.of(100, 1, 3), Float64Array.of(-7, 0, 1), Int32Array.of(1, 2));
    expect(r.c).toBeCloseTo(2, 14);
    expect(r.d).toBeCloseTo(1, 14);
  });
});

describe('replaceChannel', () => {
  const map = Float32Array.of(1, 2, 3, 6); // 2 x 2, mean 3, max 6
  it('mean: uniform shift so the spatial mean becomes the value', () => {
    const out = replaceChannel(map, 2, 2, 5, 'mean');
    expect(Array.from(out)).toEqual([3, 4, 5, 8]);
    expect(channelSummary(out, 2, 2, 'mean')).toBe(5);
    expect(Array.from(map)).toEqual([1, 2, 3, 6]);
  });
  it('max: shift so the max becomes the value; zero ablation is the same rule with 0', () => {
    expect(Array.from(replaceChannel(map, 2, 2, 0, 'max'))).toEqual([-5, -4, -3, 0]);
    expect(Array.from(replaceChannel(map, 2, 2, 0, 'mean'))).toEqual([-2, -1, 0, 3]);
  });
  it('first (CLS token): only entry 0 changes', () => {
    expect(Array.from(replaceChannel(map, 4, 1, 9, 'first'))).toEqual([9, 2, 3, 6]);
  });
  it('mean shift + global average pool + fc equals the closed form', () => {
    // pooled value after the shift is exactly the requested value, so W[:,k] * (v - a) is the logit change.
    const shifted = replaceChannel(Float64Array.of(0.5, 1.5, -1, 3), 2, 2, 0.25, 'mean');
    expect(channelSummary(shifted, 2, 2, 'mean')).toBeCloseTo(0.25, 15);
  });
});

describe('aggregates', () => {
  it('ablationSummary: per-method mean and standard error, flagged neurons left out, fits vs correlation', () => {
    const res = [
      { flag: null, optim: { score: 0.1 }, norm: { score: 0.05 } },
      { flag: null, optim: { score: 0.3 }, norm: { score: 0.15 } },
      { flag: 'zero-denominator', optim: { score: NaN }, norm: { score: NaN } },
      { flag: null, optim: { score: 0.2 }, norm: { score: 0.1 } },
    ];
    const s = ablationSummary(res, [0.1, 0.3, 0.5, 0.2]);
    expect(s.flagged).toBe(1);
    expect(s.optim.n).toBe(3);
    expect(s.optim.mean).toBeCloseTo(0.2, 15);
    expect(s.optim.standardError).toBeCloseTo(0.1 / Math.sqrt(3), 14); // sample std 0.1
    expect(s.norm.mean).toBeCloseTo(0.1, 15);
    expect(s.optimVsCorrelation!.b).toBeCloseTo(1, 10); // optim = correlation exactly: a = 0, b = 1, c = 0
    expect(s.optimVsCorrelation!.a).toBeCloseTo(0, 10);
  });

  it('mean with standard error skips NaN', () => {
    const r = meanWithStandardError([1, 2, 3, NaN, 6]);
    // mean 3, sample var (4 + 1 + 0 + 9) / 3 = 14/3, se = sqrt(14/3 / 4)
    expect(r.n).toBe(4);
    expect(r.mean).toBe(3);
    expect(r.standardError).toBeCloseTo(Math.sqrt(14 / 12), 14);
  });
  it('quadratic fit recovers an exact parabola and the reference relation', () => {
    const x = [0.05, 0.1, 0.2, 0.3, 0.4, 0.6, NaN];
    const f = quadraticFit(
      x,
      x.map((v) => 0.42 * v * v + 0.0057),
    );
    expect(f.a).toBeCloseTo(0.42, 10);
    expect(f.b).toBeCloseTo(0, 10);
    expect(f.c).toBeCloseTo(0.0057, 10);
    expect(f.r2).toBeCloseTo(1, 12);
    expect(f.n).toBe(6);
    const g = quadraticFit([1, 2, 3, 4], [2, 0, 2, 8]);
    // 2x^2 - 8x + 8 passes through all four points: (1,2) (2,0) (3,2) (4,8)
    expect(g.a).toBeCloseTo(2, 10);
    expect(g.b).toBeCloseTo(-8, 10);
    expect(g.c).toBeCloseTo(8, 10);
    expect(quadraticFit([1, 1, 1], [1, 2, 3]).a).toBeNaN();
  });
});
