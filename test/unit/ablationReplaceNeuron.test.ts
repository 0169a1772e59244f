import { describe, expect, it } from 'vitest';
import { neuronSlot, slotRefusal } from '../../src/main/core/numeric/ablation/replaceNeuron';
import { replaceChannel } from '../../src/main/core/numeric/ablation/replaceChannel';

// The one replacement rule per summary (replaceNeuron.ts), on hand-computed tensors of one image.

const arr = (x: ArrayLike<number>) => Array.from(x);

describe('neuronSlot: NCHW / NHWC maps', () => {
  // Channel 0 = [1, 2, 3, 6] (mean 3, max 6), channel 1 = [0, -1, 4, 1] (mean 1, max 4), 2 x 2 each.
  const nchw = Float32Array.of(1, 2, 3, 6, 0, -1, 4, 1);
  const nhwc = Float32Array.of(1, 0, 2, -1, 3, 4, 6, 1); // the same maps, channel last

  it('reads mean and max per channel in both layouts', () => {
    for (const [x, axis, layout] of [
      [nchw, 1, 'NCHW'],
      [nhwc, 3, 'NHWC'],
    ] as const) {
      const mean = neuronSlot([2, 2, 2], 'mean', axis);
      const max = neuronSlot([2, 2, 2], 'max', axis);
      expect(mean).toMatchObject({ layout, size: 8, neurons: 2 });
      expect([mean.read(x, 0, 0), mean.read(x, 0, 1)]).toEqual([3, 1]);
      expect([max.read(x, 0, 0), max.read(x, 0, 1)]).toEqual([6, 4]);
    }
  });

  it('mean: uniform shift of channel k only (strided for NHWC)', () => {
    const a = nchw.slice();
    neuronSlot([2, 2, 2], 'mean', 1).replace(a, 0, 1, 2);
    expect(arr(a)).toEqual([1, 2, 3, 6, 1, 0, 5, 2]);
    const b = nhwc.slice();
    neuronSlot([2, 2, 2], 'mean', 3).replace(b, 0, 1, 2);
    expect(arr(b)).toEqual([1, 1, 2, 0, 3, 5, 6, 2]);
  });

  it('max: shift so the max becomes the value (zero ablation is the same rule with 0)', () => {
    const b = nhwc.slice();
    const max = neuronSlot([2, 2, 2], 'max', 3);
    max.replace(b, 0, 0, 0);
    expect(arr(b)).toEqual([-5, 0, -4, -1, -3, 4, 0, 1]);
    expect(max.read(b, 0, 0)).toBe(0);
  });

  it('works at an offset (image r of a batch) and leaves the other image alone', () => {
    const batch = new Float32Array(16);
    batch.set(nchw, 0);
    batch.set(nchw, 8);
    neuronSlot([2, 2, 2], 'mean', 1).replace(batch, 8, 0, 0);
    expect(arr(batch.subarray(0, 8))).toEqual(arr(nchw));
    expect(arr(batch.subarray(8))).toEqual([-2, -1, 0, 3, 0, -1, 4, 1]);
  });

  it('replaceChannel (contiguous map) is the NCHW rule', () => {
    expect(arr(replaceChannel(Float32Array.of(1, 2, 3, 6), 2, 2, 5, 'mean'))).toEqual([3, 4, 5, 8]);
    expect(arr(replaceChannel(Float32Array.of(1, 2, 3, 6), 4, 1, 9, 'first'))).toEqual([9, 2, 3, 6]);
  });
});

describe('neuronSlot: token tensors [T,D] and 2-D features', () => {
  // 3 tokens x 2 features: feature 0 = [1, 2, 6] (CLS 1, mean 3), feature 1 = [10, 20, 30] (CLS 10, mean 20).
  const tok = Float32Array.of(1, 10, 2, 20, 6, 30);

  it('cls: reads and replaces element [0, k] only', () => {
    const s = neuronSlot([3, 2], 'cls');
    expect(s).toMatchObject({ layout: 'tokens', size: 6, neurons: 2 });
    expect([s.read(tok, 0, 0), s.read(tok, 0, 1)]).toEqual([1, 10]);
    const x = tok.slice();
    s.replace(x, 0, 1, 5);
    expect(arr(x)).toEqual([1, 5, 2, 20, 6, 30]);
  });

  it('token_mean: shifts feature k of all T tokens so their mean is the value', () => {
    const s = neuronSlot([3, 2], 'token_mean');
    expect([s.read(tok, 0, 0), s.read(tok, 0, 1)]).toEqual([3, 20]);
    const x = tok.slice();
    s.replace(x, 0, 1, 0);
    expect(arr(x)).toEqual([1, -10, 2, 0, 6, 10]);
    s.replace(x, 0, 0, 4);
    expect(arr(x)).toEqual([2, -10, 3, 0, 7, 10]);
    expect(s.read(x, 0, 0)).toBe(4);
  });

  it('identity on [D]: element k', () => {
    const s = neuronSlot([3], 'identity');
    const x = Float64Array.of(7, 8, 9);
    expect(s.read(x, 0, 2)).toBe(9);
    s.replace(x, 0, 2, -1);
    expect(arr(x)).toEqual([7, 8, -1]);
    expect(s).toMatchObject({ layout: 'features', neurons: 3 });
  });
});

describe('slotRefusal', () => {
  it('accepts every extractable layout with its summaries', () => {
    expect(slotRefusal([8, 64, 7, 7], 'mean')).toBeNull();
    expect(slotRefusal([8, 7, 7, 64], 'max')).toBeNull();
    expect(slotRefusal([8, 17, 256], 'cls')).toBeNull();
    expect(slotRefusal([8, 17, 256], 'token_mean')).toBeNull();
    expect(slotRefusal([8, 64], 'identity')).toBeNull();
  });
  it('refuses identity on flattened maps / tokens, naming the summaries that work', () => {
    const map = slotRefusal([8, 64, 7, 7], 'identity')!;
    expect(map).toMatch(/'mean' or 'max'/);
    expect(map).toMatch(/cls or token_mean for token tensors/);
    expect(slotRefusal([8, 17, 256], 'identity')).toMatch(/'cls' or 'token_mean'/);
    expect(slotRefusal([8, 17, 256], 'mean')).toMatch(/needs a 4-D map/);
    expect(() => neuronSlot([64, 7, 7], 'identity')).toThrow(/flattened/);
  });
});
