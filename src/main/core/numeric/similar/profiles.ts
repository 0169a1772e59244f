import { mulberry32 } from '../le/splits';

// Similar units by activation: Pearson r of two neurons over a basis of images is the dot product of their
// "profiles", each neuron's values over the basis centred and scaled to unit length (float64 sums, stored float32).
// Exact over all images when the set has at most `maxBasis` images; otherwise over a seeded sample of that many
// images (uniform without replacement, the same rows for every neuron).

export const MAX_BASIS = 4096;
export const BASIS_SEED = 0x51a1;

/** The basis rows, ascending: all of 0..n-1 when n <= max, else a seeded uniform sample of max of them. */
export function basisRows(n: number, max = MAX_BASIS, seed = BASIS_SEED): Int32Array {
  if (n <= max) return Int32Array.from({ length: n }, (_, i) => i);
  // Partial Fisher-Yates over 0..n-1 (only the touched entries are stored).
  const rand = mulberry32(seed);
  const swapped = new Map<number, number>();
  const out = new Int32Array(max);
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const vi = swapped.get(i) ?? i;
    const vj = swapped.get(j) ?? j;
    out[i] = vj;
    swapped.set(j, vi);
  }
  return out.sort();
}

/**
 * Profile of one neuron: `values[rows[s]]` centred and divided by the root of its sum of squares, written into
 * `out` (length rows.length). Returns false (and writes zeros) when a value is not finite or the neuron is
 * constant on the basis: its correlation is undefined.
 */
export function profileInto(values: ArrayLike<number>, rows: Int32Array, out: Float32Array): boolean {
  const n = rows.length;
  let mean = 0;
  for (let s = 0; s < n; s++) {
    const v = values[rows[s]];
    if (!Number.isFinite(v)) {
      out.fill(0);
      return false;
    }
    mean += v;
  }
  mean /= n;
  let ss = 0;
  for (let s = 0; s < n; s++) {
    const d = values[rows[s]] - mean;
    ss += d * d;
  }
  // Constant up to float32 rounding of the values: no direction to correlate with.
  if (!(ss > 0) || Math.sqrt(ss / n) <= 1e-7 * Math.max(1, Math.abs(mean))) {
    out.fill(0);
    return false;
  }
  const inv = 1 / Math.sqrt(ss);
  for (let s = 0; s < n; s++) out[s] = (values[rows[s]] - mean) * inv;
  return true;
}

/** r of neuron `j` with every neuron: dot products of profile rows (nNeurons x nSample), NaN where not usable. */
export function correlationsWith(profiles: Float32Array, usable: Uint8Array, nSample: number, j: number): Float64Array {
  const k = usable.length;
  const r = new Float64Array(k).fill(Number.NaN);
  if (!usable[j]) return r;
  const a = profiles.subarray(j * nSample, (j + 1) * nSample);
  for (let q = 0; q < k; q++) {
    if (!usable[q]) continue;
    const o = q * nSample;
    let s = 0;
    for (let t = 0; t < nSample; t++) s += a[t] * profiles[o + t];
    r[q] = Math.max(-1, Math.min(1, s));
  }
  return r;
}

/** The `limit` largest finite entries other than `self`, by value desc then index asc. */
export function topCorrelated(r: Float64Array, self: number, limit: number): { neuron: number; r: number }[] {
  const idx: number[] = [];
  for (let q = 0; q < r.length; q++) if (q !== self && Number.isFinite(r[q])) idx.push(q);
  idx.sort((a, b) => r[b] - r[a] || a - b);
  return idx.slice(0, limit).map((q) => ({ neuron: q, r: r[q] }));
}
