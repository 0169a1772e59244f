import { addTransAProduct, gemmTransB, product } from '../../onnx/gemm';
import { softmaxProduct } from '../../onnx/softmaxProduct';

/**
 * CLIP-Dissect labels (Oikarinen & Weng; docs methods.md "CLIP-Dissect"; reference similarity.py):
 * - soft_wpmi: S = softmax over concepts of a * cos (a = 10); per neuron its top-K images by activation (K = 100,
 *   ties: lower image index first); p_r = 0.998 - (r / K) * 0.028;
 *   log P(t | B_j) = sum_r log(1 + p_r (S(t | x_r) - 1) + 1e-7);
 *   log P(t) = logsumexp_j log P(t | B_j) - log(#neurons), over exactly the neurons given;
 *   score = log P(t | B_j) - lambda log P(t) (lambda = 1); label = argmax.
 * - wpmi: the same with a = 2, K = 28, p_r = 1 (log(S + 1e-7)), lambda = 0.6.
 * - cos: cosine over images between a neuron's activations and a concept's column of cos(image, text), neither
 *   centred (as the reference's cos_similarity).
 * A label depends on which neurons are scored together (the log P(t) term): callers record that set.
 *
 * Fast path (clipDissect): never holds the n x m matrix. The softmax needs whole rows, so image chunks of the
 * selected images (those in some neuron's top-K) go through one onnxruntime graph (Gemm + Softmax), and each
 * neuron's row of prod_r (p_r S + c_r), c_r = 1 - p_r + 1e-7, is multiplied in float64 (one log per
 * (neuron, concept) at the end instead of K: the k * K * m logs dominate otherwise). Every factor is >= min c_r,
 * so a row is folded into a log accumulator before it could underflow (never at the defaults: 0.002^100 = 1e-270).
 * clipDissectReference is the slow, float64, whole-matrix version beside it.
 */

export type ClipDissectVariant = 'soft_wpmi' | 'wpmi' | 'cos';

export interface ClipDissectInput {
  /** Neuron activations (summaries), image-major: acts[i * k + j] = neuron j on image i. */
  acts: Float32Array;
  n: number;
  k: number;
  /** L2-normalised image embeddings (n x d) and concept text embeddings (m x d), row-major. */
  images: Float32Array;
  texts: Float32Array;
  d: number;
  m: number;
}

export interface ClipDissectOptions {
  variant: ClipDissectVariant;
  /** images per neuron: soft_wpmi 100, wpmi 28 (clamped to n); ignored by cos */
  topK?: number;
  /** weight of log P(t): soft_wpmi 1.0, wpmi 0.6; ignored by cos */
  lambda?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** onnxruntime intra-op threads; 0 = all cores (default) */
  threads?: number;
}

export interface ClipDissectResult {
  /** per neuron: best concept index and its score, and the 5 best (index, score), best first (ties: lower index) */
  best: Int32Array;
  score: Float32Array;
  top: Array<Array<{ concept: number; score: number }>>;
}

/** Reference constants: softmax scale a, top-K and lambda per variant. */
export const CLIP_DISSECT_DEFAULTS = {
  soft_wpmi: { a: 10, topK: 100, lambda: 1 },
  wpmi: { a: 2, topK: 28, lambda: 0.6 },
} as const;

const TOP = 5;
const MIN_PROB = 1e-7;

/** The factor p_r and offset c_r of log(p_r S + c_r) for ranks r = 0..K-1. */
export function rankWeights(variant: 'soft_wpmi' | 'wpmi', topK: number): { p: Float64Array; c: Float64Array } {
  const p = new Float64Array(topK);
  const c = new Float64Array(topK);
  for (let r = 0; r < topK; r++) {
    p[r] = variant === 'soft_wpmi' ? 0.998 - (r / topK) * (0.998 - 0.97) : 1;
    c[r] = 1 - p[r] + MIN_PROB;
  }
  return { p, c };
}

