import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectDiffusersFolder, loadDiffusionPipeline } from '../../src/main/core/features/describers/generator';
import type { GenerationRequest } from '../../src/main/core/features/describers/roles';
import { refusal } from '../helpers/refusal';
import { tempDirSync } from '../helpers/tempDir';

// Bad image-generator folders and faults during generation: each ends in a coded error that names the part and
// the fix, never in a crash or a half-made image.

const ROOT = join(import.meta.dirname, '..', '..');
const FIX = process.env.NWB_GENERATOR_FIXTURES ?? join(ROOT, 'resources/fixtures/describers');
const FOLDER = join(FIX, 'generator');
const signal = new AbortController().signal;
const REQ: GenerationRequest = {
  prompt: 'a realistic image of a coat',
  negativePrompt: '',
  steps: 20,
  guidance: 3,
  scheduler: 'ddim',
  seeds: [1, 2],
  batchSize: 2,
};

function copy(): string {
  const dir = tempDirSync('gen-bad');
  cpSync(FOLDER, dir, { recursive: true });
  return dir;
}

function editJson(path: string, edit: (j: Record<string, unknown>) => Record<string, unknown>): void {
  writeFileSync(path, JSON.stringify(edit(JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>)));
}

describe('folder validation', () => {
  it.each([
    ['unet/model.onnx', /unet\/model\.onnx is missing.*optimum-cli export onnx/],
    ['vae_decoder/model.onnx', /vae_decoder\/model\.onnx is missing/],
    ['model_index.json', /model_index\.json is missing: not a diffusers\/optimum ONNX folder/],
    ['scheduler/scheduler_config.json', /scheduler\/scheduler_config\.json is missing/],
    ['tokenizer/tokenizer.json', /tokenizer\/tokenizer\.json \(or CLIP's vocab\.json \+ merges\.txt\) is missing/],
  ])('a missing %s is named with the fix', async (rel, message) => {
    const dir = copy();
    rmSync(join(dir, rel));
    const e = await refusal(inspectDiffusersFolder(dir));
    expect(e.code).toBe('describer_invalid');
    expect(e.message).toMatch(message);
  });

  it('a garbage or truncated ONNX part is refused by name', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'text_encoder/model.onnx'), Buffer.from('this is not a protobuf at all \x00\x01\x02'));
    const e = await refusal(inspectDiffusersFolder(dir));
    expect(e.code).toBe('describer_invalid');
    expect(e.message).toMatch(/^text_encoder: model\.onnx: .*(not an ONNX model|truncated)/);
    const unet = readFileSync(join(FOLDER, 'unet/model.onnx'));
    writeFileSync(join(dir, 'text_encoder/model.onnx'), readFileSync(join(FOLDER, 'text_encoder/model.onnx')));
    writeFileSync(join(dir, 'unet/model.onnx'), unet.subarray(0, unet.length >> 1));
    expect((await refusal(inspectDiffusersFolder(dir))).message).toMatch(/^unet: model\.onnx: .*truncated|^unet: .*not an ONNX model/);
  });

  it('a broken model_index.json is refused as invalid JSON', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'model_index.json'), '{"_class_name": "ORTStableDiffusionPipeline",');
    const e = await refusal(inspectDiffusersFolder(dir));
    expect([e.code, e.message]).toEqual(['describer_invalid', expect.stringMatching(/model_index\.json is not valid JSON/)]);
  });

  it('unsupported scheduler JSON is refused; PNDM / DPM-Solver / LCM configs fall back with a note', async () => {
    const dir = copy();
    const cfg = join(dir, 'scheduler/scheduler_config.json');
    const original = readFileSync(cfg, 'utf8');
    editJson(cfg, (j) => ({ ...j, _class_name: 'KarrasVeScheduler' }));
    expect((await refusal(inspectDiffusersFolder(dir))).message).toMatch(
      /names scheduler "KarrasVeScheduler".*Supported: DDIMScheduler, EulerDiscreteScheduler/,
    );
    writeFileSync(cfg, original);
    editJson(cfg, (j) => ({ ...j, prediction_type: 'sample' }));
    expect((await refusal(inspectDiffusersFolder(dir))).message).toMatch(/prediction_type "sample" is not supported/);
    writeFileSync(cfg, original);
    editJson(cfg, (j) => ({ ...j, beta_schedule: 'sigmoid' }));
    expect((await refusal(inspectDiffusersFolder(dir))).message).toMatch(/beta_schedule "sigmoid" is not supported/);
    writeFileSync(cfg, '[1, 2]');
    expect((await refusal(inspectDiffusersFolder(dir))).message).toMatch(/scheduler_config\.json must hold a JSON object/);
    for (const [name, sampler] of [
      ['PNDMScheduler', 'ddim'],
      ['DPMSolverMultistepScheduler', 'ddim'],
      ['LCMScheduler', 'ddim'],
    ]) {
      writeFileSync(cfg, original);
      editJson(cfg, (j) => ({ ...j, _class_name: name }));
      const info = await inspectDiffusersFolder(dir);
      expect(info.details).toMatchObject({ scheduler: name, sampler });
      expect(String(info.details.schedulerNote)).toContain(`${name} is run as`);
    }
  });

  it('a file instead of a folder, and a vocab.json + merges.txt folder that is not CLIP, are explained', async () => {
    expect((await refusal(inspectDiffusersFolder(join(FOLDER, 'model_index.json')))).message).toMatch(
      /is a file; an image generator is a folder/,
    );
    const dir = copy();
    rmSync(join(dir, 'tokenizer/tokenizer.json'));
    writeFileSync(join(dir, 'tokenizer/vocab.json'), '{"a": 0}');
    writeFileSync(join(dir, 'tokenizer/merges.txt'), '');
    expect((await refusal(inspectDiffusersFolder(dir))).message).toMatch(
      /tokenizer\/ \(vocab\.json \+ merges\.txt\) is not a CLIP tokenizer: vocab\.json has no <bos> token/,
    );
  });
});

