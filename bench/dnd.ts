import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { contract, type Contract, type MethodName } from '../src/shared/contract';
import type { OutputOf } from '../src/shared/define';
import { createBackend } from '../src/main/core/app/backend';

// Describe-and-Dissect benchmark (issue #14): seconds per neuron on the fixtures at the reference settings (10 top
// images, up to 4 crops each, 5 candidates, Q = 10 generated images per candidate), with the time of each stage;
// then, in the same run, the same neurons again under another split seed (a new run whose every model call is a
// cache hit: what re-scoring or re-running costs once the models have spoken). One JSON object on stdout.
//   layer: the fixture CNN's layer3 (7x7 maps, so crops apply), 600 demo probe images; generator: 20 DDIM steps,
//   guidance 1.5 (the fixture's quality settings); captioner greedy, 32 tokens; language model at temperature 0.3.

const ROOT = resolve(import.meta.dirname, '..');
const FIX = join(ROOT, 'resources', 'fixtures');
const NEURONS = process.argv.includes('--quick') ? [0, 1] : [0, 1, 2, 3, 4, 5];
const log = (s: string) => process.stderr.write(`[dnd] ${s}\n`);

async function main(): Promise<object> {
  const dir = mkdtempSync(join(tmpdir(), 'nwb-bench-dnd-'));
  const backend = createBackend({ userDataDir: dir, mode: 'cli' });
  const c = { signal: new AbortController().signal, progress: () => undefined };
  const call = async <K extends MethodName>(m: K, input: unknown) =>
    (await (backend.handlers[m] as (i: unknown, c: unknown) => Promise<unknown>)(contract[m].input.parse(input), c)) as OutputOf<
      Contract,
      K
    >;
  try {
    await call('project.create', { path: join(dir, 'bench.nwb') });
    const { probeSetId } = await call<'probe.import'>('probe.import', { root: join(ROOT, 'resources', 'demo', 'probe') });
    const model = await call<'model.add'>('model.add', { path: join(FIX, 'models', 'fmnist_cnn.onnx') });
    await call('model.setPreprocessing', { modelId: model.id, preset: 'fashion-mnist' });
    const set = await call<'activations.extract'>('activations.extract', {
      modelId: model.id,
      probeSetId,
      layer: '/layer3/relu_1/Relu_output_0',
      summary: 'auto',
    });
    const encoder = await call<'encoder.add'>('encoder.add', { path: join(FIX, 'encoders', 'fmnist_siglip_a') });
    const d = join(FIX, 'describers');
    const add = async (role: string, path: string) => (await call<'describer.add'>('describer.add', { role, path })).id;
    const params = {
      activationSetId: set.activationSet.id,
      neurons: NEURONS,
      encoderId: encoder.id,
      captionerId: await add('captioner', join(d, 'captioner')),
      languageModelId: await add('language_model', join(d, 'language_model', 'fmnist-concepts.gguf')),
      generatorId: await add('image_generator', join(d, 'generator')),
      summarisePrompt: 'captions: {captions}\njson:',
      topImages: 10,
      cropsPerImage: 4,
      candidates: 5,
      imagesPerConcept: 10,
      steps: 20,
      guidance: 1.5,
    };
    log(`cold run on ${NEURONS.length} neurons`);
    let t0 = performance.now();
    const cold = await call<'dnd.run'>('dnd.run', params);
    const coldS = (performance.now() - t0) / 1000;
    const chains = await Promise.all(NEURONS.map((neuron) => call<'dnd.chain'>('dnd.chain', { runId: cold.run.id, neuron })));
    log('cache-hit re-run (another split seed: a new run, every model call cached)');
    t0 = performance.now();
    const warm = await call<'dnd.run'>('dnd.run', { ...params, splitSeed: 1 });
    const warmS = (performance.now() - t0) / 1000;
    const per = (x: number) => +(x / NEURONS.length).toFixed(3);
    const stages = (s: Record<string, number>) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, per(v)]));
    return {
      what: 'Describe-and-Dissect seconds per neuron, fixture CNN layer3, fixture captioner / language model / generator',
      settings: { topImages: 10, cropsPerImage: 4, candidates: 5, imagesPerConcept: 10, steps: 20, guidance: 1.5 },
      neurons: NEURONS.length,
      perNeuron: {
        cold: per(coldS),
        coldStages: stages(cold.stageSeconds),
        cacheHit: per(warmS),
        cacheHitStages: stages(warm.stageSeconds),
      },
      work: {
        meanCrops: +(chains.reduce((a, ch) => a + ch.probe.reduce((b, p) => b + p.crops.length, 0), 0) / chains.length).toFixed(2),
        meanCandidates: +(chains.reduce((a, ch) => a + ch.candidates.length, 0) / chains.length).toFixed(2),
        generatedImagesPerNeuron: +(
          chains.reduce((a, ch) => a + ch.selection.reduce((b, s) => b + s.images.length, 0), 0) / chains.length
        ).toFixed(1),
      },
      labels: chains.map((ch) => ({ neuron: ch.neuron, labels: ch.labels.map((l) => l.concept) })),
      speedupFromCache: +(coldS / warmS).toFixed(1),
    };
  } finally {
    backend.dispose();
  }
}

console.log(JSON.stringify(await main()));
