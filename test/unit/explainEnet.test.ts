import { describe, expect, it } from 'vitest';
import {
  columnStats,
  elasticNetGram,
  elasticNetGramPath,
  elasticNetReference,
  fitElasticNetMany,
  lambdaMax,
  lambdaPath,
  splitIndices,
  standardiseRows,
  trainCrossProducts,
  type MatmulEngine,
} from '../../src/main/core/numeric/le';
import { enetGolden, maxAbsDiff } from './explainGolden';

const g = enetGolden();
const p = { data: Float32Array.from(g.p), rows: g.n, cols: g.m };
const q = { data: Float32Array.from(g.q), rows: g.n, cols: g.k };
const { train } = splitIndices(Uint8Array.from(g.split));
const pStats = columnStats(p, train);
const qStats = columnStats(q, train);
const TOL = 1e-4;

describe('elastic net vs sklearn ElasticNet (golden)', () => {
  for (const engine of ['js', 'onnx'] as MatmulEngine[]) {
    it(`fast Gram path (${engine} engine), standardised y, both lambdas: coef_ and intercept_ within ${TOL}`, async () => {
      const cp = await trainCrossProducts(p, q, train, pStats, qStats, { engine, rowChunk: 128 });
      let worst = 0;
      for (const fit of g.fits.filter((f) => f.target === 'std')) {
        for (let k = 0; k < g.k; k++) {
          const c = Float64Array.from({ length: g.m }, (_, j) => cp.xty[j * g.k + k]);
          const r = elasticNetGram(cp.gram, g.m, c, 1, { lambda: fit.lambda, eta: fit.eta, tol: 1e-12, maxIter: 100000 });
          expect(r.converged).toBe(true);
          worst = Math.max(worst, maxAbsDiff(r.coef, fit.coef[k]), Math.abs(fit.intercept[k]));
        }
      }
      expect(worst).toBeLessThan(TOL);
      // Precision actually reached, for the record.
      expect(worst).toBeLessThan(engine === 'js' ? 1e-8 : 1e-5);
    });
  }

  it('fitElasticNetMany (centring only) on standardised X with RAW y: coef_ and intercept_', async () => {
    const xs = { data: standardiseRows(p, pStats, train), rows: train.length, cols: g.m };
    const yRaw = { data: new Float32Array(train.length * g.k), rows: train.length, cols: g.k };
    for (let r = 0; r < train.length; r++) for (let k = 0; k < g.k; k++) yRaw.data[r * g.k + k] = q.data[train[r] * g.k + k];
    const fit = g.fits.find((f) => f.target === 'raw')!;
    const res = await fitElasticNetMany(xs, yRaw, undefined, {
      engine: 'js',
      lambda: fit.lambda,
      eta: fit.eta,
      tol: 1e-12,
      maxIter: 100000,
    });
    for (let k = 0; k < g.k; k++) {
      expect(maxAbsDiff(res.coef.subarray(k * g.m, (k + 1) * g.m), fit.coef[k])).toBeLessThan(TOL);
      expect(Math.abs(res.intercept[k] - fit.intercept[k])).toBeLessThan(TOL);
    }
  });

  it('slow reference (cyclic CD on the data) matches sklearn too', () => {
    const xs = standardiseRows(p, pStats, train);
    const x64 = Float64Array.from(xs);
    for (const fit of g.fits) {
      for (let k = 0; k < g.k; k++) {
        const y = Float64Array.from(train, (i) => {
          const v = q.data[i * g.k + k];
          return fit.target === 'std' ? (v - qStats.mean[k]) / qStats.std[k] : v;
        });
        const r = elasticNetReference(x64, train.length, g.m, y, { lambda: fit.lambda, eta: fit.eta });
        expect(maxAbsDiff(r.coef, fit.coef[k])).toBeLessThan(TOL);
        expect(Math.abs(r.intercept - fit.intercept[k])).toBeLessThan(TOL);
      }
    }
  });

  it('default tolerance (1e-4 duality gap) is close to the exact solution', async () => {
    const cp = await trainCrossProducts(p, q, train, pStats, qStats, { engine: 'js' });
    const fit = g.fits[0];
    for (let k = 0; k < g.k; k++) {
      const c = Float64Array.from({ length: g.m }, (_, j) => cp.xty[j * g.k + k]);
      const r = elasticNetGram(cp.gram, g.m, c, 1);
      expect(r.converged).toBe(true);
      expect(maxAbsDiff(r.coef, fit.coef[k])).toBeLessThan(2e-2);
    }
  });
});

describe('train cross products', () => {
  for (const engine of ['js', 'onnx'] as MatmulEngine[]) {
    it(`blocked upper-triangle Gram and X^T Y (${engine}) equal the obvious float64 products`, async () => {
      const cp = await trainCrossProducts(p, q, train, pStats, qStats, { engine, rowChunk: 97, blockCols: 7 });
      const xs = Float64Array.from(standardiseRows(p, pStats, train));
      const n = train.length;
      const ys = Float64Array.from(
        { length: n * g.k },
        (_, i) => (q.data[train[Math.floor(i / g.k)] * g.k + (i % g.k)] - qStats.mean[i % g.k]) / qStats.std[i % g.k],
      );
      let dg = 0;
      let dc = 0;
      for (let a = 0; a < g.m; a++) {
        for (let b = 0; b < g.m; b++) {
          let s = 0;
          for (let r = 0; r < n; r++) s += xs[r * g.m + a] * xs[r * g.m + b];
          dg = Math.max(dg, Math.abs(s / n - cp.gram[a * g.m + b]));
        }
        for (let t = 0; t < g.k; t++) {
          let s = 0;
          for (let r = 0; r < n; r++) s += xs[r * g.m + a] * ys[r * g.k + t];
          dc = Math.max(dc, Math.abs(s / n - cp.xty[a * g.k + t]));
        }
      }
      expect(Math.max(dg, dc)).toBeLessThan(engine === 'js' ? 1e-6 : 1e-5);
    });
  }
});

describe('elastic net path', () => {
  it('is all-zero at lambda_max and warm starts reach the same point as cold starts', async () => {
    const cp = await trainCrossProducts(p, q, train, pStats, qStats, { engine: 'js' });
    const c = Float64Array.from({ length: g.m }, (_, j) => cp.xty[j * g.k + 1]);
    const lmax = lambdaMax(c);
    expect(elasticNetGram(cp.gram, g.m, c, 1, { lambda: lmax * 1.0001 }).coef.every((w) => w === 0)).toBe(true);
    expect(elasticNetGram(cp.gram, g.m, c, 1, { lambda: lmax * 0.99 }).coef.some((w) => w !== 0)).toBe(true);
    const lambdas = lambdaPath(lmax, 6, 0.02);
    const path = elasticNetGramPath(cp.gram, g.m, c, 1, lambdas, { tol: 1e-12, maxIter: 100000 });
    const cold = elasticNetGram(cp.gram, g.m, c, 1, { lambda: lambdas[5], tol: 1e-12, maxIter: 100000 });
    expect(maxAbsDiff(path[5].coef, cold.coef)).toBeLessThan(1e-8);
  });
});
