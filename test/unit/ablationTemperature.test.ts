import { describe, expect, it } from 'vitest';
import { fitTemperature, matrix, REFERENCE_TEMPERATURE_RESNET50 } from '../../src/main/core/numeric/ablation';
import { rng, sampleSoftmax } from './ablationFixtures';

describe('temperature fit', () => {
  it('recovers a planted T from labels sampled from softmax(z / T)', () => {
    const n = 20000;
    const c = 10;
    for (const planted of [0.6, 1.7]) {
      const r = rng(planted * 1000);
      const z = Float64Array.from({ length: n * c }, () => 2.5 * r.normal());
      const labels = Int32Array.from({ length: n }, (_, i) => sampleSoftmax(z.subarray(i * c, (i + 1) * c), planted, r.uniform()));
      const fit = fitTemperature(
        matrix(z, n, c),
        labels,
        Int32Array.from({ length: n }, (_, i) => i),
      );
      expect(Math.abs(fit.temperature - planted) / planted).toBeLessThan(0.03);
      expect(fit.nll).toBeLessThan(fit.nllAtOne + 1e-12);
      expect(fit.iterations).toBeLessThan(20);
    }
  });

  it('a perfectly separated set hits the lower bound; the reference T is recorded', () => {
    const z = Float64Array.of(5, 0, 0, 5);
    const fit = fitTemperature(matrix(z, 2, 2), Int32Array.of(0, 1), Int32Array.of(0, 1));
    expect(fit.atBound).toBe(true);
    expect(fit.temperature).toBe(0.05);
    expect(REFERENCE_TEMPERATURE_RESNET50).toBe(1.1);
  });
});
