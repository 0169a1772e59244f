import { describe, expect, it } from 'vitest';
import {
  absChangeObjective,
  bruteForceOracle,
  column,
  linearHeadOracle,
  referenceLogits,
  referenceLoss,
  scoreAblation,
  SPLIT_VAL,
  splitRows,
  argmax,
} from '../../src/main/core/numeric/ablation';
import { randomLayer, relErr, rng } from './ablationFixtures';

describe('closed form (rank-one) vs brute force', () => {
  const L = randomLayer(11, 60, 5, 7);
  const T = 1.3;
  const all = Int32Array.from({ length: 60 }, (_, i) => i);

  it('loss, loss change and correctness equal recomputing the logits from scratch (1e-12)', async () => {
    const oracle = await linearHeadOracle(L.acts, L.head, L.labels, T, { lossModel: 'exact' });
    const r = rng(5);
    let worst = 0;
    let flips = 0;
    for (let k = 0; k < 5; k++) {
      const values = Float64Array.from(all, () => 3 * r.normal());
      const res = await oracle.evaluate(k, values, all, { correct: true });
      for (let i = 0; i < 60; i++) {
        const ref = referenceLoss(L.acts, L.head, L.labels, T, i, k, values[i]);
        const own = referenceLoss(L.acts, L.head, L.labels, T, i, k, L.acts.data[i * 5 + k]);
        worst = Math.max(worst, Math.abs(res.losses[i] - ref), Math.abs(res.changes![i] - (ref - own)));
        const z = referenceLogits(L.acts, L.head, i, k, values[i]);
        const ok = argmax(z, 0, 7) === L.labels[i] ? 1 : 0;
        expect(res.correct![i]).toBe(ok);
        if (ok !== (argmax(oracle.logits, i * 7, 7) === L.labels[i] ? 1 : 0)) flips++;
      }
    }
    expect(worst).toBeLessThan(1e-12);
    expect(flips).toBeGreaterThan(0); // the correctness check was exercised on changed predictions
  });

  it('concurrent evaluations of different neurons give the sequential answers (cumulant blocks, column cache)', async () => {
    const oracle = await linearHeadOracle(L.acts, L.head, L.labels, T, { lossModel: 'cumulant', blockSize: 2 });
    const v = Float64Array.from(all, (i) => (i % 7) / 3);
    const seq: Float64Array[] = [];
    for (const k of [0, 3, 4]) seq.push(Float64Array.from((await oracle.evaluate(k, v, all, { grads: true, correct: true })).changes!));
    const par = await Promise.all([0, 3, 4].map((k) => oracle.evaluate(k, v, all, { grads: true, correct: true })));
    par.forEach((p, t) => expect(Array.from(p.changes!)).toEqual(Array.from(seq[t])));
  });

  it('the pruned argmax (few stored classes) agrees with a full scan', async () => {
    const big = randomLayer(12, 80, 4, 40, 1.0);
    const pruned = await linearHeadOracle(big.acts, big.head, big.labels, 1, { lossModel: 'exact', orderLength: 3 });
    const full = bruteForceOracle(big.acts, big.head, big.labels, 1);
    const idx = Int32Array.from({ length: 80 }, (_, i) => i);
    const r = rng(9);
    for (let k = 0; k < 4; k++) {
      const v = Float64Array.from(idx, () => 4 * r.normal());
      const a = await pruned.evaluate(k, v, idx, { correct: true });
      const b = await full.evaluate!(k, v, idx, { correct: true });
      expect(Array.from(a.correct!)).toEqual(Array.from(b.correct!));
    }
  });

  it('analytic dL/dv matches central finite differences of the brute-force loss (1e-6 rel)', async () => {
    const oracle = await linearHeadOracle(L.acts, L.head, L.labels, T, { lossModel: 'exact' });
    const r = rng(6);
    let worst = 0;
    for (let k = 0; k < 5; k++) {
      const values = Float64Array.from(all, () => 2 * r.normal());
      const res = await oracle.evaluate(k, values, all, { grads: true });
      for (let i = 0; i < 60; i++) {
        const h = 1e-5;
        const fd =
          (referenceLoss(L.acts, L.head, L.labels, T, i, k, values[i] + h) -
            referenceLoss(L.acts, L.head, L.labels, T, i, k, values[i] - h)) /
          (2 * h);
        worst = Math.max(worst, Math.abs(res.grads![i] - fd) / Math.max(1e-3, Math.abs(fd)));
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('Optim objective gradient in (c, d) matches finite differences of the slow objective (1e-4 rel)', async () => {
    const oracle = await linearHeadOracle(L.acts, L.head, L.labels, T, { lossModel: 'exact' });
    const val = splitRows(L.split, SPLIT_VAL);
    for (const k of [0, 2, 4]) {
      const s = column(L.sims, k, val);
      const base = async () => (await oracle.baseline(val)).losses;
      const f = absChangeObjective(oracle, k, s, val, base);
      const slow = (c: number, d: number): number => {
        let sum = 0;
        for (let r = 0; r < val.length; r++) {
          const i = val[r];
          sum += Math.abs(
            referenceLoss(L.acts, L.head, L.labels, T, i, k, c * s[r] + d) -
              referenceLoss(L.acts, L.head, L.labels, T, i, k, L.acts.data[i * 5 + k]),
          );
        }
        return sum;
      };
      for (const [c, d] of [
        [1, 0],
        [0.7, 0.2],
      ]) {
        const g = await f(c, d);
        const h = 1e-6;
        expect(relErr(g.value, slow(c, d))).toBeLessThan(1e-12);
        expect(relErr(g.gc, (slow(c + h, d) - slow(c - h, d)) / (2 * h))).toBeLessThan(1e-4);
        expect(relErr(g.gd, (slow(c, d + h) - slow(c, d - h)) / (2 * h))).toBeLessThan(1e-4);
      }
    }
  });

  it('scoreAblation through a brute-force oracle (no gradients: finite differences) agrees with the closed form', async () => {
    const fast = await linearHeadOracle(L.acts, L.head, L.labels, T, { lossModel: 'exact' });
    const slow = bruteForceOracle(L.acts, L.head, L.labels, T);
    const opts = { neurons: Int32Array.of(1, 3), adam: { steps: 30 } };
    const a = await scoreAblation(fast, L.acts, L.sims, L.split, opts);
    const b = await scoreAblation(slow, L.acts, L.sims, L.split, opts);
    for (let t = 0; t < 2; t++) {
      expect(a[t].optim!.gradientSource).toBe('analytic');
      expect(b[t].optim!.gradientSource).toBe('finite-difference');
      expect(relErr(b[t].denominator, a[t].denominator)).toBeLessThan(1e-12);
      expect(b[t].norm!.score).toBeCloseTo(a[t].norm!.score, 12);
      expect(b[t].optim!.c).toBeCloseTo(a[t].optim!.c, 5);
      expect(b[t].optim!.d).toBeCloseTo(a[t].optim!.d, 5);
      expect(b[t].optim!.score).toBeCloseTo(a[t].optim!.score, 5);
    }
  });
});

describe('fused Optim objective (fast path) vs the generic one', () => {
  it('gives the same (c, d) and scores, exact and cumulant models', async () => {
    const L = randomLayer(41, 150, 4, 200, 0.15);
    for (const lossModel of ['exact', 'cumulant'] as const) {
      const oracle = await linearHeadOracle(L.acts, L.head, L.labels, 1.1, { lossModel, blockSize: 2, trustRadius: 0.5 });
      const fused = await scoreAblation(oracle, L.acts, L.sims, L.split, { methods: ['optim'] });
      const generic = await scoreAblation(oracle, L.acts, L.sims, L.split, { methods: ['optim'], fusedObjective: false });
      for (let k = 0; k < 4; k++) {
        expect(fused[k].optim!.c).toBeCloseTo(generic[k].optim!.c, 12);
        expect(fused[k].optim!.d).toBeCloseTo(generic[k].optim!.d, 12);
        expect(fused[k].optim!.score).toBeCloseTo(generic[k].optim!.score, 12);
      }
    }
  });
});

describe('cumulant expansion vs exact', () => {
  it('agrees inside the trust radius and falls back outside it', async () => {
    const L = randomLayer(21, 200, 6, 300, 0.15);
    const exact = await linearHeadOracle(L.acts, L.head, L.labels, 1.1, { lossModel: 'exact' });
    const approx = await linearHeadOracle(L.acts, L.head, L.labels, 1.1, { lossModel: 'cumulant', blockSize: 4 });
    const idx = Int32Array.from({ length: 200 }, (_, i) => i);
    let worst = 0;
    let scale = 0;
    for (let k = 0; k < 6; k++) {
      const zero = new Float64Array(200);
      const e = await exact.evaluate(k, zero, idx, { grads: true, correct: true });
      const a = await approx.evaluate(k, zero, idx, { grads: true, correct: true });
      for (let i = 0; i < 200; i++) {
        worst = Math.max(worst, Math.abs(a.changes![i] - e.changes![i]));
        scale = Math.max(scale, Math.abs(e.changes![i]));
      }
      expect(Array.from(a.correct!)).toEqual(Array.from(e.correct!));
    }
    expect(worst / scale).toBeLessThan(2e-3);
    expect(approx.stats.exactFallbacks).toBeGreaterThan(0);
    expect(approx.stats.exactFallbacks).toBeLessThan(approx.stats.evaluations);
  });
});
