import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { linearHead, matrix, type LinearHead, type Matrix } from '../../src/main/core/numeric/ablation';

/** Seeded uniform [0, 1) (mulberry32) and standard normal (Box-Muller) for test data. */
export function rng(seed: number): { uniform: () => number; normal: () => number } {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

/** Index drawn from softmax(z / t) with one uniform. */
export function sampleSoftmax(z: ArrayLike<number>, t: number, u: number): number {
  let m = -Infinity;
  for (let j = 0; j < z.length; j++) m = Math.max(m, z[j] / t);
  let s = 0;
  for (let j = 0; j < z.length; j++) s += Math.exp(z[j] / t - m);
  let acc = 0;
  for (let j = 0; j < z.length; j++) {
    acc += Math.exp(z[j] / t - m) / s;
    if (u < acc) return j;
  }
  return z.length - 1;
}

export interface RandomLayer {
  acts: Matrix;
  head: LinearHead;
  labels: Int32Array;
  sims: Matrix;
  split: Uint8Array;
}

/** ReLU-Gaussian features, Gaussian head, labels sampled from the model at temperature 1.2, noisy-copy explanations. */
export function randomLayer(seed: number, n: number, k: number, c: number, wScale = 0.6, splitVal = 0.3): RandomLayer {
  const r = rng(seed);
  const a = Float64Array.from({ length: n * k }, () => Math.max(0, r.normal() + 0.2));
  const w = Float64Array.from({ length: c * k }, () => wScale * r.normal());
  const b = Float64Array.from({ length: c }, () => 0.2 * r.normal());
  const head = linearHead(w, b, c, k);
  const labels = new Int32Array(n);
  const z = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      let s = b[j];
      for (let t = 0; t < k; t++) s += w[j * k + t] * a[i * k + t];
      z[j] = s;
    }
    labels[i] = sampleSoftmax(z, 1.2, r.uniform());
  }
  const s = Float64Array.from(a, (v) => v + 0.5 * r.normal());
  const split = Uint8Array.from({ length: n }, () => {
    const u = r.uniform();
    return u < 0.2 ? 0 : u < 0.2 + splitVal ? 1 : 2;
  });
  return { acts: matrix(a, n, k), head, labels, sims: matrix(s, n, k), split };
}

export interface AblationGolden {
  n: number;
  k: number;
  c: number;
  temperature: number;
  activations: number[];
  weight: number[];
  bias: number[];
  labels: number[];
  simulated: number[];
  split: number[];
  baseLosses: number[];
  neurons: {
    neuron: number;
    valMean: number;
    denominator: number;
    norm: { c: number; d: number; rho: number; numerator: number; score: number };
    optim: { c: number; d: number; numerator: number; score: number; initialObjective: number; initialGrad: number[] };
  }[];
  topImpact: { betas: number[]; perNeuron: { neuron: number; impacts: number[]; atBetas: number[] }[] };
  temperatureFit: { temperature: number; nll: number };
}

export const ablationGolden = (): AblationGolden =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'resources', 'golden', 'ablation_golden.json'), 'utf8')) as AblationGolden;

export function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1e-12, Math.abs(b));
}
