import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectCaptionerFolder } from '../../src/main/core/features/describers/captioner';
import { grey, useCaptioner, type CaptionRow as Row } from '../helpers/captionerFixtures';

// The fixture captioner through the real runtime (transformers.js on our onnxruntime) against the PyTorch
// reference written by scripts/fixtures/train_captioner.py: greedy token ids exactly, on all 32 real images.

const ROOT = join(import.meta.dirname, '..', '..');
const FOLDER = join(ROOT, 'resources/fixtures/describers/captioner');

const golden = JSON.parse(readFileSync(join(ROOT, 'resources/fixtures/describers/captioner_golden.json'), 'utf8')) as {
  maxNewTokens: number;
  greedy: Row[];
  beam: (Row & { numBeams: number })[];
  quality: { mean: number };
};

const captioner = useCaptioner(FOLDER);
const signal = new AbortController().signal;

describe('captioner fixture vs PyTorch', () => {
  it('inspects as a vision-encoder-decoder folder', async () => {
    const m = await inspectCaptionerFolder(FOLDER);
    expect(m.format).toBe('transformers');
    expect(m.files).toEqual([
      'config.json',
      'generation_config.json',
      'onnx/decoder_model_merged.onnx',
      'onnx/encoder_model.onnx',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(m.details).toMatchObject({ model_type: 'vision-encoder-decoder', encoder: 'vit', decoder: 'gpt2', decoder_layers: 2 });
  });

  it('greedy token ids and texts equal PyTorch on all 32 golden images', async () => {
    expect(golden.greedy).toHaveLength(32);
    const images = await Promise.all(golden.greedy.map((r) => grey(r.image)));
    const caps = await captioner.caption(images, { numBeams: 1, maxNewTokens: golden.maxNewTokens, minNewTokens: 0 }, signal);
    const wrong = golden.greedy.filter((r, i) => JSON.stringify(caps[i].tokenIds) !== JSON.stringify(r.tokenIds));
    expect(wrong.map((r) => r.image)).toEqual([]);
    expect(caps.map((c) => c.text)).toEqual(golden.greedy.map((r) => r.text));
    expect(golden.quality.mean).toBeGreaterThanOrEqual(0.8); // the fixture is good enough to be worth testing on
  });

  it('beam search equals the PyTorch reference beam search', async () => {
    expect(golden.beam.length).toBeGreaterThan(0);
    for (const r of golden.beam) {
      const [c] = await captioner.caption(
        [await grey(r.image)],
        { numBeams: r.numBeams, maxNewTokens: golden.maxNewTokens, minNewTokens: 0 },
        signal,
      );
      expect({ image: r.image, tokenIds: c.tokenIds, text: c.text }).toEqual({ image: r.image, tokenIds: r.tokenIds, text: r.text });
    }
  });

  it('RGB and RGBA copies of a grey image caption the same as the grey image', async () => {
    const g = await grey(golden.greedy[0].image);
    const rgb = new Uint8Array(g.data.length * 3);
    const rgba = new Uint8Array(g.data.length * 4);
    g.data.forEach((v, i) => {
      rgb.set([v, v, v], i * 3);
      rgba.set([v, v, v, 255], i * 4);
    });
    const opts = { numBeams: 1, maxNewTokens: golden.maxNewTokens, minNewTokens: 0 };
    const caps = await captioner.caption(
      [
        { ...g, data: rgb, channels: 3 },
        { ...g, data: rgba, channels: 4 },
      ],
      opts,
      signal,
    );
    expect(caps.map((c) => c.tokenIds)).toEqual([golden.greedy[0].tokenIds, golden.greedy[0].tokenIds]);
  });

  it('maxNewTokens and minNewTokens bound the generated length', async () => {
    const g = await grey(golden.greedy[0].image);
    const [short] = await captioner.caption([g], { numBeams: 1, maxNewTokens: 2, minNewTokens: 0 }, signal);
    expect(short.tokenIds).toEqual(golden.greedy[0].tokenIds.slice(0, 2));
    const n = golden.greedy[0].tokenIds.length; // includes EOS
    const [long] = await captioner.caption([g], { numBeams: 1, maxNewTokens: n + 3, minNewTokens: n + 1 }, signal);
    expect(long.tokenIds.length).toBeGreaterThanOrEqual(n + 1);
    expect(long.tokenIds.slice(0, n - 1)).toEqual(golden.greedy[0].tokenIds.slice(0, n - 1)); // same words until EOS was banned
  });
});
