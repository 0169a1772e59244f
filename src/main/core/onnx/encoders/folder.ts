import { Tokenizer } from '@huggingface/tokenizers';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { TensorSpec } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { checkExternalData, feedInputs, parseModelBytes, tensorSpec } from '../modelFile';
import { graphOf, type ModelProto } from '../onnxProto';
import { imageSpec, type ImageSpec } from './image';
import { padIdOf, unkIdOf } from './text';

// An encoder folder: find the files, validate them, pick inputs and outputs, compute the encoder's identity.
// Every refusal is AppError('model_invalid') naming the file and what to do.

export type EncoderLayout = 'separate' | 'combined';

export interface EncoderFiles {
  [role: string]: string | undefined;
  /** Separate layout: the vision and text ONNX files; combined: model is the one file. */
  vision?: string;
  text?: string;
  model?: string;
  tokenizer: string;
  /** Optional files are absent (not null) when missing, so every value is a path. */
  tokenizerConfig?: string;
  preprocessor: string;
  config?: string;
}

export interface EncoderIO {
  imageInput: string;
  imageOutput: string;
  textIds: string;
  textIdsType: 'int64' | 'int32';
  textMask: string | null;
  textMaskType: 'int64' | 'int32' | null;
  textOutput: string;
}

export interface EncoderInspection {
  /** Folder name. */
  name: string;
  path: string;
  sha256: string;
  layout: EncoderLayout;
  files: EncoderFiles;
  /** Embedding size (image and text agree); measured on a dummy row when the ONNX files leave it symbolic. */
  dim: number;
  modelType: string | null;
  /** [height, width] of the image tensor. */
  imageSize: [number, number];
  channels: 1 | 3;
  /** Longest token sequence (tokenizer model_max_length, config max_position_embeddings, fixed L; else 77). */
  maxTextLength: number;
  fixedTextLength: number | null;
  padId: number;
  /** Id of the unknown token, or null. */
  unkId: number | null;
  io: EncoderIO;
  /** Every input and output of the ONNX file(s). */
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

type Json = Record<string, unknown>;

export function encoderInvalid(path: string, problem: string): AppError {
  return new AppError('model_invalid', `${basename(path)}: ${problem}`, { path });
}

const VISION_NAMES = ['vision_model.onnx', 'visual.onnx', 'vision_model_quantized.onnx'];
const TEXT_NAMES = ['text_model.onnx', 'textual.onnx', 'text_model_quantized.onnx'];

function firstExisting(folder: string, names: readonly string[]): string | undefined {
  // Plain names first (onnx/ then the root), quantized ones only when no plain file exists.
  for (const n of names) for (const dir of [join(folder, 'onnx'), folder]) if (existsSync(join(dir, n))) return join(dir, n);
  return undefined;
}

async function readJson(path: string, required: true): Promise<Json>;
async function readJson(path: string, required: false): Promise<Json | null>;
async function readJson(path: string, required: boolean): Promise<Json | null> {
  if (!existsSync(path)) {
    if (!required) return null;
    throw encoderInvalid(
      path,
      `missing in ${resolve(path, '..')}. Copy it from the model's Hugging Face repository next to the ONNX files.`,
    );
  }
  let v: unknown;
  try {
    v = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw encoderInvalid(path, `not valid JSON (${e instanceof Error ? e.message : String(e)}). Download the file again.`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw encoderInvalid(path, 'not a JSON object. Download the file again.');
  return v as Json;
}

/** Locate the files of an encoder folder (layout detection). */
export async function findEncoderFiles(folder: string): Promise<{ layout: EncoderLayout; files: EncoderFiles }> {
  const dir = resolve(folder);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new AppError(
      'model_invalid',
      `Encoder folder ${dir} does not exist or is not a folder. Pick the folder holding the encoder's ONNX files and tokenizer.json.`,
      { path: dir },
    );
  }
  const vision = firstExisting(dir, VISION_NAMES);
  const text = firstExisting(dir, TEXT_NAMES);
  const model = [join(dir, 'onnx', 'model.onnx'), join(dir, 'model.onnx')].find(existsSync);
  const common: EncoderFiles = { tokenizer: join(dir, 'tokenizer.json'), preprocessor: join(dir, 'preprocessor_config.json') };
  if (existsSync(join(dir, 'tokenizer_config.json'))) common.tokenizerConfig = join(dir, 'tokenizer_config.json');
  if (existsSync(join(dir, 'config.json'))) common.config = join(dir, 'config.json');
  if (vision && text) return { layout: 'separate', files: { vision, text, ...common } };
  if (model) return { layout: 'combined', files: { model, ...common } };
  if (vision || text) {
    const have = (vision ?? text)!;
    const want = vision ? 'text_model.onnx (or textual.onnx)' : 'vision_model.onnx (or visual.onnx)';
    throw encoderInvalid(
      have,
      `found, but its partner ${want} is missing in ${dir} or ${join(dir, 'onnx')}. Export both towers of the encoder.`,
    );
  }
  throw new AppError(
    'model_invalid',
    `${dir}: no encoder ONNX files. Expected onnx/vision_model.onnx + onnx/text_model.onnx (transformers.js export, also at the folder root or as visual.onnx/textual.onnx) or one model.onnx with inputs pixel_values and input_ids (Optimum export).`,
    { path: dir },
  );
}

/** sha256 over the ONNX file(s), tokenizer.json and preprocessor_config.json, in that order, each as "<role>\0<size>\0<bytes>". */
export async function encoderSha(files: EncoderFiles): Promise<string> {
  const h = createHash('sha256');
  const parts: [string, string][] = files.model
    ? [['model', files.model]]
    : [
        ['vision', files.vision!],
        ['text', files.text!],
      ];
  parts.push(['tokenizer', files.tokenizer], ['preprocessor', files.preprocessor]);
  for (const [role, path] of parts) {
    h.update(`${role}\0${statSync(path).size}\0`);
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 22 })) h.update(chunk as Buffer);
  }
  return h.digest('hex');
}