/**
 * Each neuron's top-K images by activation, best first, ties to the lower image index: out[j * K + r].
 * One pass over the image-major matrix with a bounded min-heap per neuron. NaN counts as the lowest value.
 */
export function topImages(acts: Float32Array, n: number, k: number, K: number): Int32Array {
  const heapVal = new Float64Array(k * K);
  const heapIdx = new Int32Array(k * K);
  const size = new Int32Array(k);
  // "a is worse than b": lower value, or equal value and higher index (so the lower index survives a tie).
  const worse = (va: number, ia: number, vb: number, ib: number): boolean => va < vb || (va === vb && ia > ib);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    for (let j = 0; j < k; j++) {
      const raw = acts[row + j];
      const v = raw === raw ? raw : -Infinity;
      const o = j * K;
      let s = size[j];
      if (s === K) {
        if (!worse(heapVal[o], heapIdx[o], v, i)) continue; // not better than the worst kept
        // replace the root (the worst) and sift down
        let pos = 0;
        for (;;) {
          const l = 2 * pos + 1;
          if (l >= K) break;
          const r = l + 1;
          const c = r < K && worse(heapVal[o + r], heapIdx[o + r], heapVal[o + l], heapIdx[o + l]) ? r : l;
          if (!worse(heapVal[o + c], heapIdx[o + c], v, i)) break;
          heapVal[o + pos] = heapVal[o + c];
          heapIdx[o + pos] = heapIdx[o + c];
          pos = c;
        }
        heapVal[o + pos] = v;
        heapIdx[o + pos] = i;
      } else {
        // insert and sift up
        let pos = s++;
        while (pos > 0) {
          const parent = (pos - 1) >> 1;
          if (!worse(v, i, heapVal[o + parent], heapIdx[o + parent])) break;
          heapVal[o + pos] = heapVal[o + parent];
          heapIdx[o + pos] = heapIdx[o + parent];
          pos = parent;
        }
        heapVal[o + pos] = v;
        heapIdx[o + pos] = i;
        size[j] = s;
      }
    }
  }
  const out = new Int32Array(k * K);
  const order = Array.from({ length: K }, (_, r) => r);
  for (let j = 0; j < k; j++) {
    const o = j * K;
    order.sort((a, b) => heapVal[o + b] - heapVal[o + a] || heapIdx[o + a] - heapIdx[o + b] || 0);
    for (let r = 0; r < K; r++) out[o + r] = heapIdx[o + order[r]];
  }
  return out;
}

function check(input: ClipDissectInput): void {
  const { acts, n, k, images, texts, d, m } = input;
  if (!(n > 0 && k > 0 && d > 0 && m > 0)) throw new Error('clipDissect: n, k, d and m must be positive');
  if (acts.length !== n * k) throw new Error(`clipDissect: acts has ${acts.length} values, expected n * k = ${n * k}`);
  if (images.length !== n * d) throw new Error(`clipDissect: images has ${images.length} values, expected n * d = ${n * d}`);
  if (texts.length !== m * d) throw new Error(`clipDissect: texts has ${texts.length} values, expected m * d = ${m * d}`);
}

/** Best 5 (score desc, concept asc) of each neuron's row of a k x m score matrix given by score(j, t). */
function topOfRows(k: number, m: number, row: (j: number) => ArrayLike<number>): ClipDissectResult {
  const best = new Int32Array(k);
  const score = new Float32Array(k);
  const top: ClipDissectResult['top'] = [];
  const keep = Math.min(TOP, m);
  for (let j = 0; j < k; j++) {
    const r = row(j);
    const ts: number[] = [];
    const vs: number[] = [];
    for (let t = 0; t < m; t++) {
      const v = r[t] === r[t] ? r[t] : -Infinity;
      if (ts.length === keep && !(v > vs[keep - 1])) continue; // equal scores keep the lower concept index
      let pos = ts.length === keep ? keep - 1 : ts.length;
      while (pos > 0 && v > vs[pos - 1]) pos--;
      ts.splice(pos, 0, t);
      vs.splice(pos, 0, v);
      if (ts.length > keep) {
        ts.pop();
        vs.pop();
      }
    }
    best[j] = ts[0];
    score[j] = vs[0];
    top.push(ts.map((concept, i) => ({ concept, score: vs[i] })));
  }
  return { best, score, top };
}

