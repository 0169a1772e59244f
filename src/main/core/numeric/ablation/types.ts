/**
 * Shared shapes of the ablation core (docs/methods.md "Simulation and scoring").
 * Layout: like the explain core, matrices are row-major with ONE ROW PER IMAGE (activations N x K,
 * simulated explanations N x K, logits N x C); the linear head is PyTorch's fc layout W (C x K).
 * Float32 or float64 storage; every reduction runs in float64.
 */
export type FloatArray = Float32Array | Float64Array;

export interface Matrix {
  data: FloatArray;
  rows: number;
  cols: number;
}

export function matrix(data: FloatArray, rows: number, cols: number): Matrix {
  if (data.length !== rows * cols) throw new Error(`matrix: data length ${data.length} != ${rows} x ${cols}`);
  return { data, rows, cols };
}

/** Split codes, the same as src/main/core/numeric/le/splits.ts. */
export const SPLIT_TRAIN = 0;
export const SPLIT_VAL = 1;
export const SPLIT_TEST = 2;

/** Indices i with split[i] === code, ascending. */
export function splitRows(split: Uint8Array, code: number): Int32Array {
  let n = 0;
  for (let i = 0; i < split.length; i++) if (split[i] === code) n++;
  const out = new Int32Array(n);
  let j = 0;
  for (let i = 0; i < split.length; i++) if (split[i] === code) out[j++] = i;
  return out;
}

/** Column k of an N x K matrix at the given rows (all rows when omitted), as float64. */
export function column(m: Matrix, k: number, rows?: Int32Array): Float64Array {
  const n = rows ? rows.length : m.rows;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) out[r] = m.data[(rows ? rows[r] : r) * m.cols + k];
  return out;
}

/** A linear classification head: logits = W a + b, W is C x K row-major (PyTorch nn.Linear.weight). */
export interface LinearHead {
  weight: FloatArray;
  bias: FloatArray;
  classes: number;
  features: number;
}

export function linearHead(weight: FloatArray, bias: FloatArray, classes: number, features: number): LinearHead {
  if (weight.length !== classes * features) throw new Error(`linearHead: weight length ${weight.length} != ${classes} x ${features}`);
  if (bias.length !== classes) throw new Error(`linearHead: bias length ${bias.length} != ${classes}`);
  return { weight, bias, classes, features };
}

/** What an oracle can return for one neuron and a list of images. */
export interface OracleResult {
  /** Loss of each listed image with the neuron replaced (temperature-scaled cross-entropy). */
  losses: FloatArray;
  /** L_new - L_orig, when the oracle can compute it more precisely than a difference of losses. */
  changes?: FloatArray;
  /** d loss / d value per image (only when asked for and the oracle can). */
  grads?: FloatArray;
  /** 1 where argmax of the modified logits (first index on ties) equals the label. */
  correct?: Uint8Array;
}

export interface OracleWants {
  grads?: boolean;
  correct?: boolean;
}

/**
 * Loss of the network after replacing ONE neuron's summary value by `values[r]` on image `imageIdx[r]`.
 * Two implementations: the closed form for a layer that feeds a linear head (linearHeadOracle, here), and a
 * tail sub-graph runner (inference side: extractTail + replaceNeuron.ts rule for spatial maps).
 * Only `losses` is required. Without `evaluate` gradients come from central finite differences
 * (two extra `losses` calls per Optim step) and Top Impact cannot run (it needs `correct`).
 * Without `baseline`, the unablated losses come from `losses(neuron, its own values)`.
 */
export interface LossOracle {
  readonly numImages: number;
  losses(neuron: number, values: FloatArray, imageIdx: Int32Array): Promise<FloatArray>;
  evaluate?(neuron: number, values: FloatArray, imageIdx: Int32Array, want: OracleWants): Promise<OracleResult>;
  baseline?(imageIdx: Int32Array): Promise<{ losses: FloatArray; correct: Uint8Array }>;
  /**
   * Optional fused Optim objective (a fast path; must equal optimScaling's generic objective built on `evaluate`):
   * for values v_r = c * sims[r] + d on images imageIdx[r], sum_r |L_new - L_orig| and its gradient in (c, d).
   */
  absChangeObjective?(neuron: number, sims: Float64Array, imageIdx: Int32Array): Promise<(c: number, d: number) => AbsChangeValue>;
}

/** Value and (c, d)-gradient of the Optim objective sum |L(k <- c s + d) - L(orig)|. */
export interface AbsChangeValue {
  value: number;
  gc: number;
  gd: number;
}

/**
 * Whole columns of an N x K row-major matrix, gathered a block of neurons at a time.
 * Why: reading one column strides K floats per image (a cache miss each at K = 2,048); gathering `blockSize`
 * neighbouring columns per row pass reads memory sequentially. Callers visit neurons in order.
 */
export class ColumnCache {
  private k0 = -1;
  private block: Float64Array = new Float64Array(0);
  private count = 0;

  constructor(
    private readonly m: Matrix,
    private readonly blockSize = 64,
  ) {}

  /** Column k over all rows (a read-only view into the cached block; blocks are never overwritten). */
  get(k: number): Float64Array {
    if (!(k >= 0 && k < this.m.cols)) throw new Error(`ColumnCache: column ${k} outside 0..${this.m.cols - 1}`);
    if (this.k0 < 0 || k < this.k0 || k >= this.k0 + this.count) this.load(Math.floor(k / this.blockSize) * this.blockSize);
    const n = this.m.rows;
    return this.block.subarray((k - this.k0) * n, (k - this.k0 + 1) * n);
  }

  /** Column k at the given rows, as a new array. */
  at(k: number, rows: Int32Array): Float64Array {
    const col = this.get(k);
    const out = new Float64Array(rows.length);
    for (let r = 0; r < rows.length; r++) out[r] = col[rows[r]];
    return out;
  }

  private load(k0: number): void {
    const { rows: n, cols, data } = this.m;
    const count = Math.min(this.blockSize, cols - k0);
    this.block = new Float64Array(count * n); // fresh, so views handed out earlier stay valid
    for (let i = 0; i < n; i++) {
      const o = i * cols + k0;
      for (let kk = 0; kk < count; kk++) this.block[kk * n + i] = data[o + kk];
    }
    this.k0 = k0;
    this.count = count;
  }
}
