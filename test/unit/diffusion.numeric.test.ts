import { describe, expect, it } from 'vitest';
import { ddimPlan, ddimStep } from '../../src/main/core/numeric/diffusion/ddim';
import { eulerPlan, eulerStep, scaleModelInput } from '../../src/main/core/numeric/diffusion/euler';
import { guide } from '../../src/main/core/numeric/diffusion/guidance';
import { fromHalfBits, toHalfBits } from '../../src/main/core/numeric/diffusion/half';
import { toRgbBytes } from '../../src/main/core/numeric/diffusion/image';
import { gaussianNoise } from '../../src/main/core/numeric/diffusion/noise';
import { alphaCumprodAtReference, alphasCumprod, betas, type NoiseSchedule } from '../../src/main/core/numeric/diffusion/schedule';
import { ddimTimesteps, eulerTimesteps, roundHalfEven } from '../../src/main/core/numeric/diffusion/timesteps';

// Expected values are worked out by hand (comments) or, where marked, printed by torch 1.13 / numpy in float32/float64.

const LINEAR: NoiseSchedule = { numTrainTimesteps: 1000, betaStart: 1e-4, betaEnd: 0.02, betaSchedule: 'linear' };
const SD: NoiseSchedule = { numTrainTimesteps: 1000, betaStart: 0.00085, betaEnd: 0.012, betaSchedule: 'scaled_linear' };

describe('noise schedule', () => {
  it('linear betas and alphas_cumprod at known t', () => {
    const b = betas(LINEAR);
    expect(b[0]).toBeCloseTo(1e-4, 12);
    expect(b[999]).toBeCloseTo(0.02, 12);
    const ac = alphasCumprod(LINEAR);
    expect(ac[0]).toBeCloseTo(0.9999, 12);
    // beta_1 = 1e-4 + 0.0199 / 999 = 1.1991992e-4; ac_1 = 0.9999 * (1 - beta_1) = 0.999780092
    expect(ac[1]).toBeCloseTo(0.999780092, 8);
    expect(ac[999]).toBeCloseTo(4.03583e-5, 8); // torch float32: 4.0358307e-05
    expect(ac[500]).toBeCloseTo(alphaCumprodAtReference(LINEAR, 500), 14);
  });
  it("SD's scaled_linear schedule (torch float32 gives ac[999] = 0.0046601, ac[500] = 0.2763325)", () => {
    const ac = alphasCumprod(SD);
    expect(ac[999]).toBeCloseTo(0.0046601, 6);
    expect(ac[500]).toBeCloseTo(0.2763325, 6);
    expect(betas(SD)[0]).toBeCloseTo(0.00085, 12);
  });
  it('squaredcos_cap_v2 telescopes to alpha_bar(t + 1) / alpha_bar(0) while no beta is capped', () => {
    const ab = (t: number): number => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    const ac = alphasCumprod({ ...LINEAR, betaSchedule: 'squaredcos_cap_v2' });
    expect(ac[499]).toBeCloseTo(ab(0.5) / ab(0), 12);
  });
});

describe('timestep spacing (diffusers set_timesteps)', () => {
  it('leading with steps_offset 1 (SD): 951, 901, ..., 1', () => {
    const ts = ddimTimesteps(1000, 20, 'leading', 1);
    expect(ts[0]).toBe(951);
    expect(ts[19]).toBe(1);
    expect(ts.length).toBe(20);
  });
  it('trailing: one step is t = 999 (SD-Turbo); numpy half-to-even rounding at 16 steps', () => {
    expect(ddimTimesteps(1000, 1, 'trailing', 0)).toEqual([999]);
    expect(ddimTimesteps(1000, 4, 'trailing', 0)).toEqual([999, 749, 499, 249]);
    // numpy: (np.round(np.arange(1000, 0, -62.5)) - 1)
    expect(ddimTimesteps(1000, 16, 'trailing', 0)).toEqual([999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61]);
    expect(ddimTimesteps(1000, 3, 'trailing', 0)).toEqual([999, 666, 332]);
  });
  it('linspace: DDIM rounds half to even, Euler keeps fractions', () => {
    expect(ddimTimesteps(1000, 7, 'linspace', 0)).toEqual([999, 832, 666, 500, 333, 166, 0]);
    expect(eulerTimesteps(1000, 7, 'linspace', 0)[1]).toBeCloseTo(832.5, 5);
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(3.5)).toBe(4);
    expect(roundHalfEven(-0.4)).toBe(-0);
  });
});

describe('DDIM step (eta 0)', () => {
  const plan = { timestep: 0, alphaT: 0.25, alphaPrev: 0.64 };
  it('epsilon prediction, with and without clip_sample', () => {
    // x0 = (1 - sqrt(0.75) * 0.5) / 0.5 = 1.1339746; clipped to 1; x_prev = 0.8 * x0 + 0.6 * 0.5
    const x = Float32Array.of(1);
    const eps = Float32Array.of(0.5);
    expect(ddimStep(eps, x, plan, { prediction: 'epsilon', clip: 1 })[0]).toBeCloseTo(1.1, 6);
    expect(ddimStep(eps, x, plan, { prediction: 'epsilon', clip: null })[0]).toBeCloseTo(0.8 * 1.1339746 + 0.3, 6);
  });
  it('v prediction', () => {
    // x0 = 0.5 * 1 - sqrt(0.75) * 0.5 = 0.0669873; eps = 0.5 * 0.5 + sqrt(0.75) * 1 = 1.1160254
    const out = ddimStep(Float32Array.of(0.5), Float32Array.of(1), plan, { prediction: 'v_prediction', clip: null });
    expect(out[0]).toBeCloseTo(0.8 * 0.0669873 + 0.6 * 1.1160254, 6);
  });
  it('plan: previous alpha is t - T/n, the last step uses alphas_cumprod[0] or 1 (set_alpha_to_one)', () => {
    const ac = alphasCumprod(LINEAR);
    const p = ddimPlan(ac, 20, 'leading', 1, false);
    expect(p[0]).toEqual({ timestep: 951, alphaT: ac[951], alphaPrev: ac[901] });
    expect(p[19].alphaPrev).toBe(ac[0]);
    expect(ddimPlan(ac, 20, 'leading', 1, true)[19].alphaPrev).toBe(1);
  });
});

