// The captioner role: an image-to-text model in a local folder, run by transformers.js (@huggingface/transformers)
// on our onnxruntime-node. Supported: VisionEncoderDecoder exports (vit-gpt2 captioners and the like) in the
// transformers.js / optimum layout with a merged decoder, and Florence-2 exports (onnx-community layout: vision
// encoder, token embeddings, encoder, merged decoder; a task prompt such as '<CAPTION>') and SmolVLM / Idefics3 exports
// (HuggingFaceTB layout: vision encoder, token embeddings, merged LLaMA decoder; a chat prompt with the image and an
// instruction). BLIP is not in transformers.js at all. VisionEncoderDecoder folders whose decoder splits
// (crossKvGreedy.ts) run on our own sessions, with transformers.js for the tokenizer and image processor only.
// See docs/captioner.md.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../../../../shared/errors';
import type { Caption, CaptionOptions, Captioner, ImagePixels, InspectedModel, LoadOptions } from './roles';
import { ort } from '../../onnx/ort';
import { loadCrossKvDecoder, unsupportedGeneration, type CrossKvDecoder, type States } from './crossKvGreedy';
import { checkOnnxFile, invalid, readJsonObject, tjSessionOptions, transformersJs, type Json, type Tj } from './transformersJs';

const REQUIRED_JSON = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'preprocessor_config.json'] as const;
const ENCODER = 'onnx/encoder_model.onnx';
const MERGED = 'onnx/decoder_model_merged.onnx';
const SPLIT = ['onnx/decoder_model.onnx', 'onnx/decoder_with_past_model.onnx'];
const OPTIONAL = ['generation_config.json', 'special_tokens_map.json', 'vocab.json', 'merges.txt'];
/** Florence-2 (onnx-community/Florence-2-base-ft layout): the four sessions Florence2ForConditionalGeneration opens. */
const FLORENCE_ONNX = ['onnx/vision_encoder.onnx', 'onnx/embed_tokens.onnx', 'onnx/encoder_model.onnx', MERGED];
const FLORENCE_EXAMPLE = 'onnx-community/Florence-2-base-ft';
/** The Florence-2 task prompts that answer with a caption (pure text); '<CAPTION>' is the default. */
export const FLORENCE_CAPTION_TASKS = ['<CAPTION>', '<DETAILED_CAPTION>', '<MORE_DETAILED_CAPTION>'] as const;
export type FlorenceCaptionTask = (typeof FLORENCE_CAPTION_TASKS)[number];
/** SmolVLM / Idefics3 (HuggingFaceTB/SmolVLM-256M-Instruct layout): the three sessions Idefics3ForConditionalGeneration opens. */
const SMOLVLM_ONNX = ['onnx/vision_encoder.onnx', 'onnx/embed_tokens.onnx', MERGED];
const SMOLVLM_JSON = [...REQUIRED_JSON, 'processor_config.json'] as const;
const SMOLVLM_OPTIONAL = [...OPTIONAL, 'chat_template.json', 'added_tokens.json'];
const SMOLVLM_EXAMPLE = 'HuggingFaceTB/SmolVLM-256M-Instruct';
const SMOLVLM_PROCESSORS = ['Idefics3Processor', 'SmolVLMProcessor'];
/** Added tokens Idefics3Processor writes around an image (also <global-img> and <row_r_col_c>, not checked: plain text if absent). */
const SMOLVLM_TOKENS = ['<image>', '<fake_token_around_image>'];
/** The instruction a SmolVLM captioner gets with the image when the caption options name no task (or '<CAPTION>'). */
export const SMOLVLM_DEFAULT_INSTRUCTION = 'Describe this image in a few words.';
/** The Florence-2 caption tasks as SmolVLM instructions (the fixture is trained on the first two). */
export const SMOLVLM_TASK_INSTRUCTIONS: Record<string, string> = {
  '<CAPTION>': SMOLVLM_DEFAULT_INSTRUCTION,
  '<DETAILED_CAPTION>': 'What is in this image? Answer in detail.',
  '<MORE_DETAILED_CAPTION>': 'Describe this image in detail, in a few sentences.',
};
const isSmolVLM = (t: unknown) => t === 'smolvlm' || t === 'idefics3';
/** Caption options with the Florence-2 task prompt (roles.ts CaptionOptions carries it; kept as a name for callers). */
export type TaskCaptionOptions = CaptionOptions;

/**
 * Decoding options a captioner of this kind (its inspected details) cannot honour, refused as bad_input: jobs call it
 * before a job row exists, the runtime again on every call. Florence-2: greedy only, a task its folder has a prompt for;
 * SmolVLM: greedy only, a task that maps to an instruction (smolvlmInstruction); VisionEncoderDecoder: no task but '<CAPTION>'.
 */
export function checkCaptionOptions(details: Record<string, string | number | boolean>, o: CaptionOptions): void {
  if (isSmolVLM(details.model_type)) {
    if (o.numBeams !== 1)
      throw new AppError(
        'bad_input',
        `numBeams ${o.numBeams}: beam search is not available for SmolVLM captioners (only greedy decoding is); use numBeams 1.`,
      );
    smolvlmInstruction(o.task);
  } else if (details.model_type === 'florence2') {
    if (o.numBeams !== 1)
      throw new AppError(
        'bad_input',
        `numBeams ${o.numBeams}: beam search is not available for Florence-2 captioners (only greedy decoding is); use numBeams 1.`,
      );
    const tasks = String(details.tasks ?? '<CAPTION>').split(' ');
    if (o.task !== undefined && !tasks.includes(o.task))
      throw new AppError(
        'bad_input',
        `task '${o.task}' is not a caption task of this Florence-2 captioner: use one of ${tasks.join(', ')}.`,
      );
  } else if (o.task !== undefined && o.task !== '<CAPTION>')
    throw new AppError(
      'bad_input',
      `task '${o.task}': task prompts are for Florence-2 and SmolVLM captioners; this one (${String(details.model_type ?? 'VisionEncoderDecoder')}) takes none.`,
    );
}

