import { describe, expect, it } from 'vitest';
import {
  correlationScore,
  explainLayer,
  mulberry32,
  rankConcepts,
  rankConceptsReference,
  simulate,
  simulateBatch,
  splitIndices,
} from '../../src/main/core/numeric/le';
import { enetGolden } from './explainGolden';

const g = enetGolden();
const p = { data: Float32Array.from(g.p), rows: g.n, cols: g.m };
const split = Uint8Array.from(g.split);

/** Test correlation of the planted (true) combination: the best a linear explanation can do on test. */
function oracleTestCorrelation(k: number): number {
  const terms = Object.entries(g.plan[k]);
  return correlationScore(p, { data: Float32Array.from(g.q), rows: g.n, cols: g.k }, k, splitIndices(split).test, {
    concepts: terms.map(([c]) => Number(c)),
    weights: terms.map(([, w]) => w),
    bias: 0,
  });
}

/** The golden activations plus one dead neuron (all below 0.01) at index k. */
function withDeadNeuron() {
  const k = g.k + 1;
  const data = new Float32Array(g.n * k);
  for (let i = 0; i < g.n; i++) {
    for (let j = 0; j < g.k; j++) data[i * k + j] = g.q[i * g.k + j];
    data[i * k + g.k] = 0.001 * (i % 3);
  }
  return { data, rows: g.n, cols: k };
}

describe('simulate', () => {
  it('hand-computed simulation and score', () => {
    const pSim = { data: Float32Array.of(1, 0, 0, 1, 1, 1), rows: 3, cols: 2 };
    const rows = Int32Array.of(0, 1, 2);
    expect(Array.from(simulate(pSim, rows, { concepts: [0, 1], weights: [2, -1], bias: 0.5 }))).toEqual([2.5, -0.5, 1.5]);
    const q = { data: Float32Array.of(2.5, -0.5, 1.5), rows: 3, cols: 1 };
    expect(correlationScore(pSim, q, 0, rows, { concepts: [0, 1], weights: [2, -1], bias: 0.5 })).toBeCloseTo(1, 12);
  });
});

describe('rankConcepts', () => {
  it('linear-time ranking equals the full stable sort, both orders', () => {
    const rand = mulberry32(3);
    const w = Float64Array.from({ length: 500 }, () => (rand() < 0.9 ? 0 : Math.round((rand() - 0.5) * 8) / 4));
    for (const order of ['signed', 'abs'] as const) expect(rankConcepts(w, order)).toEqual(rankConceptsReference(w, order));
  });
});

describe('simulateBatch', () => {
  it('equals simulate() per explanation', () => {
    const { test } = splitIndices(split);
    const es = [
      { concepts: [0, 12], weights: [2, 1], bias: 0.3 },
      { concepts: [20], weights: [-1.5], bias: 0 },
      { concepts: [], weights: [], bias: 1 },
    ];
    const batch = simulateBatch(p, test, es);
    es.forEach((e, i) => {
      const one = simulate(p, test, e);
      for (let r = 0; r < test.length; r++) expect(batch[i][r]).toBeCloseTo(one[r], 12);
    });
  });
});

