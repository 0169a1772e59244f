import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classAuroc, meanStandardError, nearestByCosine } from '../../src/main/core/numeric/compare';
import { labelOf } from '../../src/main/core/features/compare/labels';

// "Find a classifier for an unseen concept" against scikit-learn's roc_auc_score and NumPy's argmax of cosines
// (golden written by scripts/fixtures/make_classifier_finding_golden.py), plus a case counted by hand.

interface Golden {
  auroc: { scores: number[]; labels: number[]; auroc: number }[];
  nearest: { dim: number; queries: number[]; keys: number[]; index: number[]; cosine: number[] };
  finding: {
    dim: number;
    classVectors: number[];
    labelVectors: number[];
    rows: number;
    cols: number;
    activations: number[];
    classOfImage: number[];
    perClass: { neuron: number; cosine: number; auroc: number }[];
    mean: number;
    standardError: number;
  };
}
const golden = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'resources', 'fixtures', 'golden', 'classifier_finding.json'), 'utf8'),
) as Golden;

describe('classifier finding numerics', () => {
  it('AUROC counts a tie as one half (hand count)', () => {
    // Positives score [2, 1], negatives [1, 0, 0]. Pairs (pos, neg): 2>1, 2>0, 2>0 -> 3; 1=1 -> 0.5; 1>0, 1>0 -> 2.
    // (3 + 0.5 + 2) / (2 * 3) = 5.5 / 6.
    expect(classAuroc([2, 1, 1, 0, 0], [1, 1, 0, 0, 0])).toBeCloseTo(5.5 / 6, 15);
    expect(classAuroc([1, 1], [1, 0])).toBe(0.5);
    expect(classAuroc([1, 2], [1, 1])).toBeNull();
  });

  it("AUROC equals scikit-learn's roc_auc_score on tied scores", () => {
    for (const c of golden.auroc) expect(classAuroc(c.scores, c.labels)).toBeCloseTo(c.auroc, 12);
  });

  it("picks NumPy's argmax of cosines, the first key on a tie", () => {
    const g = golden.nearest;
    const got = nearestByCosine(g.queries, g.keys, g.dim);
    expect(got.map((x) => x.index)).toEqual(g.index);
    got.forEach((x, i) => expect(x.cosine).toBeCloseTo(g.cosine[i], 12));
    // Hand case: key 1 is key 0 scaled (same cosine): the first wins; an orthogonal query picks its own axis.
    expect(nearestByCosine([1, 0, 0, 1], [1, 0, 2, 0, 0, 1], 2).map((x) => x.index)).toEqual([0, 2]);
  });

  it('reproduces a whole evaluation: per class neuron, cosine, AUROC, and mean +- SE', () => {
    const g = golden.finding;
    const picks = nearestByCosine(g.classVectors, g.labelVectors, g.dim);
    const per = picks.map((p, c) => {
      const col = Array.from({ length: g.rows }, (_, i) => g.activations[i * g.cols + p.index]);
      return {
        neuron: p.index,
        cosine: p.cosine,
        auroc: classAuroc(
          col,
          g.classOfImage.map((y) => (y === c ? 1 : 0)),
        )!,
      };
    });
    expect(per.map((x) => x.neuron)).toEqual(g.perClass.map((x) => x.neuron));
    per.forEach((x, c) => {
      expect(x.cosine).toBeCloseTo(g.perClass[c].cosine, 12);
      expect(x.auroc).toBeCloseTo(g.perClass[c].auroc, 12);
    });
    const m = meanStandardError(per.map((x) => x.auroc));
    expect(m.mean).toBeCloseTo(g.mean, 12);
    expect(m.standardError).toBeCloseTo(g.standardError, 12);
  });

  it("reads a label: LE's largest-|weight| concept, a label method's texts joined, '_' as a space", () => {
    const le = [
      { concept: 'Bag', weight: 0.4 },
      { concept: 'Ankle_boot', weight: -0.9 },
    ];
    expect(labelOf('le_label', le)).toBe('Ankle boot');
    expect(labelOf('dnd_labels', le)).toBe('Bag, Ankle boot');
    expect(labelOf('clip_dissect', [{ concept: 'Sandal', weight: 1 }])).toBe('Sandal');
    expect(labelOf('dnd', [])).toBe('');
  });
});