/**
 * The instruction a SmolVLM captioner sends for a task: none or '<CAPTION>' -> the default; the other Florence-2
 * caption tasks (what the caption contract can name) -> a matching instruction; any other text is the instruction itself.
 */
export function smolvlmInstruction(task: string | undefined): string {
  if (task === undefined) return SMOLVLM_DEFAULT_INSTRUCTION;
  const mapped = SMOLVLM_TASK_INSTRUCTIONS[task];
  if (mapped) return mapped;
  const t = task.trim();
  if (!t || t.length > 500 || t.includes('<image>') || /^<[A-Z_]+>$/.test(t))
    throw new AppError(
      'bad_input',
      `task '${task.slice(0, 80)}': a SmolVLM captioner takes ${Object.keys(SMOLVLM_TASK_INSTRUCTIONS).join(', ')} or a plain instruction (1 to 500 characters, no '<image>'), e.g. '${SMOLVLM_DEFAULT_INSTRUCTION}'.`,
    );
  return t;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Validate a transformers.js image-to-text folder; `files` are what the library hashes. */
export async function inspectCaptionerFolder(path: string): Promise<InspectedModel> {
  const folder = resolve(path);
  if (!existsSync(folder)) throw invalid(folder, `${folder} does not exist: choose the folder of a transformers.js image-to-text export.`);
  if (!statSync(folder).isDirectory())
    throw invalid(
      folder,
      `${folder} is a file: a captioner is a folder with config.json, tokenizer.json and onnx/*.onnx (a transformers.js export).`,
    );
  if (!existsSync(resolve(folder, 'config.json')))
    throw invalid(
      resolve(folder, 'config.json'),
      `config.json is missing in ${folder}: choose the folder of a transformers.js image-to-text export (config.json, tokenizer.json, onnx/encoder_model.onnx, onnx/decoder_model_merged.onnx).`,
    );
  const config = readJsonObject(folder, 'config.json');
  const modelType = String(config.model_type ?? '');
  if (modelType === 'blip' || modelType === 'blip-2' || modelType === 'blip_2')
    throw invalid(
      resolve(folder, 'config.json'),
      `config.json says model_type '${modelType}': BLIP captioners are not supported by transformers.js. Use a VisionEncoderDecoder export instead, e.g. nlpconnect/vit-gpt2-image-captioning (Xenova/vit-gpt2-image-captioning has the ONNX files), the closest supported choice.`,
    );
  if (isSmolVLM(modelType)) return inspectSmolVLM(folder, config, modelType);
  if (modelType === 'florence2') return inspectFlorence(folder, config);
  if (modelType !== 'vision-encoder-decoder')
    throw invalid(
      resolve(folder, 'config.json'),
      `config.json says model_type '${modelType || '(none)'}', not an image-to-text model this runtime knows: expected 'vision-encoder-decoder' (e.g. Xenova/vit-gpt2-image-captioning), 'florence2' (e.g. ${FLORENCE_EXAMPLE}) or 'idefics3' / 'smolvlm' (e.g. ${SMOLVLM_EXAMPLE}).`,
    );
  for (const name of REQUIRED_JSON.slice(1)) {
    if (!existsSync(resolve(folder, name)))
      throw invalid(resolve(folder, name), `${name} is missing in ${folder}: copy it from the model's export (transformers.js needs it).`);
  }
  const tokenizer = readJsonObject(folder, 'tokenizer.json');
  readJsonObject(folder, 'tokenizer_config.json');
  const pre = readJsonObject(folder, 'preprocessor_config.json');
  if (!existsSync(resolve(folder, ENCODER)))
    throw invalid(
      resolve(folder, ENCODER),
      `${ENCODER} is missing in ${folder}: export the model with optimum (task image-to-text) or copy it.`,
    );
  if (!existsSync(resolve(folder, MERGED))) {
    const split = SPLIT.every((f) => existsSync(resolve(folder, f)));
    throw invalid(
      resolve(folder, MERGED),
      split
        ? `${MERGED} is missing: the folder has the split decoder (${SPLIT.join(', ')}), which transformers.js 4 no longer loads. Export with optimum's default (merged decoder) or download the onnx/ folder of Xenova/vit-gpt2-image-captioning.`
        : `${MERGED} is missing in ${folder}: export the model with optimum (task image-to-text-with-past) or copy it.`,
    );
  }
  const encoderBytes = checkOnnxFile(folder, ENCODER);
  const decoderBytes = checkOnnxFile(folder, MERGED);
  const enc = (config.encoder ?? {}) as Json;
  const dec = (config.decoder ?? {}) as Json;
  const vocab = ((tokenizer.model ?? {}) as Json).vocab;
  const size = pre.size as Json | number | undefined;
  const files = [...REQUIRED_JSON, ENCODER, MERGED, ...OPTIONAL.filter((f) => existsSync(resolve(folder, f)))].sort();
  const details: Record<string, string | number | boolean> = {
    model_type: modelType,
    encoder: String(enc.model_type ?? '?'),
    decoder: String(dec.model_type ?? '?'),
    encoder_layers: num(enc.num_hidden_layers) ?? 0,
    encoder_width: num(enc.hidden_size) ?? 0,
    decoder_layers: num(dec.n_layer ?? dec.num_hidden_layers) ?? 0,
    decoder_width: num(dec.n_embd ?? dec.hidden_size) ?? 0,
    vocab_size: num(dec.vocab_size) ?? (vocab && typeof vocab === 'object' ? Object.keys(vocab).length : 0),
    image_size: typeof size === 'number' ? size : (num(size?.height) ?? num(size?.shortest_edge) ?? 0),
    encoder_mb: Math.round(encoderBytes / 1e4) / 100,
    decoder_mb: Math.round(decoderBytes / 1e4) / 100,
  };
  return { format: 'transformers', files, details };
}

/** A missing ONNX file of a Florence-2 or SmolVLM folder, named with what is there instead (split decoder, quantised copies only). */
function missingFlorenceOnnx(folder: string, name: string, kind = 'Florence-2', example = FLORENCE_EXAMPLE, all = FLORENCE_ONNX): AppError {
  const file = resolve(folder, name);
  if (name === MERGED && SPLIT.every((f) => existsSync(resolve(folder, f))))
    return invalid(
      file,
      `${MERGED} is missing: the folder has the split decoder (${SPLIT.join(', ')}), which transformers.js 4 does not load. Download onnx/decoder_model_merged.onnx of ${example}.`,
    );
  const base = name.slice('onnx/'.length, -'.onnx'.length);
  let variants: string[] = [];
  try {
    variants = readdirSync(resolve(folder, 'onnx')).filter((f) => f.startsWith(`${base}_`) && f.endsWith('.onnx'));
  } catch {
    // no onnx/ folder at all
  }
  return invalid(
    file,
    variants.length
      ? `${name} is missing in ${folder}: only ${variants.map((v) => `onnx/${v}`).join(', ')} (quantised or half-precision copies) are there, and this runtime loads the float32 file. Download ${name} of ${example} too.`
      : `${name} is missing in ${folder}: a ${kind} export has ${all.join(', ')}; copy it from the model's export (e.g. ${example}).`,
  );
}

/** Validate a Florence-2 folder: the files Florence2ForConditionalGeneration and Florence2Processor read. */
function inspectFlorence(folder: string, config: Json): InspectedModel {
  for (const name of REQUIRED_JSON.slice(1)) {
    if (!existsSync(resolve(folder, name)))
      throw invalid(
        resolve(folder, name),
        `${name} is missing in ${folder}: copy it from the Florence-2 export (e.g. ${FLORENCE_EXAMPLE}); transformers.js needs it${name === 'preprocessor_config.json' ? ' (the image processor and the task prompts live there)' : ''}.`,
      );
  }
  const tokenizer = readJsonObject(folder, 'tokenizer.json');
  readJsonObject(folder, 'tokenizer_config.json');
  const pre = readJsonObject(folder, 'preprocessor_config.json');
  const preFile = resolve(folder, 'preprocessor_config.json');
  if (pre.processor_class !== 'Florence2Processor')
    throw invalid(
      preFile,
      `preprocessor_config.json has processor_class '${String(pre.processor_class ?? '(none)')}', not 'Florence2Processor': it is not a Florence-2 processor config (it holds the task prompts). Restore it from the model's export (e.g. ${FLORENCE_EXAMPLE}).`,
    );
  const prompts = (pre.task_prompts_without_inputs ?? {}) as Json;
  const tasks = FLORENCE_CAPTION_TASKS.filter((t) => typeof prompts[t] === 'string');
  if (!tasks.includes('<CAPTION>'))
    throw invalid(
      preFile,
      `preprocessor_config.json has no prompt for '<CAPTION>' in task_prompts_without_inputs: restore it from the model's export (e.g. ${FLORENCE_EXAMPLE}).`,
    );
  for (const name of FLORENCE_ONNX) if (!existsSync(resolve(folder, name))) throw missingFlorenceOnnx(folder, name);
  const bytes = FLORENCE_ONNX.map((name) => checkOnnxFile(folder, name));
  const text = (config.text_config ?? {}) as Json;
  const vocab = ((tokenizer.model ?? {}) as Json).vocab;
  const size = pre.size as Json | number | undefined;
  const files = [...REQUIRED_JSON, ...FLORENCE_ONNX, ...OPTIONAL.filter((f) => existsSync(resolve(folder, f)))].sort();
  const mb = (b: number) => Math.round(b / 1e4) / 100;
  const details: Record<string, string | number | boolean> = {
    model_type: 'florence2',
    tasks: tasks.join(' '),
    encoder_layers: num(text.encoder_layers) ?? 0,
    decoder_layers: num(text.decoder_layers) ?? 0,
    width: num(text.d_model) ?? 0,
    vocab_size: num(text.vocab_size) ?? num(config.vocab_size) ?? (vocab && typeof vocab === 'object' ? Object.keys(vocab).length : 0),
    image_size: typeof size === 'number' ? size : (num(size?.height) ?? num(size?.shortest_edge) ?? 0),
    image_tokens: num(pre.image_seq_length) ?? 0,
    vision_encoder_mb: mb(bytes[0]),
    embed_tokens_mb: mb(bytes[1]),
    encoder_mb: mb(bytes[2]),
    decoder_mb: mb(bytes[3]),
  };
  return { format: 'transformers', files, details };
}

/** The chat template of a SmolVLM folder: tokenizer_config.json's (where transformers.js reads it), else chat_template.json's. */
function smolvlmChatTemplate(folder: string, tokenizerConfig: Json): string | null {
  const t = tokenizerConfig.chat_template;
  if (typeof t === 'string' && t) return t;
  if (Array.isArray(t)) {
    const named = (t as Json[]).find((x) => x.name === 'default') ?? (t as Json[])[0];
    if (named && typeof named.template === 'string') return named.template;
  }
  if (existsSync(resolve(folder, 'chat_template.json'))) {
    const c = readJsonObject(folder, 'chat_template.json').chat_template;
    if (typeof c === 'string' && c) return c;
  }
  return null;
}

/** Validate a SmolVLM / Idefics3 folder: the files Idefics3ForConditionalGeneration and Idefics3Processor read. */
function inspectSmolVLM(folder: string, config: Json, modelType: string): InspectedModel {
  const kind = `SmolVLM (${modelType})`;
  for (const name of SMOLVLM_JSON.slice(1)) {
    if (!existsSync(resolve(folder, name)))
      throw invalid(
        resolve(folder, name),
        `${name} is missing in ${folder}: copy it from the ${kind} export (e.g. ${SMOLVLM_EXAMPLE}); transformers.js needs it${
          name === 'processor_config.json'
            ? ' (image_seq_len: how many <image> tokens an image becomes)'
            : name === 'preprocessor_config.json'
              ? ' (the image processor: size, max_image_size, image splitting)'
              : ''
        }.`,
      );
  }
  const configFile = resolve(folder, 'config.json');
  const imageToken = num(config.image_token_id) ?? num(config.image_token_index);
  if (imageToken === undefined)
    throw invalid(
      configFile,
      `config.json has no image_token_id: it is not a complete ${kind} config (the id of <image> is needed to place the image features). Restore it from the model's export (e.g. ${SMOLVLM_EXAMPLE}).`,
    );
  const text = (config.text_config ?? {}) as Json;
  if (!num(text.num_hidden_layers))
    throw invalid(
      configFile,
      `config.json has no text_config.num_hidden_layers: the decoder's cache cannot be set up. Restore config.json from the model's export (e.g. ${SMOLVLM_EXAMPLE}).`,
    );
  const tokenizer = readJsonObject(folder, 'tokenizer.json');
  const tokenizerConfig = readJsonObject(folder, 'tokenizer_config.json');
  const pre = readJsonObject(folder, 'preprocessor_config.json');
  const preFile = resolve(folder, 'preprocessor_config.json');
  if (!SMOLVLM_PROCESSORS.includes(String(pre.processor_class)))
    throw invalid(
      preFile,
      `preprocessor_config.json has processor_class '${String(pre.processor_class ?? '(none)')}', not ${SMOLVLM_PROCESSORS.map((p) => `'${p}'`).join(' or ')}: it is not a SmolVLM processor config. Restore it from the model's export (e.g. ${SMOLVLM_EXAMPLE}).`,
    );
  const maxImage = num((pre.max_image_size as Json | undefined)?.longest_edge);
  if (!maxImage)
    throw invalid(
      preFile,
      `preprocessor_config.json has no max_image_size.longest_edge (the side of the square frames the vision encoder sees): restore it from the model's export (e.g. ${SMOLVLM_EXAMPLE}).`,
    );
  const proc = readJsonObject(folder, 'processor_config.json');
  const seqLen = num(proc.image_seq_len);
  if (!seqLen || seqLen < 1)
    throw invalid(
      resolve(folder, 'processor_config.json'),
      `processor_config.json has no image_seq_len (how many <image> tokens a frame becomes): restore it from the model's export (e.g. ${SMOLVLM_EXAMPLE}).`,
    );
  const added = new Map(((tokenizer.added_tokens ?? []) as Json[]).map((t) => [String(t.content), num(t.id)]));
  const lacking = SMOLVLM_TOKENS.filter((t) => !added.has(t));
  if (lacking.length)
    throw invalid(
      resolve(folder, 'tokenizer.json'),
      `tokenizer.json has no ${lacking.join(', ')} token${lacking.length > 1 ? 's' : ''}: it is not a SmolVLM tokenizer (the processor writes these around the image). Restore it from the model's export (e.g. ${SMOLVLM_EXAMPLE}).`,
    );
  if (added.get('<image>') !== imageToken)
    throw invalid(
      configFile,
      `config.json says image_token_id ${imageToken}, but tokenizer.json gives <image> the id ${String(added.get('<image>'))}: the files come from different exports (the image features would have no place). Restore both from one export (e.g. ${SMOLVLM_EXAMPLE}).`,
    );
  if (!smolvlmChatTemplate(folder, tokenizerConfig))
    throw invalid(
      resolve(folder, 'tokenizer_config.json'),
      `tokenizer_config.json has no chat_template and there is no chat_template.json: the prompt (image + instruction) cannot be written. Copy tokenizer_config.json or chat_template.json from the model's export (e.g. ${SMOLVLM_EXAMPLE}).`,
    );
  for (const name of SMOLVLM_ONNX)
    if (!existsSync(resolve(folder, name))) throw missingFlorenceOnnx(folder, name, kind, SMOLVLM_EXAMPLE, SMOLVLM_ONNX);
  const bytes = SMOLVLM_ONNX.map((name) => checkOnnxFile(folder, name));
  const vocab = ((tokenizer.model ?? {}) as Json).vocab;
  const files = [...SMOLVLM_JSON, ...SMOLVLM_ONNX, ...SMOLVLM_OPTIONAL.filter((f) => existsSync(resolve(folder, f)))].sort();
  const mb = (b: number) => Math.round(b / 1e4) / 100;
  const details: Record<string, string | number | boolean> = {
    model_type: modelType,
    decoder: String(text.model_type ?? '?'),
    decoder_layers: num(text.num_hidden_layers) ?? 0,
    width: num(text.hidden_size) ?? 0,
    vocab_size: num(text.vocab_size) ?? num(config.vocab_size) ?? (vocab && typeof vocab === 'object' ? Object.keys(vocab).length : 0),
    image_size: maxImage,
    image_tokens: seqLen,
    image_splitting: pre.do_image_splitting !== false,
    vision_encoder_mb: mb(bytes[0]),
    embed_tokens_mb: mb(bytes[1]),
    decoder_mb: mb(bytes[2]),
  };
  return { format: 'transformers', files, details };
}

// ---- runtime -----------------------------------------------------------------------------------------------

/** The parts of transformers.js we use, typed narrowly (its own types are loose for dynamic models). */
interface TjTensor {
  dims: number[];
  data: ArrayLike<number | bigint>;
  tolist(): unknown[];
}
interface TjModel {
  generate(args: Record<string, unknown>): Promise<TjTensor>;
  forward(inputs: Record<string, unknown>): Promise<{ logits: TjTensor }>;
  _prepare_encoder_decoder_kwargs_for_generation(args: Record<string, unknown>): Promise<{ encoder_outputs: TjTensor }>;
  /** The generation config generate() uses: config.json (with its decoder's keys) merged with generation_config.json. */
  _prepare_generation_config(generationConfig: null, kwargs: null): Record<string, unknown>;
  generation_config: Record<string, unknown> | null;
  config: Record<string, unknown>;
  dispose(): Promise<unknown>;
}

/** The pixels as transformers.js's RawImage (checked first: a bad size or channel count is named). */
function rawImage(tj: Tj, img: ImagePixels): InstanceType<Tj['RawImage']> {
  checkImage(img);
  return new tj.RawImage(
    new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength),
    img.width,
    img.height,
    img.channels,
  );
}

