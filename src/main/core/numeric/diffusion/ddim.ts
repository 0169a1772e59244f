// One deterministic DDIM step (eta = 0), as diffusers' DDIMScheduler.step with use_clipped_model_output false:
//   x0   = (x_t - sqrt(1 - a_t) * eps) / sqrt(a_t)                 (epsilon prediction)
//   x0   = sqrt(a_t) * x_t - sqrt(1 - a_t) * v;  eps = sqrt(a_t) * v + sqrt(1 - a_t) * x_t   (v_prediction)
//   x0   = clamp(x0, -r, r)                                          (clip_sample)
//   x_prev = sqrt(a_prev) * x0 + sqrt(1 - a_prev) * eps
// a_t = alphas_cumprod[t]; a_prev = alphas_cumprod[t - T // n], or for the last step alphas_cumprod[0] (SD:
// set_alpha_to_one false) or 1 (set_alpha_to_one true).

import { ddimTimesteps, type TimestepSpacing } from './timesteps';

export type PredictionType = 'epsilon' | 'v_prediction';

export interface DdimOptions {
  prediction: PredictionType;
  /** clip_sample_range when clip_sample is on, else null. */
  clip: number | null;
}

export interface DdimStepPlan {
  timestep: number;
  alphaT: number;
  alphaPrev: number;
}

export function ddimPlan(
  alphasCumprod: Float64Array,
  n: number,
  spacing: TimestepSpacing,
  stepsOffset: number,
  setAlphaToOne: boolean,
): DdimStepPlan[] {
  const T = alphasCumprod.length;
  const finalAlpha = setAlphaToOne ? 1 : alphasCumprod[0];
  const ratio = Math.floor(T / n);
  return ddimTimesteps(T, n, spacing, stepsOffset).map((t) => {
    const prev = t - ratio;
    return { timestep: t, alphaT: alphasCumprod[t], alphaPrev: prev >= 0 ? alphasCumprod[prev] : finalAlpha };
  });
}

export function ddimStep(out: Float32Array, sample: Float32Array, p: DdimStepPlan, o: DdimOptions): Float32Array {
  const sa = Math.sqrt(p.alphaT);
  const sb = Math.sqrt(1 - p.alphaT);
  const sp = Math.sqrt(p.alphaPrev);
  const sq = Math.sqrt(1 - p.alphaPrev);
  const next = new Float32Array(sample.length);
  for (let i = 0; i < sample.length; i++) {
    const x = sample[i];
    const m = out[i];
    let x0 = o.prediction === 'epsilon' ? (x - sb * m) / sa : sa * x - sb * m;
    const eps = o.prediction === 'epsilon' ? m : sa * m + sb * x;
    if (o.clip !== null) x0 = Math.min(o.clip, Math.max(-o.clip, x0));
    next[i] = sp * x0 + sq * eps;
  }
  return next;
}
