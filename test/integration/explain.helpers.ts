import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readMatrix } from '../../src/main/core/platform/store/activationRepo';
import type { Backend } from '../../src/main/core/app/backend';
import { call, withProject } from '../helpers/backend';
import { CLASS_NAMES, writeFashionMnistTree, type Split } from '../helpers/fashionMnist';
import { tempDir } from '../helpers/tempDir';

// Shared set-up of the explanation tests: a real project with an imported Fashion-MNIST probe folder
// (test-split images, n per class: classes + superclasses from the folder tree) and extracted activations.

export const FIX = join(process.cwd(), 'resources/fixtures');
export const PLANTED = join(FIX, 'models/fmnist_planted.onnx');
export const CNN = join(FIX, 'models/fmnist_cnn.onnx');
export const CNN_POOLED = '/Flatten_output_0';

export interface ExplainFixture {
  backend: Backend;
  dir: string;
  probeSetId: number;
}

export async function probeProject(perClass: number, split: Split = 'test'): Promise<ExplainFixture> {
  const dir = await tempDir('explain');
  const { backend } = await withProject(dir);
  return { backend, dir, probeSetId: await addProbe(backend, dir, perClass, split) };
}

export async function addProbe(backend: Backend, dir: string, perClass: number, split: Split): Promise<number> {
  const root = join(dir, `fashion_${split}_${perClass}`);
  await writeFashionMnistTree(root, { perClass, split });
  return (await call(backend, 'probe.import', { root })).probeSetId;
}

/** Add a model (Fashion-MNIST preprocessing) and extract one layer; returns the activation set id. */
export async function extract(f: ExplainFixture, model: string, layer: string, probeSetId = f.probeSetId): Promise<number> {
  const m = await call(f.backend, 'model.add', { path: model });
  await call(f.backend, 'model.setPreprocessing', { modelId: m.id, preset: 'fashion-mnist' });
  const r = await call(f.backend, 'activations.extract', { modelId: m.id, layer, probeSetId, summary: 'identity' });
  return r.activationSet.id;
}

export interface Truth {
  neurons: { index: number; terms: { concept: string; weight: number }[]; bias: number }[];
}

/**
 * A probe folder of the images the model classifies correctly with softmax >= minProb (at most perClass per
 * class), copied from the probe set of `f` using the logits of activation set `setId`. On such images the
 * class probabilities are ~one-hot, so a neuron planted on probabilities is (almost) a function of labels.
 */
export async function confidentSubset(
  f: ExplainFixture,
  probeSetId: number,
  setId: number,
  minProb: number,
  perClass: number,
): Promise<{ root: string; counts: Record<string, number> }> {
  const db = f.backend.state.requireProject().db;
  const logits = readMatrix(db, setId, 'logits');
  const images = db
    .prepare(
      `SELECT i.rel_path AS relPath, p.root_path AS root, c.name AS cls FROM images i JOIN probe_sets p ON p.id = i.probe_set_id
    LEFT JOIN labels c ON c.id = i.class_id WHERE i.probe_set_id = ? ORDER BY i.id`,
    )
    .all(probeSetId) as { relPath: string; root: string; cls: string }[];
  const k = logits.length / images.length;
  const out = join(f.dir, `confident_${minProb}`);
  const counts: Record<string, number> = {};
  for (let i = 0; i < images.length; i++) {
    const row = Array.from(logits.subarray(i * k, (i + 1) * k));
    const mx = Math.max(...row);
    const z = row.reduce((a, v) => a + Math.exp(v - mx), 0);
    const top = row.indexOf(mx);
    const img = images[i];
    if (CLASS_NAMES[top] !== img.cls || 1 / z < minProb || (counts[img.cls] ?? 0) >= perClass) continue;
    counts[img.cls] = (counts[img.cls] ?? 0) + 1;
    await mkdir(dirname(join(out, img.relPath)), { recursive: true });
    await copyFile(join(img.root, img.relPath), join(out, img.relPath));
  }
  return { root: out, counts };
}