/** Images per greedy generate() call; the signal is checked between these chunks and after every token. */
const GREEDY_BATCH = 8;

const cancelled = () => new AppError('cancelled', 'Captioning was cancelled.');

/** How a loaded captioner decodes greedily: 'cross-kv' (our loop on the split decoder) or 'transformers.js', and why not split. */
export interface CaptionerDecoding {
  greedy: 'cross-kv' | 'transformers.js';
  reason?: string;
}
const decodings = new WeakMap<Captioner, CaptionerDecoding>();
/** The greedy path a captioner from loadCaptioner takes (undefined for other objects). */
export function captionerDecoding(c: Captioner): CaptionerDecoding | undefined {
  return decodings.get(c);
}

/** Our own sessions for a VisionEncoderDecoder folder: its encoder and the split decoder (crossKvGreedy.ts). */
interface OwnSessions {
  encoder: ort.InferenceSession;
  decoder: CrossKvDecoder;
  start: number;
  eosIds: Set<number>;
}

/**
 * The generation config transformers.js's generate() would use (its _prepare_generation_config): config.json with its
 * decoder's keys on top, then generation_config.json.
 */
function generationConfig(tj: Tj, folder: string): Record<string, unknown> {
  const config: Json = { ...readJsonObject(folder, 'config.json') };
  for (const key of ['decoder', 'generator', 'text_config']) if (key in config) Object.assign(config, config[key]);
  const gen = new tj.GenerationConfig(config as never) as unknown as Record<string, unknown>;
  if (existsSync(resolve(folder, 'generation_config.json'))) Object.assign(gen, readJsonObject(folder, 'generation_config.json'));
  return gen;
}

