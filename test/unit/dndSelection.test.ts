import { describe, expect, it } from 'vitest';
import { DEFAULT_SELECTION, interpretability, selectConcepts } from '../../src/main/core/numeric/dissect';

// Describe-and-Dissect best-concept selection (methods.md DnD step 3; reference describe_neurons.py step 3,
// utils.rank_images, scoring_function.topk_sq_mean / compare_images) on hand-computed cases.

const f = (...v: number[]): Float32Array => Float32Array.from(v);

describe('selectConcepts, hand-computed', () => {
  // Candidates A "red apple", B "apple", C "blue car", 3 generated images each; beta = 2, topGlobal = 4, d = 2.
  // Activations: A [9, 5, 1], B [8, 9, 2], C [0, 0.5, 3].
  // Global order (descending; the tie at 9 goes to the earlier candidate, A):
  //   rank 0 A0 (9), 1 B1 (9), 2 B0 (8), 3 A1 (5), 4 C2 (3), 5 B2 (2), 6 A2 (1), 7 C1 (0.5), 8 C0 (0)
  //   ranks: A [0, 3, 6], B [1, 2, 5], C [4, 7, 8]
  // Rank term = mean of the squares of the 2 best ranks: A (0 + 9) / 2 = 4.5, B (1 + 4) / 2 = 2.5, C (16 + 49) / 2 = 32.5
  // Ascending: B, A, C -> concept rank (C - position, C = 3): B 3, A 2, C 1.
  // Global top 4 = A0, B1, B0, A1: A's images [0, 1], B's [0, 1], C none (weight -1).
  // Top probe images T0 = (1, 0), T1 = (0, 1).
  //   A0 = (1, 0), A1 = (0.6, 0.8): T0.A0 = 1, T0.A1 = 0.6, T1.A0 = 0, T1.A1 = 0.8 -> weight 2.4 / 4 = 0.6
  //   B0 = (0.8, 0.6), B1 = (0.6, 0.8): 0.8 + 0.6 + 0.6 + 0.8 = 2.8 / 4 -> weight 0.7
  // Score = concept rank x weight: A 2 x 0.6 = 1.2, B 3 x 0.7 = 2.1, C 1 x -1 = -1 -> order B, A, C.
  // Labels (first 3): B kept; A's text (0.9, 0.43589) . B's (1, 0) = 0.9 > 0.81 -> dropped as similar to B;
  // C's text (0, 1) . B's = 0 -> kept. Labels: apple 2.1, blue car -1.
  const sel = selectConcepts(
    {
      candidates: ['red apple', 'apple', 'blue car'],
      activations: [
        [9, 5, 1],
        [8, 9, 2],
        [0, 0.5, 3],
      ],
      topImages: f(1, 0, 0, 1),
      imageEmbeddings: [f(1, 0, 0.6, 0.8, 0, 1), f(0.8, 0.6, 0.6, 0.8, 1, 0), f(0, 1, 1, 0, 0.6, 0.8)],
      textEmbeddings: f(0.9, Math.sqrt(1 - 0.81), 1, 0, 0, 1),
      d: 2,
    },
    { beta: 2, topGlobal: 4, labels: 3, maxLabelSimilarity: 0.81 },
  );

  it('ranks all generated images together (ties: candidate order)', () => {
    expect(sel.candidates.map((c) => c.ranks)).toEqual([
      [0, 3, 6],
      [1, 2, 5],
      [4, 7, 8],
    ]);
  });
  it('rank terms, concept ranks, global-top images', () => {
    expect(sel.candidates.map((c) => c.rankTerm)).toEqual([4.5, 2.5, 32.5]);
    expect(sel.candidates.map((c) => c.conceptRank)).toEqual([2, 3, 1]);
    expect(sel.candidates.map((c) => c.inTop)).toEqual([[0, 1], [0, 1], []]);
  });
  it('weights (-1 when no image reaches the global top) and scores', () => {
    const w = sel.candidates.map((c) => c.weight);
    expect(w[0]).toBeCloseTo(0.6, 6);
    expect(w[1]).toBeCloseTo(0.7, 6);
    expect(w[2]).toBe(-1);
    const s = sel.candidates.map((c) => c.score);
    expect(s[0]).toBeCloseTo(1.2, 6);
    expect(s[1]).toBeCloseTo(2.1, 6);
    expect(s[2]).toBe(-1);
    expect(sel.order).toEqual([1, 0, 2]);
  });
  it('labels drop a near-duplicate of a better label', () => {
    expect(sel.labels.map((l) => l.concept)).toEqual(['apple', 'blue car']);
    expect(sel.labels[0].score).toBeCloseTo(2.1, 6);
    expect(sel.dropped).toHaveLength(1);
    expect(sel.dropped[0].concept).toBe('red apple');
    expect(sel.dropped[0].similarTo).toBe('apple');
    expect(sel.dropped[0].similarity).toBeCloseTo(0.9, 6);
  });
});

