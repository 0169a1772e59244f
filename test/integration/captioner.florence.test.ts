import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectCaptionerFolder } from '../../src/main/core/features/describers/captioner';
import { call, withProject } from '../helpers/backend';
import {
  copyFolder,
  folderRefusal,
  greedyOptions,
  grey,
  importGoldenProbe,
  namedShare,
  sharedFolderRefusals,
  useCaptioner,
  type CaptionRow as Row,
} from '../helpers/captionerFixtures';
import { refusal as contractRefusal } from '../helpers/refusal';
import { tempDir } from '../helpers/tempDir';

// The Florence-2-architecture fixture (onnx-community layout: vision encoder, token embeddings, encoder, merged
// decoder) through the real runtime (transformers.js Florence2ForConditionalGeneration + Florence2Processor on our
// onnxruntime) against the PyTorch reference of scripts/fixtures/train_florence_captioner.py; bad folders refused.

const ROOT = join(import.meta.dirname, '..', '..');
const FOLDER = join(ROOT, 'resources/fixtures/describers/florence_captioner');

const golden = JSON.parse(readFileSync(join(ROOT, 'resources/fixtures/golden/florence_captioner.json'), 'utf8')) as {
  maxNewTokens: number;
  greedy: Row[];
  detailed: { task: string; rows: Row[] };
  quality: { mean: number };
};

const captioner = useCaptioner(FOLDER);
const signal = new AbortController().signal;
const opts = greedyOptions(golden.maxNewTokens);

describe('Florence-2 fixture vs PyTorch', () => {
  it('inspects as a Florence-2 folder with its four ONNX files', async () => {
    const m = await inspectCaptionerFolder(FOLDER);
    expect(m.format).toBe('transformers');
    expect(m.files).toEqual([
      'config.json',
      'generation_config.json',
      'onnx/decoder_model_merged.onnx',
      'onnx/embed_tokens.onnx',
      'onnx/encoder_model.onnx',
      'onnx/vision_encoder.onnx',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(m.details).toMatchObject({
      model_type: 'florence2',
      tasks: '<CAPTION> <DETAILED_CAPTION> <MORE_DETAILED_CAPTION>',
      encoder_layers: 2,
      decoder_layers: 2,
      width: 64,
      image_size: 28,
      image_tokens: 16,
    });
  });

  it('<CAPTION> token ids and texts equal PyTorch on all 32 golden images (batched by 8)', async () => {
    expect(golden.greedy).toHaveLength(32);
    const images = await Promise.all(golden.greedy.map((r) => grey(r.image)));
    const caps = await captioner.caption(images, opts(), signal);
    const wrong = golden.greedy.filter((r, i) => JSON.stringify(caps[i].tokenIds) !== JSON.stringify(r.tokenIds));
    expect(wrong.map((r) => r.image)).toEqual([]);
    expect(caps.map((c) => c.text)).toEqual(golden.greedy.map((r) => r.text));
    // quality: PyTorch's share on 1000 test images, and the runtime's own captions of the 32 probe images
    expect(golden.quality.mean).toBeGreaterThanOrEqual(0.8);
    expect(namedShare(caps, golden.greedy)).toBeGreaterThanOrEqual(0.8);
  });

  it('the <DETAILED_CAPTION> task prompt gives PyTorch ids too (and longer captions)', async () => {
    const rows = golden.detailed.rows;
    const caps = await captioner.caption(await Promise.all(rows.map((r) => grey(r.image))), opts({ task: golden.detailed.task }), signal);
    expect(caps.map((c) => c.tokenIds)).toEqual(rows.map((r) => r.tokenIds));
    expect(caps.map((c) => c.text)).toEqual(rows.map((r) => r.text));
    expect(caps[0].text.length).toBeGreaterThan(golden.greedy[0].text.length);
  });

  it('one image alone gives the same ids as in a batch; maxNewTokens bounds the length (forced </s> last)', async () => {
    const g = await grey(golden.greedy[3].image);
    const [one] = await captioner.caption([g], opts(), signal);
    expect(one.tokenIds).toEqual(golden.greedy[3].tokenIds);
    const [short] = await captioner.caption([g], opts({ maxNewTokens: 3 }), signal);
    expect(short.tokenIds).toEqual([...golden.greedy[3].tokenIds.slice(0, 2), 2]); // the folder's forced_eos_token_id
  });

  it('beam search and unknown tasks are refused with bad_input', async () => {
    const g = await grey(golden.greedy[0].image);
    await expect(captioner.caption([g], opts({ numBeams: 3 }), signal)).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringContaining('beam search is not available for Florence-2') as string,
    });
    await expect(captioner.caption([g], opts({ task: '<OD>' }), signal)).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringContaining("task '<OD>'") as string,
    });
  });

  it('an aborted signal cancels', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(captioner.caption([await grey(golden.greedy[0].image)], opts(), ac.signal)).rejects.toMatchObject({ code: 'cancelled' });
  });
});

