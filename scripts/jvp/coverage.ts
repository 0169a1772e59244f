// How well the forward-mode derivative rules (src/main/core/onnx/jvp.ts) cover real vision architectures.
//
//   npx tsx scripts/jvp/coverage.ts /tmp/jvp-models [--only=resnet18] [--no-numeric] [--no-reference] [--max-cuts=40]
//
// For every <dir>/*.onnx (from scripts/jvp/export_torchvision.py: input 'image' [batch,3,H,W], output 'logits'):
// 1. Coverage: cut candidates are the first outputs of the nodes of CUT_OPS (deduplicated, at most --max-cuts spread
//    over the depth, the last few always included). Their type and shape come from one onnxruntime run of the
//    whole model exposing them; non-float ones (shape arithmetic) are counted as shape tensors and not tried. Each
//    float cut goes to tailOracle.tailGradient(model, tensor, 'logits'), as the wizard does: 'forward-mode', or
//    'finite-difference' with the op that has no rule, or not cuttable (extractTail refused; its message).
//    A forward-mode cut is also marked 'feedable' when tailOracle.tailGraphOracle could run it: the cut and every
//    side input (tensor computed before the cut that the tail reads) are float32 with the batch axis first
//    (probed at batch 2); it refuses int64 shape tensors and batch-merged tensors such as attention heads.
// 2. Numeric check of the JVP at an early, middle and late forward-mode cut: the cut tensor and the tail's side
//    inputs from the whole model on random images (float32), tail = extractTail, jvp = jvpModel(tail), a random
//    tangent dx; dlogits from the JVP graph vs central finite differences of the tail,
//    (f(x + h dx) - f(x - h dx)) / 2h with h = 1e-2 and 1e-3 times rms(x) / rms(dx) (the better one kept):
//    error = max |dy - fd| / max |fd|. float32 noise: ~1e-3 expected; > 1e-2 is flagged as suspicious.
//    Independent exact reference (unless --no-reference): scripts/jvp/torch_reference.py interprets the same tail
//    in float64 with PyTorch and gives J dx from torch.autograd (and float64 differences at h = 1e-6):
//    ref error = max |dy - J dx| / max |J dx| tells a wrong rule (large) from kink/rounding noise in the
//    float32 differences (ReLU and MaxPool tails: ~1e-2 there, yet ~1e-5 against the reference).
// Prints a table per model and writes everything to /tmp/jvp-coverage.json.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ort } from '../../src/main/core/onnx/ort';
import { tailGradient } from '../../src/main/core/features/ablation/tailOracle';
import { exposeOutputs, extractTail, tailSideInputs } from '../../src/main/core/onnx/graph';
import { jvpModel } from '../../src/main/core/onnx/jvp';
import { mulberry32 } from '../../src/main/core/numeric/le/splits';
import { decodeModel, encodeModel, graphOf, type ModelProto } from '../../src/main/core/onnx/onnxProto';

const CUT_OPS = new Set([
  'Relu',
  'Add',
  'Mul',
  'Clip',
  'HardSwish',
  'HardSigmoid',
  'Sigmoid',
  'Concat',
  'LayerNormalization',
  'Gelu',
  'Erf',
  'MaxPool',
  'Flatten',
  'GlobalAveragePool',
  'Transpose',
  'Reshape',
]);
const LOGITS = 'logits';
const IMAGE = 'image';
const LAST_ALWAYS = 5;
const SUSPICIOUS = 1e-2;

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--')) ?? '/tmp/jvp-models';
const opt = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const only = opt('only');
const maxCuts = Number(opt('max-cuts') ?? 40);
const numeric = !args.includes('--no-numeric');
const reference = !args.includes('--no-reference');
const REF_DIR = '/tmp/jvp-ref';
const PYTHON = '/usr/bin/python3';
const PROBE_BATCH = 2;
const threads = Number(opt('threads') ?? 2);

// Deterministic normal samples (mulberry32 + Box-Muller).
const rng = mulberry32;
function normals(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(r(), 1e-12);
    const v = r();
    const m = Math.sqrt(-2 * Math.log(u));
    out[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return out;
}
const rms = (a: Float32Array): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / Math.max(1, a.length));

async function session(model: ModelProto): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: threads, interOpNumThreads: 1, executionProviders: ['cpu'] });
}