export interface ParsedOnnx {
  path: string;
  proto: ModelProto;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export async function parseOnnx(path: string): Promise<ParsedOnnx> {
  const proto = parseModelBytes(path, await readFile(path));
  checkExternalData(path, proto);
  const g = graphOf(proto);
  return { path, proto, inputs: feedInputs(g).map(tensorSpec), outputs: g.output.map(tensorSpec) };
}

const isFloat = (t: TensorSpec) => t.elemType === 'float32';
const isInt = (t: TensorSpec) => t.elemType === 'int64' || t.elemType === 'int32';
const list = (ts: TensorSpec[]) => ts.map((t) => `${t.name} ${t.elemType}[${t.dims.map((d) => d ?? '?').join(',')}]`).join('; ') || 'none';

function pickImageInput(m: ParsedOnnx): TensorSpec {
  const named = m.inputs.find((i) => i.name === 'pixel_values');
  if (named) return named;
  const four = m.inputs.filter((i) => isFloat(i) && i.dims.length === 4);
  if (four.length === 1) return four[0];
  throw encoderInvalid(
    m.path,
    `image input not found: need an input named pixel_values or exactly one float32 4-D input [N,C,H,W]; inputs: ${list(m.inputs)}.`,
  );
}

function pickTextInputs(m: ParsedOnnx): { ids: TensorSpec; mask: TensorSpec | null } {
  const ids =
    m.inputs.find((i) => i.name === 'input_ids') ??
    (() => {
      const ints = m.inputs.filter((i) => isInt(i) && i.dims.length === 2 && i.name !== 'attention_mask');
      return ints.length === 1 ? ints[0] : undefined;
    })();
  if (!ids || !isInt(ids) || ids.dims.length !== 2) {
    throw encoderInvalid(m.path, `text input not found: need an int64/int32 input input_ids [N,L]; inputs: ${list(m.inputs)}.`);
  }
  const mask = m.inputs.find((i) => i.name === 'attention_mask') ?? null;
  if (mask && !isInt(mask)) throw encoderInvalid(m.path, `attention_mask is ${mask.elemType}; only int64/int32 masks are supported.`);
  return { ids, mask };
}

function pickOutput(m: ParsedOnnx, preferred: string, side: 'image' | 'text', exclude: string[] = []): TensorSpec {
  const by = (n: string) => m.outputs.find((o) => o.name === n);
  const o = by(preferred) ?? by('pooler_output');
  if (o) return o;
  const twoD = m.outputs.filter((x) => isFloat(x) && x.dims.length === 2 && !exclude.includes(x.name) && !/logit/i.test(x.name));
  if (twoD.length === 1) return twoD[0];
  throw encoderInvalid(
    m.path,
    `${side} embedding output not found: need ${preferred}, pooler_output or exactly one 2-D float output; outputs: ${list(m.outputs)}.`,
  );
}

/** When neither the tokenizer, config.json nor the model says: CLIP's context length. */
export const DEFAULT_MAX_TEXT = 77;

const fixedDim = (d: TensorSpec['dims'][number]): number | null => (typeof d === 'number' && d > 0 ? d : null);

export interface AnalysedEncoder {
  /** dim is 0 here when the ONNX files leave it symbolic (openEncoder measures it). */
  info: EncoderInspection;
  vision: ParsedOnnx;
  /** Same object as vision in the combined layout. */
  text: ParsedOnnx;
  tokenizer: Tokenizer;
  image: ImageSpec;
}

/** Read and validate an encoder folder without creating any inference session. */
export async function inspectEncoder(folder: string): Promise<EncoderInspection> {
  const a = await analyseEncoder(folder);
  if (a.info.dim > 0) return a.info;
  // Symbolic output size: measure it on one dummy row (single CPU thread; rare in real exports).
  const { openEncoder } = await import('./encoder');
  const enc = await openEncoder(folder, { provider: 'cpu', threads: 1 });
  await enc.close();
  return { ...a.info, dim: enc.dim };
}

export async function analyseEncoder(folder: string): Promise<AnalysedEncoder> {
  const { layout, files } = await findEncoderFiles(folder);
  const tokenizerJson = await readJson(files.tokenizer, true);
  const tokenizerConfig = files.tokenizerConfig ? await readJson(files.tokenizerConfig, false) : null;
  const preprocessor = await readJson(files.preprocessor, true);
  const config = files.config ? await readJson(files.config, false) : null;
  if (!tokenizerJson.model || typeof tokenizerJson.model !== 'object') {
    throw encoderInvalid(
      files.tokenizer,
      'has no "model" section: not a Hugging Face tokenizers file. Export it with tokenizer.save_pretrained().',
    );
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig ?? {});
  } catch (e) {
    throw encoderInvalid(
      files.tokenizer,
      `cannot be loaded by @huggingface/tokenizers (${e instanceof Error ? e.message : String(e)}). Use the tokenizer.json of the same Hugging Face model.`,
    );
  }

