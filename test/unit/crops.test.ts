import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  attentionCrops,
  boxIou,
  DEFAULT_CROPS,
  externalBoxes,
  normalise01,
  otsuThreshold,
  resizeBilinear,
  selectBoxes,
  toUint8,
  type Box,
} from '../../src/main/core/numeric/dissect';

// Describe-and-Dissect attention crops against OpenCV 4.6 (golden written by scripts/fixtures/make_crops_golden.py from
// real fixture-CNN / ViT maps of Fashion-MNIST images and planted maps), plus hand-checked selection rules.

interface GoldenCase {
  name: string;
  map_h: number;
  map_w: number;
  map: number[];
  out_h: number;
  out_w: number;
  threshold: number;
  cv_order: Box[];
  candidates: Box[];
  boxes: Box[];
  u8_sha256: string;
  resized_f32_sha256: string;
  resized_sum: number;
  resized?: number[];
  u8_hex?: string;
}
interface GoldenMask {
  h: number;
  w: number;
  rows: string[];
  boxes: Box[];
}
const golden = JSON.parse(readFileSync(join(__dirname, '../../resources/fixtures/golden/crops.json'), 'utf8')) as {
  cases: GoldenCase[];
  masks: GoldenMask[];
};

function pipeline(c: GoldenCase): { resized: Float32Array; u8: Uint8Array } {
  const resized = resizeBilinear(normalise01(c.map), c.map_h, c.map_w, c.out_h, c.out_w);
  return { resized, u8: toUint8(resized) };
}