describe('Euler discrete', () => {
  it('one hand step: x = 2, eps = 0.5, sigma 1 -> 0.5 gives 1.75', () => {
    // x0 = 2 - 1 * 0.5 = 1.5; derivative (2 - 1.5) / 1 = 0.5; x + 0.5 * (0.5 - 1) = 1.75
    expect(eulerStep(Float32Array.of(0.5), Float32Array.of(2), 1, 0.5, 'epsilon')[0]).toBeCloseTo(1.75, 6);
    expect(scaleModelInput(Float32Array.of(2), 1)[0]).toBeCloseTo(2 / Math.SQRT2, 6);
  });
  it('sigmas and init_noise_sigma (torch float32: sigma(999) = 157.40726, sigma(951) = 98.04241)', () => {
    const ac = alphasCumprod(LINEAR);
    const lead = eulerPlan(ac, 20, 'leading', 1);
    expect(lead.timesteps[0]).toBe(951);
    expect(lead.sigmas[0]).toBeCloseTo(98.04241, 2);
    expect(lead.sigmas[20]).toBe(0);
    expect(lead.initNoiseSigma).toBeCloseTo(Math.sqrt(98.04241 ** 2 + 1), 2);
    const turbo = eulerPlan(ac, 1, 'trailing', 1);
    expect(turbo.timesteps).toEqual([999]);
    expect(turbo.sigmas[0]).toBeCloseTo(157.40726, 2);
    expect(turbo.initNoiseSigma).toBe(turbo.sigmas[0]);
  });
  it('one step to sigma 0 lands on the predicted clean image (turbo)', () => {
    const x = Float32Array.of(10, -3);
    const eps = Float32Array.of(0.25, 1);
    const out = eulerStep(eps, x, 8, 0, 'epsilon');
    expect(out[0]).toBeCloseTo(10 - 8 * 0.25, 5);
    expect(out[1]).toBeCloseTo(-3 - 8, 5);
  });
  it('v prediction x0 = v * (-sigma / sqrt(sigma^2 + 1)) + x / (sigma^2 + 1)', () => {
    // sigma 1: x0 = 0.5 * (-1 / sqrt 2) + 2 / 2 = 0.6464466; to sigma 0: x_next = x0
    expect(eulerStep(Float32Array.of(0.5), Float32Array.of(2), 1, 0, 'v_prediction')[0]).toBeCloseTo(0.6464466, 6);
  });
});

describe('guidance, noise, images, float16', () => {
  it('classifier-free guidance: uncond + g (cond - uncond), uncond rows first', () => {
    expect([...guide(Float32Array.of(1, 2, 3, 6), 1, 3)]).toEqual([7, 14]);
    expect(() => guide(Float32Array.of(1, 2, 3), 1, 3)).toThrow();
  });
  it('seeded noise: same seed same numbers, prefix-stable, ~N(0, 1)', () => {
    const a = gaussianNoise(42, 100_000);
    expect([...gaussianNoise(42, 10)]).toEqual([...a.subarray(0, 10)]);
    expect(gaussianNoise(43, 10)[0]).not.toBe(a[0]);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(sd - 1)).toBeLessThan(0.01);
    expect(a.every(Number.isFinite)).toBe(true);
  });
  it('post-processing: (x / 2 + 0.5) clamped, NCHW -> RGB, grey repeated', () => {
    // image 1 of a [2,1,1,3] batch: -1 -> 0, 0 -> 127.5 -> 128, 3 -> clamp 255
    const grey = toRgbBytes(Float32Array.of(9, 9, 9, -1, 0, 3), 1, 1, 1, 3);
    expect([...grey]).toEqual([0, 0, 0, 128, 128, 128, 255, 255, 255]);
    // [1,3,1,2]: planes R = [1, -1], G = [0, 0], B = [-1, 1]
    expect([...toRgbBytes(Float32Array.of(1, -1, 0, 0, -1, 1), 0, 3, 1, 2)]).toEqual([255, 128, 0, 0, 128, 255]);
  });
  it('float16 bits: exact values, rounding to nearest even, overflow, subnormals, NaN', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(65520)).toBe(0x7c00); // rounds up to infinity
    expect(toHalfBits(0.1)).toBe(0x2e66);
    expect(toHalfBits(2 ** -24)).toBe(1);
    expect(toHalfBits(1e-9)).toBe(0);
    expect(Number.isNaN(fromHalfBits(toHalfBits(NaN)))).toBe(true);
    expect(fromHalfBits(0x3555)).toBeCloseTo(0.333251953125, 12);
    for (const v of [0.5, -3.25, 1024, 6.103515625e-5]) expect(fromHalfBits(toHalfBits(v))).toBe(v);
  });
});