/** CLIP-Dissect labels of the k neurons in `input`, scored together. Async: the products run in onnxruntime. */
export async function clipDissect(input: ClipDissectInput, opts: ClipDissectOptions): Promise<ClipDissectResult> {
  check(input);
  if (opts.variant === 'cos') return clipDissectCos(input, opts);
  let total = 1;
  const onProgress = (done: number, t: number) => {
    total = t;
    opts.onProgress?.(done, t);
  };
  const L = await clipDissectLogLikelihoods(input, { ...opts, variant: opts.variant, onProgress });
  const out = clipDissectLabels(L, input.k, input.m, opts.lambda ?? CLIP_DISSECT_DEFAULTS[opts.variant].lambda);
  opts.onProgress?.(total, total);
  return out;
}

/**
 * log P(t | B_j) (row-major, own.to - own.from rows of m, float64) of neurons [own.from, own.to) of `input`, computed
 * exactly as for the whole set: the image chunks are those of all k neurons' selected images (so each row is the
 * same bits whichever neurons a process computes: a shard of a sharded run); chunks none of the own neurons uses
 * are skipped.
 */
export async function clipDissectLogLikelihoods(
  input: ClipDissectInput,
  opts: ClipDissectOptions & { variant: 'soft_wpmi' | 'wpmi' },
  own: { from: number; to: number } = { from: 0, to: input.k },
): Promise<Float64Array> {
  check(input);
  const { acts, n, k, images, texts, d, m } = input;
  const defaults = CLIP_DISSECT_DEFAULTS[opts.variant];
  const K = Math.min(n, Math.max(1, Math.floor(opts.topK ?? defaults.topK)));
  const { p, c } = rankWeights(opts.variant, K);
  const idx = topImages(acts, n, k, K);

  // The selected images, and per neuron its (row among them, rank) entries sorted by row.
  const localOf = new Int32Array(n).fill(-1);
  for (let q = 0; q < idx.length; q++) localOf[idx[q]] = 0;
  const sel: number[] = [];
  for (let i = 0; i < n; i++) if (localOf[i] === 0) localOf[i] = sel.push(i) - 1;
  const entRow = new Int32Array(k * K);
  const entRank = new Int32Array(k * K);
  const pairs = Array.from({ length: K }, (_, r) => r);
  for (let j = 0; j < k; j++) {
    const o = j * K;
    pairs.sort((a, b) => localOf[idx[o + a]] - localOf[idx[o + b]]);
    for (let q = 0; q < K; q++) {
      entRow[o + q] = localOf[idx[o + pairs[q]]];
      entRank[o + q] = pairs[q];
    }
  }

  // Underflow guard: a product of `maxFactors` factors >= min c stays above 1e-300.
  let minC = Infinity;
  for (const v of c) minC = Math.min(minC, v);
  const maxFactors = Math.max(4, Math.floor(Math.log(1e-300) / Math.log(minC)));
  const k0 = own.from;
  const kOwn = own.to - own.from;
  // Rows of prod, logAcc, count and cursor are own neurons: row j - k0 for neuron j.
  const prod = new Float64Array(kOwn * m).fill(1);
  let logAcc: Float64Array | null = null;
  const count = new Int32Array(kOwn);
  const fold = (j: number): void => {
    logAcc ??= new Float64Array(kOwn * m);
    const o = j * m;
    for (let t = 0; t < m; t++) {
      logAcc[o + t] += Math.log(prod[o + t]);
      prod[o + t] = 1;
    }
    count[j] = 0;
  };

  const rowsPerChunk = Math.max(1, Math.min(sel.length, Math.floor((1 << 25) / m))); // ~128 MB of float32 S
  const chunks = Math.ceil(sel.length / rowsPerChunk);
  const total = chunks + 1;
  const x = new Float32Array(rowsPerChunk * d);
  const cursor = new Int32Array(kOwn);
  const a = defaults.a;
  for (let ch = 0; ch < chunks; ch++) {
    opts.signal?.throwIfAborted();
    const r0 = ch * rowsPerChunk;
    const r1 = Math.min(sel.length, r0 + rowsPerChunk);
    let used = false;
    for (let j = k0; j < own.to && !used; j++) used = cursor[j - k0] < K && entRow[j * K + cursor[j - k0]] < r1;
    if (used) {
      for (let r = r0; r < r1; r++) x.set(images.subarray(sel[r] * d, sel[r] * d + d), (r - r0) * d);
      const s = await softmaxProduct(
        r1 - r0 === rowsPerChunk ? x : x.subarray(0, (r1 - r0) * d),
        r1 - r0,
        texts,
        m,
        d,
        a,
        opts.threads ?? 0,
      );
      for (let j = k0; j < own.to; j++) {
        const o = j * K;
        const q = cursor[j - k0];
        let end = q;
        while (end < K && entRow[o + end] < r1) end++;
        if (end === q) continue;
        if (count[j - k0] + (end - q) > maxFactors) fold(j - k0);
        count[j - k0] += end - q;
        multiplyRow(prod, (j - k0) * m, m, s, r0, entRow, entRank, o + q, o + end, p, c);
        cursor[j - k0] = end;
      }
    }
    opts.onProgress?.(ch + 1, total);
  }
  opts.signal?.throwIfAborted();

  // log P(t | B_j) in place.
  const L = prod;
  for (let q = 0; q < L.length; q++) L[q] = Math.log(L[q]) + (logAcc ? logAcc[q] : 0);
  return L;
}

