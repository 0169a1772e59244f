import type { FloatArray, LossOracle, OracleWants } from './types';

export interface LossChanges {
  /** L_new - L_orig per listed image. */
  changes: Float64Array;
  /** d L_new / d value per image, when asked for. */
  grads?: Float64Array;
  /** When asked for (needs oracle.evaluate). */
  correct?: Uint8Array;
  gradientSource?: 'analytic' | 'finite-difference';
}

export interface ChangeOptions {
  /**
   * Central finite-difference step, relative: h = step * max(1, |v|). Default 1e-2: the tail graph runs in
   * float32, so the loss is noisy at ~1e-6 and smaller steps amplify round-off (measured against the exact
   * gradient on the CNN pooled layer: 3.8e-5 at 1e-2, 9.5e-5 at 1e-3, 8.5e-2 at 1e-5; ViT MLP vs Richardson:
   * 0.11% at 1e-2, 0.9% at 1e-3). See ablationJob/README.md.
   */
  finiteDifferenceStep?: number;
}

/**
 * Loss changes of one neuron's replacement, from whatever the oracle offers: its own precise `changes`,
 * else losses minus `base` (the unablated losses of the same images). Gradients: the oracle's analytic ones,
 * else central finite differences (two more `losses` calls; for tail-graph oracles without autodiff).
 */
export async function lossChanges(
  oracle: LossOracle,
  neuron: number,
  values: FloatArray,
  imageIdx: Int32Array,
  base: () => Promise<FloatArray>,
  want: OracleWants,
  opts: ChangeOptions = {},
): Promise<LossChanges> {
  const res = oracle.evaluate
    ? await oracle.evaluate(neuron, values, imageIdx, want)
    : { losses: await oracle.losses(neuron, values, imageIdx) };
  if (want.correct && !('correct' in res && res.correct)) throw new Error('lossChanges: this oracle cannot tell correctness (no evaluate)');
  const m = imageIdx.length;
  const given = 'changes' in res ? res.changes : undefined;
  // Oracles return fresh arrays: a float64 one is used as is (no copy in the Optim inner loop).
  let changes: Float64Array;
  if (given) changes = given instanceof Float64Array ? given : Float64Array.from(given);
  else {
    changes = new Float64Array(m);
    const b = await base();
    for (let r = 0; r < m; r++) changes[r] = res.losses[r] - b[r];
  }
  const out: LossChanges = { changes, correct: 'correct' in res ? res.correct : undefined };
  if (!want.grads) return out;
  const grads = 'grads' in res ? res.grads : undefined;
  if (grads) return { ...out, grads: grads instanceof Float64Array ? grads : Float64Array.from(grads), gradientSource: 'analytic' };
  const step = opts.finiteDifferenceStep ?? 1e-2;
  const up = new Float64Array(m);
  const down = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    const h = step * Math.max(1, Math.abs(values[r]));
    up[r] = values[r] + h;
    down[r] = values[r] - h;
  }
  const [lu, ld] = await Promise.all([oracle.losses(neuron, up, imageIdx), oracle.losses(neuron, down, imageIdx)]);
  const fd = new Float64Array(m);
  for (let r = 0; r < m; r++) fd[r] = (lu[r] - ld[r]) / (up[r] - down[r]);
  return { ...out, grads: fd, gradientSource: 'finite-difference' };
}
