import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectGguf, loadGgufModel } from '../../src/main/core/features/describers/languageModel';
import type { CompletionRequest, LanguageModel } from '../../src/main/core/features/describers/roles';
import { AppError } from '../../src/shared/errors';
import { tempDirSync } from '../helpers/tempDir';

// Bad GGUF files are refused by inspect (and load) with a coded error naming the file and the fix; an over-long
// prompt says its token count against the context; cancelling mid-generation stops with 'cancelled'.

const ROOT = join(import.meta.dirname, '..', '..');
const GGUF = join(ROOT, 'resources/fixtures/describers/language_model/fmnist-concepts.gguf');
const golden = JSON.parse(readFileSync(join(ROOT, 'resources/fixtures/describers/language_model_golden.json'), 'utf8')) as {
  vocab_size: number;
  context_length: number;
};

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

function copyWith(edit: (b: Buffer) => void): string {
  const file = join(tempDirSync('gguf'), 'model.gguf');
  const b = readFileSync(GGUF);
  edit(b);
  writeFileSync(file, b);
  return file;
}

describe('inspectGguf', () => {
  it('reads the fixture header without loading weights', async () => {
    const m = await inspectGguf(GGUF);
    expect(m.format).toBe('gguf');
    expect(m.files).toEqual(['fmnist-concepts.gguf']);
    expect(m.details).toMatchObject({
      architecture: 'llama',
      ggufVersion: 3,
      contextLength: golden.context_length,
      blocks: 2,
      embeddingLength: 64,
      vocabSize: golden.vocab_size,
      chatTemplate: true,
      fileType: 'F32',
      tokenizer: 'llama',
      tensors: 2 + 2 * 9 + 1,
    });
  });

  it('refuses a truncated file (header or weights cut off) and says to fetch it again', async () => {
    for (const keep of [20, 3000, Math.floor(readFileSync(GGUF).length / 2)]) {
      const file = join(tempDirSync('gguf'), 'cut.gguf');
      copyFileSync(GGUF, file);
      truncateSync(file, keep);
      const e = await refusal(inspectGguf(file));
      expect(e.code).toBe('describer_invalid');
      expect(e.message).toContain(file);
      expect(e.message).toMatch(new RegExp(`truncated: it has ${keep} bytes`));
      expect(e.data).toEqual({ path: file });
      expect((await refusal(loadGgufModel(file, { signal: new AbortController().signal }))).code).toBe('describer_invalid');
    }
  });

  it('refuses a file that is not GGUF, a folder, a missing path', async () => {
    const dir = tempDirSync('gguf');
    const text = join(dir, 'notes.gguf');
    writeFileSync(text, 'this is not a model\n');
    let e = await refusal(inspectGguf(text));
    expect(e.code).toBe('describer_invalid');
    expect(e.message).toMatch(/notes\.gguf is not a GGUF file: convert the model with llama\.cpp's convert_hf_to_gguf\.py/);
    const onnx = join(ROOT, 'resources/fixtures/models/fmnist_cnn.onnx');
    expect((await refusal(inspectGguf(onnx))).message).toMatch(/fmnist_cnn\.onnx is not a GGUF file/);
    const lfs = join(dir, 'lfs.gguf');
    writeFileSync(lfs, 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n');
    expect((await refusal(inspectGguf(lfs))).message).toMatch(/Git LFS pointer: run `git lfs pull`/);
    e = await refusal(inspectGguf(dir));
    expect(e.code).toBe('describer_invalid');
    expect(e.message).toMatch(/is a folder: a GGUF language model is one \.gguf file/);
    e = await refusal(inspectGguf(join(dir, 'missing.gguf')));
    expect(e.code).toBe('describer_invalid');
    expect(e.message).toMatch(/missing\.gguf cannot be read \(ENOENT\)/);
  });

  it('refuses an architecture llama.cpp does not know and a GGUF version it cannot read', async () => {
    const arch = copyWith((b) => {
      const key = b.indexOf('general.architecture');
      const at = b.indexOf('llama', key + 20); // the value: u32 type, u64 length, 'llama'
      b.write('zebra', at, 'latin1');
    });
    const e = await refusal(inspectGguf(arch));
    expect(e.code).toBe('describer_invalid');
    expect(e.message).toMatch(/has architecture 'zebra', which this version of llama\.cpp \(node-llama-cpp\) cannot run/);
    const v1 = copyWith((b) => b.writeUInt32LE(1, 4));
    expect((await refusal(inspectGguf(v1))).message).toMatch(/is GGUF version 1; this llama\.cpp reads versions 2 and 3/);
  });
});

describe('loadGgufModel refusals', () => {
  let lm: LanguageModel;
  beforeAll(async () => {
    lm = await loadGgufModel(GGUF, { signal: new AbortController().signal, threads: 1, contextSize: 64 });
  });
  afterAll(async () => {
    await lm?.dispose();
  });
  const req = (prompt: string, maxTokens = 24): CompletionRequest => ({
    prompt,
    maxTokens,
    temperature: 0,
    topK: 40,
    topP: 1,
    seed: 1,
    chat: false,
  });

  it('refuses a prompt longer than the context, saying both sizes', async () => {
    const prompt = 'captions: ' + Array(20).fill('a black ankle boot with a low heel').join('; ') + '\nconcept:';
    const e = await refusal(lm.complete(req(prompt), new AbortController().signal));
    expect(e.code).toBe('bad_input');
    // 1 BOS + 'captions' ':' + 20 captions of 8 words + 19 ';' + newline byte + 'concept' ':' = 185 tokens.
    expect(e.message).toMatch(/The prompt is 185 tokens; fmnist-concepts\.gguf's context holds 64/);
    expect(e.data).toEqual({ promptTokens: 185, contextSize: 64 });
  });

  it('stops with cancelled when cancelled mid-generation, and runs the next request normally', async () => {
    const ac = new AbortController();
    let seen = 0;
    const e = await refusal(
      lm.complete(req('captions: a grey coat with buttons; a black coat\nconcept:'), ac.signal, () => {
        seen++;
        ac.abort();
      }),
    );
    expect(e.code).toBe('cancelled');
    expect(seen).toBe(1);
    const ok = await lm.complete(req('captions: a grey coat with buttons; a black coat\nconcept:'), new AbortController().signal);
    expect(ok.completionTokens).toBeGreaterThan(0);
    expect((await refusal(lm.complete(req('x'), AbortSignal.abort()))).code).toBe('cancelled');
  });

  it('a load cancelled before it starts is cancelled', async () => {
    expect((await refusal(loadGgufModel(GGUF, { signal: AbortSignal.abort() }))).code).toBe('cancelled');
  });
});