/**
 * Labels from log P(t | B_j) of all k neurons scored together (k x m, overwritten with the scores): log P(t) =
 * logsumexp over the neurons - log k; score = L - lambda log P(t); label = argmax.
 */
export function clipDissectLabels(L: Float64Array, k: number, m: number, lambda: number): ClipDissectResult {
  if (L.length !== k * m) throw new Error(`clipDissectLabels: L has ${L.length} values, expected k * m = ${k * m}`);
  const logPt = columnLogSumExp(L, k, m);
  const logK = Math.log(k);
  for (let t = 0; t < m; t++) logPt[t] = lambda * (logPt[t] - logK);
  const out = topOfRows(k, m, (j) => {
    const row = L.subarray(j * m, (j + 1) * m);
    for (let t = 0; t < m; t++) row[t] -= logPt[t];
    return row;
  });
  return out;
}

/**
 * prod[po + t] *= prod over entries e in [e0, e1) of (p[rank e] * S[row e - r0, t] + c[rank e]): up to four
 * factors per pass over the row, so the float64 row is read and written once per four images (2-3x faster).
 */
function multiplyRow(
  prod: Float64Array,
  po: number,
  m: number,
  s: Float32Array,
  r0: number,
  entRow: Int32Array,
  entRank: Int32Array,
  e0: number,
  e1: number,
  p: Float64Array,
  c: Float64Array,
): void {
  let e = e0;
  for (; e + 3 < e1; e += 4) {
    const s1 = (entRow[e] - r0) * m,
      p1 = p[entRank[e]],
      c1 = c[entRank[e]];
    const s2 = (entRow[e + 1] - r0) * m,
      p2 = p[entRank[e + 1]],
      c2 = c[entRank[e + 1]];
    const s3 = (entRow[e + 2] - r0) * m,
      p3 = p[entRank[e + 2]],
      c3 = c[entRank[e + 2]];
    const s4 = (entRow[e + 3] - r0) * m,
      p4 = p[entRank[e + 3]],
      c4 = c[entRank[e + 3]];
    for (let t = 0; t < m; t++)
      prod[po + t] *= (p1 * s[s1 + t] + c1) * (p2 * s[s2 + t] + c2) * (p3 * s[s3 + t] + c3) * (p4 * s[s4 + t] + c4);
  }
  for (; e + 1 < e1; e += 2) {
    const s1 = (entRow[e] - r0) * m,
      p1 = p[entRank[e]],
      c1 = c[entRank[e]];
    const s2 = (entRow[e + 1] - r0) * m,
      p2 = p[entRank[e + 1]],
      c2 = c[entRank[e + 1]];
    for (let t = 0; t < m; t++) prod[po + t] *= (p1 * s[s1 + t] + c1) * (p2 * s[s2 + t] + c2);
  }
  for (; e < e1; e++) {
    const s1 = (entRow[e] - r0) * m,
      p1 = p[entRank[e]],
      c1 = c[entRank[e]];
    for (let t = 0; t < m; t++) prod[po + t] *= p1 * s[s1 + t] + c1;
  }
}

