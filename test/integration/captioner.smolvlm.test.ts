import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { inspectCaptionerFolder, loadCaptioner } from '../../src/main/core/features/describers/captioner';
import { call, withProject } from '../helpers/backend';
import {
  copyFolder,
  GOLDEN_IMAGES,
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

// The SmolVLM-architecture fixture (Idefics3 layout of HuggingFaceTB/SmolVLM-256M-Instruct: vision encoder with the
// pixel-shuffle connector, token embeddings, merged LLaMA decoder; a chat template) through the real runtime
// (transformers.js Idefics3ForConditionalGeneration + Idefics3Processor on our onnxruntime) against the PyTorch
// reference of scripts/fixtures/train_smolvlm_captioner.py; bad folders refused.

const ROOT = join(import.meta.dirname, '..', '..');
const FOLDER = join(ROOT, 'resources/fixtures/describers/smolvlm_captioner');

const golden = JSON.parse(readFileSync(join(ROOT, 'resources/fixtures/golden/smolvlm_captioner.json'), 'utf8')) as {
  maxNewTokens: number;
  prompts: { short: string; detailed: string };
  promptText: { short: string };
  promptIds: { short: number[] };
  vocab: string[];
  greedy: Row[];
  detailed: { instruction: string; rows: Row[] };
  quality: { mean: number; overall: number };
};
const END_OF_UTTERANCE = golden.vocab.indexOf('<end_of_utterance>');

const captioner = useCaptioner(FOLDER);
const signal = new AbortController().signal;
const opts = greedyOptions(golden.maxNewTokens);

describe('SmolVLM fixture vs PyTorch', () => {
  it('inspects as a SmolVLM (idefics3) folder with its three ONNX files', async () => {
    const m = await inspectCaptionerFolder(FOLDER);
    expect(m.format).toBe('transformers');
    expect(m.files).toEqual([
      'chat_template.json',
      'config.json',
      'generation_config.json',
      'onnx/decoder_model_merged.onnx',
      'onnx/embed_tokens.onnx',
      'onnx/vision_encoder.onnx',
      'preprocessor_config.json',
      'processor_config.json',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(m.details).toMatchObject({
      model_type: 'idefics3',
      decoder: 'llama',
      decoder_layers: 2,
      width: 64,
      image_size: 28,
      image_tokens: 4,
      image_splitting: true,
    });
  });

  it('the chat template + Idefics3Processor give the prompt ids PyTorch was trained on', async () => {
    const { AutoProcessor, RawImage } = await import('@huggingface/transformers');
    const processor = await AutoProcessor.from_pretrained(FOLDER, { local_files_only: true });
    const text = processor.apply_chat_template(
      [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: golden.prompts.short }] }] as never,
      {
        add_generation_prompt: true,
        chat_template: JSON.parse(readFileSync(join(FOLDER, 'chat_template.json'), 'utf8')).chat_template as string,
      },
    ) as string;
    expect(text).toBe(
      golden.promptText.short.replace(/<fake_token_around_image><global-img>(<image>)+<fake_token_around_image>/, '<image>'),
    );
    const g = await grey(golden.greedy[0].image);
    const out = (await processor(text, [new RawImage(new Uint8ClampedArray(g.data), g.width, g.height, 1)])) as {
      input_ids: { tolist(): bigint[][] };
      pixel_values: { dims: number[] };
    };
    expect(out.input_ids.tolist()[0].map(Number)).toEqual(golden.promptIds.short);
    expect(out.pixel_values.dims).toEqual([1, 1, 3, 28, 28]);
  });

  it('token ids and texts equal PyTorch on all 32 golden images (batched by 8)', async () => {
    expect(golden.greedy).toHaveLength(32);
    const images = await Promise.all(golden.greedy.map((r) => grey(r.image)));
    const caps = await captioner.caption(images, opts(), signal);
    const wrong = golden.greedy.filter((r, i) => JSON.stringify(caps[i].tokenIds) !== JSON.stringify(r.tokenIds));
    expect(wrong.map((r) => r.image)).toEqual([]);
    expect(caps.map((c) => c.text)).toEqual(golden.greedy.map((r) => r.text));
    expect(caps.every((c) => c.tokenIds.at(-1) === END_OF_UTTERANCE)).toBe(true);
    // quality: PyTorch's share on 1000 test images, and the runtime's own captions of the 32 probe images
    expect(golden.quality.mean).toBeGreaterThanOrEqual(0.8);
    expect(namedShare(caps, golden.greedy)).toBeGreaterThanOrEqual(0.8);
  });

  it('another instruction (the task field) gives PyTorch ids too, and longer captions', async () => {
    const rows = golden.detailed.rows;
    const images = await Promise.all(rows.map((r) => grey(r.image)));
    const caps = await captioner.caption(images, opts({ task: golden.detailed.instruction }), signal);
    expect(caps.map((c) => c.tokenIds)).toEqual(rows.map((r) => r.tokenIds));
    expect(caps.map((c) => c.text)).toEqual(rows.map((r) => r.text));
    expect(caps[0].text.length).toBeGreaterThan(golden.greedy[0].text.length);
    // '<DETAILED_CAPTION>' names the same instruction
    const mapped = await captioner.caption(images.slice(0, 2), opts({ task: '<DETAILED_CAPTION>' }), signal);
    expect(mapped.map((c) => c.tokenIds)).toEqual(rows.slice(0, 2).map((r) => r.tokenIds));
  });

  it('one image alone gives the same ids as in a batch; a larger RGB image is resized; max/min new tokens hold', async () => {
    const g = await grey(golden.greedy[3].image);
    const [one] = await captioner.caption([g], opts(), signal);
    expect(one.tokenIds).toEqual(golden.greedy[3].tokenIds);
    const [short] = await captioner.caption([g], opts({ maxNewTokens: 2 }), signal);
    expect(short.tokenIds).toEqual(golden.greedy[3].tokenIds.slice(0, 2));
    const [long] = await captioner.caption([g], opts({ minNewTokens: golden.greedy[3].tokenIds.length + 1 }), signal);
    expect(long.tokenIds.slice(0, golden.greedy[3].tokenIds.length - 1)).toEqual(golden.greedy[3].tokenIds.slice(0, -1));
    expect(long.tokenIds.length).toBeGreaterThan(golden.greedy[3].tokenIds.length);
    const big = await sharp(join(GOLDEN_IMAGES, golden.greedy[3].image))
      .resize(56, 56)
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const [rgb] = await captioner.caption([{ data: new Uint8Array(big.data), width: 56, height: 56, channels: 3 }], opts(), signal);
    expect(rgb.tokenIds.at(-1)).toBe(END_OF_UTTERANCE);
    expect(rgb.text.length).toBeGreaterThan(0);
  });

  it('beam search and a task token that is no instruction are refused with bad_input', async () => {
    const g = await grey(golden.greedy[0].image);
    await expect(captioner.caption([g], opts({ numBeams: 3 }), signal)).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringContaining('beam search is not available for SmolVLM') as string,
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

const copy = () => copyFolder(FOLDER, 'smolvlm');
const refusal = (path: string) => folderRefusal(path, 'describer_invalid');

function editJson(dir: string, name: string, edit: (j: Record<string, unknown>) => Record<string, unknown>): void {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(edit(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)));
}

describe('SmolVLM folder refusals', () => {
  sharedFolderRefusals({
    folder: FOLDER,
    family: 'SmolVLM',
    required: [
      'onnx/vision_encoder.onnx',
      'onnx/embed_tokens.onnx',
      'onnx/decoder_model_merged.onnx',
      'preprocessor_config.json',
      'processor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ],
    quantised: 'onnx/decoder_model_merged.onnx',
  });

  it("a processor config that is not SmolVLM's, no image_seq_len, no max_image_size, no image token id are named", async () => {
    let dir = copy();
    editJson(dir, 'preprocessor_config.json', (j) => ({ ...j, processor_class: 'Florence2Processor' }));
    let e = await refusal(dir);
    expect(e.message).toContain("processor_class 'Florence2Processor', not 'Idefics3Processor' or 'SmolVLMProcessor'");
    dir = copy();
    editJson(dir, 'preprocessor_config.json', (j) => ({ ...j, max_image_size: undefined }));
    e = await refusal(dir);
    expect(e.message).toContain('no max_image_size.longest_edge');
    dir = copy();
    editJson(dir, 'processor_config.json', () => ({ processor_class: 'Idefics3Processor' }));
    e = await refusal(dir);
    expect(e.message).toContain('processor_config.json has no image_seq_len');
    dir = copy();
    editJson(dir, 'config.json', (j) => ({ ...j, image_token_id: undefined }));
    e = await refusal(dir);
    expect(e.message).toContain('config.json has no image_token_id');
  });

  it('no chat template anywhere is named; chat_template.json alone is enough', async () => {
    const dir = copy();
    editJson(dir, 'tokenizer_config.json', (j) => ({ ...j, chat_template: undefined }));
    const m = await inspectCaptionerFolder(dir); // chat_template.json still there
    expect(m.details.model_type).toBe('idefics3');
    const c = await loadCaptioner(dir, { signal, threads: 1 });
    const [cap] = await c.caption([await grey(golden.greedy[1].image)], opts(), signal);
    await c.dispose();
    expect(cap.tokenIds).toEqual(golden.greedy[1].tokenIds);
    rmSync(join(dir, 'chat_template.json'));
    const e = await refusal(dir);
    expect(e.message).toContain('no chat_template');
  });

  it('a tokenizer without <image>, an image_token_id of another export, and a garbage vision_encoder.onnx are refused by name', async () => {
    let dir = copy();
    editJson(dir, 'tokenizer.json', (j) => ({
      ...j,
      added_tokens: (j.added_tokens as { content: string }[]).filter((t) => t.content !== '<image>'),
    }));
    let e = await refusal(dir);
    expect(e.message).toContain('tokenizer.json has no <image> token');
    dir = copy();
    editJson(dir, 'config.json', (j) => ({ ...j, image_token_id: 49190 }));
    e = await refusal(dir);
    expect(e.message).toContain('config.json says image_token_id 49190, but tokenizer.json gives <image> the id 4');
    dir = copy();
    writeFileSync(join(dir, 'onnx/vision_encoder.onnx'), '<html>404</html>');
    e = await refusal(dir);
    expect(e.message).toContain('vision_encoder.onnx is not an ONNX model');
  });

  it('model_type smolvlm (SmolVLM2 configs) is accepted the same way', async () => {
    const dir = copy();
    editJson(dir, 'config.json', (j) => ({ ...j, model_type: 'smolvlm', architectures: ['SmolVLMForConditionalGeneration'] }));
    editJson(dir, 'preprocessor_config.json', (j) => ({ ...j, processor_class: 'SmolVLMProcessor' }));
    const c = await loadCaptioner(dir, { signal, threads: 1 });
    const [cap] = await c.caption([await grey(golden.greedy[2].image)], opts(), signal);
    await c.dispose();
    expect(cap.tokenIds).toEqual(golden.greedy[2].tokenIds);
  });
});

describe('SmolVLM through the contract', () => {
  it('describer.add takes the folder; caption.run gives PyTorch ids (default and <DETAILED_CAPTION>); beam search is refused by name', async () => {
    const dir = await tempDir('smolvlm-contract');
    const { backend } = await withProject(dir);
    const idOf = await importGoldenProbe(backend, dir);
    const added = await call(backend, 'describer.add', { role: 'captioner', path: FOLDER });
    expect(added).toMatchObject({ role: 'captioner', format: 'transformers', status: 'ok' });
    const imageIds = golden.greedy.map((g) => idOf.get(g.image)!);
    const run = await call(backend, 'caption.run', { describerId: added.id, imageIds, maxNewTokens: golden.maxNewTokens });
    expect(run.captions.map((c) => c.tokenIds)).toEqual(golden.greedy.map((g) => g.tokenIds));
    expect(run.captions.map((c) => c.text)).toEqual(golden.greedy.map((g) => g.text));
    const detailed = await call(backend, 'caption.run', {
      describerId: added.id,
      imageIds: golden.detailed.rows.map((g) => idOf.get(g.image)!),
      maxNewTokens: golden.maxNewTokens,
      task: '<DETAILED_CAPTION>',
    });
    expect(detailed.captions.map((c) => c.tokenIds)).toEqual(golden.detailed.rows.map((g) => g.tokenIds));
    expect(detailed.captions.every((c) => !c.cached)).toBe(true);
    const beams = await contractRefusal(
      call(backend, 'caption.run', { describerId: added.id, imageIds: imageIds.slice(0, 1), numBeams: 3 }),
    );
    expect(beams).toMatchObject({ code: 'bad_input', message: expect.stringContaining('SmolVLM') as string });
  });
});
