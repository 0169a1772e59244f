import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inspectCaptionerFolder, loadCaptioner, type TaskCaptionOptions } from '../../src/main/core/features/describers/captioner';
import type { Captioner, ImagePixels } from '../../src/main/core/features/describers/roles';
import type { Backend } from '../../src/main/core/app/backend';
import type { AppError } from '../../src/shared/errors';
import { call } from './backend';
import { CLASS_WORDS } from './fashionMnist';
import { tempDirSync } from './tempDir';

// What the captioner fixture tests share (the ViT-GPT2, Florence-2 and SmolVLM fixtures of scripts/fixtures/train_*captioner.py):
// the 32 golden probe images, the caption words of each class, the loaded captioner, the folder refusals.

const ROOT = join(import.meta.dirname, '..', '..');
export const GOLDEN_IMAGES = join(ROOT, 'resources/fixtures/golden/images');

/** One golden caption of a PyTorch reference file. */
export interface CaptionRow {
  image: string;
  tokenIds: number[];
  text: string;
}

/** A golden image (NNN_<class>.png) as the 784 grey bytes the PyTorch references read. */
export async function grey(file: string): Promise<ImagePixels> {
  // sharp expands grey PNGs to 3 channels on raw(): take channel 0 for the 784 raw bytes.
  const { data, info } = await sharp(join(GOLDEN_IMAGES, file)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: 1 };
}

/** The classes whose caption words stand in `text` as whole words. */
export function namedClasses(text: string): string[] {
  const words = ` ${(text.match(/[\w-]+/g) ?? []).join(' ')} `;
  return Object.entries(CLASS_WORDS)
    .filter(([, phrase]) => words.includes(` ${phrase} `))
    .map(([cls]) => cls);
}

/** The share of captions that name their golden image's class (NNN_<class>.png), and no other class. */
export function namedShare(captions: { text: string }[], rows: { image: string }[]): number {
  const named = captions.filter((c, i) => {
    const cls = rows[i].image.replace(/^\d+_|\.png$/g, '');
    return JSON.stringify(namedClasses(c.text)) === JSON.stringify([cls]);
  }).length;
  return named / captions.length;
}

/** Greedy decoding up to `maxNewTokens`, with overrides. */
export function greedyOptions(maxNewTokens: number): (o?: Partial<TaskCaptionOptions>) => TaskCaptionOptions {
  return (o = {}) => ({ numBeams: 1, maxNewTokens, minNewTokens: 0, ...o });
}

/** The folder's captioner, loaded once before the file's tests (one thread) and disposed after them. */
export function useCaptioner(folder: string): Captioner {
  let loaded: Captioner | undefined;
  beforeAll(async () => {
    loaded = await loadCaptioner(folder, { signal: new AbortController().signal, threads: 1 });
  });
  afterAll(async () => {
    await loaded?.dispose();
  });
  return {
    caption: (images, opts, signal) => loaded!.caption(images, opts, signal),
    dispose: async () => loaded?.dispose(),
  };
}

/** A copy of a fixture folder to break, in a temporary folder removed after the test. */
export function copyFolder(folder: string, prefix: string): string {
  const dir = join(tempDirSync(prefix), 'model');
  cpSync(folder, dir, { recursive: true });
  return dir;
}

/** Turns a copied folder's merged decoder into the split pair (decoder_model + decoder_with_past_model) older exports have. */
export function splitDecoder(dir: string): void {
  const merged = join(dir, 'onnx/decoder_model_merged.onnx');
  cpSync(merged, join(dir, 'onnx/decoder_model.onnx'));
  cpSync(merged, join(dir, 'onnx/decoder_with_past_model.onnx'));
  rmSync(merged);
}

/** Inspect and load both refuse the folder, with the same code and message (and `code` when given); the inspect error. */
export async function folderRefusal(path: string, code?: string): Promise<AppError> {
  const errors: AppError[] = [];
  for (const attempt of [() => inspectCaptionerFolder(path), () => loadCaptioner(path, { signal: new AbortController().signal })]) {
    try {
      await attempt();
    } catch (e) {
      errors.push(e as AppError);
      continue;
    }
    throw new Error(`${path} was accepted`);
  }
  expect(errors[1].code).toBe(errors[0].code);
  expect(errors[1].message).toBe(errors[0].message);
  if (code !== undefined) expect(errors[0].code).toBe(code);
  return errors[0];
}

/** Imports the golden images under `dir` as a probe set in class folders (named by NNN_<class>.png); image id by file name. */
export async function importGoldenProbe(backend: Backend, dir: string): Promise<Map<string, number>> {
  const root = join(dir, 'golden-probe');
  for (const f of readdirSync(GOLDEN_IMAGES)) {
    const cls = f.replace(/^\d+_/, '').replace(/\.png$/, '');
    mkdirSync(join(root, cls), { recursive: true });
    cpSync(join(GOLDEN_IMAGES, f), join(root, cls, f));
  }
  const { probeSetId } = await call(backend, 'probe.import', { root });
  const page = await call(backend, 'probe.images', { probeSetId, offset: 0, limit: 100 });
  return new Map(page.rows.map((r) => [r.relPath.split('/').pop()!, r.id]));
}

/**
 * The folder refusals every multi-part captioner family shares (Florence-2, SmolVLM), registered in the caller's
 * describe: each required file missing is named with the family; a part present only quantised, or the decoder split
 * in two (older exports), is named with the fix.
 */
export function sharedFolderRefusals(o: { folder: string; family: string; required: string[]; quantised: string }): void {
  const copy = () => copyFolder(o.folder, o.family.toLowerCase());
  it.each(o.required)('a folder without %s names it', async (file) => {
    const dir = copy();
    rmSync(join(dir, file));
    const e = await folderRefusal(dir, 'describer_invalid');
    expect(e.message).toContain(`${file} is missing`);
    expect(e.message).toContain(o.family);
  });

  it(`only a quantised ${o.quantised}, or a split decoder, is named with the fix`, async () => {
    const dir = copy();
    const q4 = o.quantised.replace(/\.onnx$/, '_q4.onnx');
    cpSync(join(dir, o.quantised), join(dir, q4));
    rmSync(join(dir, o.quantised));
    let e = await folderRefusal(dir, 'describer_invalid');
    expect(e.message).toContain(`only ${q4}`);
    const split = copy();
    splitDecoder(split);
    e = await folderRefusal(split, 'describer_invalid');
    expect(e.message).toContain('split decoder');
  });
}
