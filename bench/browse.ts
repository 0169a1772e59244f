/**
 * Browse benchmark (#17): a neuron page, similar units and search by meaning on a 50,000-image x 2,048-neuron
 * activation set. Goals: open a neuron page <= 200 ms, similar units <= 200 ms, search by meaning over 20,000
 * labels <= 300 ms. Reference in the same run: today's row-block read of one neuron (every chunk of the N x K matrix).
 *
 * The data are SYNTHETIC, written through the real store functions: a probe set of 50,000 image rows (no files),
 * a 50,000 x 2,048 float32 matrix in row chunks (ReLU of 16 seeded random factors + noise, so units correlate),
 * completed by the extraction's own writeStats (stats, histograms and the column copy in one transaction); an
 * imported explain run whose 2,048 explanations name 10 concepts each, 20,480 distinct labels made of words the
 * fixture encoder knows; the fixture CLIP-style encoder calibrated on 100 real Fashion-MNIST images.
 *   npx tsx bench/browse.ts [--quick]   (--quick: 5,000 images x 512 neurons, 2,560 labels)
 * Prints ONE JSON object on stdout (progress on stderr).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { contract, type Contract, type MethodName } from '../src/shared/contract';
import type { CallContext, InputOf, OutputOf } from '../src/shared/define';
import { createBackend, type Backend } from '../src/main/core/app/backend';
import { readColumnsByRows, readNeuronColumns } from '../src/main/core/features/models';
import { writeStats } from '../src/main/core/features/models/extract';
import { mulberry32 } from '../src/main/core/numeric/le/splits';
import * as acts from '../src/main/core/platform/store/activationRepo';
import { computeManifestHash, insertImage } from '../src/main/core/platform/store/imageRepo';
import { beginProbeSetImport, completeProbeSet } from '../src/main/core/platform/store/probeRepo';
import { writeFashionMnistTree } from '../test/helpers/fashionMnist';

const ROOT = resolve(import.meta.dirname, '..');
const quick = process.argv.includes('--quick');
const N = Number(process.env.NWB_BROWSE_IMAGES) || (quick ? 5_000 : 50_000);
const K = Number(process.env.NWB_BROWSE_NEURONS) || (quick ? 512 : 2_048);
const TERMS = 10;
const CHUNK = 1024;
const log = (s: string): void => void process.stderr.write(`[bench/browse] ${s}\n`);
const ms = (t0: number): number => +(performance.now() - t0).toFixed(2);

function ctx(): CallContext {
  return { signal: new AbortController().signal, progress: () => undefined };
}

async function call<K extends MethodName>(b: Backend, method: K, input: InputOf<Contract, K>): Promise<OutputOf<Contract, K>> {
  const handler = b.handlers[method] as (input: unknown, c: CallContext) => unknown;
  return contract[method].output.parse(await handler(contract[method].input.parse(input), ctx())) as OutputOf<Contract, K>;
}

/** Median (and min) of `reps` timed calls, after one untimed warm-up call. */
async function timed(reps: number, f: () => unknown): Promise<{ medianMs: number; minMs: number }> {
  await f();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await f();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { medianMs: +t[Math.floor(t.length / 2)].toFixed(2), minMs: +t[0].toFixed(2) };
}

