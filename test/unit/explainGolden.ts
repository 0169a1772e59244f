import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Typed views of the golden JSON written by scripts/golden/make_enet_golden.py.
const dir = join(__dirname, '..', '..', 'resources', 'golden');

export interface EnetGolden {
  n: number;
  m: number;
  k: number;
  splitSeed: number;
  p: number[];
  q: number[];
  classIds: number[];
  superclasses: number[][];
  split: number[];
  pMean: number[];
  pStd: number[];
  pConstant: number[];
  qMean: number[];
  qStd: number[];
  plan: Record<string, number>[];
  fits: { lambda: number; eta: number; target: 'std' | 'raw'; coef: number[][]; intercept: number[] }[];
}

export interface LsPearsonGolden {
  leastSquares: { n: number; p: number; x: number[]; y: number[]; bias: number; weights: number[] }[];
  pearson: { x: number[]; y: number[]; r: number }[];
}

export const enetGolden = (): EnetGolden => JSON.parse(readFileSync(join(dir, 'enet_golden.json'), 'utf8')) as EnetGolden;
export const lsPearsonGolden = (): LsPearsonGolden =>
  JSON.parse(readFileSync(join(dir, 'ls_pearson_golden.json'), 'utf8')) as LsPearsonGolden;

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
