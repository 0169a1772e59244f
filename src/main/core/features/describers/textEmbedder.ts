// The text_embedder role: a sentence-embedding model in a local folder (a transformers.js feature-extraction export,
// e.g. all-mpnet-base-v2 or the fixture in resources/fixtures/describers/text_embedder/), run by transformers.js
// AutoModel + AutoTokenizer. The sentence vector is pooled as the folder's sentence-transformers files say (mean over
// the attention mask unless 1_Pooling/config.json says CLS) and always L2-normalised. Used by final-layer label
// similarity (compare.labelSimilarity).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../../../../shared/errors';
import type { InspectedModel, LoadOptions, TextEmbedder } from './roles';
import { checkOnnxFile, invalid, readJsonObject, tjSessionOptions, transformersJs, type Json, type Tj } from './transformersJs';

const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;
const MODEL = 'onnx/model.onnx';
const MODULES = 'modules.json';
const OPTIONAL = ['special_tokens_map.json', 'vocab.txt', 'sentence_bert_config.json'];
/** Encoder-only model types transformers.js runs as AutoModel with last_hidden_state. */
const KNOWN = new Set([
  'bert',
  'mpnet',
  'roberta',
  'xlm-roberta',
  'distilbert',
  'albert',
  'electra',
  'deberta',
  'deberta-v2',
  'nomic_bert',
]);
/** Texts per forward pass (padded to the longest of the batch). */
const BATCH = 64;

type Pooling = 'mean' | 'cls';

/** Pooling and normalisation from sentence-transformers' modules.json + <pooling>/config.json; mean without them. */
function poolingOf(folder: string): { pooling: Pooling; pooledBy: string; normalizeModule: boolean; extra: string[] } {
  if (!existsSync(resolve(folder, MODULES))) return { pooling: 'mean', pooledBy: 'default', normalizeModule: false, extra: [] };
  const modules = readJsonObject(folder, MODULES) as unknown;
  if (!Array.isArray(modules))
    throw invalid(resolve(folder, MODULES), `${MODULES} is not a list of modules: restore it from the sentence-transformers export.`);
  const types = (modules as Json[]).map((m) => ({ type: String(m.type ?? ''), path: String(m.path ?? '') }));
  const normalizeModule = types.some((m) => m.type.endsWith('.Normalize'));
  const pool = types.find((m) => m.type.endsWith('.Pooling'));
  if (!pool) return { pooling: 'mean', pooledBy: 'default', normalizeModule, extra: [MODULES] };
  const name = `${pool.path}/config.json`;
  if (!existsSync(resolve(folder, name)))
    throw invalid(
      resolve(folder, name),
      `${name} is missing in ${folder}: ${MODULES} names a Pooling module there. Copy it from the export.`,
    );
  const cfg = readJsonObject(folder, name);
  const mode =
    cfg.pooling_mode_cls_token === true
      ? 'cls'
      : cfg.pooling_mode_mean_tokens === true
        ? 'mean'
        : cfg.pooling_mode
          ? String(cfg.pooling_mode)
          : '';
  if (mode !== 'mean' && mode !== 'cls')
    throw invalid(
      resolve(folder, name),
      `${name} asks for pooling '${mode || Object.keys(cfg).find((k) => k.startsWith('pooling_mode') && cfg[k] === true) || '(none)'}': this runtime pools by mean or CLS token only.`,
    );
  return { pooling: mode, pooledBy: name, normalizeModule, extra: [MODULES, name] };
}

