import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutIds, inspectTextEmbedderFolder, loadTextEmbedder } from '../../src/main/core/features/describers/textEmbedder';
import { transformersJs } from '../../src/main/core/features/describers/transformersJs';
import type { TextEmbedder } from '../../src/main/core/features/describers/roles';
import { contract } from '../../src/shared/contract';
import type { Backend } from '../../src/main/core/app/backend';
import { call, ctx, withProject } from '../helpers/backend';
import { CLASS_NAMES } from '../helpers/fashionMnist';
import { refusal } from '../helpers/refusal';
import { tempDir } from '../helpers/tempDir';

// Final-layer label similarity end to end on the fixture CNN's logits (neuron k = class k): the fixture text embedder
// through transformers.js against the PyTorch golden of scripts/fixtures/train_text_embedder.py (token ids, sentence
// embeddings, the (label, class name) cosines of two imported label lists), and the encoder text-tower cosines against
// the same phrases run through fmnist_siglip_a's exported ONNX by that script (onnx_eval.py, float64, its own
// tokenizer): both references are independent of the TypeScript path.

const ROOT = join(import.meta.dirname, '..', '..');
const FIX = join(ROOT, 'resources', 'fixtures');
const FOLDER = join(FIX, 'describers', 'text_embedder');

interface GoldenRun {
  labels: string[];
  rows: { neuron: number; className: string; label: string; sentenceCos: number; encoderCos: number }[];
  sentence: { mean: number; standardError: number };
  encoder: { mean: number; standardError: number };
}
const golden = JSON.parse(readFileSync(join(FIX, 'golden', 'text_embedder.json'), 'utf8')) as {
  classNames: string[];
  phrases: string[];
  tokenIds: number[][];
  embeddings: number[][];
  encoder: { textEmbeds: number[][] };
  runs: { good: GoldenRun; vague: GoldenRun };
};

/** Cosine in float64 of two golden vectors (what NumPy computes from the stored embeddings). */
function cos(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}
const phrase = (t: string) => golden.phrases.indexOf(t);

describe('text embedder fixture vs PyTorch', () => {
  let model: TextEmbedder;
  beforeAll(async () => {
    model = await loadTextEmbedder(FOLDER, { signal: new AbortController().signal, threads: 1 });
  });
  afterAll(async () => {
    await model?.dispose();
  });

  it('inspects as a BERT feature-extraction folder with mean pooling from its sentence-transformers files', async () => {
    const m = await inspectTextEmbedderFolder(FOLDER);
    expect(m.files).toEqual([
      '1_Pooling/config.json',
      'config.json',
      'modules.json',
      'onnx/model.onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(m.details).toMatchObject({ model_type: 'bert', layers: 2, width: 64, max_tokens: 32, pooling: 'mean', normalize_module: true });
  });

  it('tokenises every golden phrase as the hand-written WordPiece tokenizer.json says (ids equal the script)', async () => {
    const tj = await transformersJs();
    const tok = await tj.AutoTokenizer.from_pretrained(FOLDER, { local_files_only: true });
    // As the runtime reads them: transformers.js's WordPiece, then cut to the model's 32 positions keeping [SEP]
    // (one golden phrase is longer).
    for (const [i, p] of golden.phrases.entries()) expect(cutIds(tok.encode(p), 32), p).toEqual(golden.tokenIds[i]);
    expect(Math.max(...golden.tokenIds.map((t) => t.length))).toBe(32);
  });

  it('sentence embeddings equal PyTorch within 1e-4 (batched with padding, so the mask matters) and are unit length', async () => {
    const v = await model.embed(golden.phrases, new AbortController().signal);
    expect(v.length).toBe(golden.phrases.length * 64);
    for (const [i, row] of golden.embeddings.entries()) {
      let maxDiff = 0;
      let norm = 0;
      for (let d = 0; d < 64; d++) {
        maxDiff = Math.max(maxDiff, Math.abs(v[i * 64 + d] - row[d]));
        norm += v[i * 64 + d] ** 2;
      }
      expect(maxDiff, golden.phrases[i]).toBeLessThan(1e-4);
      expect(Math.sqrt(norm)).toBeCloseTo(1, 5);
    }
  });

  it('refuses folders with a named missing file', async () => {
    const dir = await tempDir('text-embedder-bad');
    await expect(inspectTextEmbedderFolder(dir)).rejects.toMatchObject({ code: 'describer_invalid', message: /config\.json is missing/ });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert' }));
    await writeFile(join(dir, 'tokenizer.json'), '{}');
    await writeFile(join(dir, 'tokenizer_config.json'), '{}');
    await expect(inspectTextEmbedderFolder(dir)).rejects.toMatchObject({
      code: 'describer_invalid',
      message: /onnx\/model\.onnx is missing/,
    });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'gpt2' }));
    await expect(inspectTextEmbedderFolder(dir)).rejects.toMatchObject({ message: /model_type 'gpt2', not a text encoder/ });
  });
});

