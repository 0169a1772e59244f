import { makeSplit, mulberry32, product, type DenseMatrix } from '../src/main/core/numeric/le';

/**
 * Synthetic but realistic layer for the LE benchmark.
 * P (n x m, float32): dense probabilities with shared low-rank structure, like a SigLIP concept matrix:
 *   P_ij = sigmoid(1.5 * (Z L)_ij / sqrt(r) + u_ij + b_j), Z (n x r) and L (r x m) Gaussian, u_ij uniform
 *   noise in [-1, 1], b_j uniform in [-4, -1] (mostly small probabilities, some concepts common).
 *   Built in row blocks (Z L through the onnx MatMul), so only P itself is ever held (1.7 GB at paper scale).
 * q (n x k): neuron k = sum of 2-8 distinct random concepts with weights in +-[0.5, 2] (20% negative)
 *   + Gaussian noise (std 0.1).
 */
export interface PlantedNeuron {
  concepts: Int32Array;
  weights: Float64Array;
}

export interface SyntheticLayer {
  p: DenseMatrix;
  q: DenseMatrix;
  split: Uint8Array;
  planted: PlantedNeuron[];
}

export interface SyntheticOptions {
  n: number;
  m: number;
  k: number;
  rank?: number;
  seed?: number;
  noise?: number;
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

export async function syntheticLayer(opts: SyntheticOptions): Promise<SyntheticLayer> {
  const { n, m, k } = opts;
  const r = opts.rank ?? 32;
  const rand = mulberry32(opts.seed ?? 1);
  const noise = opts.noise ?? 0.1;
  const l = Float32Array.from({ length: r * m }, () => gaussian(rand));
  const bias = Float64Array.from({ length: m }, () => -4 + 3 * rand());
  const p = new Float32Array(n * m);
  const block = 2048;
  const scale = 1.5 / Math.sqrt(r);
  for (let start = 0; start < n; start += block) {
    const rows = Math.min(block, n - start);
    const z = Float32Array.from({ length: rows * r }, () => gaussian(rand));
    const zl = await product(z, rows, r, l, m, { engine: 'onnx' });
    for (let i = 0; i < rows; i++) {
      const o = (start + i) * m;
      for (let j = 0; j < m; j++) {
        const logit = scale * zl[i * m + j] + (2 * rand() - 1) + bias[j];
        p[o + j] = 1 / (1 + Math.exp(-logit));
      }
    }
  }
  const planted: PlantedNeuron[] = [];
  for (let t = 0; t < k; t++) {
    const count = 2 + Math.floor(rand() * 7);
    const set = new Set<number>();
    while (set.size < count) set.add(Math.floor(rand() * m));
    const concepts = Int32Array.from([...set].sort((a, b) => a - b));
    const weights = Float64Array.from(concepts, () => (rand() < 0.2 ? -1 : 1) * (0.5 + 1.5 * rand()));
    planted.push({ concepts, weights });
  }
  const q = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const o = i * m;
    for (let t = 0; t < k; t++) {
      const pl = planted[t];
      let v = noise * gaussian(rand);
      for (let c = 0; c < pl.concepts.length; c++) v += pl.weights[c] * p[o + pl.concepts[c]];
      q[i * k + t] = v;
    }
  }
  return { p: { data: p, rows: n, cols: m }, q: { data: q, rows: n, cols: k }, split: makeSplit(n, { seed: 42 }), planted };
}
