import { describe, expect, it } from 'vitest';
import {
  columnStats,
  elasticNetGram,
  explainLayer,
  greedyExplain,
  greedyExplainReference,
  labelMatrix,
  makeSplit,
  mulberry32,
  rankConcepts,
  singleConceptReference,
  splitIndices,
  standardiseRowsTransposed,
  trainCrossProducts,
  type DenseMatrix,
  type RankOrder,
} from '../../src/main/core/numeric/le';
import { enetGolden, maxAbsDiff } from './explainGolden';

/** Gaussian noise from the same documented PRNG (Box-Muller). */
function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

const CLASSES = ['cat', 'dog', 'bird', 'boot', 'sandal', 'sneaker', 'horse', 'car', 'truck', 'ship', 'plane', 'tree'];

/** Label data: 12 classes + superclasses; the neuron is a planted linear combination of label columns + noise. */
function plantedLabels(n: number, supers: { name: string; classes: number[] }[], terms: Record<string, number>, noise: number, seed = 11) {
  const rand = mulberry32(seed);
  const classIds = Array.from({ length: n }, () => Math.floor(rand() * CLASSES.length));
  const lm = labelMatrix({ classIds, classNames: CLASSES, superclasses: supers });
  const m = lm.matrix.cols;
  const q = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0.05 + noise * gauss(rand);
    for (const [name, w] of Object.entries(terms)) v += w * lm.matrix.data[i * m + lm.names.indexOf(name)];
    q[i] = v;
  }
  return { p: lm.matrix, names: lm.names, q: { data: q, rows: n, cols: 1 } as DenseMatrix, split: makeSplit(n, { seed: 5 }) };
}

async function explainOne(d: ReturnType<typeof plantedLabels>, order: RankOrder) {
  const res = await explainLayer({ concepts: d.p, activations: d.q, split: d.split }, { engine: 'js', greedy: { order } });
  const e = res.neurons[0].explanation!;
  const terms = new Map<string, number>();
  e.concepts.forEach((c, i) => terms.set(d.names[c], e.weights[i]));
  return { e, terms };
}

describe('greedy search recovers planted label explanations', () => {
  it('footwear + sandal + truck: exactly those concepts, weights within 3%', async () => {
    const planted = { footwear: 2.0, sandal: 0.9, truck: 1.2 };
    const d = plantedLabels(
      6000,
      [
        { name: 'footwear', classes: [3, 4, 5] },
        { name: 'animal', classes: [0, 1, 2, 6] },
      ],
      planted,
      0.1,
    );
    const { e, terms } = await explainOne(d, 'signed');
    expect(new Set(terms.keys())).toEqual(new Set(Object.keys(planted)));
    for (const [name, w] of Object.entries(planted)) expect(Math.abs(terms.get(name)! - w) / w).toBeLessThan(0.03);
    expect(Math.abs(e.bias - 0.05)).toBeLessThan(0.02);
    expect(e.valCorrelation).toBeGreaterThan(0.95);
  });

  it('ReLU(2 footwear - sneaker): signed order misses sneaker (methods.md weakness), |weight| order finds it', async () => {
    // A wide superclass (6 classes) makes a negative sneaker weight the sparsest elastic-net solution, so
    // sneaker ranks last by signed weight and never enters the first r = 10 candidates.
    const d = plantedLabels(6000, [{ name: 'footwear', classes: [3, 4, 5, 6, 7, 8] }], { footwear: 2.0, sneaker: -1.0 }, 0.1);
    const signed = await explainOne(d, 'signed');
    expect([...signed.terms.keys()]).toEqual(['footwear']);
    const abs = await explainOne(d, 'abs');
    expect(new Set(abs.terms.keys())).toEqual(new Set(['footwear', 'sneaker']));
    expect(Math.abs(abs.terms.get('footwear')! - 2) / 2).toBeLessThan(0.03);
    expect(Math.abs(abs.terms.get('sneaker')! + 1)).toBeLessThan(0.03);
    expect(abs.e.testCorrelation).toBeGreaterThan(signed.e.testCorrelation);
  });
});

describe('fast greedy (Gram) equals the slow reference (QR on raw data)', () => {
  const g = enetGolden();
  const p = { data: Float32Array.from(g.p), rows: g.n, cols: g.m };
  const q = { data: Float32Array.from(g.q), rows: g.n, cols: g.k };
  const split = Uint8Array.from(g.split);
  const { train, val } = splitIndices(split);
  const pStats = columnStats(p, train);
  const qStats = columnStats(q, train);
  const valT = standardiseRowsTransposed(p, pStats, val);

  for (const order of ['signed', 'abs'] as RankOrder[]) {
    for (const eps of [0.02, 0.001]) {
      it(`golden data, order ${order}, eps ${eps}: same concepts, weights/bias 1e-8, val correlation 1e-8 (val columns are stored float32)`, async () => {
        const cp = await trainCrossProducts(p, q, train, pStats, qStats, { engine: 'js' });
        for (let k = 0; k < g.k; k++) {
          const c = Float64Array.from({ length: g.m }, (_, j) => cp.xty[j * g.k + k]);
          const ranking = rankConcepts(elasticNetGram(cp.gram, g.m, c, 1, { lambda: 0.01 }).coef, order);
          const y = Float64Array.from({ length: g.n }, (_, i) => q.data[i * g.k + k]);
          const yVal = Float64Array.from(val, (i) => y[i]);
          const fast = greedyExplain(
            { gram: cp.gram, m: g.m, xty: c, valT, nVal: val.length, yVal, pStats, yMean: qStats.mean[k], yStd: qStats.std[k] },
            ranking,
            { eps, order },
          );
          const ref = greedyExplainReference({ p, trainRows: train, valRows: val, y }, ranking, { eps, order });
          expect(Array.from(fast.concepts)).toEqual(Array.from(ref.concepts));
          expect(fast.concepts.length).toBeGreaterThan(0);
          expect(maxAbsDiff(fast.weights, ref.weights)).toBeLessThan(1e-8);
          expect(Math.abs(fast.bias - ref.bias)).toBeLessThan(1e-8);
          expect(Math.abs(fast.valCorrelation - ref.valCorrelation)).toBeLessThan(1e-8);
        }
      });
    }
  }

  it('explainLayer single-concept baseline equals the brute-force reference; onnx engine gives the same explanations', async () => {
    const js = await explainLayer({ concepts: p, activations: q, split }, { engine: 'js' });
    const ort = await explainLayer({ concepts: p, activations: q, split }, { engine: 'onnx' });
    for (let k = 0; k < g.k; k++) {
      const y = Float64Array.from({ length: g.n }, (_, i) => q.data[i * g.k + k]);
      const ref = singleConceptReference({ p, trainRows: train, valRows: val, y });
      const got = js.neurons[k].baselines!.singleConcept;
      expect(Array.from(got.concepts)).toEqual(Array.from(ref.concepts));
      expect(Math.abs(got.weights[0] - ref.weights[0])).toBeLessThan(1e-8);
      expect(Math.abs(got.valCorrelation - ref.valCorrelation)).toBeLessThan(1e-8);
      const a = js.neurons[k].explanation!;
      const b = ort.neurons[k].explanation!;
      expect(Array.from(b.concepts)).toEqual(Array.from(a.concepts));
      expect(maxAbsDiff(a.weights, b.weights)).toBeLessThan(1e-4);
      expect(Math.abs(a.testCorrelation - b.testCorrelation)).toBeLessThan(1e-5);
    }
  });
});
