import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectCaptionerFolder, loadCaptioner } from '../../src/main/core/features/describers/captioner';
import { AppError } from '../../src/shared/errors';
import { copyFolder, folderRefusal as refusal, grey, splitDecoder } from '../helpers/captionerFixtures';
import { tempDirSync } from '../helpers/tempDir';

// Bad captioner folders are refused by inspect and by load with a coded error that names the bad file;
// cancelling a batch between images stops it with 'cancelled'.

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURE = join(ROOT, 'resources/fixtures/describers/captioner');
const golden = JSON.parse(readFileSync(join(ROOT, 'resources/fixtures/describers/captioner_golden.json'), 'utf8')) as {
  greedy: { image: string; tokenIds: number[] }[];
};

const copy = () => copyFolder(FIXTURE, 'captioner');

describe('captioner folder refusals', () => {
  it.each([
    ['tokenizer_config.json', 'tokenizer_config.json'],
    ['preprocessor_config.json', 'preprocessor_config.json'],
    ['onnx/encoder_model.onnx', 'encoder_model.onnx'],
    ['onnx/decoder_model_merged.onnx', 'decoder_model_merged.onnx'],
    ['config.json', 'config.json'],
  ])('a folder without %s', async (file, named) => {
    const dir = copy();
    rmSync(join(dir, file));
    const e = await refusal(dir);
    expect(e.code).toBe('describer_invalid');
    expect(e.message).toContain(named);
    expect(e.message).toMatch(/missing/);
  });

  it('a split decoder (no merged one) is named and the fix given', async () => {
    const dir = copy();
    splitDecoder(dir);
    const e = await refusal(dir);
    expect(e.code).toBe('describer_invalid');
    expect(e.message).toContain('split decoder');
    expect(e.message).toContain('decoder_model_merged.onnx');
  });

  it('a garbage encoder and a Git LFS pointer are refused by name', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'onnx/encoder_model.onnx'), '<html>404 not found</html>');
    let e = await refusal(dir);
    expect(e.code).toBe('describer_invalid');
    expect(e.message).toContain('encoder_model.onnx is not an ONNX model');
    writeFileSync(join(dir, 'onnx/encoder_model.onnx'), 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 1\n');
    e = await refusal(dir);
    expect(e.message).toContain('git lfs pull');
  });

  it('a truncated decoder is refused at load, naming the folder', async () => {
    const dir = copy();
    const file = join(dir, 'onnx/decoder_model_merged.onnx');
    truncateSync(file, Math.floor(readFileSync(file).length / 2));
    await expect(inspectCaptionerFolder(dir)).resolves.toBeTruthy(); // the header is intact: only loading can tell
    const e = await loadCaptioner(dir, { signal: new AbortController().signal }).then(
      () => null,
      (x: AppError) => x,
    );
    expect(e?.code).toBe('describer_invalid');
    expect(e?.message).toContain(dir);
  });

  it('a broken config.json is named', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'config.json'), '{"model_type": "vision-encoder-decoder",');
    const e = await refusal(dir);
    expect(e.code).toBe('describer_invalid');
    expect(e.message).toContain('config.json is not valid JSON');
  });

  it('a BLIP config names the closest supported choice', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'blip', architectures: ['BlipForConditionalGeneration'] }));
    const e = await refusal(dir);
    expect(e.code).toBe('describer_invalid');
    expect(e.message).toContain("'blip'");
    expect(e.message).toContain('vit-gpt2-image-captioning');
  });

  // florence2, idefics3 and smolvlm are supported (captioner.florence / captioner.smolvlm tests); a vit-gpt2 folder
  // that claims one of them lacks that kind's files
  it.each(['llama', 'gpt2'])('model_type %s is refused with a message', async (type) => {
    const dir = copy();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: type }));
    const e = await refusal(dir);
    expect(e.code).toBe('describer_invalid');
    expect(e.message).toContain(`'${type}'`);
    expect(e.message).toContain('vit-gpt2');
  });

  it.each(['idefics3', 'smolvlm'])('a vit-gpt2 folder whose config.json claims %s is refused naming a SmolVLM file', async (type) => {
    const dir = copy();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: type }));
    const e = await refusal(dir);
    expect(e.code).toBe('describer_invalid');
    expect(e.message).toContain('processor_config.json is missing');
    expect(e.message).toContain(`SmolVLM (${type})`);
  });

  it('a vit-gpt2 folder whose config.json claims florence2 is refused by its processor config', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'florence2' }));
    const e = await refusal(dir);
    expect(e.code).toBe('describer_invalid');
    expect(e.message).toContain("not 'Florence2Processor'");
  });

  it('an empty folder, a missing path and a file are refused', async () => {
    const empty = join(tempDirSync('captioner'), 'empty');
    mkdirSync(empty);
    let e = await refusal(empty);
    expect([e.code, e.message.includes('config.json is missing')]).toEqual(['describer_invalid', true]);
    e = await refusal(join(empty, 'nope'));
    expect([e.code, e.message.includes('does not exist')]).toEqual(['describer_invalid', true]);
    e = await refusal(join(FIXTURE, 'config.json'));
    expect([e.code, e.message.includes('is a file')]).toEqual(['describer_invalid', true]);
  });
});

describe('captioner cancel', () => {
  it('cancelling mid-batch stops between images with cancelled', async () => {
    const c = await loadCaptioner(FIXTURE, { signal: new AbortController().signal, threads: 1 });
    try {
      const img = await grey(golden.greedy[0].image);
      const ac = new AbortController();
      const run = c.caption(Array(20).fill(img), { numBeams: 1, maxNewTokens: 16, minNewTokens: 0 }, ac.signal);
      ac.abort(); // the first image is under way: the loop must stop before the second
      await expect(run).rejects.toMatchObject({ code: 'cancelled' });
      const beams = new AbortController();
      beams.abort();
      await expect(c.caption([img], { numBeams: 3, maxNewTokens: 16, minNewTokens: 0 }, beams.signal)).rejects.toMatchObject({
        code: 'cancelled',
      });
      // the captioner still works after a cancel
      const [ok] = await c.caption([img], { numBeams: 1, maxNewTokens: 16, minNewTokens: 0 }, new AbortController().signal);
      expect(ok.tokenIds).toEqual(golden.greedy[0].tokenIds);
    } finally {
      await c.dispose();
    }
  });

  it('an aborted load is cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(loadCaptioner(FIXTURE, { signal: ac.signal })).rejects.toMatchObject({ code: 'cancelled' });
  });
});
