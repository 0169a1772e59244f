// Greedy captioning of VisionEncoderDecoder folders with the decoder split at load time (onnx/crossSplit.ts): the
// cross-attention keys and values are computed once per caption (the cross graph), then each token is one run of the
// step graph. Same token ids as transformers.js's generate() (the same logits, the same processors: min length,
// min new tokens; the same first-max argmax). Folders it cannot serve keep the transformers.js path (a reason says why).
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { AppError } from '../../../../shared/errors';
import { splitCrossAttention } from '../../onnx/crossSplit';
import { decodeModel, encodeModel, graphOf, onnx, type ModelProto, type ValueInfoProto } from '../../onnx/onnxProto';
import { ort } from '../../onnx/ort';
import type { CaptionOptions } from './roles';

const ENCODER_INPUT = 'encoder_hidden_states';
const PAST = 'past_key_values.';

/** The merged generation config fields that add logits processors our loop does not have. */
const UNSUPPORTED: [string, (v: unknown) => boolean][] = [
  ['repetition_penalty', (v) => v !== null && v !== undefined && v !== 1],
  ['no_repeat_ngram_size', (v) => typeof v === 'number' && v > 0],
  ['bad_words_ids', (v) => v !== null && v !== undefined],
  ['forced_bos_token_id', (v) => v !== null && v !== undefined],
  ['forced_eos_token_id', (v) => v !== null && v !== undefined],
  ['suppress_tokens', (v) => v !== null && v !== undefined],
  ['begin_suppress_tokens', (v) => v !== null && v !== undefined],
  ['guidance_scale', (v) => typeof v === 'number' && v > 1],
];

/** Encoder states [B, S, D], float32. */
export interface States {
  data: Float32Array;
  dims: number[];
}

