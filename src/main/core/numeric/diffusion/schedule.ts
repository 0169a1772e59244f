// The noise schedule of a diffusion model, as diffusers' schedulers build it from scheduler_config.json:
// betas (linear, scaled_linear, squaredcos_cap_v2 or trained_betas) and alphas_cumprod[t] = prod_{s<=t} (1 - beta_s).
// Computed in float64 (diffusers uses float32 torch tensors: the two agree to ~1e-6, far inside the 1e-3 image goldens).

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
export const BETA_SCHEDULES: readonly BetaSchedule[] = ['linear', 'scaled_linear', 'squaredcos_cap_v2'];

export interface NoiseSchedule {
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  /** When given, used as is (diffusers' trained_betas). */
  trainedBetas?: readonly number[] | null;
}

/** np.linspace(a, b, n) */
export function linspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [a];
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

/** Glide's cosine schedule (diffusers' betas_for_alpha_bar with max_beta 0.999). */
function cosineBetas(n: number): number[] {
  const alphaBar = (t: number): number => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  return Array.from({ length: n }, (_, i) => Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999));
}

export function betas(s: NoiseSchedule): Float64Array {
  if (s.trainedBetas) return Float64Array.from(s.trainedBetas);
  const n = s.numTrainTimesteps;
  if (s.betaSchedule === 'linear') return Float64Array.from(linspace(s.betaStart, s.betaEnd, n));
  // SD's schedule: linear in sqrt(beta).
  if (s.betaSchedule === 'scaled_linear') return Float64Array.from(linspace(Math.sqrt(s.betaStart), Math.sqrt(s.betaEnd), n), (v) => v * v);
  return Float64Array.from(cosineBetas(n));
}

export function alphasCumprod(s: NoiseSchedule): Float64Array {
  const b = betas(s);
  const out = new Float64Array(b.length);
  let acc = 1;
  for (let t = 0; t < b.length; t++) {
    acc *= 1 - b[t];
    out[t] = acc;
  }
  return out;
}

/** Slow obvious reference: the product written out for one t. */
export function alphaCumprodAtReference(s: NoiseSchedule, t: number): number {
  const b = betas(s);
  let p = 1;
  for (let i = 0; i <= t; i++) p *= 1 - b[i];
  return p;
}