const dir = await mkdtemp(join(tmpdir(), 'nwb-bench-browse-'));
const b = createBackend({ userDataDir: join(dir, 'user-data'), mode: 'cli' });
try {
  await call(b, 'project.create', { path: join(dir, 'bench.nwb') });
  const db = b.state.requireProject().db;

  // Real pieces: a model (for the layer row) and a calibrated encoder.
  await writeFashionMnistTree(join(dir, 'probe'), { perClass: 10, split: 'test' });
  const real = await call(b, 'probe.import', { root: join(dir, 'probe') });
  const model = await call(b, 'model.add', { path: join(ROOT, 'resources/fixtures/models/fmnist_cnn.onnx') });
  const layer = (await call(b, 'model.info', { modelId: model.id })).layers[0];
  const enc = await call(b, 'encoder.add', { path: join(ROOT, 'resources/fixtures/encoders/fmnist_clip_b') });
  await call(b, 'calibration.run', { encoderId: enc.id, probeSetId: real.probeSetId });

  // Synthetic probe set of N image rows and an N x K set written in row chunks.
  log(`writing ${N} image rows and a ${N} x ${K} matrix`);
  let t0 = performance.now();
  const probeSetId = db.transaction(() => {
    const id = beginProbeSetImport(db, { rootPath: join(dir, 'synthetic'), name: 'synthetic', labelsCsvPath: null });
    for (let i = 0; i < N; i++)
      insertImage(db, id, {
        relPath: `img/${String(i).padStart(6, '0')}.png`,
        bytes: 1,
        mtimeMs: 0,
        sha256: i.toString(16).padStart(64, '0'),
        width: 28,
        height: 28,
        format: 'png',
      });
    completeProbeSet(db, id, computeManifestHash(db, id));
    return id;
  })();
  const probe = (await call(b, 'probe.list', {})).find((p) => p.id === probeSetId)!;
  const setId = acts.createSet(db, {
    modelId: model.id,
    layerId: db.prepare('SELECT id FROM layers WHERE model_id = ? AND tensor_name = ?').pluck().get(model.id, layer.tensorName) as number,
    probeSetId,
    summary: 'identity',
    nImages: N,
    nNeurons: K,
    nLogits: 0,
    chunkRows: CHUNK,
    manifestHash: probe.manifestHash,
    paramsJson: JSON.stringify({ synthetic: true, n: N, k: K }),
    provider: null,
  });
  const F = 16;
  const rand = mulberry32(17);
  const mix = Float32Array.from({ length: F * K }, () => rand() * 2 - 1);
  for (let c = 0; c * CHUNK < N; c++) {
    const rows = Math.min(CHUNK, N - c * CHUNK);
    const data = new Float32Array(rows * K);
    const f = new Float32Array(F);
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < F; q++) f[q] = rand() * 2 - 1;
      for (let j = 0; j < K; j++) {
        let s = 0.3 * (rand() - 0.5);
        for (let q = 0; q < F; q++) s += f[q] * mix[q * K + j];
        data[r * K + j] = s > 0 ? s : 0;
      }
    }
    db.transaction(() => acts.putChunk(db, setId, 'act', c, rows, data))();
  }
  const writeRowsS = +(ms(t0) / 1000).toFixed(1);
  log(`completing the set (stats + column copy)`);
  t0 = performance.now();
  writeStats(db, setId, K, { policy: 'flag', nLogits: 0, where: () => ({}) as never });
  const completeS = +(ms(t0) / 1000).toFixed(1);

  // An imported explain run: 10 concepts per unit, K x 10 distinct labels of words the encoder knows.
  const vocab = Object.keys(
    (
      JSON.parse(readFileSync(join(ROOT, 'resources/fixtures/encoders/fmnist_clip_b/tokenizer.json'), 'utf8')) as {
        model: { vocab: Record<string, number> };
      }
    ).model.vocab,
  ).filter((w) => /^[a-z]{3,}$/.test(w));
  const labels = new Set<string>();
  const wr = mulberry32(5);
  const pick = () => vocab[Math.floor(wr() * vocab.length)];
  while (labels.size < K * TERMS) labels.add(`${pick()} ${pick()} ${pick()}`);
  const all = [...labels];
  const header = [
    'layer',
    'unit',
    'val correlation',
    ...Array.from({ length: TERMS }, (_, t) => [`weight${t}`, `concept${t}`]).flat(),
    'bias',
  ];
  const lines = Array.from({ length: K }, (_, u) =>
    [layer.tensorName, u, '', ...Array.from({ length: TERMS }, (_, t) => [(1 - t * 0.05).toFixed(2), all[u * TERMS + t]]).flat(), 0].join(
      ',',
    ),
  );
  await writeFile(join(dir, 'le.csv'), `${header.join(',')}\n${lines.join('\n')}\n`);
  log('importing the explain run');
  const imp = await call(b, 'explain.import', { activationSetId: setId, path: join(dir, 'le.csv'), allowLayerMismatch: true });
  const runId = imp.run.id;
  const set = { id: setId, nImages: N, nNeurons: K };
  const j = Math.floor(K / 3);

  log('timing');
  const rowRead = await timed(3, () => readColumnsByRows(db, set, [j]));
  const columnRead = await timed(9, () => readNeuronColumns(db, set, [j]));
  const same = Buffer.from(readNeuronColumns(db, set, [j]).buffer).equals(Buffer.from(readColumnsByRows(db, set, [j]).buffer));
  const columnAndStats = await timed(9, async () => {
    readNeuronColumns(db, set, [j]);
    await call(b, 'activations.neuron', { activationSetId: setId, neuron: j });
  });
  let n = 0;
  if (process.env.NWB_BROWSE_PROFILE) {
    const { neuronView } = await import('../src/main/core/features/explanations/neuronView');
    const orig = performance.now();
    await neuronView(db, { runId, neuron: 1, scatterMax: 2000, topK: 12, perBand: 4, randomK: 12 });
    log(`neuronView ${ms(orig)} ms`);
  }
  const neuronPage = await timed(5, () => call(b, 'explain.neuron', { runId, neuron: (j + n++) % K }));
  const similar = await timed(5, () => call(b, 'neuron.similar', { activationSetId: setId, neuron: (j + n++) % K, runId }));
  const sim = await call(b, 'neuron.similar', { activationSetId: setId, neuron: j, runId });
  t0 = performance.now();
  const first = await call(b, 'neuron.search', { text: 'summer shoe' });
  const firstSearchMs = ms(t0);
  const queries = ['summer shoe', 'long dress', 'bag', 'ankle boot', 'warm coat'];
  let qi = 0;
  const search = await timed(5, () => call(b, 'neuron.search', { text: queries[qi++ % queries.length] }));
  const goals = { neuronPageMs: 200, similarMs: 200, searchMs: 300 };
  console.log(
    JSON.stringify({
      data: `synthetic ${N} x ${K} float32 activation set written through the real store functions (row chunks of ${CHUNK}), completed by the extraction's writeStats; ${K * TERMS} labels in an imported run; fixture encoder fmnist_clip_b`,
      setup: {
        writeRowsS,
        completeWithColumnCopyS: completeS,
        projectMB: +(
          ((db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number)) /
          1e6
        ).toFixed(0),
      },
      reference: { rowBlockReadOfOneNeuronMs: rowRead },
      columnReadOfOneNeuronMs: columnRead,
      columnEqualsRowRead: same,
      columnReadPlusStatsMs: columnAndStats,
      explainNeuronMs: neuronPage,
      similarUnitsMs: similar,
      similarBasis: sim.basis.text,
      searchByMeaning: {
        labels: first.concepts,
        explanations: first.explanations,
        firstCallMs: firstSearchMs,
        warmMs: search,
        topHit:
          first.hits[0] &&
          `${first.hits[0].concept} (${first.hits[0].reason}${first.hits[0].similarity !== null ? `, cosine ${first.hits[0].similarity.toFixed(3)}` : ''})`,
      },
      goals,
      met: {
        neuronPage: neuronPage.medianMs <= goals.neuronPageMs,
        similar: similar.medianMs <= goals.similarMs,
        search: search.medianMs <= goals.searchMs,
      },
    }),
  );
} finally {
  b.dispose();
  await rm(dir, { recursive: true, force: true });
}
