import { describe, expect, it } from 'vitest';
import {
  fitTemperature,
  imageImpacts,
  linearHead,
  linearHeadOracle,
  matrix,
  scoreAblation,
  SPLIT_VAL,
  splitRows,
  topImpactLayer,
} from '../../src/main/core/numeric/ablation';
import { ablationGolden } from './ablationFixtures';

// Golden from scripts/golden/make_ablation_golden.py: PyTorch float64, logits recomputed from scratch,
// torch.optim.Adam on autograd for Optim. Tolerance 1e-4 (brief); achieved agreement is ~1e-12.
describe('ablation golden (PyTorch)', () => {
  const g = ablationGolden();
  const acts = matrix(Float64Array.from(g.activations), g.n, g.k);
  const sims = matrix(Float64Array.from(g.simulated), g.n, g.k);
  const head = linearHead(Float64Array.from(g.weight), Float64Array.from(g.bias), g.c, g.k);
  const labels = Int32Array.from(g.labels);
  const split = Uint8Array.from(g.split);

  it('base losses, mean-ablation denominators, Norm and Optim (c, d, score) after 100 Adam steps', async () => {
    const oracle = await linearHeadOracle(acts, head, labels, g.temperature, { lossModel: 'exact' });
    const all = Int32Array.from({ length: g.n }, (_, i) => i);
    const base = await oracle.baseline(all);
    for (let i = 0; i < g.n; i++) expect(base.losses[i]).toBeCloseTo(g.baseLosses[i], 12);
    const res = await scoreAblation(oracle, acts, sims, split);
    let worst = 0;
    for (const want of g.neurons) {
      const got = res[want.neuron];
      const pairs: [number, number][] = [
        [got.valMean, want.valMean],
        [got.denominator, want.denominator],
        [got.norm!.c, want.norm.c],
        [got.norm!.d, want.norm.d],
        [got.norm!.rho, want.norm.rho],
        [got.norm!.score, want.norm.score],
        [got.optim!.initialObjective, want.optim.initialObjective],
        [got.optim!.c, want.optim.c],
        [got.optim!.d, want.optim.d],
        [got.optim!.score, want.optim.score],
      ];
      for (const [a, b] of pairs) worst = Math.max(worst, Math.abs(a - b));
    }
    expect(worst).toBeLessThan(1e-4);
    expect(worst).toBeLessThan(1e-9); // what is actually achieved (float64 both sides)
  });

  it('Top Impact at the betas (incl. beta = 1) and the per-image impacts', async () => {
    const oracle = await linearHeadOracle(acts, head, labels, g.temperature, { lossModel: 'exact' });
    const ti = await topImpactLayer(oracle, acts, { betas: g.topImpact.betas });
    for (const want of g.topImpact.perNeuron) {
      const got = ti.perNeuron[want.neuron];
      for (let b = 0; b < want.atBetas.length; b++) expect(got.atBetas[b]).toBeCloseTo(want.atBetas[b], 10);
    }
    // impacts themselves, through the pure function
    const all = Int32Array.from({ length: g.n }, (_, i) => i);
    const base = await oracle.baseline(all);
    const z = await oracle.evaluate(2, new Float64Array(g.n), all, { correct: true });
    const imp = imageImpacts(base.correct, z.correct!, base.losses, z.losses);
    const want = g.topImpact.perNeuron[2].impacts;
    for (let i = 0; i < g.n; i++) expect(imp.impacts[i]).toBeCloseTo(want[i], 12);
  });

  it('temperature fit on val', async () => {
    const oracle = await linearHeadOracle(acts, head, labels, 1, { lossModel: 'exact' });
    const fit = fitTemperature(matrix(oracle.logits, g.n, g.c), labels, splitRows(split, SPLIT_VAL));
    expect(fit.temperature).toBeCloseTo(g.temperatureFit.temperature, 8);
    expect(fit.nll).toBeCloseTo(g.temperatureFit.nll, 10);
    expect(fit.atBound).toBe(false);
  });
});