/** logsumexp over the k rows of each column of a k x m row-major matrix. */
function columnLogSumExp(L: Float64Array, k: number, m: number): Float64Array {
  const mx = new Float64Array(m).fill(-Infinity);
  for (let j = 0; j < k; j++) for (let t = 0; t < m; t++) if (L[j * m + t] > mx[t]) mx[t] = L[j * m + t];
  const sum = new Float64Array(m);
  for (let j = 0; j < k; j++) for (let t = 0; t < m; t++) sum[t] += Math.exp(L[j * m + t] - mx[t]);
  for (let t = 0; t < m; t++) sum[t] = mx[t] === -Infinity ? -Infinity : mx[t] + Math.log(sum[t]);
  return sum;
}

/**
 * cos variant without the n x m matrix: with X the images (n x d) and y_t a text, the column P_t = X y_t, so
 * a_j . P_t = (X^T a_j) . y_t and |P_t|^2 = y_t^T (X^T X) y_t. Three products (k x d, d x d, then k x m in
 * neuron blocks) instead of n x m. A zero activation vector or zero column scores 0.
 * A neuron's label depends on that neuron only; `own` gives the labels of neurons [from, to) alone, computed with the
 * same products of the same shapes as for all k (X^T A over every neuron, the k x m product in the same blocks, those
 * without an own neuron skipped), so they are the whole set's bits: a shard of a sharded run.
 */
export async function clipDissectCos(
  input: ClipDissectInput,
  opts: ClipDissectOptions,
  own: { from: number; to: number } = { from: 0, to: input.k },
): Promise<ClipDissectResult> {
  check(input);
  const { acts, n, k, images, texts, d, m } = input;
  const mm = { threads: opts.threads ?? 0 };
  const xa = new Float64Array(k * d);
  await addTransAProduct(xa, acts, n, k, images, d, mm);
  opts.signal?.throwIfAborted();
  const gram = new Float64Array(d * d);
  await addTransAProduct(gram, images, n, d, images, d, mm);
  const yg = await product(texts, m, d, Float32Array.from(gram), d, mm);
  const colNorm = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    let s = 0;
    for (let u = 0; u < d; u++) s += yg[t * d + u] * texts[t * d + u];
    colNorm[t] = Math.sqrt(Math.max(0, s));
  }
  const actNorm = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) actNorm[j] += acts[i * k + j] * acts[i * k + j];
  for (let j = 0; j < k; j++) actNorm[j] = Math.sqrt(actNorm[j]);

  const block = Math.max(1, Math.min(k, Math.floor((1 << 23) / m)));
  const xa32 = Float32Array.from(xa);
  const parts: ClipDissectResult[] = [];
  for (let j0 = 0; j0 < k; j0 += block) {
    opts.signal?.throwIfAborted();
    const rows = Math.min(block, k - j0);
    const lo = Math.max(j0, own.from);
    const hi = Math.min(j0 + rows, own.to);
    if (lo >= hi) continue;
    const num = await gemmTransB(xa32.subarray(j0 * d, (j0 + rows) * d), rows, texts, m, d, mm.threads);
    const row = new Float64Array(m);
    parts.push(
      topOfRows(hi - lo, m, (jj) => {
        const j = lo + jj;
        const an = actNorm[j];
        for (let t = 0; t < m; t++) row[t] = an > 0 && colNorm[t] > 0 ? num[(j - j0) * m + t] / (an * colNorm[t]) : 0;
        return row;
      }),
    );
    opts.onProgress?.(hi - own.from, own.to - own.from);
  }
  return {
    best: Int32Array.from(parts.flatMap((q) => Array.from(q.best))),
    score: Float32Array.from(parts.flatMap((q) => Array.from(q.score))),
    top: parts.flatMap((q) => q.top),
  };
}

