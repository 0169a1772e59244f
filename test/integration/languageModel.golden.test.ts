import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAnswer } from '../../src/main/core/features/describers/jsonSchema';
import { loadGgufModel } from '../../src/main/core/features/describers/languageModel';
import type { CompletionRequest, LanguageModel } from '../../src/main/core/features/describers/roles';

// The fixture GGUF through node-llama-cpp against PyTorch (scripts/fixtures/train_language_model.py): greedy
// continuations token for token on 18 fixed prompts, raw and through the file's ChatML template; schema-constrained
// answers parse and validate; seeded sampling repeats itself.

const ROOT = join(import.meta.dirname, '..', '..');
const GGUF = join(ROOT, 'resources/fixtures/describers/language_model/fmnist-concepts.gguf');
interface Golden {
  mode: 'raw' | 'chat';
  system: string | null;
  prompt: string;
  json: boolean;
  expected: string;
  prompt_ids: number[];
  continuation_ids: number[];
  text: string;
  ended: boolean;
}
const golden = JSON.parse(readFileSync(join(ROOT, 'resources/fixtures/describers/language_model_golden.json'), 'utf8')) as {
  golden: Golden[];
};
const SCHEMA = {
  type: 'object',
  properties: { concept: { type: 'string', maxLength: 40 } },
  required: ['concept'],
  additionalProperties: false,
};

const request = (g: Golden, over: Partial<CompletionRequest> = {}): CompletionRequest => ({
  prompt: g.prompt,
  system: g.system ?? undefined,
  chat: g.mode === 'chat',
  maxTokens: 24,
  temperature: 0,
  topK: 40,
  topP: 1,
  seed: 0,
  ...over,
});
const never = () => new AbortController().signal;

describe('fixture GGUF vs PyTorch', () => {
  let lm: LanguageModel;
  beforeAll(async () => {
    const progress: number[] = [];
    lm = await loadGgufModel(GGUF, { signal: never(), threads: 1, onProgress: (p) => progress.push(p) });
    expect(progress.at(-1)).toBe(1);
  });
  afterAll(async () => {
    await lm?.dispose();
  });

  it('has 18 golden prompts, raw and chat, plain and JSON', () => {
    expect(golden.golden).toHaveLength(18);
    expect(new Set(golden.golden.map((g) => `${g.mode}/${g.json}`))).toEqual(new Set(['raw/false', 'raw/true', 'chat/true', 'chat/false']));
  });

  it('greedy continuations equal PyTorch token for token', async () => {
    const mismatches: string[] = [];
    for (const [i, g] of golden.golden.entries()) {
      const c = await lm.complete(request(g), never());
      // Prompt tokens (BOS, the chat template's special tokens) counted as the script laid them out.
      expect(c.promptTokens, `prompt ${i}`).toBe(g.prompt_ids.length);
      if (JSON.stringify(c.tokenIds) !== JSON.stringify(g.continuation_ids))
        mismatches.push(`${i}: ${c.tokenIds?.join(',')} vs ${g.continuation_ids.join(',')}`);
      // llama.cpp's detokenizer drops the space prefix of the first piece (' ankle boot' -> 'ankle boot').
      expect(c.text, `prompt ${i}`).toBe(g.text.replace(/^ /, ''));
      expect(c.completionTokens).toBe(g.continuation_ids.length);
    }
    expect(mismatches).toEqual([]);
  });

  it('schema-constrained answers parse, validate and follow the greedy path PyTorch took', async () => {
    for (const g of golden.golden.filter((x) => x.json)) {
      const c = await lm.complete(request(g, { schema: SCHEMA }), never());
      expect(checkAnswer(c.text, SCHEMA).ok).toBe(true);
      expect(c.json).toEqual(JSON.parse(c.text));
      expect(c.attempts).toBe(1);
      // PyTorch's unconstrained greedy answer was valid JSON, so the grammar never had to steer away from it.
      if (checkAnswer(g.text, SCHEMA).ok) expect(c.text).toBe(g.text);
    }
  });

  it('seeded sampling at temperature 0.8 repeats with the same seed', async () => {
    const g = golden.golden.find((x) => x.mode === 'chat' && x.json)!;
    const run = async (seed: number) =>
      (await lm.complete(request(g, { temperature: 0.8, topK: 40, topP: 0.95, seed, schema: SCHEMA }), never())).text;
    const first = [];
    for (const seed of [1, 2, 3, 4, 5]) first.push(await run(seed));
    const again = [];
    for (const seed of [1, 2, 3, 4, 5]) again.push(await run(seed));
    expect(again).toEqual(first);
    for (const t of first) expect(checkAnswer(t, SCHEMA).ok).toBe(true);
  });

  it('streams the text so far', async () => {
    const seen: string[] = [];
    const g = golden.golden[0];
    const c = await lm.complete(request(g), never(), (t) => seen.push(t));
    expect(seen).toHaveLength(g.continuation_ids.length);
    expect(seen.at(-1)).toBe(c.text);
  });
});
