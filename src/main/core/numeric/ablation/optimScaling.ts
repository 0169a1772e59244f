import { adamState, adamStep, DEFAULT_ADAM, type AdamOptions } from './adam';
import { lossChanges, type ChangeOptions } from './oracleAccess';
import type { Scaling } from './normScaling';
import type { AbsChangeValue, FloatArray, LossOracle } from './types';

/** Objective value and gradient in (c, d). */
export type ScalingObjectiveValue = AbsChangeValue;

export type ScalingObjective = (c: number, d: number) => Promise<ScalingObjectiveValue>;

export interface OptimResult extends Scaling {
  /** Objective at the start (c = 1, d = 0) and at the returned (c, d). */
  initialObjective: number;
  finalObjective: number;
  gradientSource: 'analytic' | 'finite-difference';
}

/**
 * Optim objective on the rows (val): sum_i |L(k <- c s_i + d) - L(orig)|, and its exact gradient
 *   d/dc = sum_i sign(dL_i) * dL_i/dv * s_i,   d/dd = sum_i sign(dL_i) * dL_i/dv,
 * with sign(0) = 0 (the subgradient torch uses for |x| at 0). Generic: built on lossChanges (any oracle).
 */
export function absChangeObjective(
  oracle: LossOracle,
  neuron: number,
  sims: FloatArray,
  rows: Int32Array,
  base: () => Promise<FloatArray>,
  opts: ChangeOptions = {},
  onGradientSource?: (s: 'analytic' | 'finite-difference') => void,
): ScalingObjective {
  const values = new Float64Array(rows.length);
  return async (c, d) => {
    for (let r = 0; r < rows.length; r++) values[r] = c * sims[r] + d;
    const res = await lossChanges(oracle, neuron, values, rows, base, { grads: true }, opts);
    if (res.gradientSource) onGradientSource?.(res.gradientSource);
    const g = res.grads as Float64Array;
    let value = 0;
    let gc = 0;
    let gd = 0;
    for (let r = 0; r < rows.length; r++) {
      const dl = res.changes[r];
      value += Math.abs(dl);
      const sg = dl > 0 ? 1 : dl < 0 ? -1 : 0;
      gc += sg * g[r] * sims[r];
      gd += sg * g[r];
    }
    return { value, gc, gd };
  };
}

/** The oracle's fused objective when it has one (linearHeadOracle), else the generic one. */
export async function optimObjective(
  oracle: LossOracle,
  neuron: number,
  sims: Float64Array,
  rows: Int32Array,
  base: () => Promise<FloatArray>,
  opts: ChangeOptions = {},
  onGradientSource?: (s: 'analytic' | 'finite-difference') => void,
): Promise<ScalingObjective> {
  if (oracle.absChangeObjective) {
    const fused = await oracle.absChangeObjective(neuron, sims, rows);
    onGradientSource?.('analytic');
    return async (c, d) => fused(c, d);
  }
  return absChangeObjective(oracle, neuron, sims, rows, base, opts, onGradientSource);
}

/** Optim scaling (docs/methods.md "Optim scaling"): c = 1, d = 0, then `steps` full-batch Adam steps; returns the final (c, d). */
export async function optimScaling(
  objective: ScalingObjective,
  adam: Partial<AdamOptions> = {},
): Promise<Omit<OptimResult, 'gradientSource'>> {
  const o: AdamOptions = { ...DEFAULT_ADAM, ...adam };
  const params = Float64Array.of(1, 0);
  const grads = new Float64Array(2);
  const state = adamState(2);
  let initialObjective = NaN;
  for (let s = 0; s < o.steps; s++) {
    const f = await objective(params[0], params[1]);
    if (s === 0) initialObjective = f.value;
    grads[0] = f.gc;
    grads[1] = f.gd;
    adamStep(params, grads, state, o);
  }
  const final = await objective(params[0], params[1]);
  if (o.steps === 0) initialObjective = final.value;
  return { c: params[0], d: params[1], initialObjective, finalObjective: final.value };
}
