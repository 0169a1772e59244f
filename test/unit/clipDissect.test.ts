import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  clipDissect,
  clipDissectReference,
  topImages,
  type ClipDissectInput,
  type ClipDissectOptions,
  type ClipDissectResult,
} from '../../src/main/core/numeric/dissect';

// CLIP-Dissect against an independent NumPy float64 implementation of the reference formulas (golden written by
// scripts/fixtures/make_clip_dissect_golden.py on the fmnist_clip_b fixture encoder's PyTorch embeddings plus seeded
// synthetic ones, 32 neurons planted on known concepts). Both the fast path (onnxruntime softmax, float64 products)
// and the slow reference are checked.

interface GoldenNeuron {
  best: number;
  score: number;
  margin: number;
  top: Array<[number, number]>;
}
interface GoldenVariant {
  variant?: 'soft_wpmi';
  topK?: number;
  lambda?: number;
  neurons: GoldenNeuron[];
}
interface Golden {
  n: number;
  k: number;
  d: number;
  m: number;
  acts: string;
  images: string;
  texts: string;
  tiesInNeuron8: number;
  variants: Record<string, GoldenVariant>;
  setCase: {
    Y: number;
    Z: number;
    k: number;
    acts: string;
    withY: { columns: number[]; neuronX: GoldenNeuron };
    withZ: { columns: number[]; neuronX: GoldenNeuron };
    alone: { columns: number[]; neuronX: GoldenNeuron };
  };
}

const golden = JSON.parse(readFileSync(join(__dirname, '../../resources/fixtures/golden/clip_dissect.json'), 'utf8')) as Golden;
const f32 = (b64: string): Float32Array => {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
};
const images = f32(golden.images);
const texts = f32(golden.texts);
const input: ClipDissectInput = { acts: f32(golden.acts), n: golden.n, k: golden.k, images, texts, d: golden.d, m: golden.m };

/** The columns `cols` of an image-major n x k matrix. */
function columns(acts: Float32Array, n: number, k: number, cols: number[]): Float32Array {
  const out = new Float32Array(n * cols.length);
  for (let i = 0; i < n; i++) cols.forEach((c, q) => (out[i * cols.length + q] = acts[i * k + c]));
  return out;
}

// Scores are sums of up to 100 logs of a float32 softmax: allow 1e-3, relative to the score when it exceeds 1.
const TOL = 1e-3;

function expectMatches(res: ClipDissectResult, g: GoldenNeuron[]): void {
  expect(res.best.length).toBe(g.length);
  g.forEach((want, j) => {
    expect(Math.abs(res.score[j] - want.score)).toBeLessThan(TOL * Math.max(1, Math.abs(want.score)));
    if (want.margin > TOL) expect(res.best[j], `neuron ${j}`).toBe(want.best);
    // a near-tie (soft-WPMI, lambda = 1: a neuron alone on two concepts scores ~log k on both): any of the tied
    else expect(want.top.filter(([, s]) => s >= want.score - TOL).map(([t]) => t)).toContain(res.best[j]);
    expect(res.top[j]).toHaveLength(5);
    res.top[j].forEach((e, r) => {
      if (want.margin > TOL && r === 0) expect(e.concept).toBe(want.top[0][0]);
      expect(Math.abs(e.score - want.top[r][1])).toBeLessThan(TOL * Math.max(1, Math.abs(want.top[r][1])));
    });
  });
}

describe('clipDissect against the NumPy golden', () => {
  for (const [name, v] of Object.entries(golden.variants)) {
    const opts: ClipDissectOptions = { variant: (v.variant ?? name) as ClipDissectOptions['variant'], topK: v.topK, lambda: v.lambda };
    it(`${name}: scores, labels and top 5 of ${golden.k} neurons (fast path)`, async () => {
      expectMatches(await clipDissect(input, opts), v.neurons);
    });
    it(`${name}: the slow reference agrees`, () => {
      expectMatches(clipDissectReference(input, opts), v.neurons);
    });
  }

  it('finds the planted concept of every single-concept neuron (planted truth)', async () => {
    const res = await clipDissect(input, { variant: 'soft_wpmi' });
    for (let j = 0; j < 8; j++) expect(res.best[j]).toBe((3 * j) % golden.m);
    expect(res.best[8]).toBe(5); // the neuron with ties (quantised activations)
    expect([11, 20]).toContain(res.best[9]); // planted on both
  });

  it("a neuron's label depends on the neurons scored with it (the log P(t) term)", async () => {
    const sc = golden.setCase;
    const all = f32(sc.acts);
    const run = async (cols: number[]): Promise<number> => {
      const acts = columns(all, golden.n, sc.k, cols);
      const res = await clipDissect({ ...input, acts, k: cols.length }, { variant: 'soft_wpmi' });
      return res.best[0];
    };
    expect(sc.withY.neuronX.best).toBe(sc.Z);
    expect(sc.withZ.neuronX.best).toBe(sc.Y);
    expect(await run(sc.withY.columns)).toBe(sc.Z); // scored with neurons on Y: Y is common, so X is "the Z neuron"
    expect(await run(sc.withZ.columns)).toBe(sc.Y);
    // Alone, log P(t | B) - log P(t) = 0 for every concept: all tie, and the lowest index wins.
    const alone = await clipDissect({ ...input, acts: columns(all, golden.n, sc.k, [0]), k: 1 }, { variant: 'soft_wpmi' });
    expect(alone.score[0]).toBeCloseTo(0, 6);
    expect(alone.best[0]).toBe(0);
  });
});

describe('clipDissect mechanics', () => {
  it('top images: descending, ties to the lower image index', () => {
    // 6 images x 2 neurons; neuron 0: [1, 3, 3, 2, 3, NaN]; neuron 1: all equal.
    const acts = Float32Array.from([1, 5, 3, 5, 3, 5, 2, 5, 3, 5, NaN, 5]);
    const idx = topImages(acts, 6, 2, 4);
    expect(Array.from(idx.subarray(0, 4))).toEqual([1, 2, 4, 3]);
    expect(Array.from(idx.subarray(4, 8))).toEqual([0, 1, 2, 3]);
  });

  it('reports progress and stops when aborted', async () => {
    const seen: Array<[number, number]> = [];
    await clipDissect(input, { variant: 'wpmi', onProgress: (d, t) => seen.push([d, t]) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen[seen.length - 1][0]).toBe(seen[seen.length - 1][1]);
    const ac = new AbortController();
    ac.abort();
    await expect(clipDissect(input, { variant: 'soft_wpmi', signal: ac.signal })).rejects.toThrow();
  });

  it('rejects inconsistent sizes', async () => {
    await expect(clipDissect({ ...input, k: golden.k + 1 }, { variant: 'cos' })).rejects.toThrow(/acts/);
  });
});
