import { argmax, fitConcepts, singleConceptValScores, topKWithoutGreedy, valColumnStats } from './baselines';
import { trainCrossProducts, type CrossProductOptions } from './crossProducts';
import {
  DEFAULT_ETA,
  DEFAULT_LAMBDA,
  elasticNetGram,
  elasticNetGramPath,
  lambdaMax,
  lambdaPath,
  type ElasticNetResult,
} from './elasticNet';
import { gramFitter } from './greedy';
import { greedySearch, type GreedyOptions } from './greedySearch';
import { product } from '../../onnx/gemm';
import { pearson } from './pearson';
import { rankConcepts } from './ranking';
import { simulateBatch } from './simulate';
import { splitIndices } from './splits';
import { columnStats, standardiseRowsTransposed } from './standardise';
import type { DenseMatrix, LinearExplanation } from './types';

/**
 * LE for a whole layer (docs/methods.md "Linear Explanation (LE)" + "Simulation and scoring"):
 * standardise on train -> ONE pass for the train Gram and X^T Y of all neurons -> per neuron: elastic net
 * (Gram coordinate descent), ranking, greedy search, baselines, test correlation with the simulator.
 * Neurons run in blocks; between blocks it reports progress, checks the AbortSignal and yields to the
 * event loop, so a job runner can wrap it.
 */
export interface ExplainLayerInput {
  /** Explainer concept matrix P: N images x M concepts, row-major (see types.ts). */
  concepts: DenseMatrix;
  /** Neuron activations q: N images x K neurons, row-major. */
  activations: DenseMatrix;
  /** Split code per image (splits.ts: 0 train, 1 val, 2 test). */
  split: Uint8Array;
  /** Simulator matrix P_sim over the same concept columns (N x M). Default: `concepts` (LE(Label)). */
  simulator?: DenseMatrix;
}

export interface ExplainLayerOptions extends CrossProductOptions {
  /** Elastic-net penalty. Default 0.05/0.99. Ignored when lambdaSelection is 'valPath'. */
  lambda?: number;
  /** L1 share. Default 0.99. */
  eta?: number;
  /** Elastic-net duality-gap tolerance (relative to ||y||^2). Default 1e-4. */
  tol?: number;
  /** Elastic-net sweep limit. Default 1000. */
  maxIter?: number;
  /** 'fixed' (default): one lambda. 'valPath': a warm-started path from lambda_max, best val correlation. */
  lambdaSelection?: 'fixed' | 'valPath';
  /** Path length and smallest lambda / lambda_max for 'valPath'. Default 8 and 0.01. */
  pathLength?: number;
  pathMinRatio?: number;
  greedy?: GreedyOptions;
  /** Concepts kept by the "LE without greedy search" baseline. Default 5. */
  noGreedyTopK?: number;
  /** Neurons whose max activation over all images is below this are dead and skipped. Default 0.01. */
  deadThreshold?: number;
  /** Neurons per block (progress/abort granularity; one val product per block). Default 64. */
  blockSize?: number;
  /** Only these neurons (default all). */
  neurons?: ArrayLike<number>;
  /** Neurons done / total, after every block. (The shared Gram pass before reports through onRows.) */
  onProgress?: (done: number, total: number) => void;
  /**
   * The results of each block as soon as it is done (a job commits them, so a cancel keeps finished blocks
   * while the Gram matrix is still computed once for the whole layer).
   */
  onBlock?: (results: NeuronResult[]) => void | Promise<void>;
}

export interface ScoredExplanation extends LinearExplanation {
  /** Pearson of the simulation with the neuron on the test split. */
  testCorrelation: number;
}

export interface NeuronResult {
  neuron: number;
  dead: boolean;
  /** null for a dead neuron. */
  explanation: ScoredExplanation | null;
  lambda: number;
  /** Nonzero elastic-net weights (standardised units), concept index ascending. */
  elasticNet: { concepts: Int32Array; weights: Float64Array };
  enetNonzero: number;
  enetConverged: boolean;
  baselines: { singleConcept: ScoredExplanation; noGreedy: ScoredExplanation } | null;
}