describe('explainLayer', () => {
  it('explains every live neuron, flags the dead one, reports progress per block', async () => {
    const q = withDeadNeuron();
    const progress: [number, number][] = [];
    // |weight| order: the planted negative terms (neurons 1 and 3) become candidates (docs/methods.md "Concept order").
    const res = await explainLayer(
      { concepts: p, activations: q, split },
      { engine: 'js', blockSize: 3, greedy: { order: 'abs' }, onProgress: (d, t) => progress.push([d, t]) },
    );
    expect(progress).toEqual([
      [3, 7],
      [6, 7],
      [7, 7],
    ]);
    expect(res.neurons.map((r) => r.dead)).toEqual([false, false, false, false, false, false, true]);
    expect(res.neurons[6].explanation).toBeNull();
    for (const r of res.neurons.slice(0, g.k)) {
      const e = r.explanation!;
      expect(e.concepts.length).toBeGreaterThan(0);
      expect(e.concepts.length).toBeLessThanOrEqual(10);
      // Planted neurons: LE simulates them on test about as well as the true combination does (eps = 0.02
      // per added concept lets weak planted terms go, hence the 0.1 margin; exact recovery is tested on label data).
      expect(e.testCorrelation).toBeGreaterThan(oracleTestCorrelation(r.neuron) - 0.1);
      expect(e.valCorrelation).toBeGreaterThanOrEqual(r.baselines!.singleConcept.valCorrelation - 1e-12);
      expect(r.baselines!.noGreedy.concepts.length).toBe(5);
      expect(r.enetConverged).toBe(true);
    }
    // The test correlation is the simulation score on the test split, recomputed independently.
    const { test } = splitIndices(split);
    const e0 = res.neurons[0].explanation!;
    expect(correlationScore(p, q, 0, test, e0)).toBeCloseTo(e0.testCorrelation, 12);
  });

  it('recovers the planted concepts of neuron 0 (2.0 x class0 + 1.0 x superclass 0)', async () => {
    const q = { data: Float32Array.from(g.q), rows: g.n, cols: g.k };
    const res = await explainLayer({ concepts: p, activations: q, split }, { engine: 'js', neurons: [0] });
    const e = res.neurons[0].explanation!;
    expect(new Set(e.concepts)).toEqual(new Set(Object.keys(g.plan[0]).map(Number)));
  });

  it('stops with the AbortSignal between blocks', async () => {
    const q = { data: Float32Array.from(g.q), rows: g.n, cols: g.k };
    const ac = new AbortController();
    const run = explainLayer(
      { concepts: p, activations: q, split },
      { engine: 'js', blockSize: 2, onProgress: (d) => d >= 2 && ac.abort(), signal: ac.signal },
    );
    await expect(run).rejects.toThrow();
  });

  it('reports the Gram pass per row chunk and can be aborted there', async () => {
    const q = { data: Float32Array.from(g.q), rows: g.n, cols: g.k };
    const rowsSeen: number[] = [];
    await explainLayer({ concepts: p, activations: q, split }, { engine: 'js', rowChunk: 100, onRows: (d) => rowsSeen.push(d) });
    expect(rowsSeen).toEqual([100, 200, 300, 400, 420]);
    const ac = new AbortController();
    const run = explainLayer(
      { concepts: p, activations: q, split },
      { engine: 'js', rowChunk: 100, signal: ac.signal, onRows: () => ac.abort() },
    );
    await expect(run).rejects.toThrow();
  });

  it('scores with a separate simulator matrix (same concept columns) and refuses a mismatched one', async () => {
    const q = { data: Float32Array.from(g.q), rows: g.n, cols: g.k };
    // A positive affine copy of P (same weights applied) keeps the Pearson score.
    const affine = { data: p.data.map((v) => 3 * v + 1), rows: g.n, cols: g.m };
    const a = await explainLayer({ concepts: p, activations: q, split, simulator: affine }, { engine: 'js', neurons: [0] });
    const b = await explainLayer({ concepts: p, activations: q, split }, { engine: 'js', neurons: [0] });
    expect(a.neurons[0].explanation!.testCorrelation).toBeCloseTo(b.neurons[0].explanation!.testCorrelation, 6);
    const bad = { data: new Float32Array(g.n * 3), rows: g.n, cols: 3 };
    await expect(explainLayer({ concepts: p, activations: q, split, simulator: bad }, { engine: 'js' })).rejects.toThrow(/simulator/);
  });

  it('lambda chosen on val from a warm-started path', async () => {
    const q = { data: Float32Array.from(g.q), rows: g.n, cols: g.k };
    const res = await explainLayer(
      { concepts: p, activations: q, split },
      { engine: 'js', lambdaSelection: 'valPath', pathLength: 6, greedy: { order: 'abs' } },
    );
    for (const r of res.neurons) {
      expect(Number.isFinite(r.lambda)).toBe(true);
      expect(r.explanation!.testCorrelation).toBeGreaterThan(oracleTestCorrelation(r.neuron) - 0.1);
    }
  });
});
