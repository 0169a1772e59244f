import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../src/main/core/numeric/le/splits';

/** Seeded standard normals (Box-Muller on mulberry32). */
export function normals(seed: number): () => number {
  const u = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

export function randomRows(rows: number, dim: number, seed: number): Float32Array {
  const g = normals(seed);
  return Float32Array.from({ length: rows * dim }, g);
}

export interface ConceptsGolden {
  auroc: { scores: number[]; labels: number[]; auroc: number }[];
  bcePairs: { cos: number[]; labels: number[]; cases: { a: number; b: number; bce: number }[] };
}

/** resources/golden/concepts_golden.json, written by scripts/golden/make_concepts_golden.py (sklearn). */
export const conceptsGolden = (): ConceptsGolden =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'resources', 'golden', 'concepts_golden.json'), 'utf8')) as ConceptsGolden;
