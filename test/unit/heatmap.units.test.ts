import { describe, expect, it } from 'vitest';
import { inputRegion, upsampleBilinear } from '../../src/shared/heatmap';
import { parseUnitPosition, unitIndex, unitLabel, unitPosition } from '../../src/shared/unitAddress';
import { planSpatial, tokenGrid } from '../../src/main/core/numeric/stats/spatialMap';

// Unit addresses (channel / y / x), patch grids of token tensors, and the overlay geometry, against hand computations.

describe('unit addresses', () => {
  const nchw = { shape: [1, 64, 7, 7], summary: 'identity', channelAxis: 1 as const };
  const nhwc = { shape: [1, 7, 7, 64], summary: 'identity', channelAxis: 3 as const };
  it('identity units of an NCHW map: n = (c * H + y) * W + x', () => {
    expect(unitLabel(nchw, (17 * 7 + 3) * 7 + 5)).toBe('channel 17 / y 3 / x 5');
    expect(unitLabel(nchw, 0)).toBe('channel 0 / y 0 / x 0');
    expect(unitLabel(nchw, 64 * 49 - 1)).toBe('channel 63 / y 6 / x 6');
  });
  it('identity units of an NHWC map: n = (y * W + x) * C + c', () => {
    expect(unitLabel(nhwc, (3 * 7 + 5) * 64 + 17)).toBe('channel 17 / y 3 / x 5');
  });
  it('round trip, parse, and out-of-range positions', () => {
    for (const g of [nchw, nhwc]) for (const n of [0, 1, 50, 1234, 3135]) expect(unitIndex(g, unitPosition(g, n))).toBe(n);
    expect(parseUnitPosition('channel 17 / y 3 / x 5')).toEqual({ kind: 'map', channel: 17, y: 3, x: 5 });
    expect(parseUnitPosition('17/3/5')).toEqual({ kind: 'map', channel: 17, y: 3, x: 5 });
    expect(parseUnitPosition('4/17')).toEqual({ kind: 'token', token: 4, feature: 17 });
    expect(parseUnitPosition('42')).toBeNull();
    expect(unitIndex(nchw, { kind: 'map', channel: 64, y: 0, x: 0 })).toBeNull();
    expect(unitLabel({ shape: [1, 64, 7, 7], summary: 'mean' }, 5)).toBe('');
    expect(unitLabel({ shape: [1, 17, 128], summary: 'identity' }, 2 * 128 + 9)).toBe('token 2 / feature 9');
  });
});

describe('patch grids and spatial plans', () => {
  it('finds CLS and register tokens before a square grid', () => {
    expect(tokenGrid(17, 28, 28)).toEqual({ prefix: 1, h: 4, w: 4 });
    expect(tokenGrid(197, 224, 224)).toEqual({ prefix: 1, h: 14, w: 14 });
    expect(tokenGrid(201, 224, 224)).toEqual({ prefix: 5, h: 14, w: 14 });
    expect(tokenGrid(196, 224, 224)).toEqual({ prefix: 0, h: 14, w: 14 });
    expect(tokenGrid(129, 224, 448)).toEqual({ prefix: 1, h: 8, w: 16 });
    expect(tokenGrid(13, 28, 28)).toEqual({ prefix: 4, h: 3, w: 3 });
  });
  it('pooled layers have no map, and say so', () => {
    const p = planSpatial([1, 64], 'identity', 1, 3, { height: 28, width: 28 });
    expect(p.kind).toBe('none');
    expect(p.kind === 'none' && p.reason).toMatch(/^no spatial map: this layer is pooled/);
    expect(planSpatial([1, 64, 1, 1], 'mean', 1, 3, { height: 28, width: 28 }).kind).toBe('none');
  });
});

describe('overlay geometry', () => {
  it('bilinear upsampling of a 2x2 map to 4x4 follows align_corners=False', () => {
    // source coordinate of output d: (d + 0.5) / 2 - 0.5 -> -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped to 1)
    const up = upsampleBilinear([0, 4, 8, 12], 2, 2, 4, 4);
    expect(Array.from(up.slice(0, 4))).toEqual([0, 1, 3, 4]);
    expect(Array.from(up.slice(12, 16))).toEqual([8, 9, 11, 12]);
  });
  it('a centre crop of a landscape image covers its middle square', () => {
    expect(inputRegion(200, 100, { height: 50, width: 50, resize: 'shorter_center_crop' })).toEqual({ x: 0.25, y: 0, w: 0.5, h: 1 });
    expect(inputRegion(200, 100, { height: 50, width: 50, resize: 'squash' })).toEqual({ x: 0, y: 0, w: 1, h: 1 });
  });
});
