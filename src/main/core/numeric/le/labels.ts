import { columnStats } from './standardise';
import type { DenseMatrix } from './types';

/**
 * Label concept matrix (docs/methods.md "Label concepts"): one-hot class columns, then one
 * column per superclass = OR of its classes' columns (a 0/1 column; classes are exclusive per image, so
 * OR equals the reference's sum). Columns with zero variance over the images are dropped; names follow.
 */
export interface LabelMatrixInput {
  /** Class id per image, 0..classNames.length-1. */
  classIds: ArrayLike<number>;
  classNames: readonly string[];
  superclasses?: readonly { name: string; classes: readonly number[] }[];
}

export interface LabelMatrix {
  matrix: DenseMatrix;
  names: string[];
  /** For each kept column, its index in the full (classes, then superclasses) column list. */
  sourceColumn: Int32Array;
}

export function labelMatrix(input: LabelMatrixInput): LabelMatrix {
  const { classIds, classNames } = input;
  const supers = input.superclasses ?? [];
  const n = classIds.length;
  const nc = classNames.length;
  const full = nc + supers.length;
  // Membership table: class -> list of full-column indices that are 1 for an image of that class.
  const member: number[][] = classNames.map((_, c) => [c]);
  supers.forEach((s, si) => {
    for (const c of s.classes) {
      if (!Number.isInteger(c) || c < 0 || c >= nc) throw new Error(`superclass '${s.name}' names unknown class ${c}`);
      if (!member[c].includes(nc + si)) member[c].push(nc + si);
    }
  });
  const data = new Float32Array(n * full);
  for (let i = 0; i < n; i++) {
    const c = classIds[i];
    if (!Number.isInteger(c) || c < 0 || c >= nc) throw new Error(`image ${i}: class id ${c} out of range`);
    for (const col of member[c]) data[i * full + col] = 1;
  }
  const allNames = [...classNames, ...supers.map((s) => s.name)];
  const stats = columnStats({ data, rows: n, cols: full }, undefined, { minStd: 1e-12 });
  const keep: number[] = [];
  for (let j = 0; j < full; j++) if (!stats.constant[j]) keep.push(j);
  if (keep.length === full) return { matrix: { data, rows: n, cols: full }, names: allNames, sourceColumn: Int32Array.from(keep) };
  const m = keep.length;
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) out[i * m + k] = data[i * full + keep[k]];
  return { matrix: { data: out, rows: n, cols: m }, names: keep.map((j) => allNames[j]), sourceColumn: Int32Array.from(keep) };
}
