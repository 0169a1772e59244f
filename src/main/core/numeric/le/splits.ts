/**
 * Seeded 70/10/20 train/val/test split (docs/methods.md "Splits"). Deterministic for a seed, so the
 * split stored with a project reproduces exactly.
 */
export const SPLIT_TRAIN = 0;
export const SPLIT_VAL = 1;
export const SPLIT_TEST = 2;

export interface SplitOptions {
  /** 32-bit seed (coerced with `>>> 0`). Default 0. */
  seed?: number;
  /** Fractions of train and val; test gets the rest. Default 0.7 and 0.1. */
  train?: number;
  val?: number;
}

/**
 * mulberry32: a tiny 32-bit PRNG (Tommy Ettinger's public-domain generator). Good enough for shuffling
 * and trivially portable, which matters because the split must be reproducible forever.
 * Returns floats in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates with mulberry32(seed): an order reproducible from its seed (DnD's caption order, a rating study's). */
export function seededShuffle<T>(xs: readonly T[], seed: number): T[] {
  const rand = mulberry32(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Assignment per image: 0 = train, 1 = val, 2 = test. Fisher-Yates shuffle of 0..n-1 with mulberry32(seed);
 * the first round(train*n) shuffled images go to train, the next round(val*n) to val, the rest to test.
 */
export function makeSplit(n: number, opts: SplitOptions = {}): Uint8Array {
  const fTrain = opts.train ?? 0.7;
  const fVal = opts.val ?? 0.1;
  if (fTrain < 0 || fVal < 0 || fTrain + fVal > 1) throw new Error('split fractions must be >= 0 and sum to <= 1');
  const rand = mulberry32(opts.seed ?? 0);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const { train: nTrain, val: nVal } = splitSizes(n, fTrain, fVal);
  const out = new Uint8Array(n).fill(SPLIT_TEST);
  for (let i = 0; i < nTrain; i++) out[perm[i]] = SPLIT_TRAIN;
  for (let i = nTrain; i < nTrain + nVal; i++) out[perm[i]] = SPLIT_VAL;
  return out;
}

/** How many of n images makeSplit puts in train, val and test. */
export function splitSizes(n: number, fTrain: number, fVal: number): { train: number; val: number; test: number } {
  const train = Math.round(fTrain * n);
  const val = Math.min(n - train, Math.round(fVal * n));
  return { train, val, test: n - train - val };
}

/**
 * The fewest images for which every part of the split gets at least `perPart` images (from this size on:
 * the parts only grow with n), or null when no size below 1e6 does (a fraction of 0).
 */
export function minImagesForSplit(fTrain: number, fVal: number, perPart: number): number | null {
  const ok = (n: number) => {
    const s = splitSizes(n, fTrain, fVal);
    return s.train >= perPart && s.val >= perPart && s.test >= perPart;
  };
  let lo = 1;
  while (lo < 1e6 && !ok(lo)) lo++;
  if (lo >= 1e6) return null;
  // Rounding can make a part shrink by one image between neighbouring sizes: take the size from which every larger one works.
  let n = lo;
  for (let m = lo; m < lo + 100; m++) if (!ok(m)) n = m + 1;
  return n;
}

export interface SplitIndices {
  train: Int32Array;
  val: Int32Array;
  test: Int32Array;
}

/** Image indices of each split, ascending (so row access stays sequential in memory). */
export function splitIndices(assignment: Uint8Array): SplitIndices {
  const counts = [0, 0, 0];
  for (const a of assignment) {
    if (a > 2) throw new Error(`bad split code ${a}`);
    counts[a]++;
  }
  const out = [new Int32Array(counts[0]), new Int32Array(counts[1]), new Int32Array(counts[2])];
  const fill = [0, 0, 0];
  for (let i = 0; i < assignment.length; i++) out[assignment[i]][fill[assignment[i]]++] = i;
  return { train: out[0], val: out[1], test: out[2] };
}