interface Cut {
  tensor: string;
  op: string;
  nodeIndex: number;
  type?: string;
  dims?: number[];
  status?: 'forward-mode' | 'finite-difference' | 'not-cuttable' | 'shape-tensor' | 'error';
  reason?: string | null;
  ms?: number;
  sides?: string[];
  /** Why tailGraphOracle could not feed this tail (a side input that is not float32 [batch, ...]), or null. */
  unfeedable?: string | null;
}
interface Check {
  tensor: string;
  op: string;
  depth: string;
  sides: number;
  batch: number;
  h: number;
  error: number;
  errors: Record<string, number>;
  maxFd: number;
  intSides?: number;
  /** max |dy - J dx| / max |J dx| against the float64 PyTorch reference, and the same for its float64 differences. */
  refError?: number;
  refFdError?: number;
  refMax?: number;
  note?: string;
}
interface ModelResult {
  file: string;
  model: string;
  opset: number;
  nodes: number;
  candidates: number;
  shapeTensors: number;
  cuts: Cut[];
  checks: Check[];
  seconds: number;
}

function opsetOf(m: ModelProto): number {
  const o = m.opsetImport?.find((x) => !x.domain || x.domain === 'ai.onnx');
  return Number(o?.version ?? 0);
}

/** Evenly spread `k` of `items`, always keeping the last LAST_ALWAYS. */
function spread<T>(items: T[], k: number): T[] {
  if (items.length <= k) return items;
  const tail = items.slice(-LAST_ALWAYS);
  const head = items.slice(0, -LAST_ALWAYS);
  const m = k - tail.length;
  const picked = Array.from({ length: m }, (_, i) => head[Math.round((i * (head.length - 1)) / Math.max(1, m - 1))]);
  return [...new Set(picked), ...tail];
}

function inputShape(m: ModelProto, batch = 1): number[] {
  const g = graphOf(m);
  const inp = g.input.find((i) => i.name === IMAGE)!;
  return (inp.type?.tensorType?.shape?.dim ?? []).map((d, i) => (i === 0 ? batch : Number(d.dimValue ?? 0)));
}

/** Types and shapes of `names` from one run of the whole model on random images (in chunks: Swin has many). */
async function probeTypes(m: ModelProto, names: string[]): Promise<Map<string, { type: string; dims: number[] }>> {
  const shape = inputShape(m, PROBE_BATCH);
  const x = new ort.Tensor(
    'float32',
    normals(
      shape.reduce((a, b) => a * b, 1),
      7,
    ),
    shape,
  );
  const out = new Map<string, { type: string; dims: number[] }>();
  const CHUNK = 200;
  for (let s = 0; s < names.length; s += CHUNK) {
    const chunk = names.slice(s, s + CHUNK);
    const sess = await session(exposeOutputs(m, chunk));
    try {
      const res = await sess.run({ [IMAGE]: x }, chunk);
      for (const n of chunk) out.set(n, { type: res[n].type, dims: res[n].dims.map(Number) });
    } finally {
      await sess.release();
    }
  }
  return out;
}