/**
 * A VisionEncoderDecoder folder run on our own sessions (the encoder, the split decoder), or why its decoding stays
 * with transformers.js (NWB_CAPTIONER_SPLIT=0 forces that, for comparisons). Never fails a folder: any error becomes
 * a reason, and transformers.js then loads it (and names what is broken).
 */
async function ownSessions(
  tj: Tj,
  folder: string,
  sessionOptions: ReturnType<typeof tjSessionOptions>,
): Promise<OwnSessions | { reason: string }> {
  if (process.env.NWB_CAPTIONER_SPLIT === '0') return { reason: 'NWB_CAPTIONER_SPLIT=0' };
  let encoder: ort.InferenceSession | null = null;
  try {
    const gen = generationConfig(tj, folder);
    const unsupported = unsupportedGeneration(gen);
    if (unsupported) return { reason: unsupported };
    const start = gen.decoder_start_token_id ?? gen.bos_token_id;
    const eos = [gen.eos_token_id].flat();
    if (typeof start !== 'number' || !eos.length || !eos.every((e) => typeof e === 'number'))
      return { reason: `decoder_start_token_id ${JSON.stringify(start)} / eos_token_id ${JSON.stringify(gen.eos_token_id)}` };
    const minLength = typeof gen.min_length === 'number' ? gen.min_length : 0;
    const eosIds = new Set(eos as number[]);
    encoder = await ort.InferenceSession.create(resolve(folder, ENCODER), { ...sessionOptions, logSeverityLevel: 3 });
    if (encoder.inputNames.join() !== 'pixel_values' || !encoder.outputNames.includes('last_hidden_state')) {
      await encoder.release();
      return { reason: `${ENCODER} takes ${encoder.inputNames.join(', ')} (expected pixel_values -> last_hidden_state)` };
    }
    const d = await loadCrossKvDecoder(resolve(folder, MERGED), { start, eos: eosIds, minLength }, sessionOptions);
    if ('reason' in d) {
      await encoder.release();
      return d;
    }
    return { encoder, decoder: d, start, eosIds };
  } catch (e) {
    await encoder?.release();
    return { reason: `splitting the decoder failed: ${(e as Error).message}` };
  }
}