export interface CrossKvDecoder {
  /** Greedy ids per row of the encoder states, each cut after its first EOS (inclusive). */
  greedy(states: States, o: CaptionOptions, signal: AbortSignal): Promise<number[][]>;
  /** Logits [B, t, V] of whole prefixes `ids` ([B, t]), no cache (beam search): one step run with an empty past. */
  prefixLogits(states: States, ids: BigInt64Array, t: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export interface GenerationIds {
  start: number;
  eos: Set<number>;
  /** generation_config.min_length (counts the start token, as transformers.js does); 0 when unset. */
  minLength: number;
}

/** The reason a merged generation config needs transformers.js's processors, or null. */
export function unsupportedGeneration(gen: Record<string, unknown>): string | null {
  const bad = UNSUPPORTED.filter(([k, test]) => test(gen[k])).map(([k]) => `${k} ${JSON.stringify(gen[k])}`);
  return bad.length ? `the generation config sets ${bad.join(', ')}` : null;
}

const dimsOf = (v: ValueInfoProto) => (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimValue ? Number(d.dimValue) : null));

/**
 * A session for `model` whose large weights onnxruntime reads from `file` itself (external data at their offsets in
 * it, resolved in the file's folder): an in-memory copy of the split graphs would put the decoder's bytes in memory a
 * third time while loading (the file, the copy, onnxruntime's parse). `bytes` is the file as read, which the decoded
 * weights are views of; a weight that is not (or is small) stays in the graph.
 */
async function sessionReadingWeightsFrom(
  model: ModelProto,
  bytes: Buffer,
  file: string,
  opts: ort.InferenceSession.SessionOptions,
): Promise<ort.InferenceSession> {
  const g = graphOf(model);
  const initializer = g.initializer.map((w) => {
    const raw = w.rawData;
    if (!raw || raw.length < 4096 || raw.buffer !== bytes.buffer) return w;
    const externalData = [
      { key: 'location', value: basename(file) },
      { key: 'offset', value: String(raw.byteOffset - bytes.byteOffset) },
      { key: 'length', value: String(raw.length) },
    ];
    return { ...w, rawData: undefined, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData };
  });
  const extra = (opts.extra ?? {}) as { session?: Record<string, unknown> };
  return ort.InferenceSession.create(encodeModel({ ...model, graph: { ...g, initializer } }), {
    ...opts,
    extra: { ...extra, session: { ...extra.session, model_external_initializers_file_folder_path: dirname(resolve(file)) } },
  });
}

/**
 * Split `decoderFile` and open its two sessions, or say why not (the caller keeps transformers.js). The step graph
 * must take only input_ids, the past keys/values (float32, static heads and head size) and the cross tensors.
 */
export async function loadCrossKvDecoder(
  decoderFile: string,
  ids: GenerationIds,
  sessionOptions: ort.InferenceSession.SessionOptions,
): Promise<CrossKvDecoder | { reason: string }> {
  const bytes = readFileSync(decoderFile);
  const split = splitCrossAttention(decodeModel(bytes));
  if (!split.ok) return { reason: split.reason };
  const inputs = graphOf(split.step).input;
  const past = inputs.filter((i) => i.name?.startsWith(PAST));
  const fed = new Set(['input_ids', ENCODER_INPUT, ...split.frontier]);
  const other = inputs.filter((i) => !fed.has(i.name ?? '') && !past.includes(i));
  if (other.length) return { reason: `the decoder's step takes inputs this loop does not feed: ${other.map((i) => i.name).join(', ')}` };
  if (!past.length) return { reason: 'the decoder takes no past_key_values (no KV cache to decode one token at a time)' };
  const pastShapes = past.map((p) => ({ name: p.name ?? '', dims: dimsOf(p), type: p.type?.tensorType?.elemType }));
  const odd = pastShapes.find((p) => p.type !== 1 || p.dims.length !== 4 || !p.dims[1] || !p.dims[3]);
  if (odd) return { reason: `${odd.name} is not a float32 [batch, heads, past, head size] input with static heads and head size` };
  const outputs = graphOf(split.step).output.map((o) => o.name ?? '');
  const presentOf = (p: string) => `present.${p.slice(PAST.length)}`;
  const missing = ['logits', ...past.map((p) => presentOf(p.name ?? ''))].filter((o) => !outputs.includes(o));
  if (missing.length) return { reason: `the decoder has no output ${missing.join(', ')}` };
  const readsStates = inputs.some((i) => i.name === ENCODER_INPUT);
  const opts = { ...sessionOptions, logSeverityLevel: 3 as const };
  const hidden = dimsOf(graphOf(split.cross).input.find((i) => i.name === ENCODER_INPUT) ?? {})[2];
  if (!hidden) return { reason: `${ENCODER_INPUT} has no static hidden size` };
  let cross: ort.InferenceSession | null = null;
  let step: ort.InferenceSession | null = null;

  async function crossFeeds(states: States): Promise<Record<string, ort.Tensor>> {
    const h = new ort.Tensor('float32', states.data, states.dims);
    const feeds: Record<string, ort.Tensor> = { ...(await cross!.run({ [ENCODER_INPUT]: h })) };
    if (readsStates) feeds[ENCODER_INPUT] = h; // a step node reads the states directly
    return feeds;
  }
  const emptyPast = (B: number): Record<string, ort.Tensor> =>
    Object.fromEntries(pastShapes.map((p) => [p.name, new ort.Tensor('float32', new Float32Array(0), [B, p.dims[1]!, 0, p.dims[3]!])]));

  // Two trial steps (empty past, then a past of one token) on zero states: a split that loads but cannot run falls
  // back to transformers.js here, at load, rather than failing the first caption.
  try {
    cross = await sessionReadingWeightsFrom(split.cross, bytes, decoderFile, opts);
    step = await sessionReadingWeightsFrom(split.step, bytes, decoderFile, opts);
    const fixed = await crossFeeds({ data: new Float32Array(2 * hidden), dims: [1, 2, hidden] });
    const token = new ort.Tensor('int64', BigInt64Array.from([BigInt(ids.start)]), [1, 1]);
    let out = await step.run({ input_ids: token, ...fixed, ...emptyPast(1) });
    out = await step.run({ input_ids: token, ...fixed, ...Object.fromEntries(pastShapes.map((p) => [p.name, out[presentOf(p.name)]])) });
    const dims = out.logits.dims;
    if (dims.length !== 3 || dims[0] !== 1 || dims[1] !== 1) throw new Error(`logits of shape [${dims.join(', ')}] for one token`);
  } catch (e) {
    await Promise.all([cross?.release(), step?.release()]);
    return { reason: `the split decoder failed a trial step: ${(e as Error).message.split('\n')[0]}` };
  }

  return {
    async greedy(states, o, signal) {
      const B = states.dims[0];
      const fixed = await crossFeeds(states);
      let pastFeeds = emptyPast(B);
      const rows: number[][] = Array.from({ length: B }, () => []);
      const done = new Array<boolean>(B).fill(false);
      let last = new BigInt64Array(B).fill(BigInt(ids.start));
      for (let s = 0; s < o.maxNewTokens; s++) {
        if (signal.aborted) throw new AppError('cancelled', 'Captioning was cancelled.');
        const out = await step!.run({ input_ids: new ort.Tensor('int64', last, [B, 1]), ...fixed, ...pastFeeds });
        const logits = out.logits.data as Float32Array;
        const v = logits.length / B;
        // transformers.js: MinNewTokensLengthLogitsProcessor and MinLengthLogitsProcessor (length with the start token).
        const banEos = s < o.minNewTokens || 1 + s < ids.minLength;
        last = new BigInt64Array(B);
        for (let r = 0; r < B; r++) {
          const row = logits.subarray(r * v, (r + 1) * v);
          if (banEos) for (const e of ids.eos) row[e] = -Infinity;
          let best = 0;
          for (let j = 1; j < v; j++) if (row[j] > row[best]) best = j;
          last[r] = BigInt(best);
          if (!done[r]) rows[r].push(best);
          done[r] ||= ids.eos.has(best);
        }
        if (done.every(Boolean)) break;
        pastFeeds = Object.fromEntries(pastShapes.map((p) => [p.name, out[presentOf(p.name)]]));
      }
      return rows;
    },
    async prefixLogits(states, ids, t) {
      const B = states.dims[0];
      const out = await step!.run({ input_ids: new ort.Tensor('int64', ids, [B, t]), ...(await crossFeeds(states)), ...emptyPast(B) });
      return out.logits.data as Float32Array;
    },
    async dispose() {
      await Promise.all([cross!.release(), step!.release()]);
    },
  };
}
