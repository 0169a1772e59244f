import type { AdamOptions } from './adam';
import { normScaling } from './normScaling';
import { lossChanges, type ChangeOptions } from './oracleAccess';
import { optimObjective, optimScaling, type OptimResult } from './optimScaling';
import { ColumnCache, SPLIT_TEST, SPLIT_VAL, splitRows, type FloatArray, type LossOracle, type Matrix } from './types';

export type ScalingMethod = 'optim' | 'norm';

export interface AblationOptions extends ChangeOptions {
  /** Neurons to score. Default: all columns of the activations. */
  neurons?: Int32Array;
  /** Default ['optim', 'norm']. */
  methods?: readonly ScalingMethod[];
  /** Overrides of DEFAULT_ADAM (lr 1e-2, betas .9/.999, eps 1e-8, 100 steps). */
  adam?: Partial<AdamOptions>;
  /** Use the oracle's fused Optim objective when it has one. Default true (false: the generic path, for tests). */
  fusedObjective?: boolean;
  signal?: AbortSignal;
  /** Called after each neuron. */
  onProgress?: (done: number, total: number) => void;
}

export interface ScaledAblation {
  c: number;
  d: number;
  /** sum_test |L(k <- c s + d) - L(orig)|. */
  numerator: number;
  /** 1 - numerator / denominator; NaN when the denominator is 0. */
  score: number;
}

export interface NeuronAblation {
  neuron: number;
  /** mu_k: the neuron's mean on val (the mean-ablation value). */
  valMean: number;
  /** D_k = sum_test |L(k <- mu_k) - L(orig)|. */
  denominator: number;
  /** 'zero-denominator': mean ablation changes no test loss (dead neuron, zero head column): scores are NaN. */
  flag: 'zero-denominator' | null;
  norm?: ScaledAblation & { rho: number };
  optim?: ScaledAblation & Omit<OptimResult, 'c' | 'd'>;
}

/** alpha = 1 - numerator / denominator, NaN when the denominator is 0 (no defined baseline effect). */
export function ablationScore(numerator: number, denominator: number): number {
  return denominator > 0 ? 1 - numerator / denominator : NaN;
}

/** sum |x|. */
function sumAbs(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]);
  return s;
}

/**
 * Ablation scores of one explanation per neuron (docs/methods.md "Ablation score"):
 *   alpha_k = 1 - sum_test |L(k <- c s + d) - L(orig)| / sum_test |L(k <- mu_k) - L(orig)|,  mu_k = val mean,
 * with (c, d) from Norm (val statistics) and/or Optim (Adam on val). `activations` and `simulated` are N x K
 * (same layout, one row per image), `split` 0 train / 1 val / 2 test. Works with any LossOracle.
 */
export async function scoreAblation(
  oracle: LossOracle,
  activations: Matrix,
  simulated: Matrix,
  split: Uint8Array,
  opts: AblationOptions = {},
): Promise<NeuronAblation[]> {
  const n = activations.rows;
  if (simulated.rows !== n || simulated.cols !== activations.cols)
    throw new Error('scoreAblation: simulated must have the activations shape');
  if (split.length !== n || oracle.numImages !== n) throw new Error('scoreAblation: split / oracle size differs from the activations');
  const methods = opts.methods ?? ['optim', 'norm'];
  const neurons = opts.neurons ?? Int32Array.from({ length: activations.cols }, (_, k) => k);
  const val = splitRows(split, SPLIT_VAL);
  const test = splitRows(split, SPLIT_TEST);
  if (val.length === 0 || test.length === 0) throw new Error('scoreAblation: needs val and test images');
  const actCols = new ColumnCache(activations);
  const simCols = new ColumnCache(simulated);
  const out: NeuronAblation[] = [];
  for (let t = 0; t < neurons.length; t++) {
    opts.signal?.throwIfAborted();
    const k = neurons[t];
    const aVal = actCols.at(k, val);
    const aTest = actCols.at(k, test);
    const sVal = simCols.at(k, val);
    const sTest = simCols.at(k, test);
    const baseOf = (rows: Int32Array, own: Float64Array) => lazyBase(oracle, k, rows, own);
    const baseTest = baseOf(test, aTest);
    const testChange = async (values: FloatArray): Promise<number> =>
      sumAbs((await lossChanges(oracle, k, values, test, baseTest, {}, opts)).changes);
    let mu = 0;
    for (let r = 0; r < aVal.length; r++) mu += aVal[r];
    mu /= aVal.length;
    const denominator = await testChange(new Float64Array(test.length).fill(mu));
    const res: NeuronAblation = { neuron: k, valMean: mu, denominator, flag: denominator > 0 ? null : 'zero-denominator' };
    const scaled = async (c: number, d: number): Promise<ScaledAblation> => {
      const v = new Float64Array(test.length);
      for (let r = 0; r < v.length; r++) v[r] = c * sTest[r] + d;
      const numerator = await testChange(v);
      return { c, d, numerator, score: ablationScore(numerator, denominator) };
    };
    if (methods.includes('norm')) {
      const ns = normScaling(aVal, sVal);
      res.norm = { ...(await scaled(ns.c, ns.d)), rho: ns.rho };
    }
    if (methods.includes('optim')) {
      let source: 'analytic' | 'finite-difference' = 'analytic';
      const o0 = opts.fusedObjective === false ? { ...oracle, absChangeObjective: undefined } : oracle;
      const objective = await optimObjective(o0, k, sVal, val, baseOf(val, aVal), opts, (s) => (source = s));
      const o = await optimScaling(objective, opts.adam);
      res.optim = {
        ...(await scaled(o.c, o.d)),
        initialObjective: o.initialObjective,
        finalObjective: o.finalObjective,
        gradientSource: source,
      };
    }
    out.push(res);
    opts.onProgress?.(t + 1, neurons.length);
  }
  return out;
}

/** Unablated losses of `rows`, computed at most once: the oracle's baseline, else losses at the neuron's own values. */
function lazyBase(oracle: LossOracle, k: number, rows: Int32Array, own: Float64Array): () => Promise<FloatArray> {
  let p: Promise<FloatArray> | null = null;
  return () => (p ??= oracle.baseline ? oracle.baseline(rows).then((b) => b.losses) : oracle.losses(k, own, rows));
}