/** Load a captioner folder (inspected first, so a bad folder fails with the same coded error as describer.add). */
export async function loadCaptioner(path: string, opts: LoadOptions): Promise<Captioner> {
  const inspected = await inspectCaptionerFolder(path);
  const florence = inspected.details.model_type === 'florence2';
  const smol = isSmolVLM(inspected.details.model_type);
  const folder = resolve(path);
  if (opts.signal.aborted) throw cancelled();
  const tj = await transformersJs();
  // The absolute path as the model id: transformers.js reads a non-Hub-shaped id as a local path as is (a
  // two-segment relative id would be looked up under the global env.localModelPath instead).
  const id = folder;
  const files = new Map<string, number>();
  const progress_callback = (p: { status?: string; file?: string; progress?: number }) => {
    if (!p.file || typeof p.progress !== 'number') return;
    files.set(p.file, p.progress / 100);
    opts.onProgress?.(Math.min(1, [...files.values()].reduce((a, b) => a + b, 0) / (florence ? 9 : smol ? 10 : 7))); // files in a folder
  };
  const common = { local_files_only: true, progress_callback };
  const sessionOptions = tjSessionOptions(opts.threads);
  // VisionEncoderDecoder: our own sessions when the folder allows (transformers.js then loads only the tokenizer and
  // the processor; its model would hold the whole decoder a second time).
  const own = florence || smol ? { reason: 'not a VisionEncoderDecoder' } : await ownSessions(tj, folder, sessionOptions);
  const owned = 'reason' in own ? null : own;
  let model: TjModel | null;
  let tokenizer: Awaited<ReturnType<Tj['AutoTokenizer']['from_pretrained']>>;
  let processor: Awaited<ReturnType<Tj['AutoProcessor']['from_pretrained']>>;
  try {
    [model, tokenizer, processor] = await Promise.all([
      // Florence-2 is in transformers.js's image-text-to-text mapping, not AutoModelForVision2Seq's: named directly.
      // idefics3 / smolvlm are in AutoModelForVision2Seq's (Idefics3 / SmolVLMForConditionalGeneration).
      owned
        ? null
        : ((florence ? tj.Florence2ForConditionalGeneration : tj.AutoModelForVision2Seq).from_pretrained(id, {
            ...common,
            dtype: 'fp32',
            device: 'cpu',
            session_options: sessionOptions,
          }) as unknown as Promise<TjModel>),
      tj.AutoTokenizer.from_pretrained(id, common),
      tj.AutoProcessor.from_pretrained(id, common),
    ]);
  } catch (e) {
    await disposeOwn(owned);
    throw invalid(
      folder,
      `transformers.js could not load ${folder}: ${(e as Error).message}. Check that it is an unmodified image-to-text export.`,
    );
  }
  opts.onProgress?.(1);
  if (opts.signal.aborted) {
    await Promise.all([model?.dispose(), disposeOwn(owned)]);
    throw cancelled();
  }
  // The generation config's min_length (start token included), which greedy decoding on either path applies too.
  const minLength = Number(generationConfig(tj, folder).min_length ?? 0) || 0;
  if (owned) return vedCaptioner(tj, { own: owned }, tokenizer, processor, null, minLength);
  if (!model) throw new Error('unreachable: transformers.js loaded no model');
  // eos_token_id may be one id or a list (several stop tokens).
  const eosIds = new Set([model.generation_config?.eos_token_id ?? model.config.eos_token_id].flat().map(Number));
  const start = Number(model.generation_config?.decoder_start_token_id ?? model.config.decoder_start_token_id ?? model.config.bos_token_id);
  if (florence)
    return florenceCaptioner(
      tj,
      model,
      tokenizer,
      processor as unknown as FlorenceProcessor,
      eosIds,
      String(inspected.details.tasks).split(' '),
    );
  if (smol)
    return smolvlmCaptioner(
      tj,
      model,
      tokenizer,
      processor as unknown as SmolVLMProcessor,
      eosIds,
      smolvlmChatTemplate(folder, readJsonObject(folder, 'tokenizer_config.json')) ?? '',
    );
  return vedCaptioner(tj, { model, start, eosIds }, tokenizer, processor, 'reason' in own ? own.reason : null, minLength);
}