export interface LayerExplanation {
  neurons: NeuronResult[];
  timingsMs: { stats: number; crossProducts: number; valPrep: number; neurons: number; elasticNet: number; greedy: number };
}

const now = (): number => performance.now();

export async function explainLayer(input: ExplainLayerInput, opts: ExplainLayerOptions = {}): Promise<LayerExplanation> {
  const p = input.concepts;
  const q = input.activations;
  const sim = input.simulator ?? p;
  const n = p.rows;
  const m = p.cols;
  const kAll = q.cols;
  if (q.rows !== n || input.split.length !== n)
    throw new Error('explainLayer: concepts, activations and split must have the same number of images');
  if (sim.rows !== n || sim.cols !== m) throw new Error('explainLayer: the simulator must have the concept matrix shape');
  const { train, val, test } = splitIndices(input.split);
  if (train.length < 2 || val.length < 2 || test.length < 2) throw new Error('explainLayer: every split needs at least 2 images');
  const neurons = opts.neurons ? Array.from(opts.neurons) : Array.from({ length: kAll }, (_, i) => i);
  const eta = opts.eta ?? DEFAULT_ETA;
  const enetOpts = { eta, tol: opts.tol, maxIter: opts.maxIter };
  const deadThreshold = opts.deadThreshold ?? 0.01;
  const blockSize = Math.max(1, opts.blockSize ?? 64);
  const t: LayerExplanation['timingsMs'] = { stats: 0, crossProducts: 0, valPrep: 0, neurons: 0, elasticNet: 0, greedy: 0 };

  let t0 = now();
  const pStats = columnStats(p, train);
  const qStats = columnStats(q, train);
  const qMax = new Float64Array(kAll).fill(-Infinity);
  for (let i = 0; i < n; i++) for (let k = 0; k < kAll; k++) if (q.data[i * kAll + k] > qMax[k]) qMax[k] = q.data[i * kAll + k];
  t.stats = now() - t0;

  t0 = now();
  const cp = await trainCrossProducts(p, q, train, pStats, qStats, opts);
  t.crossProducts = now() - t0;
  opts.signal?.throwIfAborted();

  t0 = now();
  const nVal = val.length;
  const valT = standardiseRowsTransposed(p, pStats, val);
  const valCols = valColumnStats(valT, m, nVal);
  t.valPrep = now() - t0;

  const results: NeuronResult[] = [];
  const nTest = test.length;
  const tNeurons = now();
  for (let b0 = 0; b0 < neurons.length; b0 += blockSize) {
    opts.signal?.throwIfAborted();
    const block = neurons.slice(b0, b0 + blockSize);
    const kb = block.length;
    // Per block, one cache-friendly pass each: the block's xty columns, its val and test values, and
    // sum_t valT[j,t] * y[t] for all concepts (one product, for the single-concept baseline).
    const cBlock = new Float64Array(kb * m);
    for (let j = 0; j < m; j++) for (let i = 0; i < kb; i++) cBlock[i * m + j] = cp.xty[j * kAll + block[i]];
    const yv = new Float32Array(nVal * kb);
    for (let r = 0; r < nVal; r++) for (let i = 0; i < kb; i++) yv[r * kb + i] = q.data[val[r] * kAll + block[i]];
    const yTest = new Float64Array(nTest * kb);
    for (let r = 0; r < nTest; r++) for (let i = 0; i < kb; i++) yTest[i * nTest + r] = q.data[test[r] * kAll + block[i]];
    const sumXY = await product(valT, m, nVal, yv, kb, opts);
    const pending: { result: NeuronResult; les: LinearExplanation[]; bi: number }[] = [];
    for (let bi = 0; bi < kb; bi++) {
      const k = block[bi];
      const dead = !(qMax[k] >= deadThreshold) || qStats.constant[k] === 1;
      if (dead) {
        const none = { concepts: new Int32Array(0), weights: new Float64Array(0) };
        results.push({
          neuron: k,
          dead: true,
          explanation: null,
          lambda: NaN,
          elasticNet: none,
          enetNonzero: 0,
          enetConverged: true,
          baselines: null,
        });
        continue;
      }
      const c = cBlock.subarray(bi * m, (bi + 1) * m);
      const yVal = new Float64Array(nVal);
      for (let r = 0; r < nVal; r++) yVal[r] = yv[r * kb + bi];

      let te = now();
      let lambda = opts.lambda ?? DEFAULT_LAMBDA;
      let enet: ElasticNetResult;
      // On standardised y, ||y||^2 / n = 1.
      if (opts.lambdaSelection === 'valPath') {
        const lambdas = lambdaPath(lambdaMax(c, eta), opts.pathLength ?? 8, opts.pathMinRatio ?? 0.01);
        const path = elasticNetGramPath(cp.gram, m, c, 1, lambdas, enetOpts);
        let best = 0;
        let bestCorr = -Infinity;
        path.forEach((r, i) => {
          const corr = valCorrelation(r.coef, valT, nVal, yVal);
          if (corr > bestCorr) {
            bestCorr = corr;
            best = i;
          }
        });
        enet = path[best];
        lambda = lambdas[best];
      } else {
        enet = elasticNetGram(cp.gram, m, c, 1, { ...enetOpts, lambda });
      }
      t.elasticNet += now() - te;

      te = now();
      const ranking = rankConcepts(enet.coef, opts.greedy?.order);
      const fitter = gramFitter({ gram: cp.gram, m, xty: c, valT, nVal, yVal, pStats, yMean: qStats.mean[k], yStd: qStats.std[k] });
      const le = greedySearch(ranking, fitter, qStats.mean[k], opts.greedy);
      let yMean = 0;
      for (let r = 0; r < nVal; r++) yMean += yVal[r];
      yMean /= nVal;
      let yVar = 0;
      for (let r = 0; r < nVal; r++) yVar += (yVal[r] - yMean) ** 2;
      const colSum = new Float64Array(m);
      for (let j = 0; j < m; j++) colSum[j] = sumXY[j * kb + bi];
      const scores = singleConceptValScores(c, colSum, valCols, yMean, Math.sqrt(yVar / nVal), nVal);
      const single = fitConcepts(fitter, Int32Array.of(argmax(scores)));
      const noGreedy = topKWithoutGreedy(fitter, ranking, opts.noGreedyTopK ?? 5);
      const nzConcepts: number[] = [];
      for (let j = 0; j < m; j++) if (enet.coef[j] !== 0) nzConcepts.push(j);
      const result: NeuronResult = {
        neuron: k,
        dead: false,
        explanation: null,
        lambda,
        elasticNet: { concepts: Int32Array.from(nzConcepts), weights: Float64Array.from(nzConcepts, (j) => enet.coef[j]) },
        enetNonzero: nzConcepts.length,
        enetConverged: enet.converged,
        baselines: null,
      };
      results.push(result);
      pending.push({ result, les: [le, single, noGreedy], bi });
      t.greedy += now() - te;
    }
    // Test correlation of the simulations, all explanations of the block in one pass over the test rows.
    const te = now();
    const sims = simulateBatch(
      sim,
      test,
      pending.flatMap((x) => x.les),
    );
    pending.forEach((x, i) => {
      const y = yTest.subarray(x.bi * nTest, (x.bi + 1) * nTest);
      const [le, single, noGreedy] = x.les.map((e, j) => ({ ...e, testCorrelation: pearson(sims[3 * i + j], y) }));
      x.result.explanation = le;
      x.result.baselines = { singleConcept: single, noGreedy };
    });
    t.greedy += now() - te;
    await opts.onBlock?.(results.slice(results.length - kb));
    opts.onProgress?.(Math.min(b0 + kb, neurons.length), neurons.length);
    // Let timers, IPC and abort events run between blocks.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  t.neurons = now() - tNeurons;
  return { neurons: results, timingsMs: t };
}

/** Pearson on val of the standardised-space prediction valT^T w (affine-invariant: same as raw). */
function valCorrelation(w: Float64Array, valT: Float32Array, nVal: number, yVal: Float64Array): number {
  const pred = new Float64Array(nVal);
  for (let j = 0; j < w.length; j++) {
    const wj = w[j];
    if (wj === 0) continue;
    for (let r = 0; r < nVal; r++) pred[r] += wj * valT[j * nVal + r];
  }
  return pearson(pred, yVal);
}