const copy = () => copyFolder(FOLDER, 'florence');
const refusal = (path: string) => folderRefusal(path, 'describer_invalid');

describe('Florence-2 folder refusals', () => {
  sharedFolderRefusals({
    folder: FOLDER,
    family: 'Florence-2',
    required: [
      'onnx/vision_encoder.onnx',
      'onnx/embed_tokens.onnx',
      'onnx/encoder_model.onnx',
      'onnx/decoder_model_merged.onnx',
      'preprocessor_config.json',
      'tokenizer.json',
    ],
    quantised: 'onnx/vision_encoder.onnx',
  });

  it("a processor config that is not Florence-2's, or has no <CAPTION> prompt, is named", async () => {
    const dir = copy();
    const file = join(dir, 'preprocessor_config.json');
    const pre = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...pre, processor_class: undefined }));
    let e = await refusal(dir);
    expect(e.message).toContain("processor_class '(none)', not 'Florence2Processor'");
    writeFileSync(file, JSON.stringify({ ...pre, task_prompts_without_inputs: { '<OD>': 'Locate the objects.' } }));
    e = await refusal(dir);
    expect(e.message).toContain("no prompt for '<CAPTION>'");
  });

  it('a garbage embed_tokens.onnx is refused by name', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'onnx/embed_tokens.onnx'), '<html>404</html>');
    const e = await refusal(dir);
    expect(e.message).toContain('embed_tokens.onnx is not an ONNX model');
  });
});

describe('Florence-2 through the contract', () => {
  it('describer.add takes the folder; caption.run gives PyTorch ids for <CAPTION> and <DETAILED_CAPTION>; beam search is refused by name', async () => {
    const dir = await tempDir('florence-contract');
    const { backend } = await withProject(dir);
    const idOf = await importGoldenProbe(backend, dir);
    const added = await call(backend, 'describer.add', { role: 'captioner', path: FOLDER });
    expect(added).toMatchObject({ role: 'captioner', format: 'transformers', status: 'ok' });
    const imageIds = golden.greedy.map((g) => idOf.get(g.image)!);
    const run = await call(backend, 'caption.run', { describerId: added.id, imageIds, maxNewTokens: golden.maxNewTokens });
    expect(run.captions.map((c) => c.tokenIds)).toEqual(golden.greedy.map((g) => g.tokenIds));
    expect(run.captions.map((c) => c.text)).toEqual(golden.greedy.map((g) => g.text));
    // the task prompt through the contract: other ids (PyTorch's), another cache key
    const detailedIds = golden.detailed.rows.map((g) => idOf.get(g.image)!);
    const detailed = await call(backend, 'caption.run', {
      describerId: added.id,
      imageIds: detailedIds,
      maxNewTokens: golden.maxNewTokens,
      task: '<DETAILED_CAPTION>',
    });
    expect(detailed.captions.map((c) => c.tokenIds)).toEqual(golden.detailed.rows.map((g) => g.tokenIds));
    expect(detailed.captions.every((c) => !c.cached)).toBe(true);
    const explicit = await call(backend, 'caption.run', {
      describerId: added.id,
      imageIds: imageIds.slice(0, 2),
      maxNewTokens: golden.maxNewTokens,
      task: '<CAPTION>',
    });
    expect(explicit.captions.map((c) => c.cached)).toEqual([true, true]); // '<CAPTION>' is the default's key
    const vit = await call(backend, 'describer.add', { role: 'captioner', path: join(ROOT, 'resources/fixtures/describers/captioner') });
    const noTask = await contractRefusal(
      call(backend, 'caption.run', { describerId: vit.id, imageIds: imageIds.slice(0, 1), task: '<DETAILED_CAPTION>' }),
    );
    expect(noTask).toMatchObject({ code: 'bad_input', message: expect.stringContaining('Florence-2') as string });
    const beams = await contractRefusal(
      call(backend, 'caption.run', { describerId: added.id, imageIds: imageIds.slice(0, 1), numBeams: 3 }),
    );
    expect(beams).toMatchObject({ code: 'bad_input', message: expect.stringContaining('Florence-2') as string });
  });
});
