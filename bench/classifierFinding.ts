/**
 * Classifier-finding benchmark (issue #15): "find a classifier for a new concept" for 100 concepts over a layer of
 * 2,048 neurons and 50,000 images.
 *   npx tsx bench/classifierFinding.ts           issue size: 100 concepts, 2,048 neurons, 50,000 images, d = 512
 *   npx tsx bench/classifierFinding.ts --small   20 concepts, 256 neurons, 5,000 images, d = 128 (also --quick)
 * Seeded synthetic data (mulberry32): every image has one of the c concepts; neuron j fires (uniform noise + 1) on
 * images of concept j mod c, and its label embedding is that concept's name embedding plus noise, so the nearest label
 * of a concept is one of its neurons. Inputs are written once as float32 files and read by both cases:
 *   ours    numeric/compare: nearestByCosine over the labels, the picked neuron's column gathered from the row-major
 *           activation matrix (as the store's chunks hold it), classAuroc (average ranks on ties), mean +- SE;
 *   numpy   /usr/bin/python3 (bench/python/numpy_classifier_finding.py): NumPy cosines + argmax and scikit-learn's
 *           roc_auc_score (SciPy's rank form where scikit-learn is missing).
 * Both start from the activation matrix in memory (reading ~100 columns of a stored set is measured by the explain
 * bench). Agreement: same picked neuron per concept, largest AUROC difference. Prints ONE JSON object on stdout.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { classAuroc, meanStandardError, nearestByCosine } from '../src/main/core/numeric/compare';
import { mulberry32 } from '../src/main/core/numeric/le/splits';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const small = process.argv.includes('--small') || process.argv.includes('--quick');
const N = arg('n', small ? 5000 : 50000);
const K = arg('k', small ? 256 : 2048);
const C = arg('c', small ? 20 : 100);
const D = arg('d', small ? 128 : 512);
const PY = '/usr/bin/python3';
const log = (s: string): void => void process.stderr.write(`[bench/classifierFinding] ${s}\n`);
const secs = (t0: number): number => +((performance.now() - t0) / 1000).toFixed(3);

function writeData(dir: string): void {
  const u = mulberry32(15);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const classes = Float32Array.from({ length: C * D }, normal);
  const labels = new Float32Array(K * D);
  for (let j = 0; j < K; j++) for (let t = 0; t < D; t++) labels[j * D + t] = classes[(j % C) * D + t] + 0.8 * normal();
  const member = Uint8Array.from({ length: N }, () => Math.floor(u() * C));
  const acts = new Float32Array(N * K);
  for (let i = 0; i < N; i++) for (let j = 0; j < K; j++) acts[i * K + j] = u() + (member[i] === j % C ? 1 : 0) * u();
  writeFileSync(join(dir, 'classes.f32'), classes);
  writeFileSync(join(dir, 'labels.f32'), labels);
  writeFileSync(join(dir, 'member.u8'), member);
  writeFileSync(join(dir, 'acts.f32'), acts);
}

const readF32 = (file: string): Float32Array => {
  const b = readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

function caseOurs(dir: string) {
  const acts = readF32(join(dir, 'acts.f32'));
  const labels = readF32(join(dir, 'labels.f32'));
  const classes = readF32(join(dir, 'classes.f32'));
  const member = readFileSync(join(dir, 'member.u8'));
  const t0 = performance.now();
  const nearest = nearestByCosine(classes, labels, D);
  const tNearest = secs(t0);
  const column = new Float64Array(N);
  const isClass = new Uint8Array(N);
  const auroc = nearest.map((p, c) => {
    for (let i = 0; i < N; i++) {
      column[i] = acts[i * K + p.index];
      isClass[i] = member[i] === c ? 1 : 0;
    }
    return classAuroc(column, isClass)!;
  });
  const m = meanStandardError(auroc);
  return { seconds: secs(t0), nearestSeconds: tNearest, picked: nearest.map((p) => p.index), auroc, mean: m.mean, se: m.standardError };
}

function caseNumpy(dir: string): Record<string, unknown> {
  if (!existsSync(PY) || spawnSync(PY, ['-c', 'import numpy'], { stdio: 'ignore' }).status !== 0)
    return { skipped: 'no numpy in /usr/bin/python3' };
  const r = spawnSync(
    PY,
    [join(import.meta.dirname, 'python', 'numpy_classifier_finding.py'), dir, String(N), String(K), String(C), String(D)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 << 20,
    },
  );
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { error: `numpy script printed no JSON (exit ${r.status})` };
  }
}

const dir = mkdtempSync(join(tmpdir(), 'nwb-bench-cf-'));
try {
  log(`writing ${N} x ${K} activations, ${C} concepts, d ${D}`);
  writeData(dir);
  const load = loadavg()[0];
  log('ours');
  const ours = caseOurs(dir);
  log('numpy');
  const ref = caseNumpy(dir);
  const refPicked = ref.picked as number[] | undefined;
  const refAuroc = ref.auroc as number[] | undefined;
  const samePick = refPicked ? ours.picked.filter((p, c) => p === refPicked[c]).length : null;
  const maxDiff = refAuroc ? Math.max(...ours.auroc.map((a, c) => Math.abs(a - refAuroc[c]))) : null;
  const out = {
    size: { concepts: C, neurons: K, images: N, dim: D },
    loadAvgAtStart: +load.toFixed(2),
    ours: { seconds: ours.seconds, nearestSeconds: ours.nearestSeconds, meanAuroc: ours.mean, se: ours.se },
    reference: {
      seconds: ref.seconds ?? null,
      impl: ref.impl ?? null,
      meanAuroc: ref.mean ?? null,
      se: ref.se ?? null,
      ...(ref.skipped ? { skipped: ref.skipped } : {}),
      ...(ref.error ? { error: ref.error } : {}),
    },
    speedup: typeof ref.seconds === 'number' ? +(ref.seconds / ours.seconds).toFixed(2) : null,
    agreement: { samePickedNeuron: samePick, of: C, maxAurocDiff: maxDiff },
  };
  process.stdout.write(JSON.stringify(out) + '\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