/** Validate a sentence-embedding folder; `files` are what the library hashes. */
export async function inspectTextEmbedderFolder(path: string): Promise<InspectedModel> {
  const folder = resolve(path);
  if (!existsSync(folder))
    throw invalid(folder, `${folder} does not exist: choose the folder of a transformers.js feature-extraction export.`);
  if (!statSync(folder).isDirectory())
    throw invalid(
      folder,
      `${folder} is a file: a text embedder is a folder with config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx (a transformers.js feature-extraction export, e.g. of all-mpnet-base-v2).`,
    );
  for (const name of REQUIRED)
    if (!existsSync(resolve(folder, name)))
      throw invalid(
        resolve(folder, name),
        `${name} is missing in ${folder}: a text embedder needs config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx (transformers.js feature-extraction export).`,
      );
  const config = readJsonObject(folder, 'config.json');
  const modelType = String(config.model_type ?? '');
  if (!KNOWN.has(modelType))
    throw invalid(
      resolve(folder, 'config.json'),
      `config.json says model_type '${modelType || '(none)'}', not a text encoder this runtime knows: expected one of ${[...KNOWN].join(', ')} (e.g. an all-mpnet-base-v2 export).`,
    );
  const tokenizer = readJsonObject(folder, 'tokenizer.json');
  const tokenizerConfig = readJsonObject(folder, 'tokenizer_config.json');
  if (!existsSync(resolve(folder, MODEL)))
    throw invalid(
      resolve(folder, MODEL),
      `${MODEL} is missing in ${folder}: export the model with optimum (task feature-extraction) or copy the onnx/ folder of its transformers.js export.`,
    );
  const bytes = checkOnnxFile(folder, MODEL);
  const pool = poolingOf(folder);
  const vocab = ((tokenizer.model ?? {}) as Json).vocab;
  const files = [...REQUIRED, MODEL, ...pool.extra, ...OPTIONAL.filter((f) => existsSync(resolve(folder, f)))].sort();
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    format: 'transformers',
    files,
    details: {
      model_type: modelType,
      layers: num(config.num_hidden_layers),
      width: num(config.hidden_size),
      vocab_size: num(config.vocab_size) || (vocab && typeof vocab === 'object' ? Object.keys(vocab).length : 0),
      max_tokens: maxTokensOf(folder, config, tokenizerConfig),
      pooling: pool.pooling,
      pooling_from: pool.pooledBy,
      normalize_module: pool.normalizeModule,
      model_mb: Math.round(bytes / 1e4) / 100,
    },
  };
}

/**
 * Tokens a text is cut to: the smallest of sentence-transformers' max_seq_length, the tokenizer's model_max_length
 * (when it is a real number, not the 1e30 placeholder) and the position table (RoBERTa-style models, mpnet included,
 * keep 2 positions for the padding offset); labels and class names are far shorter.
 */
function maxTokensOf(folder: string, config: Json, tokenizerConfig: Json): number {
  const offset = ['roberta', 'xlm-roberta', 'mpnet'].includes(String(config.model_type)) ? 2 : 0;
  const st = existsSync(resolve(folder, 'sentence_bert_config.json'))
    ? readJsonObject(folder, 'sentence_bert_config.json').max_seq_length
    : undefined;
  const limits = [
    st,
    tokenizerConfig.model_max_length,
    typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings - offset : undefined,
  ];
  const ok = limits.filter((v): v is number => typeof v === 'number' && v > 2 && v < 1e6);
  return ok.length ? Math.min(...ok) : 512;
}

interface TjTensor {
  dims: number[];
  data: ArrayLike<number | bigint>;
}

/**
 * Token ids of texts, cut to `max` as Hugging Face's Python tokenizers (and so sentence-transformers) cut them: the
 * start token, the first max - 2 pieces and the end token. (transformers.js 4 cuts after adding the special tokens and
 * drops the end token, and clamps any longer limit to model_max_length, so it is not asked to cut.)
 */
export function cutIds(ids: readonly number[], max: number): number[] {
  return ids.length <= max ? [...ids] : [...ids.slice(0, max - 1), ids[ids.length - 1]];
}