describe('compare.labelSimilarity', () => {
  let backend: Backend;
  let dir: string;
  let logits: number;
  let conv: number;
  let encoderA: number;
  let embedderId: number;
  beforeAll(async () => {
    dir = await tempDir('label-similarity');
    ({ backend } = await withProject(dir));
    const { probeSetId } = await call(backend, 'probe.import', { root: join(ROOT, 'resources', 'demo', 'probe') });
    const model = await call(backend, 'model.add', { path: join(FIX, 'models', 'fmnist_cnn.onnx') });
    await call(backend, 'model.setPreprocessing', { modelId: model.id, preset: 'fashion-mnist' });
    const extract = async (layer: string) =>
      (await call(backend, 'activations.extract', { modelId: model.id, probeSetId, layer, summary: 'auto' })).activationSet.id;
    logits = await extract('logits');
    conv = await extract('/layer3/relu_1/Relu_output_0');
    encoderA = (await call(backend, 'encoder.add', { path: join(FIX, 'encoders', 'fmnist_siglip_a') })).id;
    embedderId = (await call(backend, 'describer.add', { role: 'text_embedder', path: FOLDER })).id;
  }, 300_000);

  const importLabels = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return (await call(backend, 'labels.import', { activationSetId: logits, path })).run.id;
  };

  it('gives per-neuron cosines equal to the PyTorch sentence golden and the ONNX-by-torch encoder golden', async () => {
    const { good, vague } = golden.runs;
    // DnD final_results.csv (Label 1 is the label) and MILAN descriptions: the golden's two label lists.
    const dnd = await importLabels(
      'final_results.csv',
      ['Neuron ID,Label 1,Label 2,Label 3', ...good.labels.map((l, k) => `${k},${l},clothing,garment`), ''].join('\n'),
    );
    const milan = await importLabels(
      'milan.csv',
      ['layer,unit,description', ...vague.labels.map((l, k) => `logits,${k},${l}`), ''].join('\n'),
    );
    const le = (await call(backend, 'explain.run', { activationSetId: logits })).run.id;
    const res = await call(backend, 'compare.labelSimilarity', {
      activationSetId: logits,
      runIds: [dnd, milan, le],
      encoderId: encoderA,
      textEmbedderId: embedderId,
      classNames: [...CLASS_NAMES],
    });
    expect(res.classNames).toEqual(golden.classNames.map((c) => c.replace(/ /g, '_')));
    expect(res.classNamesFrom).toBe('input');
    expect(res.encoder?.id).toBe(encoderA);
    expect(res.textEmbedder?.id).toBe(embedderId);
    for (const [j, g] of [good, vague].entries()) {
      const run = res.runs[j];
      expect(run.n).toBe(10);
      expect(run.neurons.map((r) => r.label)).toEqual(g.labels);
      for (const [k, r] of run.neurons.entries()) {
        expect(r.neuron).toBe(k);
        expect(Math.abs(r.sentenceCos! - g.rows[k].sentenceCos), `${r.label} / ${r.className}`).toBeLessThan(1e-4);
        expect(Math.abs(r.encoderCos! - g.rows[k].encoderCos), `${r.label} / ${r.className}`).toBeLessThan(1e-4);
      }
      expect(Math.abs(run.sentence!.mean! - g.sentence.mean)).toBeLessThan(1e-4);
      expect(Math.abs(run.sentence!.standardError! - g.sentence.standardError)).toBeLessThan(1e-4);
      expect(Math.abs(run.encoder!.mean! - g.encoder.mean)).toBeLessThan(1e-4);
      expect(Math.abs(run.encoder!.standardError! - g.encoder.standardError)).toBeLessThan(1e-4);
    }
    // LE(Label)'s labels are probe labels ('Ankle_boot', 'footwear', ...): those in the golden are checked against
    // cosines NumPy-style from the stored PyTorch embeddings and ONNX text embeds.
    let checked = 0;
    for (const r of res.runs[2].neurons) {
      const a = phrase(r.label);
      const b = phrase(r.className.replace(/_/g, ' '));
      if (a < 0 || b < 0) continue;
      checked++;
      expect(Math.abs(r.sentenceCos! - cos(golden.embeddings[a], golden.embeddings[b]))).toBeLessThan(1e-4);
      expect(Math.abs(r.encoderCos! - cos(golden.encoder.textEmbeds[a], golden.encoder.textEmbeds[b]))).toBeLessThan(1e-4);
    }
    expect(checked).toBeGreaterThan(0);
    for (const run of res.runs)
      console.log(
        `label similarity ${run.method} (n=${run.n}): encoder ${run.encoder!.mean!.toFixed(4)} +- ${run.encoder!.standardError!.toFixed(4)}, ` +
          `sentence ${run.sentence!.mean!.toFixed(4)} +- ${run.sentence!.standardError!.toFixed(4)}`,
      );
  }, 300_000);

  it('runs with one text model only', async () => {
    const runs = (await call(backend, 'explain.runs', { activationSetId: logits })).map((r) => r.id);
    const only = await call(backend, 'compare.labelSimilarity', {
      activationSetId: logits,
      runIds: runs,
      textEmbedderId: embedderId,
      classNames: [...CLASS_NAMES],
    });
    expect(only.encoder).toBeNull();
    expect(only.runs.every((r) => r.encoder === null && r.neurons.every((x) => x.encoderCos === null && x.sentenceCos !== null))).toBe(
      true,
    );
  }, 120_000);

  it('refuses a wrong classNames length, no text model, runs of another layer, and probe folders that are not the classes', async () => {
    const runIds = (await call(backend, 'explain.runs', { activationSetId: logits })).map((r) => r.id);
    const short = await refusal(
      call(backend, 'compare.labelSimilarity', { activationSetId: logits, runIds, encoderId: encoderA, classNames: ['Bag', 'Coat'] }),
    );
    expect(short.code).toBe('bad_input');
    expect(short.message).toMatch(/classNames has 2 names but layer "logits" \(activation set \d+\) has 10 neurons/);
    // The contract refuses it before the core runs; the core refuses it too (a caller that skips validation).
    expect(contract['compare.labelSimilarity'].input.safeParse({ activationSetId: logits, runIds }).success).toBe(false);
    const none = await refusal(
      Promise.resolve().then(() => backend.handlers['compare.labelSimilarity']({ activationSetId: logits, runIds } as never, ctx())),
    );
    expect(none.code).toBe('bad_input');
    expect(none.message).toMatch(/Give an encoder \(encoderId\), a text embedder \(textEmbedderId\) or both/);
    const convRun = (await call(backend, 'explain.run', { activationSetId: conv, neurons: [0] })).run.id;
    const other = await refusal(
      call(backend, 'compare.labelSimilarity', {
        activationSetId: logits,
        runIds: [convRun],
        encoderId: encoderA,
        classNames: [...CLASS_NAMES],
      }),
    );
    expect(other.message).toMatch(/explains layer .* not layer "logits"/);
    // The conv layer has 64 channels but the probe set 10 class folders: neuron k is not class k.
    const notClasses = await refusal(
      call(backend, 'compare.labelSimilarity', { activationSetId: conv, runIds: [convRun], encoderId: encoderA }),
    );
    expect(notClasses.message).toMatch(/has \d+ neurons but probe set ".*" has 10 class folder\(s\).*Pass classNames/);
  }, 300_000);

  it("puts a label-similarity table in the report's compare section, class names in the model's order", async () => {
    const runs = await call(backend, 'explain.runs', { activationSetId: logits });
    const le = runs.find((r) => r.method === 'le_label')!.id;
    const path = join(dir, 'report.html');
    await call(backend, 'report.export', { run: le, format: 'html', path, sections: ['compare'], neurons: 'none' });
    const report = readFileSync(path, 'utf8');
    expect(report).toContain('Label similarity (final layer)');
    // The same numbers as compare.labelSimilarity with the fixture's class order (the mapping reads models.json).
    const res = await call(backend, 'compare.labelSimilarity', {
      activationSetId: logits,
      runIds: [le, ...runs.filter((r) => r.id !== le && r.status === 'done').map((r) => r.id)],
      encoderId: encoderA,
      textEmbedderId: embedderId,
      classNames: [...CLASS_NAMES],
    });
    for (const r of res.runs) {
      expect(report).toContain(`run ${r.runId} · `);
      expect(report).toContain(`${r.encoder!.mean!.toFixed(3)} ± ${r.encoder!.standardError!.toFixed(3)}`);
      expect(report).toContain(`${r.sentence!.mean!.toFixed(3)} ± ${r.sentence!.standardError!.toFixed(3)}`);
    }
  }, 300_000);

  it('defaults to the probe set class folders sorted by name', async () => {
    const runIds = (await call(backend, 'explain.runs', { activationSetId: logits })).map((r) => r.id).slice(0, 1);
    const res = await call(backend, 'compare.labelSimilarity', { activationSetId: logits, runIds, textEmbedderId: embedderId });
    expect(res.classNamesFrom).toBe('probe_set');
    expect(res.classNames).toEqual([...CLASS_NAMES].sort());
  }, 120_000);
});
