/**
 * Final-layer label similarity benchmark (compare.labelSimilarity's work, issue #15): 2,048 class neurons x 5 methods.
 *   npx tsx bench/labelSimilarity.ts           2,048 neurons x 5 methods
 *   npx tsx bench/labelSimilarity.ts --quick   256 neurons x 5 methods (also --small)
 *   options: --k K --methods M --no-numpy
 * Seeded synthetic texts from the fixture sentence model's words (mulberry32): class k's name is two words; the five
 * methods' labels of neuron k keep from all to none of its words (the class name itself, one word kept plus one new,
 * the words swapped, a caption-like phrase around it, an unrelated pair). Every distinct text is embedded once by
 * both text models of the fixtures, as the core does: the sentence model (resources/fixtures/describers/text_embedder,
 * transformers.js) and the encoder fmnist_siglip_a's text tower (onnx/encoders); then the 5 x K cosines and means
 * +- SE (numeric/compare). The embeddings are written as float32 files and the same cosines and means are computed by
 * NumPy (bench/python/numpy_label_similarity.py, float64) in the same run: agreement = max |difference|.
 * Prints ONE JSON object on stdout.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTextEmbedder } from '../src/main/core/features/describers/textEmbedder';
import { meanStandardError } from '../src/main/core/numeric/compare';
import { rowCosines } from '../src/main/core/numeric/compare/labelSimilarity';
import { mulberry32 } from '../src/main/core/numeric/le/splits';
import { openEncoder } from '../src/main/core/onnx/encoders';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const small = process.argv.includes('--small') || process.argv.includes('--quick');
const K = arg('k', small ? 256 : 2048);
const METHODS = arg('methods', 5);
const PY = '/usr/bin/python3';
const ROOT = join(import.meta.dirname, '..');
const EMBEDDER = join(ROOT, 'resources/fixtures/describers/text_embedder');
const ENCODER = join(ROOT, 'resources/fixtures/encoders/fmnist_siglip_a');
const log = (s: string): void => void process.stderr.write(`[bench/labelSimilarity] ${s}\n`);
const secs = (t0: number): number => +((performance.now() - t0) / 1000).toFixed(3);

/** Class names and each method's labels, from the sentence model's whole words. */
function texts(): { classes: string[]; labels: string[][] } {
  const vocab = Object.keys(
    (JSON.parse(readFileSync(join(EMBEDDER, 'tokenizer.json'), 'utf8')) as { model: { vocab: object } }).model.vocab,
  );
  const words = vocab.filter((w) => /^[a-z]{3,}$/.test(w));
  const u = mulberry32(15);
  const pick = () => words[Math.floor(u() * words.length)];
  const classes = Array.from({ length: K }, () => `${pick()} ${pick()}`);
  const make = [
    (c: string) => c,
    (c: string) => `${c.split(' ')[0]} ${pick()}`,
    (c: string) => c.split(' ').reverse().join(' '),
    (c: string) => `a photo of a ${c} with ${pick()}`,
    () => `${pick()} ${pick()}`,
  ];
  const labels = Array.from({ length: METHODS }, (_, m) => classes.map((c) => make[m % make.length](c)));
  return { classes, labels };
}