async function numericCheck(m: ModelProto, cut: Cut, depth: string, batch: number, seed: number, tag: string): Promise<Check> {
  const sides = tailSideInputs(m, cut.tensor, [LOGITS]);
  const shape = inputShape(m);
  shape[0] = batch;
  const image = new ort.Tensor(
    'float32',
    normals(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
  const names = [cut.tensor, ...sides];
  const full = await session(exposeOutputs(m, names));
  const vals: Record<string, ort.Tensor> = {};
  try {
    const res = await full.run({ [IMAGE]: image }, names);
    for (const n of names) {
      const t = res[n];
      if (t.type === 'int64') vals[n] = new ort.Tensor('int64', (t.data as BigInt64Array).slice(), t.dims);
      else if (t.type === 'float32') vals[n] = new ort.Tensor('float32', (t.data as Float32Array).slice(), t.dims);
      else throw new Error(`'${n}' is ${t.type}`);
    }
  } finally {
    await full.release();
  }
  const x = vals[cut.tensor];
  const xDims = x.dims.map(Number);
  const tail = extractTail(m, cut.tensor, [LOGITS], xDims, Object.fromEntries(sides.map((t) => [t, vals[t].dims.map(Number)])));
  // extractTail takes a side input's element type from the model's value_info; torch exports have none, so an
  // int64 shape tensor would be declared float: declare the type actually computed.
  const intSides = sides.filter((t) => vals[t].type === 'int64');
  for (const inp of graphOf(tail).input) if (intSides.includes(inp.name ?? '') && inp.type?.tensorType) inp.type.tensorType.elemType = 7;
  const jvp = jvpModel(tail, cut.tensor, [LOGITS]);
  const xs = x.data as Float32Array;
  const dx = normals(xs.length, seed + 1);
  const sideFeeds = Object.fromEntries(sides.map((t) => [t, vals[t]]));
  const js = await session(jvp.model);
  let dy: Float32Array;
  try {
    const r = await js.run({ ...sideFeeds, [cut.tensor]: x, [jvp.tangentInput]: new ort.Tensor('float32', dx, xDims) }, [
      LOGITS,
      jvp.tangentOutputs[0],
    ]);
    dy = r[jvp.tangentOutputs[0]].data as Float32Array;
  } finally {
    await js.release();
  }
  const ts = await session(tail);
  const errors: Record<string, number> = {};
  let best = { h: 0, error: Infinity, maxFd: 0 };
  try {
    const f = async (step: number): Promise<Float32Array> => {
      const xp = new Float32Array(xs.length);
      for (let i = 0; i < xs.length; i++) xp[i] = xs[i] + step * dx[i];
      const r = await ts.run({ ...sideFeeds, [cut.tensor]: new ort.Tensor('float32', xp, xDims) }, [LOGITS]);
      return r[LOGITS].data as Float32Array;
    };
    const scale = rms(xs) / rms(dx) || 1;
    for (const h of [1e-2, 1e-3]) {
      const step = h * scale;
      const [yp, ym] = [await f(step), await f(-step)];
      let maxFd = 0;
      let maxDiff = 0;
      for (let i = 0; i < yp.length; i++) {
        const fd = (yp[i] - ym[i]) / (2 * step);
        maxFd = Math.max(maxFd, Math.abs(fd));
        maxDiff = Math.max(maxDiff, Math.abs(dy[i] - fd));
      }
      const error = maxDiff / (maxFd || 1);
      errors[String(h)] = error;
      if (error < best.error) best = { h, error, maxFd };
    }
  } finally {
    await ts.release();
  }
  const check: Check = {
    tensor: cut.tensor,
    op: cut.op,
    depth,
    sides: sides.length,
    intSides: intSides.length,
    batch,
    h: best.h,
    error: best.error,
    errors,
    maxFd: best.maxFd,
  };
  if (best.maxFd === 0) check.note = 'degenerate: the logits do not move (zero derivative)';
  if (reference) Object.assign(check, torchReference(tail, cut.tensor, vals, dx, dy, `${tag}_${depth}`));
  return check;
}

/** The float64 PyTorch reference (torch_reference.py) for the JVP of `tail` at vals, direction dx; dy from onnxruntime. */
function torchReference(
  tail: ModelProto,
  wrt: string,
  vals: Record<string, ort.Tensor>,
  dx: Float32Array,
  dy: Float32Array,
  tag: string,
): Partial<Check> {
  mkdirSync(REF_DIR, { recursive: true });
  const base = join(REF_DIR, tag.replace(/[^A-Za-z0-9_.-]/g, '_'));
  const raw = (a: Float32Array | BigInt64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(`${base}.onnx`, encodeModel(tail));
  const inputs = graphOf(tail).input.map((inp, i) => {
    const t = vals[inp.name ?? ''];
    const file = `${base}.in${i}.bin`;
    writeFileSync(file, raw(t.data as Float32Array | BigInt64Array));
    return { name: inp.name, file, dims: t.dims.map(Number), dtype: t.type };
  });
  writeFileSync(`${base}.dx.bin`, raw(dx));
  const manifest = { model: `${base}.onnx`, inputs, wrt, tangent: `${base}.dx.bin`, output: LOGITS, out: base };
  writeFileSync(`${base}.json`, JSON.stringify(manifest));
  const r = spawnSync(PYTHON, [join(import.meta.dirname, 'torch_reference.py'), `${base}.json`], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return { note: `reference failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-1)[0]}` };
  const ref = new Float64Array(readFileSync(`${base}.jvp.bin`).buffer.slice(0));
  const fd = new Float64Array(readFileSync(`${base}.fd.bin`).buffer.slice(0));
  let max = 0;
  let diff = 0;
  let fdDiff = 0;
  for (let i = 0; i < ref.length; i++) {
    max = Math.max(max, Math.abs(ref[i]));
    diff = Math.max(diff, Math.abs(dy[i] - ref[i]));
    fdDiff = Math.max(fdDiff, Math.abs(fd[i] - ref[i]));
  }
  return { refError: diff / (max || 1), refFdError: fdDiff / (max || 1), refMax: max };
}

async function runModel(file: string): Promise<ModelResult> {
  const t0 = Date.now();
  const m = decodeModel(readFileSync(file));
  const g = graphOf(m);
  const name = basename(file, '.onnx');
  const model = name.replace(/_opset\d+$/, '');
  const seen = new Set<string>();
  const candidates: Cut[] = [];
  g.node.forEach((n, i) => {
    const t = n.output[0];
    if (!CUT_OPS.has(n.opType ?? '') || !t || t === LOGITS || seen.has(t)) return;
    seen.add(t);
    candidates.push({ tensor: t, op: n.opType ?? '', nodeIndex: i });
  });
  const types = await probeTypes(
    m,
    candidates.map((c) => c.tensor),
  );
  for (const c of candidates) Object.assign(c, types.get(c.tensor));
  const floats = candidates.filter((c) => c.type === 'float32');
  const shapeTensors = candidates.length - floats.length;
  const cuts = spread(floats, maxCuts);
  for (const c of cuts) {
    const s = Date.now();
    try {
      const r = tailGradient(m, c.tensor, LOGITS);
      c.reason = r.reason;
      // tailGradient reports a refused cut as finite-difference too; a missing rule reads 'the tail graph has ...'.
      c.status =
        r.method === 'forward-mode' ? 'forward-mode' : r.reason?.startsWith('the tail graph has') ? 'finite-difference' : 'not-cuttable';
    } catch (err) {
      c.status = 'error';
      c.reason = err instanceof Error ? err.message : String(err);
    }
    c.ms = Date.now() - s;
    if (c.status === 'forward-mode') c.sides = tailSideInputs(m, c.tensor, [LOGITS]);
  }
  // What tailGraphOracle would make of the side inputs (it needs float32 tensors with the batch axis first).
  const sideInfo = await probeTypes(m, [...new Set(cuts.flatMap((c) => c.sides ?? []))]);
  for (const c of cuts) {
    if (c.status !== 'forward-mode') continue;
    const bad = [c.tensor, ...(c.sides ?? [])]
      .map((t) => ({ t, info: t === c.tensor ? { type: c.type!, dims: c.dims! } : sideInfo.get(t)! }))
      .find(({ info }) => info.type !== 'float32' || info.dims[0] !== PROBE_BATCH);
    c.unfeedable = bad
      ? `${bad.t === c.tensor ? 'the cut' : 'side input'} '${bad.t}' is ${bad.info.type} [${bad.info.dims.join(', ')}] at batch ${PROBE_BATCH}`
      : null;
  }
  const checks: Check[] = [];
  if (numeric) {
    const ok = cuts.filter((c) => c.status === 'forward-mode' && (c.dims?.length ?? 0) > 1);
    const big = g.node.length > 1000;
    // early = the first cut (its tail is nearly the whole model), middle, late; plus, where there is one, the first
    // cut tailGraphOracle could not feed ('inner': e.g. inside attention, with int64 shape tensors as side inputs).
    const inner = ok.find((c) => c.unfeedable);
    const picks: [string, Cut | undefined][] = [
      ['early', ok[0]],
      ['middle', ok[Math.floor(0.5 * ok.length)]],
      ['late', ok[Math.floor(0.9 * ok.length)]],
      ['inner', inner],
    ];
    const chosen = new Set<Cut>();
    for (const [depth, first] of picks) {
      if (!first || chosen.has(first)) continue;
      // A cut where the logits do not move (e.g. a saturated sigmoid with random weights) checks nothing: the
      // next forward-mode cut instead (up to 3 tries; the degenerate one is kept if all are).
      let c: Cut | undefined = first;
      for (let tries = 0; c && tries < 3; tries++, c = ok[ok.indexOf(c) + 1]) {
        if (chosen.has(c)) continue;
        chosen.add(c);
        let k: Check;
        try {
          k = await numericCheck(m, c, depth, big ? 1 : 2, 1000 + checks.length, name);
        } catch (err) {
          k = {
            tensor: c.tensor,
            op: c.op,
            depth,
            sides: -1,
            batch: 0,
            h: 0,
            error: NaN,
            errors: {},
            maxFd: 0,
            note: err instanceof Error ? (err.stack ?? err.message) : String(err),
          };
        }
        const degenerate = k.maxFd === 0 && !k.note?.startsWith('reference failed') && k.sides >= 0;
        if (!degenerate || tries === 2 || !ok[ok.indexOf(c) + 1]) {
          checks.push(k);
          break;
        }
        process.stderr.write(`  (${depth} cut ${c.tensor}: ${k.note}; trying the next cut)\n`);
      }
    }
  }
  return {
    file,
    model,
    opset: opsetOf(m),
    nodes: g.node.length,
    candidates: candidates.length,
    shapeTensors,
    cuts,
    checks,
    seconds: (Date.now() - t0) / 1000,
  };
}

function summarize(r: ModelResult): string {
  const count = (s: Cut['status']) => r.cuts.filter((c) => c.status === s).length;
  const missing = [
    ...new Set(r.cuts.filter((c) => c.status === 'finite-difference').map((c) => /op '([^']+)'/.exec(c.reason ?? '')?.[1] ?? c.reason)),
  ];
  const refusals = [
    ...new Set(
      r.cuts.filter((c) => c.status === 'not-cuttable' || c.status === 'error').map((c) => (c.reason ?? '').replace(/'[^']*'/g, "'…'")),
    ),
  ];
  return [
    r.model.padEnd(20),
    String(r.opset).padStart(5),
    String(r.cuts.length).padStart(5),
    String(count('forward-mode')).padStart(8),
    `${count('finite-difference')}${missing.length ? ` (${missing.join(', ')})` : ''}`.padEnd(22),
    `${count('not-cuttable') + count('error')}${refusals.length ? ` (${refusals.join('; ')})` : ''}`.padEnd(12),
    `${r.shapeTensors}/${r.candidates}`.padStart(9),
    String(r.cuts.filter((c) => c.status === 'forward-mode' && !c.unfeedable).length).padStart(8),
  ].join(' | ');
}

async function main(): Promise<void> {
  ort.env.logLevel = 'error';
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.onnx') && (!only || f.startsWith(only)))
    .sort()
    .map((f) => join(dir, f));
  const results: ModelResult[] = [];
  for (const f of files) {
    process.stderr.write(`${basename(f)} ...\n`);
    const r = await runModel(f);
    results.push(r);
    for (const c of r.cuts.filter((x) => x.status !== 'forward-mode'))
      process.stderr.write(`  ${c.status}: ${c.tensor} (${c.op}) ${c.reason}\n`);
    for (const c of r.cuts.filter((x) => x.unfeedable))
      process.stderr.write(`  forward-mode, not feedable: ${c.tensor}: ${c.unfeedable}\n`);
    for (const k of r.checks) {
      process.stderr.write(
        `  check ${k.depth} ${k.tensor} (${k.op}, ${k.sides} side inputs): error ${k.error.toExponential(2)} at h=${k.h} ${JSON.stringify(k.errors)} ref ${k.refError} fd64 ${k.refFdError}${k.note ? ` ${k.note}` : ''}\n`,
      );
    }
    process.stderr.write(`  ${r.seconds.toFixed(1)} s\n`);
    writeFileSync('/tmp/jvp-coverage.json', JSON.stringify(results, null, 1));
  }
  console.log('\nCoverage (cuts tried = float cut tensors after subsampling; shape tensors = non-float candidates skipped / candidates)');
  console.log(
    ['model'.padEnd(20), 'opset', ' cuts', 'fwd-mode', 'finite-diff (missing)'.padEnd(22), 'not cuttable', 'shape/cand', 'feedable'].join(
      ' | ',
    ),
  );
  for (const r of results) console.log(summarize(r));
  if (numeric) {
    console.log('\nNumeric check: max |dy - fd| / max |fd| (better of h = 1e-2, 1e-3 relative to rms(x))');
    for (const r of results) {
      for (const k of r.checks) {
        // > 1e-2 against float32 differences is suspicious unless the float64 reference clears the JVP (kinks).
        const refOk = k.refError !== undefined && k.refError <= 1e-4;
        const flag = !(k.error <= SUSPICIOUS) ? (refOk ? '  (fd > 1e-2: kink/rounding noise, reference agrees)' : '  SUSPICIOUS') : '';
        const ref = k.refError === undefined ? '' : ` ref=${k.refError.toExponential(2)} (fd64 ${k.refFdError!.toExponential(1)})`;
        const refFlag = k.refError !== undefined && !(k.refError <= 1e-3) ? '  REF-MISMATCH' : '';
        console.log(
          `${r.model.padEnd(20)} ${String(r.opset).padStart(2)} ${k.depth.padEnd(6)} ${k.op.padEnd(18)} sides=${k.sides}${k.intSides ? `(${k.intSides} int)` : ''} B=${k.batch} fd-err=${k.error.toExponential(2)} (h=${k.h})${ref} ${k.tensor}${k.note ? ` ${k.note.split('\n')[0]}` : ''}${flag}${refFlag}`,
        );
      }
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
