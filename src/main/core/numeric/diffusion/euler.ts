// Euler discrete sampling (Karras et al. algorithm 2 with s_churn 0), as diffusers' EulerDiscreteScheduler:
//   sigma(t) = sqrt((1 - a_t) / a_t), linearly interpolated at the (possibly fractional) timesteps, then a final 0;
//   initial latents = noise * init_noise_sigma, where init_noise_sigma = max sigma (linspace / trailing spacing)
//                     or sqrt(max sigma^2 + 1) (leading);
//   the UNet sees x / sqrt(sigma^2 + 1) (scale_model_input) and the timestep;
//   x0 = x - sigma * eps (epsilon) or  eps_out * (-sigma / sqrt(sigma^2 + 1)) + x / (sigma^2 + 1) (v_prediction);
//   x_next = x + (x - x0) / sigma * (sigma_next - sigma).
// With timestep_spacing 'trailing' and one step this is SD-Turbo's sampler (t = 999, sigma_next = 0: x_next = x0).

import type { PredictionType } from './ddim';
import { eulerTimesteps, type TimestepSpacing } from './timesteps';

export interface EulerPlan {
  timesteps: number[];
  /** n + 1 values, the last 0. */
  sigmas: Float64Array;
  initNoiseSigma: number;
}

/** np.interp(x, arange(len(table)), table) */
function interpIndex(table: Float64Array, x: number): number {
  if (x <= 0) return table[0];
  if (x >= table.length - 1) return table[table.length - 1];
  const i = Math.floor(x);
  const f = x - i;
  return table[i] + f * (table[i + 1] - table[i]);
}

export function eulerPlan(alphasCumprod: Float64Array, n: number, spacing: TimestepSpacing, stepsOffset: number): EulerPlan {
  const T = alphasCumprod.length;
  const table = Float64Array.from(alphasCumprod, (a) => Math.sqrt((1 - a) / a));
  const timesteps = eulerTimesteps(T, n, spacing, stepsOffset);
  const sigmas = new Float64Array(n + 1);
  timesteps.forEach((t, i) => (sigmas[i] = Math.fround(interpIndex(table, t))));
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, sigmas[i]);
  const initNoiseSigma = spacing === 'leading' ? Math.sqrt(max * max + 1) : max;
  return { timesteps, sigmas, initNoiseSigma };
}

export function scaleModelInput(sample: Float32Array, sigma: number): Float32Array {
  const s = 1 / Math.sqrt(sigma * sigma + 1);
  return Float32Array.from(sample, (x) => x * s);
}

export function eulerStep(
  out: Float32Array,
  sample: Float32Array,
  sigma: number,
  sigmaNext: number,
  prediction: PredictionType,
): Float32Array {
  const next = new Float32Array(sample.length);
  const c = sigma * sigma + 1;
  for (let i = 0; i < sample.length; i++) {
    const x = sample[i];
    const x0 = prediction === 'epsilon' ? x - sigma * out[i] : out[i] * (-sigma / Math.sqrt(c)) + x / c;
    next[i] = x + ((x - x0) / sigma) * (sigmaNext - sigma);
  }
  return next;
}
