import { join } from 'node:path';
import type { Backend } from '../../src/main/core/app/backend';
import { call, withProject } from '../helpers/backend';
import { CLASS_NAMES, SUPERCLASS_OF } from '../helpers/fashionMnist';

// A project for Describe-and-Dissect / CLIP-Dissect tests: the demo probe set (600 real Fashion-MNIST images in a
// class/superclass tree), the fixture CNN with its final layer (logits: neuron k is class k) and a conv layer
// (7x7 maps, for crops) extracted, the image-text encoder A calibrated on the labels, and the three generative
// fixtures in the (test's own) library.

export const ROOT = join(import.meta.dirname, '..', '..');
const FIX = join(ROOT, 'resources', 'fixtures');
export const CLASSES = CLASS_NAMES;
/** The fixture language model was trained on this prompt form (docs/language-model.md). */
export const FIXTURE_PROMPT = 'captions: {captions}\njson:';

export interface DissectProject {
  backend: Backend;
  projectPath: string;
  probeSetId: number;
  logits: number;
  conv: number;
  encoderA: number;
  encoderB: number;
  captionerId: number;
  languageModelId: number;
  generatorId: number;
}

export async function dissectProject(dir: string, opts: { calibrate?: boolean } = {}): Promise<DissectProject> {
  const { backend, projectPath } = await withProject(dir);
  const { probeSetId } = await call(backend, 'probe.import', { root: join(ROOT, 'resources', 'demo', 'probe') });
  const model = await call(backend, 'model.add', { path: join(FIX, 'models', 'fmnist_cnn.onnx') });
  await call(backend, 'model.setPreprocessing', { modelId: model.id, preset: 'fashion-mnist' });
  const extract = async (layer: string) =>
    (await call(backend, 'activations.extract', { modelId: model.id, probeSetId, layer, summary: 'auto' })).activationSet.id;
  const logits = await extract('logits');
  const conv = await extract('/layer3/relu_1/Relu_output_0');
  const encoder = async (name: string) => {
    const e = await call(backend, 'encoder.add', { path: join(FIX, 'encoders', name) });
    if (opts.calibrate !== false) await call(backend, 'calibration.run', { encoderId: e.id, probeSetId });
    return e.id;
  };
  return {
    backend,
    projectPath,
    probeSetId,
    logits,
    conv,
    encoderA: await encoder('fmnist_siglip_a'),
    encoderB: await encoder('fmnist_clip_b'),
    ...(await addFixtureDescribers(backend)),
  };
}

/** The three generative fixtures, added to the backend's library. */
export async function addFixtureDescribers(backend: Backend) {
  const d = join(FIX, 'describers');
  const add = async (role: 'captioner' | 'language_model' | 'image_generator', path: string) =>
    (await call(backend, 'describer.add', { role, path })).id;
  return {
    captionerId: await add('captioner', join(d, 'captioner')),
    languageModelId: await add('language_model', join(d, 'language_model', 'fmnist-concepts.gguf')),
    generatorId: await add('image_generator', join(d, 'generator')),
  };
}

/** DnD settings for the fixtures: their prompt form, the generator's own steps and guidance. */
export function fixtureDnd(
  p: Pick<DissectProject, 'encoderA' | 'captionerId' | 'languageModelId' | 'generatorId'>,
  activationSetId: number,
) {
  return {
    activationSetId,
    encoderId: p.encoderA,
    captionerId: p.captionerId,
    languageModelId: p.languageModelId,
    generatorId: p.generatorId,
    summarisePrompt: FIXTURE_PROMPT,
    simplifyPrompt: 'captions: {caption}\njson:',
    steps: 10,
    guidance: 1.5,
  };
}

/** 'ankle boot', 'Ankle_boot', 'ankle boots' -> 'ankle boot'. */
export const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, ' ').replace(/\s+/g, ' ').trim().replace(/s$/, '');

/** Does a label name neuron k's class (logits: neuron k is class k) or its superclass? */
export function namesClass(label: string | undefined, k: number): 'class' | 'superclass' | null {
  if (!label) return null;
  const cls = CLASSES[k];
  if (norm(label) === norm(cls) || (cls === 'T-shirt_top' && ['t shirt', 'top', 'tee'].includes(norm(label)))) return 'class';
  const sup = SUPERCLASS_OF[cls];
  if (sup && (norm(label) === norm(sup) || (sup === 'upper_body' && norm(label) === 'upper body clothing'))) return 'superclass';
  return null;
}