  const vis = await parseOnnx(files.vision ?? files.model!);
  const txt = files.text ? await parseOnnx(files.text) : vis;
  const imageIn = pickImageInput(vis);
  const { ids, mask } = pickTextInputs(txt);
  const extra = (m: ParsedOnnx, used: string[]) => m.inputs.filter((i) => !used.includes(i.name));
  const visExtra = layout === 'separate' ? extra(vis, [imageIn.name]) : extra(vis, [imageIn.name, ids.name, ...(mask ? [mask.name] : [])]);
  const txtExtra = layout === 'separate' ? extra(txt, [ids.name, ...(mask ? [mask.name] : [])]) : [];
  for (const [m, ex] of [
    [vis, visExtra],
    [txt, txtExtra],
  ] as const) {
    if (ex.length)
      throw encoderInvalid(
        m.path,
        `has inputs this app cannot feed: ${list(ex)}. Re-export with only pixel_values / input_ids / attention_mask.`,
      );
  }
  const imageOut = pickOutput(vis, 'image_embeds', 'image', layout === 'combined' ? ['text_embeds'] : []);
  const textOut = pickOutput(txt, 'text_embeds', 'text', layout === 'combined' ? ['image_embeds', imageOut.name] : []);
  if (layout === 'combined' && imageOut.name === textOut.name) {
    throw encoderInvalid(
      vis.path,
      `the same output (${imageOut.name}) would serve images and texts; the file needs image_embeds and text_embeds outputs.`,
    );
  }