async function disposeOwn(own: OwnSessions | null): Promise<void> {
  if (own) await Promise.all([own.encoder.release(), own.decoder.dispose()]);
}

/**
 * A VisionEncoderDecoder captioner on our own sessions (greedy on the split decoder) or on transformers.js's model
 * (generate(); `reason` says why not split). Beam search is ours either way.
 */
function vedCaptioner(
  tj: Tj,
  run: { own: OwnSessions } | { model: TjModel; start: number; eosIds: Set<number> },
  tokenizer: TjTokenizer,
  processor: Awaited<ReturnType<Tj['AutoProcessor']['from_pretrained']>>,
  reason: string | null,
  minLength: number,
): Captioner {
  const own = 'own' in run ? run.own : null;
  const model = 'model' in run ? run.model : null;
  const { start, eosIds } = 'own' in run ? run.own : run;

  async function pixelValues(img: ImagePixels): Promise<TjTensor> {
    const raw = rawImage(tj, img);
    const out = (await processor(raw)) as { pixel_values: TjTensor };
    return out.pixel_values;
  }

  async function encode(pv: TjTensor): Promise<States> {
    if (own) {
      const out = await own.encoder.run({ pixel_values: new ort.Tensor('float32', pv.data as Float32Array, pv.dims) });
      return { data: out.last_hidden_state.data as Float32Array, dims: [...out.last_hidden_state.dims] };
    }
    const { encoder_outputs: h } = await model!._prepare_encoder_decoder_kwargs_for_generation({
      inputs_tensor: pv,
      model_inputs: { pixel_values: pv },
      model_input_name: 'pixel_values',
      generation_config: { guidance_scale: null },
    });
    return { data: h.data as Float32Array, dims: h.dims };
  }

  async function greedy(pvs: TjTensor[], o: CaptionOptions, signal: AbortSignal): Promise<number[][]> {
    const pv = pvs.length === 1 ? pvs[0] : (tj.cat(pvs as never[], 0) as unknown as TjTensor);
    if (!own) return generateGreedy(tj, model!, { inputs: pv }, o, signal, eosIds);
    return own.decoder.greedy(await encode(pv), o, signal);
  }

  /** The decoder's logits [rows, t, V] for whole prefixes, the one image's states repeated for every row. */
  async function prefixLogits(h: States, ids: BigInt64Array, rows: number, t: number): Promise<Float32Array> {
    const tiled = new Float32Array(h.data.length * rows);
    for (let r = 0; r < rows; r++) tiled.set(h.data, r * h.data.length);
    const states = { data: tiled, dims: [rows, ...h.dims.slice(1)] };
    if (own) return own.decoder.prefixLogits(states, ids, t);
    const { logits } = await model!.forward({
      encoder_outputs: new tj.Tensor('float32', states.data, states.dims),
      decoder_input_ids: new tj.Tensor('int64', ids, [rows, t]),
    });
    return logits.data as Float32Array;
  }

  /**
   * Beam search, ours: transformers.js 4.3's generate() keeps only the first candidate of its beam sampler, so
   * num_beams > 1 there is greedy. Each step runs the decoder on the whole prefix of every live beam (no KV cache:
   * simple and exact; captions are short). Same algorithm as beam_search_ref in scripts/fixtures/train_captioner.py.
   */
  async function beam(pv: TjTensor, o: CaptionOptions, signal: AbortSignal): Promise<number[]> {
    const h = await encode(pv);
    const k = o.numBeams;
    let live: { seq: number[]; score: number }[] = [{ seq: [start], score: 0 }];
    const done: { seq: number[]; score: number; norm: number }[] = [];
    for (let step = 0; step < o.maxNewTokens && live.length; step++) {
      if (signal.aborted) throw cancelled();
      const t = live[0].seq.length;
      const ids = BigInt64Array.from(live.flatMap((b) => b.seq.map(BigInt)));
      const data = await prefixLogits(h, ids, live.length, t);
      const v = data.length / (live.length * t);
      const cands: { score: number; beam: number; tok: number }[] = [];
      live.forEach((b, bi) => {
        const row = data.subarray((bi * t + t - 1) * v, (bi * t + t) * v);
        const lp = logSoftmax(row);
        if (step < o.minNewTokens || 1 + step < minLength) for (const e of eosIds) lp[e] = -Infinity;
        for (const tok of topK(lp, k)) cands.push({ score: b.score + lp[tok], beam: bi, tok });
      });
      cands.sort((a, b) => b.score - a.score || a.beam - b.beam || a.tok - b.tok);
      const next: typeof live = [];
      for (const c of cands) {
        const seq = [...live[c.beam].seq, c.tok];
        if (eosIds.has(c.tok)) done.push({ seq: seq.slice(1), score: c.score, norm: c.score / (seq.length - 1) });
        else next.push({ seq, score: c.score });
        if (next.length === k) break;
      }
      live = next;
      if (done.length >= k) break;
    }
    if (done.length < k) done.push(...live.map((b) => ({ seq: b.seq.slice(1), score: b.score, norm: b.score / (b.seq.length - 1) })));
    let best = done[0];
    for (const d of done) if (d.norm > best.norm) best = d;
    return best.seq;
  }

  const captioner: Captioner = {
    async caption(images, o: TaskCaptionOptions, signal) {
      checkOptions(o);
      checkCaptionOptions({ model_type: 'vision-encoder-decoder' }, o);
      const out: Caption[] = [];
      const chunk = o.numBeams === 1 ? GREEDY_BATCH : 1;
      for (let i = 0; i < images.length; i += chunk) {
        if (signal.aborted) throw cancelled();
        const pvs: TjTensor[] = [];
        for (const img of images.slice(i, i + chunk)) pvs.push(await pixelValues(img));
        const ids = o.numBeams === 1 ? await greedy(pvs, o, signal) : [await beam(pvs[0], o, signal)];
        for (const tokenIds of ids) out.push({ text: tokenizer.decode(tokenIds, { skip_special_tokens: true }).trim(), tokenIds });
      }
      return out;
    },
    async dispose() {
      await Promise.all([model?.dispose(), disposeOwn(own)]);
    },
  };
  decodings.set(captioner, own ? { greedy: 'cross-kv' } : { greedy: 'transformers.js', reason: reason ?? undefined });
  return captioner;
}

