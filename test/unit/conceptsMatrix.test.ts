import { describe, expect, it } from 'vitest';
import {
  buildP,
  buildPDense,
  cosineBlocks,
  dequantise,
  dequantiseColumns,
  l2normalise,
  QUANT_MAX_ERROR,
  quantise,
  quantiseDense,
  quantizedColumn,
  quantizedColumn64,
} from '../../src/main/core/numeric/conceptP';
import { denseMatrix } from '../../src/main/core/numeric/le/types';
import { mulberry32 } from '../../src/main/core/numeric/le/splits';
import { randomRows } from './conceptsFixtures';

describe('l2normalise', () => {
  it('gives unit rows and leaves a zero row at zero', () => {
    const x = Float32Array.of(3, 4, 0, 0, 1, 1);
    const y = l2normalise(x, 2);
    expect(Array.from(y.subarray(0, 2))).toEqual([0.6000000238418579, 0.800000011920929]);
    expect(Array.from(y.subarray(2, 4))).toEqual([0, 0]);
    expect(y[4]).toBeCloseTo(Math.SQRT1_2, 7);
    expect(x[0]).toBe(3); // not in place by default
    l2normalise(x, 2, { inPlace: true });
    expect(x[0]).toBeCloseTo(0.6, 7);
  });
});

describe('cosineBlocks', () => {
  const n = 203;
  const m = 57;
  const d = 48;
  const img = denseMatrix(l2normalise(randomRows(n, d, 1), d), n, d);
  const txt = denseMatrix(l2normalise(randomRows(m, d, 2), d), m, d);
  const naive = (i: number, j: number): number => {
    let s = 0;
    for (let t = 0; t < d; t++) s += img.data[i * d + t] * txt.data[j * d + t];
    return s;
  };

  for (const engine of ['onnx', 'js'] as const) {
    it(`blocks (${engine}) cover every row once, in order, and equal a naive loop to 1e-5`, async () => {
      const seen: [number, number][] = [];
      let worst = 0;
      await cosineBlocks(
        img,
        txt,
        (block, r0, r1) => {
          seen.push([r0, r1]);
          expect(block.length).toBe((r1 - r0) * m);
          for (let i = r0; i < r1; i++)
            for (let j = 0; j < m; j++) worst = Math.max(worst, Math.abs(block[(i - r0) * m + j] - naive(i, j)));
        },
        { blockRows: 50, engine },
      );
      expect(seen).toEqual([
        [0, 50],
        [50, 100],
        [100, 150],
        [150, 200],
        [200, 203],
      ]);
      expect(worst).toBeLessThan(1e-5);
    });
  }

  it('stops on abort', async () => {
    const ac = new AbortController();
    let blocks = 0;
    const run = cosineBlocks(img, txt, () => void (++blocks === 2 && ac.abort()), { blockRows: 10, signal: ac.signal });
    await expect(run).rejects.toThrow();
    expect(blocks).toBe(2);
  });
});

describe('quantized P', () => {
  it('max abs error <= 7.7e-6 over [0, 1], exact ends', () => {
    let worst = 0;
    const u = mulberry32(5);
    for (let i = 0; i < 200000; i++) {
      const p = i < 65536 ? i / 65535 + 0.5 / 65535 : u();
      worst = Math.max(worst, Math.abs(dequantise(quantise(Math.min(1, p))) - Math.min(1, p)));
    }
    expect(worst).toBeLessThanOrEqual(QUANT_MAX_ERROR + 1e-15);
    expect(QUANT_MAX_ERROR).toBeLessThan(7.7e-6);
    expect(quantise(0)).toBe(0);
    expect(quantise(1)).toBe(65535);
    expect(quantise(-0.1)).toBe(0);
    expect(quantise(NaN)).toBe(0);
    expect(dequantise(65535)).toBe(1);
  });

  it('columns and selected columns dequantise to the stored values', () => {
    const p = denseMatrix(
      Float32Array.from({ length: 6 * 4 }, (_, i) => ((i * 7) % 24) / 23),
      6,
      4,
    );
    const q = quantiseDense(p);
    const col = quantizedColumn(q, 2, [5, 0, 3]);
    expect(col.length).toBe(3);
    for (const [t, r] of [5, 0, 3].entries()) expect(Math.abs(col[t] - p.data[r * 4 + 2])).toBeLessThanOrEqual(QUANT_MAX_ERROR + 1e-7);
    const all = quantizedColumn64(q, 1);
    expect(all.length).toBe(6);
    for (let r = 0; r < 6; r++) expect(all[r]).toBe(q.data[r * 4 + 1] / 65535);
    const sel = dequantiseColumns(q, [3, 1], [4, 2]);
    expect([sel.rows, sel.cols]).toEqual([2, 2]);
    expect(Array.from(sel.data)).toEqual(
      [q.data[4 * 4 + 3], q.data[4 * 4 + 1], q.data[2 * 4 + 3], q.data[2 * 4 + 1]].map((c) => Math.fround(c / 65535)),
    );
    expect(() => quantizedColumn(q, 4)).toThrow();
  });
});