async function main(): Promise<void> {
  const load0 = loadavg().map((v) => +v.toFixed(2));
  const { classes, labels } = texts();
  const unique = [...new Set([...classes, ...labels.flat()])];
  const at = new Map(unique.map((t, i) => [t, i]));
  const signal = new AbortController().signal;
  const dir = mkdtempSync(join(tmpdir(), 'labelSimilarity-'));
  try {
    const towers: Record<string, unknown> = {};
    const files: Record<string, { dim: number; cos: number[][]; means: (number | null)[]; ses: (number | null)[] }> = {};
    for (const tower of ['sentence', 'encoder'] as const) {
      const t0 = performance.now();
      const model =
        tower === 'sentence'
          ? await loadTextEmbedder(EMBEDDER, { signal })
          : await (async () => {
              const e = await openEncoder(ENCODER);
              return { dim: e.dim, embed: (t: readonly string[]) => e.embedTexts([...t]), dispose: () => e.close() };
            })();
      const loadSeconds = secs(t0);
      const t1 = performance.now();
      const vectors = await model.embed(unique, signal);
      const embedSeconds = secs(t1);
      const D = model.dim;
      const gather = (list: string[]) => {
        const out = new Float32Array(list.length * D);
        list.forEach((t, i) => out.set(vectors.subarray(at.get(t)! * D, (at.get(t)! + 1) * D), i * D));
        return out;
      };
      const t2 = performance.now();
      const classVecs = gather(classes);
      const cos = labels.map((l) => rowCosines(gather(l), classVecs, D));
      const stats = cos.map((c) => meanStandardError([...c]));
      const cosineSeconds = secs(t2);
      await model.dispose();
      writeFileSync(join(dir, `${tower}.f32`), vectors);
      files[tower] = { dim: D, cos: cos.map((c) => [...c]), means: stats.map((s) => s.mean), ses: stats.map((s) => s.standardError) };
      towers[tower] = {
        model: tower === 'sentence' ? 'fixture text_embedder (BERT 2 x 64)' : 'fixture encoder fmnist_siglip_a (text tower)',
        dim: D,
        loadSeconds,
        embedSeconds,
        textsPerSecond: Math.round(unique.length / Math.max(embedSeconds, 1e-6)),
        cosineSeconds,
        meanPerMethod: stats.map((s) => +s.mean!.toFixed(4)),
      };
      log(`${tower}: embed ${embedSeconds}s, cosines ${cosineSeconds}s`);
    }
    // Pair indices for NumPy: class row and label row of every (method, neuron).
    writeFileSync(
      join(dir, 'classes.i32'),
      Int32Array.from(classes, (t) => at.get(t)!),
    );
    writeFileSync(
      join(dir, 'labels.i32'),
      Int32Array.from(labels.flat(), (t) => at.get(t)!),
    );
    let numpy: Record<string, unknown> = { skipped: '--no-numpy' };
    if (!process.argv.includes('--no-numpy')) {
      const r = spawnSync(
        PY,
        [
          join(import.meta.dirname, 'python', 'numpy_label_similarity.py'),
          dir,
          String(unique.length),
          String(K),
          String(METHODS),
          `sentence:${files.sentence.dim}`,
          `encoder:${files.encoder.dim}`,
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 << 20 },
      );
      const line = r.stdout.trim().split('\n').pop() ?? '';
      numpy =
        existsSync(PY) && line.startsWith('{')
          ? (JSON.parse(line) as Record<string, unknown>)
          : { error: `numpy printed no JSON (exit ${r.status})` };
    }
    const agreement: Record<string, unknown> = {};
    for (const tower of ['sentence', 'encoder'] as const) {
      const ref = (numpy[tower] as { cos: number[][]; means: number[]; ses: number[] } | undefined) ?? null;
      if (!ref) continue;
      let maxCos = 0;
      let maxMean = 0;
      files[tower].cos.forEach((c, m) => c.forEach((v, k) => (maxCos = Math.max(maxCos, Math.abs(v - ref.cos[m][k])))));
      files[tower].means.forEach(
        (v, m) => (maxMean = Math.max(maxMean, Math.abs(v! - ref.means[m]), Math.abs(files[tower].ses[m]! - ref.ses[m]))),
      );
      agreement[tower] = { maxCosineDiff: +maxCos.toExponential(2), maxMeanOrSeDiff: +maxMean.toExponential(2) };
    }
    // NumPy's timing per tower (its cosines are only compared, not printed).
    const strip = (o: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(o).map(([k, v]) => [
          k,
          (v as { seconds?: unknown }).seconds !== undefined ? { seconds: (v as { seconds: unknown }).seconds } : v,
        ]),
      );
    process.stdout.write(
      JSON.stringify(
        {
          benchmark: 'labelSimilarity',
          sizes: { neurons: K, methods: METHODS, distinctTexts: unique.length, small },
          ours: towers,
          numpy: strip(numpy),
          agreement,
          loadAverage: { before: load0, after: loadavg().map((v) => +v.toFixed(2)) },
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
