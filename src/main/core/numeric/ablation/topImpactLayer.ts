import { lossChanges } from './oracleAccess';
import { activationOrder, imageImpacts, TOP_IMPACT_BETAS, topImpactCurve, topImpactGrid } from './topImpact';
import { ColumnCache, type LossOracle, type Matrix } from './types';

export interface TopImpactOptions {
  /** Images to use. Default: all rows of the activations (the probe set). */
  imageIdx?: Int32Array;
  /** Default: all neurons. */
  neurons?: Int32Array;
  /** Default TOP_IMPACT_BETAS. */
  betas?: ArrayLike<number>;
  /** Betas of the full curve. Default topImpactGrid(100, 1e-4). */
  curveBetas?: Float64Array;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface NeuronTopImpact {
  neuron: number;
  atBetas: Float64Array;
  curve: Float64Array;
  /** sum |I_k|; 0 means zero ablation changed nothing: TI is NaN and the neuron is flagged. */
  total: number;
  flag: 'no-impact' | null;
}

export interface LayerTopImpact {
  betas: Float64Array;
  curveBetas: Float64Array;
  perNeuron: NeuronTopImpact[];
  /** Means over the neurons with a defined TI (flagged ones left out). */
  meanAtBetas: Float64Array;
  meanCurve: Float64Array;
  definedNeurons: number;
  /** False when no image was classified correctly: the accuracy term of I was dropped. */
  accTermUsed: boolean;
}

/**
 * Top Impact of a layer (docs/methods.md "Top Impact"): zero-ablate each neuron, I_k per image from accuracy and temperature-scaled
 * loss changes, TI_k(beta) = share of sum |I_k| carried by the top beta fraction of images by activation.
 * Needs an oracle with `evaluate` (for correctness).
 */
export async function topImpactLayer(oracle: LossOracle, activations: Matrix, opts: TopImpactOptions = {}): Promise<LayerTopImpact> {
  const idx = opts.imageIdx ?? Int32Array.from({ length: activations.rows }, (_, i) => i);
  const neurons = opts.neurons ?? Int32Array.from({ length: activations.cols }, (_, k) => k);
  const betas = Float64Array.from(opts.betas ?? TOP_IMPACT_BETAS);
  const curveBetas = opts.curveBetas ?? topImpactGrid();
  if (!oracle.baseline) throw new Error('topImpactLayer: the oracle needs baseline() (original losses and correctness)');
  const base = await oracle.baseline(idx);
  const baseLosses = Float64Array.from(base.losses);
  const zeros = new Float64Array(idx.length);
  const perNeuron: NeuronTopImpact[] = [];
  const meanAtBetas = new Float64Array(betas.length);
  const meanCurve = new Float64Array(curveBetas.length);
  let defined = 0;
  let accTermUsed = true;
  const cols = new ColumnCache(activations);
  for (let t = 0; t < neurons.length; t++) {
    opts.signal?.throwIfAborted();
    const k = neurons[t];
    const res = await lossChanges(oracle, k, zeros, idx, async () => baseLosses, { correct: true });
    const lossNew = new Float64Array(idx.length);
    for (let r = 0; r < idx.length; r++) lossNew[r] = baseLosses[r] + res.changes[r];
    const imp = imageImpacts(base.correct, res.correct as Uint8Array, baseLosses, lossNew);
    accTermUsed &&= imp.accTermUsed;
    const act = cols.at(k, idx);
    const order = activationOrder(act);
    const at = topImpactCurve(imp.impacts, act, betas, order);
    const curve = topImpactCurve(imp.impacts, act, curveBetas, order);
    const ok = at.total > 0;
    perNeuron.push({ neuron: k, atBetas: at.values, curve: curve.values, total: at.total, flag: ok ? null : 'no-impact' });
    if (ok) {
      defined++;
      for (let b = 0; b < betas.length; b++) meanAtBetas[b] += at.values[b];
      for (let b = 0; b < curveBetas.length; b++) meanCurve[b] += curve.values[b];
    }
    opts.onProgress?.(t + 1, neurons.length);
  }
  for (let b = 0; b < betas.length; b++) meanAtBetas[b] = defined ? meanAtBetas[b] / defined : NaN;
  for (let b = 0; b < curveBetas.length; b++) meanCurve[b] = defined ? meanCurve[b] / defined : NaN;
  return { betas, curveBetas, perNeuron, meanAtBetas, meanCurve, definedNeurons: defined, accTermUsed };
}