describe('buildP + top-5 filter', () => {
  // Planted: D = 4, image i = e0 for i < 5, else e1. Texts: t0 = e0 (cos 1 on 5 images, 0 elsewhere),
  // t1 = e2 (cos 0 everywhere), t2 = (e0 + e1)/sqrt2 (cos 0.707 everywhere), t3 = e1,
  // t4 = (0.3 e0 + 0.95 e2)/|.| (cos 0.301 on the first 5, 0 elsewhere). a = 10, b = -0.5.
  const n = 40;
  const d = 4;
  const img = new Float32Array(n * d);
  for (let i = 0; i < n; i++) img[i * d + (i < 5 ? 0 : 1)] = 1;
  const s = Math.SQRT1_2;
  const txt = Float32Array.of(1, 0, 0, 0, 0, 0, 1, 0, s, s, 0, 0, 0, 1, 0, 0, 0.3, 0, 0.95, 0);
  l2normalise(txt, d, { inPlace: true });
  const m = 5;
  const sig = (z: number): number => 1 / (1 + Math.exp(-z));

  it('stores sigmoid(a (cos + b)) quantized and drops a low and a constant concept', async () => {
    const progress: number[] = [];
    const r = await buildP(denseMatrix(img, n, d), denseMatrix(txt, m, d), {
      a: 10,
      b: -0.5,
      blockRows: 7,
      onProgress: (done) => progress.push(done),
    });
    expect(progress).toEqual([7, 14, 21, 28, 35, 40]);
    expect(r.p.rows).toBe(n);
    expect(r.p.cols).toBe(m);
    expect(r.p.data[0]).toBe(quantise(sig(10 * 0.5)));
    expect(r.p.data[10 * m + 0]).toBe(quantise(sig(-5)));
    const f = r.filter;
    // concept 0: top-5 = sigmoid(5) = 0.9933 >= 0.5, varies -> kept. 1: constant sigmoid(-5) -> both.
    // 2: cos = 0.707 on all images -> constant, top5 = sigmoid(2.07) >= 0.5 -> 'std'. 3: kept.
    // 4: cos = 0.3/|t| on the first 5 only, sigmoid(10 (0.30 - 0.5)) < 0.5 -> 'topMean'.
    expect(Array.from(f.kept)).toEqual([0, 3]);
    expect(f.dropped.map((x) => [x.concept, x.reason])).toEqual([
      [1, 'both'],
      [2, 'std'],
      [4, 'topMean'],
    ]);
    expect(f.topMean[0]).toBeCloseTo(sig(5), 6); // onnxruntime's float32 sigmoid
    const p0 = Array.from({ length: n }, (_, i) => sig(i < 5 ? 5 : -5));
    const mean = p0.reduce((x, y) => x + y, 0) / n;
    const sd = Math.sqrt(p0.reduce((x, y) => x + (y - mean) ** 2, 0) / (n - 1));
    expect(f.std[0]).toBeCloseTo(sd, 6);
    expect(f.std[2]).toBeLessThan(1e-9);
  });

  it('quantized and dense builds agree to the quantisation step; filter stats agree with a naive oracle', async () => {
    const N = 300;
    const M = 70;
    const D = 32;
    const I = denseMatrix(l2normalise(randomRows(N, D, 11), D), N, D);
    const T = denseMatrix(l2normalise(randomRows(M, D, 12), D), M, D);
    const q = await buildP(I, T, { a: 20, b: -0.3, blockRows: 64 });
    const dense = await buildPDense(I, T, { a: 20, b: -0.3 });
    let worst = 0;
    for (let i = 0; i < N * M; i++) worst = Math.max(worst, Math.abs(q.p.data[i] / 65535 - dense.p.data[i]));
    expect(worst).toBeLessThan(QUANT_MAX_ERROR + 1e-7);
    for (let j = 0; j < M; j++) {
      const col = Array.from({ length: N }, (_, i) => dense.p.data[i * M + j]).sort((x, y) => y - x);
      const top = (col[0] + col[1] + col[2] + col[3] + col[4]) / 5;
      const mean = col.reduce((x, y) => x + y, 0) / N;
      const sd = Math.sqrt(col.reduce((x, y) => x + (y - mean) ** 2, 0) / (N - 1));
      // dense stores float32; the accumulator sees float64 p: agreement to float32 rounding.
      expect(Math.abs(q.filter.topMean[j] - top)).toBeLessThan(1e-7);
      expect(Math.abs(q.filter.std[j] - sd)).toBeLessThan(1e-7);
    }
    expect(q.filter.kept.length + q.filter.dropped.length).toBe(M);
    // onnxruntime's sigmoid (default) vs Math.exp in float64 (engine 'js'): within 1e-6 + one code step.
    const js = await buildP(I, T, { a: 20, b: -0.3, engine: 'js' });
    let codes = 0;
    for (let i = 0; i < N * M; i++) codes = Math.max(codes, Math.abs(js.p.data[i] - q.p.data[i]));
    expect(codes).toBeLessThanOrEqual(1);
    for (let j = 0; j < M; j++) expect(Math.abs(js.filter.topMean[j] - q.filter.topMean[j])).toBeLessThan(1e-6);
    expect(Array.from(q.filter.kept)).toEqual(Array.from(dense.filter.kept));
  });
});