describe('faults while generating', () => {
  it('NaN from the UNet stops generation with non_finite naming the step', async () => {
    const dir = copy();
    // This UNet returns finite values while timestep >= 500 and NaN after (scripts/fixtures/train_generator.py).
    cpSync(join(FIX, 'generator_nan_unet.onnx'), join(dir, 'unet/model.onnx'));
    const gen = await loadDiffusionPipeline(dir, { signal, threads: 1 });
    const images: number[] = [];
    try {
      const e = await refusal(gen.generate(REQ, signal, { onImage: (i) => images.push(i) }));
      // DDIM 20 steps, leading spacing + offset 1: 951, 901, ..., 501, then 451 at step 11.
      expect(e.code).toBe('non_finite');
      expect(e.message).toMatch(/at step 11 of 20 \(timestep 451\)/);
      expect(images).toEqual([]);
    } finally {
      await gen.dispose();
    }
  });

  it('cancel between steps ends with cancelled and no image; bad requests are refused', async () => {
    const gen = await loadDiffusionPipeline(FOLDER, { signal, threads: 1 });
    try {
      const ac = new AbortController();
      const steps: number[] = [];
      const images: number[] = [];
      const e = await refusal(
        gen.generate(REQ, ac.signal, {
          onStep: (s) => {
            steps.push(s);
            if (s === 3) ac.abort();
          },
          onImage: (i) => images.push(i),
        }),
      );
      expect([e.code, e.message]).toEqual(['cancelled', 'Image generation cancelled before step 4 of 20.']);
      expect(steps).toEqual([1, 2, 3]);
      expect(images).toEqual([]);
      for (const bad of [{ steps: 0 }, { guidance: 0.5 }, { batchSize: 0 }, { seeds: [] }, { seeds: [1.5] }]) {
        expect((await refusal(gen.generate({ ...REQ, ...bad }, signal, {}))).code).toBe('bad_input');
      }
      const pre = new AbortController();
      pre.abort();
      expect((await refusal(loadDiffusionPipeline(FOLDER, { signal: pre.signal }))).code).toBe('cancelled');
    } finally {
      await gen.dispose();
    }
  });

  it('a seed makes the same image alone or in a batch (batch size does not change images)', async () => {
    const gen = await loadDiffusionPipeline(FOLDER, { signal, threads: 1 });
    try {
      const req = { ...REQ, steps: 4, seeds: [5, 6, 7] };
      const batched = await gen.generate({ ...req, batchSize: 3 }, signal, {});
      const alone = await gen.generate({ ...req, seeds: [6], batchSize: 1 }, signal, {});
      expect(batched.map((i) => i.seed)).toEqual([5, 6, 7]);
      const diff = batched[1].data.reduce((m, v, i) => Math.max(m, Math.abs(v - alone[0].data[i])), 0);
      expect(diff).toBeLessThanOrEqual(1); // uint8 rounding of float differences between batch shapes
      expect(batched[0].data).not.toEqual(batched[1].data);
    } finally {
      await gen.dispose();
    }
  });
});
