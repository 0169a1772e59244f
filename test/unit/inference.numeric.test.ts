import { describe, expect, it } from 'vitest';
import { friendlyNames } from '../../src/main/core/onnx/layers';
import { npyHeader } from '../../src/main/core/features/models/exportMatrix';
import { pixelTable, presetFor } from '../../src/main/core/onnx/preprocess';
import { findNonFinite, statsAccumulator } from '../../src/main/core/numeric/stats/stats';
import { argmaxRows, channelAxis, planSummary, summarise } from '../../src/main/core/numeric/stats/summary';
import type { ModelInfo } from '../../src/shared/contract';

describe('summary functions', () => {
  // 2 images, 2 channels, 2x2 spatial, NCHW.
  const nchw = Float32Array.from([1, 2, 3, 4, -1, -2, -3, 10, /* image 2 */ 0, 0, 0, 8, 5, 5, 5, 5]);
  it('spatial mean and max per channel (NCHW)', () => {
    const mean = summarise(nchw, [2, 2, 2, 2], planSummary([2, 2, 2, 2], 'mean', 'NCHW'));
    expect([...mean]).toEqual([2.5, 1, 2, 5]);
    const max = summarise(nchw, [2, 2, 2, 2], planSummary([2, 2, 2, 2], 'max', 'NCHW'));
    expect([...max]).toEqual([4, 10, 8, 5]);
  });
  it('NHWC tensors give the same numbers as their NCHW transpose', () => {
    const nhwc = new Float32Array(16);
    for (let n = 0; n < 2; n++) for (let c = 0; c < 2; c++) for (let p = 0; p < 4; p++) nhwc[n * 8 + p * 2 + c] = nchw[n * 8 + c * 4 + p];
    // [2,2,2,2] is ambiguous by shape, so the model layout decides.
    const plan = planSummary([2, 2, 2, 2], 'mean', 'NHWC');
    expect(plan.channelAxis).toBe(3);
    expect([...summarise(nhwc, [2, 2, 2, 2], plan)]).toEqual([2.5, 1, 2, 5]);
  });
  it('decides the channel axis from square spatial dims first', () => {
    expect(channelAxis([1, 64, 7, 7], 'NHWC')).toBe(1);
    expect(channelAxis([1, 7, 7, 64], 'NCHW')).toBe(3);
    expect(channelAxis([1, 64, 1, 1], 'NHWC')).toBe(1);
    expect(channelAxis([1, 1, 1, 64], 'NCHW')).toBe(3);
    expect(channelAxis([1, 64, 7, 9], 'NCHW')).toBe(1);
  });
  it('tokens: CLS is token 0, token_mean averages all tokens', () => {
    const t = Float32Array.from([1, 2, 3, 4, 5, 6]); // [1, 3 tokens, 2 dims]
    expect([...summarise(t, [1, 3, 2], planSummary([1, 3, 2], 'auto', 'NCHW'))]).toEqual([1, 2]);
    expect([...summarise(t, [1, 3, 2], planSummary([1, 3, 2], 'token_mean', 'NCHW'))]).toEqual([3, 4]);
  });
  it('2-D is identity; wrong summaries are refused', () => {
    expect(planSummary([4, 10], 'auto', 'NCHW')).toEqual({ summary: 'identity', k: 10 });
    expect(() => planSummary([4, 10], 'max', 'NCHW')).toThrow(/identity/);
    expect(() => planSummary([4, 3, 8], 'mean', 'NCHW')).toThrow(/cls/);
    expect(planSummary([4, 2, 3, 3], 'identity', 'NCHW').k).toBe(18);
  });
  it('argmax per row', () => {
    expect([...argmaxRows(Float32Array.from([0, 3, 1, 5, -1, 2]), 2, 3)]).toEqual([1, 0]);
  });
});

