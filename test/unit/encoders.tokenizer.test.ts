import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { TextTokenizer } from '../../src/main/core/onnx/encoders';

// Truncation and padding with a post-processor that appends an end token (how SigLIP's and CLIP's
// tokenizer.json files end every text): a text longer than the model takes is cut in its content, and the
// end token stays last, as Hugging Face truncation does. Hand-made tokenizer.json, expected ids by hand.

const vocab = { '<pad>': 0, '<unk>': 1, '</s>': 2, a: 3, b: 4, c: 5, d: 6, e: 7 };
const tokenizerJson = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [
    { id: 0, content: '<pad>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    { id: 1, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    { id: 2, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
  ],
  normalizer: { type: 'Lowercase' },
  pre_tokenizer: { type: 'Whitespace' },
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
    pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
    special_tokens: { '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } },
  },
  decoder: null,
  model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
};

describe('text tokenisation with an end-token post-processor', () => {
  const tok = new Tokenizer(tokenizerJson, { pad_token: '<pad>', unk_token: '<unk>' });

  it('appends the end token', () => {
    const t = new TextTokenizer(tok, { maxLength: 16, fixedLength: null, padId: 0 }, 1);
    expect(t.encodeOne('A b zebra')).toEqual([3, 4, 1, 2]);
  });

  it('truncates the content, keeping the end token last', () => {
    const t = new TextTokenizer(tok, { maxLength: 4, fixedLength: null, padId: 0 }, 1);
    expect(t.encodeOne('a b c d e')).toEqual([3, 4, 5, 2]);
  });

  it('pads to the fixed length (SigLIP) or to the longest text with a mask (CLIP)', () => {
    const fixed = new TextTokenizer(tok, { maxLength: 6, fixedLength: 6, padId: 0 }, 1).tokenize(['a', 'b c']);
    expect(fixed.length).toBe(6);
    expect(fixed.padded).toEqual([3, 2, 0, 0, 0, 0, 4, 5, 2, 0, 0, 0]);
    const dyn = new TextTokenizer(tok, { maxLength: 6, fixedLength: null, padId: 0 }, 1).tokenize(['a', 'b c zebra']);
    expect(dyn.length).toBe(4);
    expect(dyn.padded).toEqual([3, 2, 0, 0, 4, 5, 1, 2]);
    expect(dyn.mask).toEqual([1, 1, 0, 0, 1, 1, 1, 1]);
    expect(dyn.unknown).toEqual([0, 1]);
  });
});
