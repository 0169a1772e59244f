import { describe, expect, it } from 'vitest';
import { linearHead, linearHeadOracle, matrix, scoreAblation } from '../../src/main/core/numeric/ablation';
import { rng, sampleSoftmax } from './ablationFixtures';

/*
 * Planted: 6 concepts per image (uniform [0, 1]); neuron 0 = relu(2 c0 + c1 - 0.8) + small noise, other
 * features random. A random 10-class head; labels sampled from it. The true formula 2 c0 + c1 must score
 * higher (Optim and Norm) than a wrong explanation (c4) and than a half-right one (c1 alone).
 */
describe('planted concept neuron', () => {
  it('the true formula scores higher than wrong explanations', async () => {
    const n = 1500;
    const k = 4;
    const cls = 10;
    const r = rng(77);
    const concepts = Float64Array.from({ length: n * 6 }, () => r.uniform());
    const a = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      a[i * k] = Math.max(0, 2 * concepts[i * 6] + concepts[i * 6 + 1] - 0.8 + 0.05 * r.normal());
      for (let f = 1; f < k; f++) a[i * k + f] = Math.max(0, r.normal());
    }
    const w = Float64Array.from({ length: cls * k }, () => 1.5 * r.normal());
    const b = new Float64Array(cls);
    const head = linearHead(w, b, cls, k);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: cls }, (_, j) => w.slice(j * k, j * k + k).reduce((s, v, f) => s + v * a[i * k + f], 0));
      labels[i] = sampleSoftmax(z, 1, r.uniform());
    }
    const split = Uint8Array.from({ length: n }, (_, i) => (i % 10 < 6 ? 0 : i % 10 < 8 ? 1 : 2));
    const acts = matrix(a, n, k);
    const oracle = await linearHeadOracle(acts, head, labels, 1);
    const explain = (f: (i: number) => number) => {
      const s = new Float64Array(n * k);
      for (let i = 0; i < n; i++) s[i * k] = f(i);
      return matrix(s, n, k);
    };
    const score = async (f: (i: number) => number) =>
      (await scoreAblation(oracle, acts, explain(f), split, { neurons: Int32Array.of(0) }))[0];
    const truth = await score((i) => 2 * concepts[i * 6] + concepts[i * 6 + 1]);
    const half = await score((i) => concepts[i * 6 + 1]);
    const wrong = await score((i) => concepts[i * 6 + 4]);
    expect(truth.norm!.score).toBeGreaterThan(0.7);
    expect(truth.optim!.score).toBeGreaterThan(0.5);
    expect(truth.norm!.score).toBeGreaterThan(half.norm!.score + 0.2);
    expect(truth.optim!.score).toBeGreaterThan(half.optim!.score + 0.1);
    expect(half.norm!.score).toBeGreaterThan(wrong.norm!.score);
    expect(Math.abs(wrong.norm!.score)).toBeLessThan(0.1); // an unrelated explanation ~ mean ablation
  });
});
