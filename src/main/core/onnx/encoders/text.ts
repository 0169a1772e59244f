import { Tokenizer } from '@huggingface/tokenizers';

// Text side: tokenisation with @huggingface/tokenizers (tokenizer.json + tokenizer_config.json) and the
// padding rules of the two encoder families:
//   fixed sequence length (SigLIP-style, input_ids [B, L] with L a number): every text is padded with the pad id
//     to L (and truncated to L); the pad positions are part of what the model was trained on, no mask.
//   dynamic length (CLIP-style): texts are padded to the longest in the batch and attention_mask marks the pads.

export interface TextSpec {
  /** Longest token sequence fed to the model (tokenizer model_max_length / max_position_embeddings / fixed L). */
  maxLength: number | null;
  /** L when the model's input_ids has a fixed sequence length. */
  fixedLength: number | null;
  padId: number;
}

export interface TokenBatch {
  /** Token ids per text, special tokens included, truncated, not padded. */
  ids: number[][];
  /** Padded row length used for the batch. */
  length: number;
  /** rows x length, padded with the pad id. */
  padded: number[];
  /** rows x length, 1 for tokens and 0 for pads. */
  mask: number[];
  /** Token strings per text (same positions as ids). */
  tokens: string[][];
  /** Per text: how many ids are the unknown token. */
  unknown: number[];
}

type Json = Record<string, unknown>;

function tokenString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as Json).content === 'string') return (v as Json).content as string;
  return null;
}

/** Pad id: tokenizer_config pad_token, else tokenizer.json padding.pad_id, else 0. */
export function padIdOf(tok: Tokenizer, tokenizerJson: Json, tokenizerConfig: Json): number {
  const name = tokenString(tokenizerConfig.pad_token);
  if (name !== null) {
    const id = tok.token_to_id(name);
    if (id !== undefined) return id;
  }
  const padding = tokenizerJson.padding as Json | null | undefined;
  if (padding && typeof padding.pad_id === 'number') return padding.pad_id;
  return 0;
}

/** Id of the unknown token: tokenizer_config unk_token, else the model's unk_token, else null. */
export function unkIdOf(tok: Tokenizer, tokenizerJson: Json, tokenizerConfig: Json): number | null {
  const name = tokenString(tokenizerConfig.unk_token) ?? tokenString((tokenizerJson.model as Json | undefined)?.unk_token);
  return name === null ? null : (tok.token_to_id(name) ?? null);
}

export class TextTokenizer {
  constructor(
    readonly tokenizer: Tokenizer,
    readonly spec: TextSpec,
    readonly unkId: number | null = null,
  ) {}

  /** Ids of one text with special tokens, truncated to maxLength keeping the special tokens the post-processor adds. */
  encodeOne(text: string): number[] {
    const ids = this.tokenizer.encode(text).ids;
    const max = this.spec.maxLength;
    if (max === null || ids.length <= max) return ids;
    const pp = this.tokenizer.post_processor;
    const tokens = this.tokenizer.tokenize(text, { add_special_tokens: false });
    const specials = ids.length - tokens.length;
    if (!pp || specials <= 0 || specials >= max) return ids.slice(0, max);
    // Truncate the content, then add the special tokens again (what Hugging Face truncation does).
    const out = pp(tokens.slice(0, max - specials)).tokens.map((t) => this.tokenizer.token_to_id(t) ?? this.spec.padId);
    return out.slice(0, max);
  }

  tokenize(texts: readonly string[]): TokenBatch {
    const ids = texts.map((t) => this.encodeOne(t));
    const length = this.spec.fixedLength ?? Math.max(1, ...ids.map((r) => r.length));
    const padded = new Array<number>(ids.length * length).fill(this.spec.padId);
    const mask = new Array<number>(ids.length * length).fill(0);
    ids.forEach((row, r) => {
      for (let j = 0; j < Math.min(row.length, length); j++) {
        padded[r * length + j] = row[j];
        mask[r * length + j] = 1;
      }
    });
    const tokens = ids.map((row) => row.map((id) => this.tokenizer.id_to_token(id) ?? ''));
    const unknown = ids.map((row) => (this.unkId === null ? 0 : row.filter((id) => id === this.unkId).length));
    return { ids, length, padded, mask, tokens, unknown };
  }
}
