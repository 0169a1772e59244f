import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captionerDecoding, loadCaptioner } from '../../src/main/core/features/describers/captioner';
import type { Captioner, ImagePixels } from '../../src/main/core/features/describers/roles';
import { decodeModel, encodeModel, graphOf, onnx, type NodeProto } from '../../src/main/core/onnx/onnxProto';
import { tempDirSync } from '../helpers/tempDir';
import { grey, type CaptionRow } from '../helpers/captionerFixtures';

// The fixture captioner decodes greedily on its split decoder (cross-attention keys/values once per caption, our loop)
// and gives the same token ids as transformers.js's generate() on the unsplit decoder (NWB_CAPTIONER_SPLIT=0), for
// all 32 golden images in batches of 8 and alone, with max/min new token bounds that cut and that ban EOS.

const ROOT = join(import.meta.dirname, '..', '..');
const FOLDER = join(ROOT, 'resources/fixtures/describers/captioner');
const golden = JSON.parse(readFileSync(join(ROOT, 'resources/fixtures/describers/captioner_golden.json'), 'utf8')) as {
  maxNewTokens: number;
  greedy: CaptionRow[];
};
const signal = new AbortController().signal;
const load = () => loadCaptioner(FOLDER, { signal, threads: 1 });

let split: Captioner;
let tj: Captioner;
let images: ImagePixels[];
beforeAll(async () => {
  split = await load();
  process.env.NWB_CAPTIONER_SPLIT = '0';
  try {
    tj = await load();
  } finally {
    delete process.env.NWB_CAPTIONER_SPLIT;
  }
  images = await Promise.all(golden.greedy.map((r) => grey(r.image)));
});
afterAll(async () => {
  await split?.dispose();
  await tj?.dispose();
});

describe('captioner greedy decoding on the split decoder', () => {
  it('the fixture takes the split path; NWB_CAPTIONER_SPLIT=0 keeps transformers.js', () => {
    expect(captionerDecoding(split)).toEqual({ greedy: 'cross-kv' });
    expect(captionerDecoding(tj)).toEqual({ greedy: 'transformers.js', reason: 'NWB_CAPTIONER_SPLIT=0' });
  });

  it('a decoder that splits and loads but cannot run a step falls back to transformers.js at load, saying why', async () => {
    // The fixture's decoder with its logits flattened to [batch, vocab]: a valid graph our loop cannot decode with.
    const dir = tempDirSync('captioner-trial');
    cpSync(FOLDER, dir, { recursive: true });
    const file = join(dir, 'onnx/decoder_model_merged.onnx');
    const model = decodeModel(readFileSync(file));
    const g = graphOf(model);
    const producer = g.node.find((n) => n.output.includes('logits'))!;
    producer.output = producer.output.map((o) => (o === 'logits' ? 'logits_3d' : o));
    g.node.push(
      onnx.NodeProto.create({ opType: 'Flatten', input: ['logits_3d'], output: ['logits'], name: 'flatten_logits' }) as NodeProto,
    );
    g.output = g.output.map((o) => (o.name === 'logits' ? onnx.ValueInfoProto.create({ name: 'logits' }) : o));
    writeFileSync(file, encodeModel(model));
    const c = await loadCaptioner(dir, { signal, threads: 1 });
    try {
      expect(captionerDecoding(c)).toMatchObject({
        greedy: 'transformers.js',
        reason: expect.stringMatching(/trial step: logits of shape \[1, \d+\]/),
      });
    } finally {
      await c.dispose();
    }
  });

  it.each([
    [golden.maxNewTokens, 0],
    [3, 0],
    [1, 0],
    [12, 9], // EOS banned for 9 tokens: most golden captions are shorter
    [6, 6],
  ])('maxNewTokens %i, minNewTokens %i: ids equal transformers.js on 32 images (batches of 8)', async (maxNewTokens, minNewTokens) => {
    const o = { numBeams: 1, maxNewTokens, minNewTokens };
    const [a, b] = [await split.caption(images, o, signal), await tj.caption(images, o, signal)];
    expect(a.map((c) => c.tokenIds)).toEqual(b.map((c) => c.tokenIds));
    expect(a.map((c) => c.text)).toEqual(b.map((c) => c.text));
    expect(a.every((c) => c.tokenIds.length >= Math.min(minNewTokens + 1, maxNewTokens) && c.tokenIds.length <= maxNewTokens)).toBe(true);
    if (maxNewTokens === golden.maxNewTokens) expect(a.map((c) => c.tokenIds)).toEqual(golden.greedy.map((r) => r.tokenIds));
  });

  it('an image alone gives the same ids as in a batch of 8', async () => {
    const o = { numBeams: 1, maxNewTokens: golden.maxNewTokens, minNewTokens: 0 };
    const batch = await split.caption(images.slice(8, 16), o, signal);
    for (const i of [0, 3, 7]) {
      const [alone] = await split.caption([images[8 + i]], o, signal);
      expect(alone.tokenIds).toEqual(batch[i].tokenIds);
    }
  });

  it('beam search (ours on either decoder) gives the same ids on both paths', async () => {
    for (const image of images.slice(0, 4)) {
      const o = { numBeams: 3, maxNewTokens: golden.maxNewTokens, minNewTokens: 2 };
      const [[a], [b]] = [await split.caption([image], o, signal), await tj.caption([image], o, signal)];
      expect(a.tokenIds).toEqual(b.tokenIds);
    }
  });

  it("a generation config's min_length holds for greedy (equal to transformers.js's generate) and for beam search", async () => {
    const dir = tempDirSync('captioner-minlength');
    cpSync(FOLDER, dir, { recursive: true });
    const genFile = join(dir, 'generation_config.json');
    writeFileSync(genFile, JSON.stringify({ ...JSON.parse(readFileSync(genFile, 'utf8')), min_length: 9 }));
    const mine = await loadCaptioner(dir, { signal, threads: 1 });
    process.env.NWB_CAPTIONER_SPLIT = '0';
    const theirs = await loadCaptioner(dir, { signal, threads: 1 }).finally(() => delete process.env.NWB_CAPTIONER_SPLIT);
    try {
      const some = images.slice(0, 8);
      const greedy = { numBeams: 1, maxNewTokens: golden.maxNewTokens, minNewTokens: 0 };
      const [a, b] = [await mine.caption(some, greedy, signal), await theirs.caption(some, greedy, signal)];
      expect(a.map((c) => c.tokenIds)).toEqual(b.map((c) => c.tokenIds));
      // min_length counts the start token: at least 8 generated tokens before EOS may end a caption.
      expect(a.every((c) => c.tokenIds.length >= 8)).toBe(true);
      const beam = await mine.caption(some.slice(0, 3), { ...greedy, numBeams: 3 }, signal);
      expect(beam.every((c) => c.tokenIds.length >= 8)).toBe(true);
    } finally {
      await Promise.all([mine.dispose(), theirs.dispose()]);
    }
  });

  it('cancelling stops the loop with cancelled, and the captioner works afterwards', async () => {
    const ac = new AbortController();
    const run = split.caption(images, { numBeams: 1, maxNewTokens: 16, minNewTokens: 0 }, ac.signal);
    ac.abort();
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    const [ok] = await split.caption([images[0]], { numBeams: 1, maxNewTokens: golden.maxNewTokens, minNewTokens: 0 }, signal);
    expect(ok.tokenIds).toEqual(golden.greedy[0].tokenIds);
  });
});