  const ch = fixedDim(imageIn.dims[1]);
  if (imageIn.dims.length !== 4 || (ch !== null && ch !== 1 && ch !== 3)) {
    throw encoderInvalid(vis.path, `image input ${imageIn.name} must be float32 [N,3,H,W] (channel-first); it is ${list([imageIn])}.`);
  }
  const channels = (ch ?? 3) as 1 | 3;
  const img = imageSpec(files.preprocessor, preprocessor, {
    channels,
    height: fixedDim(imageIn.dims[2]),
    width: fixedDim(imageIn.dims[3]),
  });

  const dimOf = (t: TensorSpec) => fixedDim(t.dims[t.dims.length - 1]);
  const di = dimOf(imageOut);
  const dt = dimOf(textOut);
  if (di !== null && dt !== null && di !== dt) {
    throw new AppError(
      'model_invalid',
      `Embedding sizes differ: ${basename(vis.path)} gives ${imageOut.name} of size ${di} but ${basename(txt.path)} gives ${textOut.name} of size ${dt}. Both towers must come from the same encoder (same projection size).`,
      { path: resolve(folder) },
    );
  }

  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 && v < 1e6 ? v : null);
  const textConfig = (config?.text_config as Json | undefined) ?? {};
  const declaredFixed = fixedDim(ids.dims[1]);
  const limits = [
    num(tokenizerConfig?.model_max_length),
    num(textConfig.max_position_embeddings) ?? num(config?.max_position_embeddings),
    declaredFixed,
  ].filter((v): v is number => v !== null);
  const maxTextLength = limits.length ? Math.min(...limits) : DEFAULT_MAX_TEXT;
  const modelType = typeof config?.model_type === 'string' ? config.model_type : null;
  // SigLIP's text tower was trained on texts padded to max_length (64) and pools the last position, so its
  // output depends on the padding; exports (e.g. transformers.js) often leave the length dynamic and have no
  // mask. Pad SigLIP texts to the fixed length anyway, like its processor does (padding="max_length").
  const fixedTextLength = declaredFixed ?? (modelType?.startsWith('siglip') && !mask && limits.length ? maxTextLength : null);

  const sha256 = await encoderSha(files);
  const elem = (t: TensorSpec) => (t.elemType === 'int32' ? 'int32' : 'int64') as 'int64' | 'int32';
  const info: EncoderInspection = {
    name: basename(resolve(folder)),
    path: resolve(folder),
    sha256,
    layout,
    files,
    dim: di ?? dt ?? 0,
    modelType,
    imageSize: [img.height, img.width],
    channels,
    maxTextLength,
    fixedTextLength,
    padId: padIdOf(tokenizer, tokenizerJson, tokenizerConfig ?? {}),
    unkId: unkIdOf(tokenizer, tokenizerJson, tokenizerConfig ?? {}),
    io: {
      imageInput: imageIn.name,
      imageOutput: imageOut.name,
      textIds: ids.name,
      textIdsType: elem(ids),
      textMask: mask?.name ?? null,
      textMaskType: mask ? elem(mask) : null,
      textOutput: textOut.name,
    },
    inputs: layout === 'separate' ? [...vis.inputs, ...txt.inputs] : vis.inputs,
    outputs: layout === 'separate' ? [...vis.outputs, ...txt.outputs] : vis.outputs,
  };
  return { info, vision: vis, text: txt, tokenizer, image: img };
}