/** Load a text embedder folder (inspected first, so a bad folder fails with the same coded error as describer.add). */
export async function loadTextEmbedder(path: string, opts: LoadOptions): Promise<TextEmbedder> {
  const inspected = await inspectTextEmbedderFolder(path);
  const folder = resolve(path);
  const pooling = inspected.details.pooling as Pooling;
  const maxTokens = Number(inspected.details.max_tokens) || 512;
  const tj = await transformersJs();
  const common = { local_files_only: true };
  let model: Awaited<ReturnType<Tj['AutoModel']['from_pretrained']>>;
  let tokenizer: Awaited<ReturnType<Tj['AutoTokenizer']['from_pretrained']>>;
  try {
    // The absolute path as the model id: transformers.js reads it as a local folder as is.
    [model, tokenizer] = await Promise.all([
      tj.AutoModel.from_pretrained(folder, { ...common, dtype: 'fp32', device: 'cpu', session_options: tjSessionOptions(opts.threads) }),
      tj.AutoTokenizer.from_pretrained(folder, common),
    ]);
  } catch (e) {
    throw invalid(
      folder,
      `transformers.js could not load ${folder}: ${(e as Error).message}. Check that it is an unmodified feature-extraction export.`,
    );
  }
  opts.onProgress?.(1);
  const dim = Number(inspected.details.width);
  const withTypes = 'token_type_ids' in (tokenizer('a') as object);
  const padId = Number((tokenizer as unknown as { pad_token_id?: number }).pad_token_id ?? 0);
  return {
    dim,
    async embed(texts, signal) {
      const out = new Float32Array(texts.length * dim);
      for (let i = 0; i < texts.length; i += BATCH) {
        if (signal.aborted) throw new AppError('cancelled', 'Embedding texts was cancelled.');
        const chunk = texts.slice(i, i + BATCH);
        const ids = chunk.map((t) => cutIds(tokenizer.encode(t), maxTokens));
        const L = Math.max(...ids.map((x) => x.length));
        const idData = new BigInt64Array(chunk.length * L).fill(BigInt(padId));
        const maskData = new BigInt64Array(chunk.length * L);
        ids.forEach((row, b) => row.forEach((v, t) => ((idData[b * L + t] = BigInt(v)), (maskData[b * L + t] = 1n))));
        const inputs: Record<string, TjTensor> = {
          input_ids: new tj.Tensor('int64', idData, [chunk.length, L]),
          attention_mask: new tj.Tensor('int64', maskData, [chunk.length, L]),
          // One sentence: segment 0 everywhere, for models whose tokenizer gives token types (BERT).
          ...(withTypes ? { token_type_ids: new tj.Tensor('int64', new BigInt64Array(chunk.length * L), [chunk.length, L]) } : {}),
        };
        const { last_hidden_state: h } = (await model(inputs)) as { last_hidden_state?: TjTensor };
        if (!h || h.dims.length !== 3 || h.dims[2] !== dim)
          throw invalid(folder, `${MODEL} did not return last_hidden_state [batch, tokens, ${dim}]: re-export it for feature-extraction.`);
        if (h.dims[1] !== L) throw invalid(folder, `${MODEL} returned ${h.dims[1]} token positions for ${L} tokens.`);
        const mask = maskData;
        const data = h.data as Float32Array;
        chunk.forEach((_, b) => {
          const v = new Float64Array(dim);
          if (pooling === 'cls') for (let d = 0; d < dim; d++) v[d] = data[b * L * dim + d];
          else {
            let n = 0;
            for (let t = 0; t < L; t++) {
              if (!Number(mask[b * L + t])) continue;
              n++;
              for (let d = 0; d < dim; d++) v[d] += data[(b * L + t) * dim + d];
            }
            for (let d = 0; d < dim; d++) v[d] /= Math.max(n, 1e-9);
          }
          let norm = 0;
          for (let d = 0; d < dim; d++) norm += v[d] * v[d];
          norm = Math.sqrt(norm) || 1;
          for (let d = 0; d < dim; d++) out[(i + b) * dim + d] = v[d] / norm;
        });
      }
      return out;
    },
    async dispose() {
      await model.dispose();
    },
  };
}