describe('neuron stats', () => {
  it('hand-checkable case in two chunks', () => {
    const acc = statsAccumulator(2, 4);
    // neuron 0: 0, 1, 2, 3 ; neuron 1: 0, 0, 0, 0.005 (dead)
    const chunks = [Float32Array.from([0, 0, 1, 0]), Float32Array.from([2, 0, 3, 0.005])];
    chunks.forEach((c) => acc.add(c));
    const [a, b] = acc.stats();
    expect(a).toMatchObject({ neuron: 0, min: 0, max: 3, mean: 1.5, zeroShare: 0.25, dead: false });
    expect(a.std).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(b.dead).toBe(true);
    expect(b.zeroShare).toBe(0.75);
    chunks.forEach((c) => acc.addHistogram(c));
    const [h0, h1] = acc.histograms();
    expect(h0.edges).toEqual([0, 0.75, 1.5, 2.25, 3]);
    expect(h0.counts).toEqual([1, 1, 1, 1]);
    expect(h1.counts).toEqual([3, 0, 0, 1]);
  });
  it('NaN and +-Infinity are counted per neuron and left out of the stats and histograms', () => {
    const acc = statsAccumulator(3, 4);
    // neuron 0: 1, NaN, 3, -Inf (finite: 1, 3) ; neuron 1: 0, 2, 0, 2 (clean) ; neuron 2: NaN, Inf, NaN, -Inf (none finite)
    const chunks = [Float32Array.from([1, 0, NaN, NaN, 2, Infinity]), Float32Array.from([3, 0, NaN, -Infinity, 2, -Infinity])];
    chunks.forEach((c) => acc.add(c));
    const [a, b, c] = acc.stats();
    expect(a).toEqual({ neuron: 0, min: 1, max: 3, mean: 2, std: 1, zeroShare: 0, dead: false, nonFinite: 2 });
    expect(b).toEqual({ neuron: 1, min: 0, max: 2, mean: 1, std: 1, zeroShare: 0.5, dead: false, nonFinite: 0 });
    expect(c).toEqual({ neuron: 2, min: 0, max: 0, mean: 0, std: 0, zeroShare: 0, dead: false, nonFinite: 4 });
    chunks.forEach((ch) => acc.addHistogram(ch));
    const [h0, , h2] = acc.histograms();
    expect(h0.counts).toEqual([1, 0, 0, 1]);
    expect(h2).toEqual({ edges: [], counts: [0, 0, 0, 0] });
  });
  it('findNonFinite: counts, rows, columns and the first one in row order', () => {
    const r = findNonFinite(Float32Array.from([1, 2, 3, 4, NaN, 6, -Infinity, Infinity, 9]), 3, 3);
    expect(r).toEqual({ values: 3, rows: 2, cols: [0, 1], first: { row: 1, col: 1, value: NaN } });
    expect(findNonFinite(Float32Array.from([1, 2]), 1, 2)).toEqual({ values: 0, rows: 0, cols: [], first: null });
  });
  it('argmax treats NaN as the smallest value', () => {
    expect([...argmaxRows(Float32Array.from([NaN, 1, 2, NaN, NaN, -Infinity]), 2, 3)]).toEqual([2, 0]);
  });
});

describe('friendly names', () => {
  it('maps exporter tensor names to module paths', () => {
    const names = [
      '/layer4/layer4.2/conv1/Conv_output_0',
      '/layer4/Add_output_0',
      '/layer4/Relu_2_output_0',
      '/blocks.3/mlp/act/Mul_output_0',
      '/blocks.3/mlp/act/Mul_1_output_0',
      '/blocks.3/mlp/fc2/Gemm_output_0',
      '/Flatten_output_0',
      'logits',
    ];
    expect(friendlyNames(names)).toEqual([
      'layer4.layer4.2',
      'layer4:Add',
      'layer4',
      'blocks.3.mlp.act:Mul',
      'blocks.3.mlp.act',
      'blocks.3',
      'Flatten',
      'logits',
    ]);
  });
});

describe('preprocessing', () => {
  const info = { height: 28, width: 28, channels: 1, layout: 'NCHW' } as ModelInfo;
  it('computes (p/255 - mean)/std in float32 like numpy', () => {
    const p = presetFor('fashion-mnist', info);
    const t = pixelTable(p)[0];
    const f = Math.fround;
    for (const v of [0, 1, 77, 128, 254, 255]) expect(t[v]).toBe(f(f(f(v / 255) - f(0.286)) / f(0.353)));
  });
  it('presets take size, channels and layout from the model', () => {
    const p = presetFor('imagenet', { ...info, height: null, width: null, channels: 3, layout: 'NHWC' });
    expect(p).toMatchObject({ size: [224, 224], channels: 3, layout: 'NHWC', resize: 'shorter_center_crop' });
  });
});

describe('npy export header', () => {
  it('is a valid v1.0 header aligned to 64 bytes', () => {
    const h = npyHeader(3, 5);
    expect(h.length % 64).toBe(0);
    expect(h.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
    expect(h.toString('latin1')).toContain("'shape': (3, 5)");
  });
});