/**
 * The slow reference: float64 throughout, the whole n x m cosine matrix, a full sort per neuron. For tests and
 * small inputs only; it must agree with clipDissect to float32 rounding.
 */
export function clipDissectReference(input: ClipDissectInput, opts: ClipDissectOptions): ClipDissectResult {
  check(input);
  const { acts, n, k, images, texts, d, m } = input;
  const cos = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < m; t++) {
      let s = 0;
      for (let u = 0; u < d; u++) s += images[i * d + u] * texts[t * d + u];
      cos[i * m + t] = s;
    }
  const score = new Float64Array(k * m);
  if (opts.variant === 'cos') {
    for (let j = 0; j < k; j++)
      for (let t = 0; t < m; t++) {
        let num = 0,
          aa = 0,
          pp = 0;
        for (let i = 0; i < n; i++) {
          const av = acts[i * k + j],
            pv = cos[i * m + t];
          num += av * pv;
          aa += av * av;
          pp += pv * pv;
        }
        score[j * m + t] = aa > 0 && pp > 0 ? num / Math.sqrt(aa * pp) : 0;
      }
    return topOfRows(k, m, (j) => score.subarray(j * m, (j + 1) * m));
  }
  const defaults = CLIP_DISSECT_DEFAULTS[opts.variant];
  const K = Math.min(n, Math.max(1, Math.floor(opts.topK ?? defaults.topK)));
  const lambda = opts.lambda ?? defaults.lambda;
  const { p } = rankWeights(opts.variant, K);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let t = 0; t < m; t++) mx = Math.max(mx, defaults.a * cos[i * m + t]);
    let z = 0;
    for (let t = 0; t < m; t++) z += Math.exp(defaults.a * cos[i * m + t] - mx);
    for (let t = 0; t < m; t++) cos[i * m + t] = Math.exp(defaults.a * cos[i * m + t] - mx) / z; // now S
  }
  for (let j = 0; j < k; j++) {
    const order = Array.from({ length: n }, (_, i) => i);
    const v = (i: number): number => (acts[i * k + j] === acts[i * k + j] ? acts[i * k + j] : -Infinity);
    order.sort((a, b) => v(b) - v(a) || a - b || 0);
    for (let t = 0; t < m; t++) {
      let s = 0;
      for (let r = 0; r < K; r++) s += Math.log(1 + p[r] * (cos[order[r] * m + t] - 1) + MIN_PROB);
      score[j * m + t] = s;
    }
  }
  const logPt = columnLogSumExp(score, k, m);
  for (let j = 0; j < k; j++) for (let t = 0; t < m; t++) score[j * m + t] -= lambda * (logPt[t] - Math.log(k));
  return topOfRows(k, m, (j) => score.subarray(j * m, (j + 1) * m));
}