describe('attention crops equal OpenCV on real and planted maps', () => {
  it('the golden covers real CNN (7x7, 14x14) and ViT (4x4) maps, square and non-square outputs, and planted maps', () => {
    expect(golden.cases.length).toBe(166);
    expect(golden.cases.filter((c) => c.name.startsWith('cnn layer3')).length).toBe(120);
    expect(golden.cases.filter((c) => c.name.startsWith('vit')).length).toBe(24);
    expect(golden.cases.filter((c) => c.out_h !== c.out_w).length).toBeGreaterThan(30);
    // Not a degenerate golden: most cases have more than one candidate box, and some lose boxes to the selection rules.
    expect(golden.cases.filter((c) => c.candidates.length > 1).length).toBeGreaterThan(90);
    expect(golden.cases.filter((c) => c.boxes.length < c.candidates.length).length).toBeGreaterThan(5);
  });

  it('resized floats equal cv2.resize INTER_LINEAR bit for bit and within 1e-5 of the printed values, uint8 maps byte-equal', () => {
    let maxDiff = 0;
    let full = 0;
    for (const c of golden.cases) {
      const { resized, u8 } = pipeline(c);
      expect(createHash('sha256').update(u8).digest('hex'), c.name).toBe(c.u8_sha256);
      // Stronger than the 1e-5 the golden floats allow: the float32 maps are OpenCV's bit for bit.
      expect(createHash('sha256').update(new Uint8Array(resized.buffer)).digest('hex'), c.name).toBe(c.resized_f32_sha256);
      let sum = 0;
      for (const v of resized) sum += v;
      expect(Math.abs(sum - c.resized_sum), c.name).toBeLessThan(1e-4);
      if (c.resized && c.u8_hex) {
        full++;
        expect(resized.length).toBe(c.resized.length);
        for (let i = 0; i < resized.length; i++) maxDiff = Math.max(maxDiff, Math.abs(resized[i] - c.resized[i]));
        expect(Buffer.from(u8).toString('hex'), c.name).toBe(c.u8_hex);
      }
    }
    expect(full).toBe(11);
    // The golden floats are rounded to 7 significant digits (<= 5e-8 on [0,1]).
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('Otsu threshold, candidate boxes (in order) and kept boxes equal OpenCV + the reference loop, every case', () => {
    for (const c of golden.cases) {
      const { u8 } = pipeline(c);
      expect(otsuThreshold(u8), c.name).toBe(c.threshold);
      const mask = u8.map((v) => (v > c.threshold ? 1 : 0));
      expect(externalBoxes(mask, c.out_h, c.out_w), c.name).toEqual(c.cv_order);
      const got = attentionCrops(c.map, c.map_h, c.map_w, c.out_h, c.out_w);
      expect(got.threshold, c.name).toBe(c.threshold);
      expect(got.candidates, c.name).toEqual(c.candidates);
      expect(got.boxes, c.name).toEqual(c.boxes);
    }
  });

  it('externalBoxes = findContours(RETR_EXTERNAL) + boundingRect on 90 random masks, in OpenCV order', () => {
    let nested = 0;
    for (const m of golden.masks) {
      const mask = Uint8Array.from(m.rows.join(''), (ch) => Number(ch));
      const boxes = externalBoxes(mask, m.h, m.w);
      expect(boxes).toEqual(m.boxes);
      // Count masks where at least one 8-connected component was left out for lying in a hole.
      if (boxes.length < countComponents(mask, m.h, m.w)) nested++;
    }
    expect(nested).toBe(16);
  });

  it('planted: a blob inside a ring is dropped (RETR_EXTERNAL), a diagonal-touching pair is one box (8-connectivity)', () => {
    const byName = (n: string): GoldenCase => golden.cases.find((c) => c.name === n)!;
    const ring = byName('planted ring with a blob inside');
    expect(attentionCrops(ring.map, 28, 28, 28, 28).candidates).toEqual([[4, 4, 24, 24]]);
    const diag = byName('planted diagonal-touching pair');
    expect(attentionCrops(diag.map, 28, 28, 28, 28).candidates).toEqual([
      [3, 3, 13, 13],
      [2, 20, 6, 25],
    ]);
    // Outer ring [1,1,27,27] has IoU 676/784 = 0.862 >= 0.8 with the image: no box kept at all.
    const nest = attentionCrops(byName('planted nested rings').map, 28, 28, 28, 28);
    expect(nest.candidates).toEqual([[1, 1, 27, 27]]);
    expect(nest.boxes).toEqual([]);
  });

  it('constant and all-zero maps do not crash: threshold 0, no candidates, no boxes', () => {
    for (const map of [new Float32Array(49).fill(0.37), new Float32Array(49), [-2, -2, -2, -2]]) {
      const n = Math.sqrt(map.length);
      expect(attentionCrops(map, n, n, 28, 28)).toEqual({ threshold: 0, candidates: [], boxes: [] });
    }
    expect([...normalise01([5, 5, 5])]).toEqual([0, 0, 0]);
    expect(otsuThreshold(new Uint8Array(10).fill(200))).toBe(0);
  });
});

describe('box rules (hand-checked)', () => {
  it('boxIou', () => {
    // [0,0,4,4] vs [2,2,6,6]: overlap 2x2 = 4, union 16 + 16 - 4 = 28 -> 1/7.
    expect(boxIou([0, 0, 4, 4], [2, 2, 6, 6])).toBeCloseTo(4 / 28, 15);
    // Nested: [0,0,10,10] vs [0,0,5,10]: overlap 50, union 100 -> 0.5.
    expect(boxIou([0, 0, 10, 10], [0, 0, 5, 10])).toBe(0.5);
    // Touching edges only: overlap 0.
    expect(boxIou([0, 0, 4, 4], [4, 0, 8, 4])).toBe(0);
    expect(boxIou([3, 3, 7, 9], [3, 3, 7, 9])).toBe(1);
    // Two empty boxes: 0, not NaN.
    expect(boxIou([1, 1, 1, 1], [1, 1, 1, 1])).toBe(0);
  });

  it('selectBoxes: IoU exactly 0.5 is kept, above 0.5 dropped; sorting is by area, stable', () => {
    // Image 100x100 (whole-image IoU of all these boxes is tiny). Areas: A=[0,0,10,10] 100, B=[0,0,5,10] 50
    // (IoU with A = 50/100 = 0.5 -> kept), C=[0,0,6,10] 60 (IoU with A = 60/100 = 0.6 -> dropped),
    // D=[50,50,55,60] 50 (disjoint, same area as B, listed after B -> after B).
    const A: Box = [0, 0, 10, 10];
    const B: Box = [0, 0, 5, 10];
    const C: Box = [0, 0, 6, 10];
    const D: Box = [50, 50, 55, 60];
    // C (60) is checked before B: IoU(C, A) = 0.6 > 0.5 -> dropped. Then B: IoU(B, A) = 0.5 -> kept.
    // Then D: disjoint -> kept.
    expect(selectBoxes([B, D, C, A], 100, 100)).toEqual([A, B, D]);
    expect(selectBoxes([D, B, C, A], 100, 100)).toEqual([A, D, B]);
  });

  it('selectBoxes: at most maxCrops, and the whole-image rule (IoU < 0.8 with the image)', () => {
    // Six disjoint 2x2 boxes on a 40x40 image: only the first 4 (all area 4, input order) survive.
    const six: Box[] = [0, 1, 2, 3, 4, 5].map((i): Box => [6 * i, 0, 6 * i + 2, 2]);
    expect(selectBoxes(six, 40, 40)).toEqual(six.slice(0, 4));
    expect(selectBoxes(six, 40, 40, { ...DEFAULT_CROPS, maxCrops: 2 })).toEqual(six.slice(0, 2));
    // On a 10x10 image: [0,0,10,8] has IoU 80/100 = 0.8 -> dropped (needs < 0.8); [0,0,10,7] has 0.7 -> kept.
    expect(selectBoxes([[0, 0, 10, 8]], 10, 10)).toEqual([]);
    expect(selectBoxes([[0, 0, 10, 7]], 10, 10)).toEqual([[0, 0, 10, 7]]);
    // Non-square 20 wide x 10 high: [0,0,20,9] has IoU 180/200 = 0.9 -> dropped; the reference's transposed
    // whole box (0,0,10,20) would give 90/(180+200-90) = 0.31 and keep it.
    expect(selectBoxes([[0, 0, 20, 9]], 20, 10)).toEqual([]);
  });

  it('Otsu by hand: two levels split between them; the first maximum wins', () => {
    // Half 10, half 200: any t in 10..199 separates them with the same (maximal) variance; OpenCV returns the first, 10.
    expect(otsuThreshold([10, 10, 200, 200])).toBe(10);
    // 0, 0, 0, 90, 100, 255; between-class variance q1 * q2 * (mu1 - mu2)^2 for the split after t:
    //   t = 0:   q1 = 3/6, means 0 and 445/3 = 148.3 -> 1/4 * 148.3^2 = 5500.7
    //   t = 90:  q1 = 4/6, means 22.5 and 177.5     -> 2/9 * 155^2   = 5338.9
    //   t = 100: q1 = 5/6, means 38 and 255          -> 5/36 * 217^2  = 6540.1  (the maximum)
    expect(otsuThreshold([0, 0, 0, 90, 100, 255])).toBe(100);
  });

  it('toUint8 rounds half to even and clamps', () => {
    // float32(k / 255) * 255 is exactly k for these k (checked: 126.5, 125.5, 2.5, 3.5, 0.5 * 255 = 127.5), so they
    // test the tie rule: 126.5 -> 126, 125.5 -> 126, 2.5 -> 2, 3.5 -> 4, 127.5 -> 128; > 1 -> 255, < 0 -> 0.
    expect([...toUint8([126.5 / 255, 125.5 / 255, 2.5 / 255, 3.5 / 255, 0.5, 1, 1.2, -0.1, 0])]).toEqual([
      126, 126, 2, 4, 128, 255, 255, 0, 0,
    ]);
  });
});

function countComponents(mask: Uint8Array, h: number, w: number): number {
  const seen = new Uint8Array(h * w);
  let n = 0;
  for (let s = 0; s < h * w; s++) {
    if (!mask[s] || seen[s]) continue;
    n++;
    const stack = [s];
    seen[s] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      const y = Math.floor(i / w);
      const x = i % w;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
          const j = yy * w + xx;
          if (mask[j] && !seen[j]) {
            seen[j] = 1;
            stack.push(j);
          }
        }
    }
  }
  return n;
}