function checkOptions(o: CaptionOptions): void {
  if (!Number.isInteger(o.numBeams) || o.numBeams < 1)
    throw new AppError('bad_input', `numBeams must be an integer >= 1, got ${o.numBeams}.`);
  if (!Number.isInteger(o.maxNewTokens) || o.maxNewTokens < 1)
    throw new AppError('bad_input', `maxNewTokens must be an integer >= 1, got ${o.maxNewTokens}.`);
  if (!Number.isInteger(o.minNewTokens) || o.minNewTokens < 0 || o.minNewTokens > o.maxNewTokens)
    throw new AppError('bad_input', `minNewTokens must be an integer in [0, maxNewTokens], got ${o.minNewTokens}.`);
}

/**
 * Greedy decoding of several images in one generate() call: the encoder runs once on the batch and every decoder
 * step is one batched run (a ViT-B encoder is ~2x faster per image at batch 8 than at batch 1 on a CPU). Rows are
 * independent; a row that has emitted EOS keeps being extended until the longest is done, so each row is cut
 * after its first EOS. `inputs` are the model's own (pixel values; for Florence-2 also the prompt's ids and mask).
 */
async function generateGreedy(
  tj: Tj,
  model: TjModel,
  inputs: Record<string, unknown>,
  o: CaptionOptions,
  signal: AbortSignal,
  eosIds: Set<number>,
  skip = 1,
): Promise<number[][]> {
  // transformers.js checks its stopping criteria after every token: an interrupt on abort ends the loop early.
  const stop = new tj.InterruptableStoppingCriteria();
  const onAbort = () => stop.interrupt();
  signal.addEventListener('abort', onAbort);
  if (signal.aborted) stop.interrupt();
  try {
    const seq = await model.generate({
      ...inputs,
      max_new_tokens: o.maxNewTokens,
      min_new_tokens: o.minNewTokens > 0 ? o.minNewTokens : null,
      num_beams: 1,
      do_sample: false,
      stopping_criteria: [stop],
    });
    if (signal.aborted) throw cancelled();
    return (seq.tolist() as bigint[][]).map((row) => {
      const ids = row.slice(skip).map(Number); // drop decoder_start_token_id (a decoder-only model: the prompt)
      const end = ids.findIndex((t) => eosIds.has(t));
      return end < 0 ? ids : ids.slice(0, end + 1);
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Florence2Processor, typed narrowly: images + task -> pixel values and the task prompt's ids; the answer's post-processing. */
interface FlorenceProcessor {
  (image: unknown, task: string): Promise<{ pixel_values: TjTensor; input_ids: TjTensor; attention_mask: TjTensor }>;
  post_process_generation(text: string, task: string, imageSize: [number, number]): Record<string, unknown>;
}
type TjTokenizer = Awaited<ReturnType<Tj['AutoTokenizer']['from_pretrained']>>;

/**
 * Florence-2 through transformers.js's Florence2ForConditionalGeneration: the processor turns the task ('<CAPTION>')
 * into its prompt sentence, generate() runs vision encoder -> [image tokens ; prompt embeddings] -> encoder -> merged
 * decoder with the folder's generation config (forced <s>, no-repeat n-grams, ...), greedy. Our beam search drives a
 * VisionEncoderDecoder decoder directly and is not wired to these four sessions, so numBeams > 1 is refused.
 */
function florenceCaptioner(
  tj: Tj,
  model: TjModel,
  tokenizer: TjTokenizer,
  processor: FlorenceProcessor,
  eosIds: Set<number>,
  tasks: string[],
): Captioner {
  return {
    async caption(images, o: TaskCaptionOptions, signal) {
      checkOptions(o);
      checkCaptionOptions({ model_type: 'florence2', tasks: tasks.join(' ') }, o);
      const task = o.task ?? '<CAPTION>';
      const out: Caption[] = [];
      for (let i = 0; i < images.length; i += GREEDY_BATCH) {
        if (signal.aborted) throw cancelled();
        const chunk = images.slice(i, i + GREEDY_BATCH);
        const parts: Awaited<ReturnType<FlorenceProcessor>>[] = [];
        for (const img of chunk) {
          const raw = rawImage(tj, img);
          parts.push(await processor(raw, task));
        }
        const cat = (k: 'pixel_values' | 'input_ids' | 'attention_mask') =>
          parts.length === 1 ? parts[0][k] : tj.cat(parts.map((p) => p[k]) as never[], 0);
        const rows = await generateGreedy(
          tj,
          model,
          { pixel_values: cat('pixel_values'), input_ids: cat('input_ids'), attention_mask: cat('attention_mask') },
          o,
          signal,
          eosIds,
        );
        rows.forEach((tokenIds, r) => {
          // Florence2Processor's answer for a pure-text task: the text without <s> / </s>.
          const answer = processor.post_process_generation(tokenizer.decode(tokenIds, { skip_special_tokens: false }), task, [
            chunk[r].height,
            chunk[r].width,
          ])[task];
          const text = typeof answer === 'string' ? answer : tokenizer.decode(tokenIds, { skip_special_tokens: true });
          out.push({ text: text.trim(), tokenIds });
        });
      }
      return out;
    },
    async dispose() {
      await model.dispose();
    },
  };
}

/** Idefics3Processor (SmolVLMProcessor is the same class), typed narrowly: prompt + images -> the model's inputs. */
interface SmolVLMProcessor {
  (
    text: string,
    images: unknown[],
  ): Promise<{ input_ids: TjTensor; attention_mask: TjTensor; pixel_values: TjTensor; pixel_attention_mask: TjTensor }>;
  apply_chat_template(messages: unknown[], options: Record<string, unknown>): string;
}

/**
 * SmolVLM / Idefics3 through transformers.js's Idefics3ForConditionalGeneration (SmolVLMForConditionalGeneration):
 * the folder's chat template writes one user turn (the image, then the instruction) and the generation prompt;
 * Idefics3Processor expands <image> into the frame tokens (splitting large images as the folder's config says) and
 * makes pixel values + masks; generate() runs the vision encoder, merges the features over the <image> tokens and
 * runs the merged decoder with its KV cache, greedy. Images whose prompts and frames have the same shapes go in one
 * call (up to 8); the prompt's ids are cut from the answer. Beam search is refused (our beam search drives a
 * VisionEncoderDecoder decoder only).
 */
function smolvlmCaptioner(
  tj: Tj,
  model: TjModel,
  tokenizer: TjTokenizer,
  processor: SmolVLMProcessor,
  eosIds: Set<number>,
  chatTemplate: string,
): Captioner {
  const prompts = new Map<string, string>();
  const promptFor = (instruction: string): string => {
    let p = prompts.get(instruction);
    if (p === undefined) {
      const messages = [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: instruction }] }];
      p = processor.apply_chat_template(messages, { add_generation_prompt: true, chat_template: chatTemplate });
      prompts.set(instruction, p);
    }
    return p;
  };
  return {
    async caption(images, o: TaskCaptionOptions, signal) {
      checkOptions(o);
      checkCaptionOptions({ model_type: 'smolvlm' }, o);
      const prompt = promptFor(smolvlmInstruction(o.task));
      const out: Caption[] = new Array<Caption>(images.length);
      for (let i = 0; i < images.length; i += GREEDY_BATCH) {
        if (signal.aborted) throw cancelled();
        const parts: { at: number; inputs: Awaited<ReturnType<SmolVLMProcessor>> }[] = [];
        for (const [j, img] of images.slice(i, i + GREEDY_BATCH).entries()) {
          const raw = rawImage(tj, img);
          parts.push({ at: i + j, inputs: await processor(prompt, [raw]) });
        }
        // Same prompt length and frame count (a split image has more of both) -> one batch; no padding needed.
        const groups = new Map<string, typeof parts>();
        for (const p of parts) {
          const key = `${p.inputs.input_ids.dims.join('x')}|${p.inputs.pixel_values.dims.join('x')}`;
          groups.set(key, [...(groups.get(key) ?? []), p]);
        }
        for (const group of groups.values()) {
          const cat = (k: 'input_ids' | 'attention_mask' | 'pixel_values' | 'pixel_attention_mask') =>
            group.length === 1 ? group[0].inputs[k] : tj.cat(group.map((p) => p.inputs[k]) as never[], 0);
          const promptLength = group[0].inputs.input_ids.dims[1];
          const rows = await generateGreedy(
            tj,
            model,
            {
              input_ids: cat('input_ids'),
              attention_mask: cat('attention_mask'),
              pixel_values: cat('pixel_values'),
              pixel_attention_mask: cat('pixel_attention_mask'),
            },
            o,
            signal,
            eosIds,
            promptLength,
          );
          rows.forEach((tokenIds, r) => {
            out[group[r].at] = { text: tokenizer.decode(tokenIds, { skip_special_tokens: true }).trim(), tokenIds };
          });
        }
      }
      return out;
    },
    async dispose() {
      await model.dispose();
    },
  };
}

function checkImage(img: ImagePixels): void {
  if (![1, 3, 4].includes(img.channels) || img.width < 1 || img.height < 1 || img.data.length !== img.width * img.height * img.channels)
    throw new AppError(
      'bad_input',
      `Image of ${img.width}x${img.height}x${img.channels} has ${img.data.length} bytes: expected width*height*channels (1, 3 or 4 channels).`,
    );
}

function logSoftmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const x of row) if (x > max) max = x;
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(row, (x) => x - lse);
}

/** Indices of the k largest values, largest first (ties: lower index first). */
function topK(v: Float64Array, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < v.length; i++) {
    let j = idx.length;
    while (j > 0 && v[idx[j - 1]] < v[i]) j--;
    if (j < k) {
      idx.splice(j, 0, i);
      if (idx.length > k) idx.pop();
    }
  }
  return idx;
}
