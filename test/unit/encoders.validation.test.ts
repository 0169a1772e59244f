import { readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectEncoder, openEncoder } from '../../src/main/core/onnx/encoders';
import { tempDir } from '../helpers/tempDir';
import { copyFixtureEncoder, textTower, visionTower, writeTinySeparate } from '../helpers/tinyEncoder';
import { refusal } from '../helpers/refusal';

// Every way an encoder folder can be refused: AppError('model_invalid') whose message names the file and the fix.

async function fixtureCopy(): Promise<string> {
  return copyFixtureEncoder('fmnist_siglip_a', join(await tempDir('nwb-enc'), 'enc'));
}

describe('encoder folder validation', () => {
  it('accepts the fixture folder and describes it', async () => {
    const info = await inspectEncoder(await fixtureCopy());
    expect(info).toMatchObject({
      name: 'enc',
      layout: 'separate',
      dim: 64,
      modelType: 'siglip',
      imageSize: [28, 28],
      channels: 3,
      maxTextLength: 16,
      fixedTextLength: 16,
      padId: 0,
      unkId: 1,
      io: {
        imageInput: 'pixel_values',
        imageOutput: 'image_embeds',
        textIds: 'input_ids',
        textIdsType: 'int64',
        textMask: null,
        textOutput: 'text_embeds',
      },
    });
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.values(info.files).every((f) => typeof f === 'string')).toBe(true);
  });

  it('identity: the sha changes with any hashed file and not with config.json', async () => {
    const dir = await fixtureCopy();
    const a = (await inspectEncoder(dir)).sha256;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'siglip' }));
    expect((await inspectEncoder(dir)).sha256).toBe(a);
    const pre = JSON.parse(readFileSync(join(dir, 'preprocessor_config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ ...pre, image_std: [0.5, 0.5, 0.5] }));
    expect((await inspectEncoder(dir)).sha256).not.toBe(a);
  });

  it('refuses a missing folder', async () => {
    const e = await refusal(inspectEncoder(join(await tempDir('nwb-enc'), 'nope')));
    expect(e.code).toBe('model_invalid');
    expect(e.message).toMatch(/nope does not exist/);
  });

  it('refuses a folder without tokenizer.json', async () => {
    const dir = await fixtureCopy();
    rmSync(join(dir, 'tokenizer.json'));
    const e = await refusal(inspectEncoder(dir));
    expect(e.code).toBe('model_invalid');
    expect(e.message).toMatch(/^tokenizer\.json: missing .*Copy it/);
  });

  it('refuses a tokenizer.json that is not JSON', async () => {
    const dir = await fixtureCopy();
    writeFileSync(join(dir, 'tokenizer.json'), '{"model": {"type": "WordLevel",');
    const e = await refusal(inspectEncoder(dir));
    expect(e.code).toBe('model_invalid');
    expect(e.message).toMatch(/^tokenizer\.json: not valid JSON/);
  });

  it('refuses a folder without preprocessor_config.json', async () => {
    const dir = await fixtureCopy();
    rmSync(join(dir, 'preprocessor_config.json'));
    const e = await refusal(inspectEncoder(dir));
    expect(e.code).toBe('model_invalid');
    expect(e.message).toMatch(/^preprocessor_config\.json: missing/);
  });

  it('refuses a folder without ONNX files, naming both layouts', async () => {
    const dir = await fixtureCopy();
    rmSync(join(dir, 'onnx'), { recursive: true });
    const e = await refusal(inspectEncoder(dir));
    expect(e.code).toBe('model_invalid');
    expect(e.message).toMatch(/no encoder ONNX files/);
    expect(e.message).toMatch(/vision_model\.onnx/);
    expect(e.message).toMatch(/model\.onnx with inputs pixel_values and input_ids/);
  });

  it('refuses a vision model without its text model', async () => {
    const dir = await fixtureCopy();
    rmSync(join(dir, 'onnx', 'text_model.onnx'));
    const e = await refusal(inspectEncoder(dir));
    expect(e.code).toBe('model_invalid');
    expect(e.message).toMatch(/^vision_model\.onnx: found, but its partner text_model\.onnx/);
  });

  it('refuses a truncated ONNX file', async () => {
    const dir = await fixtureCopy();
    const f = join(dir, 'onnx', 'vision_model.onnx');
    truncateSync(f, Math.floor(readFileSync(f).length / 2));
    const e = await refusal(inspectEncoder(dir));
    expect(e.code).toBe('model_invalid');
    expect(e.message).toMatch(/^vision_model\.onnx: .*truncated or not an ONNX model/);
  });

  it('refuses an ONNX file that onnxruntime cannot load', async () => {
    const dir = writeTinySeparate(await tempDir('nwb-enc'), visionTower(8, { op: 'NoSuchOperator' }), textTower(8, 16));
    await inspectEncoder(dir); // the graph itself is well formed
    const e = await refusal(openEncoder(dir, { provider: 'cpu', threads: 1 }));
    expect(e.code).toBe('model_invalid');
    expect(e.message).toMatch(/^vision_model\.onnx: onnxruntime cannot load it/);
  });

  it('refuses towers with different embedding sizes, naming both files and sizes', async () => {
    const dir = writeTinySeparate(await tempDir('nwb-enc'), visionTower(8), textTower(12, 16));
    const e = await refusal(inspectEncoder(dir));
    expect(e.code).toBe('model_invalid');
    expect(e.message).toMatch(/vision_model\.onnx gives image_embeds of size 8 but text_model\.onnx gives text_embeds of size 12/);
  });

  it('refuses a vision model without an image input', async () => {
    // A 3-D input named otherwise: neither pixel_values nor a 4-D float input.
    const dir = writeTinySeparate(await tempDir('nwb-enc'), visionTower(8, { input: 'x' }), textTower(8, 16));
    const ok = await inspectEncoder(dir); // one 4-D float input is accepted under any name
    expect(ok.io.imageInput).toBe('x');
    renameSync(join(dir, 'onnx', 'vision_model.onnx'), join(dir, 'onnx', 'v.bak'));
    writeFileSync(join(dir, 'onnx', 'vision_model.onnx'), textTower(8, 16));
    const e = await refusal(inspectEncoder(dir));
    expect(e.code).toBe('model_invalid');
    expect(e.message).toMatch(/^vision_model\.onnx: image input not found.*input_ids int64\[N,16\]/);
  });

  it('refuses a preprocessor whose size disagrees with the model', async () => {
    const dir = await fixtureCopy();
    const pre = JSON.parse(readFileSync(join(dir, 'preprocessor_config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ ...pre, size: { height: 32, width: 32 } }));
    const e = await refusal(inspectEncoder(dir));
    expect(e.code).toBe('model_invalid');
    expect(e.message).toMatch(/^preprocessor_config\.json: the processor produces 32x32 images but the vision model takes 28x28/);
  });

  it('accepts towers at the folder root and prefers plain over quantized names', async () => {
    const dir = await tempDir('nwb-enc');
    writeTinySeparate(dir, visionTower(8), textTower(8, 16));
    renameSync(join(dir, 'onnx', 'vision_model.onnx'), join(dir, 'visual.onnx'));
    renameSync(join(dir, 'onnx', 'text_model.onnx'), join(dir, 'onnx', 'text_model_quantized.onnx'));
    const info = await inspectEncoder(dir);
    expect(info.files.vision).toBe(join(dir, 'visual.onnx'));
    expect(info.files.text).toBe(join(dir, 'onnx', 'text_model_quantized.onnx'));
    writeFileSync(join(dir, 'textual.onnx'), textTower(8, 16));
    expect((await inspectEncoder(dir)).files.text).toBe(join(dir, 'textual.onnx'));
  });

  it('pads SigLIP texts to the fixed length even when the export leaves the length dynamic and has no mask', async () => {
    const dir = await tempDir('nwb-enc');
    writeTinySeparate(dir, visionTower(8), textTower(8, 16));
    writeFileSync(join(dir, 'onnx', 'text_model.onnx'), textTower(8, null));
    // A dynamic-length tower with a mask (CLIP style) keeps dynamic padding.
    expect((await inspectEncoder(dir)).fixedTextLength).toBeNull();
    // Dynamic length, no mask, model_type siglip: padded to the max length (tokenizer_config: 16), like
    // SiglipProcessor's padding="max_length"; so a short text's ids are padded with the pad id.
    writeFileSync(join(dir, 'onnx', 'text_model.onnx'), textTower(8, null, { mask: false }));
    const info = await inspectEncoder(dir);
    expect(info.fixedTextLength).toBe(16);
    const enc = await openEncoder(dir);
    try {
      const b = enc.tokenize(['sandal']);
      expect(b.length).toBe(16);
      expect(b.padded.slice(1)).toEqual(new Array(15).fill(0));
    } finally {
      await enc.close();
    }
    // Another model type keeps its texts unpadded (grouped by length).
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'clip' }));
    expect((await inspectEncoder(dir)).fixedTextLength).toBeNull();
  });
});