describe('selectConcepts, ties', () => {
  // X [10, 1], Y [4, 3], Z [9, 8]; beta 2, topGlobal 3, one top image (1, 0).
  // Order: X0 (10) 0, Z0 (9) 1, Z1 (8) 2, Y0 (4) 3, Y1 (3) 4, X1 (1) 5 -> X [0, 5], Y [3, 4], Z [1, 2].
  // Rank terms: X (0 + 25) / 2 = 12.5 = Y (9 + 16) / 2; Z (1 + 4) / 2 = 2.5.
  // Ascending with ties in candidate order: Z, X, Y -> concept ranks Z 3, X 2, Y 1.
  // Top 3 = X0, Z0, Z1. Weights: X0 = (0.75, 0.661...) -> 0.75; Z0 = Z1 = (0.5, 0.866...) -> 0.5; Y -> -1.
  // Scores: X 2 x 0.75 = 1.5 = Z 3 x 0.5 (exact in binary): the tie keeps candidate order -> X, Z, Y.
  const sel = selectConcepts(
    {
      candidates: ['x', 'y', 'z'],
      activations: [
        [10, 1],
        [4, 3],
        [9, 8],
      ],
      topImages: f(1, 0),
      imageEmbeddings: [f(0.75, Math.sqrt(1 - 0.5625), 0, 1), f(1, 0, 1, 0), f(0.5, Math.sqrt(0.75), 0.5, Math.sqrt(0.75))],
      textEmbeddings: f(1, 0, 0, 1, -1, 0),
      d: 2,
    },
    { beta: 2, topGlobal: 3, labels: 2, maxLabelSimilarity: 0.81 },
  );
  it('equal rank terms and equal scores keep candidate order', () => {
    expect(sel.candidates.map((c) => c.rankTerm)).toEqual([12.5, 12.5, 2.5]);
    expect(sel.candidates.map((c) => c.conceptRank)).toEqual([2, 1, 3]);
    expect(sel.candidates.map((c) => c.score)).toEqual([1.5, -1, 1.5]);
    expect(sel.order).toEqual([0, 2, 1]);
    // labels: the first 2 (x, z); their texts are opposite (cos -1), nothing dropped
    expect(sel.labels.map((l) => l.concept)).toEqual(['x', 'z']);
    expect(sel.dropped).toEqual([]);
  });

  it('a candidate without images gets rank term C + 1 and weight -1 (as the reference)', () => {
    const s = selectConcepts({
      candidates: ['a', 'none'],
      activations: [[1, 2], []],
      topImages: f(1, 0),
      imageEmbeddings: [f(1, 0, 0, 1), new Float32Array(0)],
      textEmbeddings: f(1, 0, 0, 1),
      d: 2,
    });
    // a: ranks [1, 0] -> sorted [0, 1]; rank term (0 + 1) / 2 = 0.5; both in the top 10 -> weight (1 + 0) / 2 = 0.5
    expect(s.candidates[0].ranks).toEqual([0, 1]);
    expect(s.candidates[0].rankTerm).toBe(0.5);
    expect(s.candidates[0].weight).toBe(0.5);
    expect(s.candidates[1]).toMatchObject({ ranks: [], rankTerm: 3, conceptRank: 1, weight: -1, score: -1 });
    expect(s.candidates[0].score).toBe(2 * 0.5);
    expect(DEFAULT_SELECTION).toEqual({ beta: 5, topGlobal: 10, labels: 3, maxLabelSimilarity: 0.81 });
  });
});

describe('interpretability', () => {
  it('mean cosine over distinct pairs (the reference averages the whole matrix, diagonal included)', () => {
    // (1, 0), (0, 1), (0.6, 0.8): pairs 0, 0.6, 0.8 -> 1.4 / 3 = 0.4667; the reference's full-matrix mean is
    // (3 + 2 x 1.4) / 9 = 0.6444 = (1 + 2 x 0.4667) / 3.
    expect(interpretability(f(1, 0, 0, 1, 0.6, 0.8), 3, 2)).toBeCloseTo(1.4 / 3, 6);
    expect(interpretability(f(0.6, 0.8, 0.6, 0.8), 2, 2)).toBeCloseTo(1, 6);
    expect(interpretability(f(1, 0), 1, 2)).toBeNaN();
  });
});
