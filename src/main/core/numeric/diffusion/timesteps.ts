// Which training timesteps an N-step sampler visits, as diffusers' set_timesteps picks them
// (timestep_spacing 'leading' | 'trailing' | 'linspace', table 2 of "Common Diffusion Noise Schedules and Sample
// Steps are Flawed"). numpy's rounding is half-to-even and np.arange's length is ceil((stop - start) / step): both
// are reproduced so a step count that hits a .5 gives the same timesteps as diffusers.

export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export const TIMESTEP_SPACINGS: readonly TimestepSpacing[] = ['leading', 'trailing', 'linspace'];

/** np.round: half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** np.arange(start, stop, step) for a float step. */
export function arange(start: number, stop: number, step: number): number[] {
  const n = Math.max(0, Math.ceil((stop - start) / step));
  return Array.from({ length: n }, (_, i) => start + i * step);
}

/**
 * DDIMScheduler.set_timesteps: integer timesteps, highest first.
 *   leading:  (arange(0, n) * (T // n)).round()[::-1] + steps_offset
 *   trailing: round(arange(T, 0, -T / n)) - 1
 *   linspace: linspace(0, T - 1, n).round()[::-1]
 */
export function ddimTimesteps(T: number, n: number, spacing: TimestepSpacing, stepsOffset: number): number[] {
  if (spacing === 'leading') {
    const ratio = Math.floor(T / n);
    return Array.from({ length: n }, (_, i) => (n - 1 - i) * ratio + stepsOffset);
  }
  if (spacing === 'trailing') return arange(T, 0, -T / n).map((v) => roundHalfEven(v) - 1);
  const lin = Array.from({ length: n }, (_, i) => (n === 1 ? 0 : ((T - 1) * i) / (n - 1)));
  return lin.map(roundHalfEven).reverse();
}

/**
 * EulerDiscreteScheduler.set_timesteps: float timesteps (linspace is not rounded), highest first.
 * Same as DDIM for leading and trailing; linspace(0, T - 1, n)[::-1] unrounded.
 */
export function eulerTimesteps(T: number, n: number, spacing: TimestepSpacing, stepsOffset: number): number[] {
  if (spacing === 'linspace') return Array.from({ length: n }, (_, i) => Math.fround(n === 1 ? 0 : ((T - 1) * i) / (n - 1))).reverse();
  return ddimTimesteps(T, n, spacing, stepsOffset);
}
