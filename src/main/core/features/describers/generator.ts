// The image generator role: text-to-image from a diffusers/optimum ONNX folder, run by onnxruntime-node.
// No maintained JavaScript library runs these pipelines, so the loop is ours and small:
//   tokenize (pad to the tokenizer's max length, as SD pads to 77) -> text_encoder -> for each step: UNet on
//   [uncond; cond] latents (classifier-free guidance in one call) -> guide -> scheduler step -> vae_decoder(latents /
//   scaling_factor) -> (x / 2 + 0.5) clamp -> RGB bytes.
// The scheduler arithmetic lives in numeric/diffusion (pure functions, unit-tested by hand); this file validates the
// folder, owns the sessions and the loop. Layout (what `optimum-cli export onnx --task text-to-image` writes):
//   model_index.json, scheduler/scheduler_config.json, tokenizer/{tokenizer.json, tokenizer_config.json},
//   text_encoder/model.onnx, unet/model.onnx, vae_decoder/model.onnx (+ one .onnx_data and a config.json per part).

import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import type { TensorSpec } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { TextTokenizer, padIdOf } from '../../onnx/encoders/text';
import { checkExternalData, feedInputs, parseModelBytes, tensorSpec } from '../../onnx/modelFile';
import { decodeModel, encodeModel, graphOf } from '../../onnx/onnxProto';
import { ort } from '../../onnx/ort';
import { defaultThreads } from '../../onnx/session';
import { winogradConvs, type WinogradOptions } from '../../onnx/winograd';
import { ddimPlan, ddimStep, type PredictionType } from '../../numeric/diffusion/ddim';
import { eulerPlan, eulerStep, scaleModelInput } from '../../numeric/diffusion/euler';
import { guide } from '../../numeric/diffusion/guidance';
import { fromHalf, toHalf } from '../../numeric/diffusion/half';
import { firstNonFinite, toRgbBytes, toUnitFloats } from '../../numeric/diffusion/image';
import { gaussianNoise } from '../../numeric/diffusion/noise';
import { alphasCumprod, BETA_SCHEDULES, type BetaSchedule, type NoiseSchedule } from '../../numeric/diffusion/schedule';
import { TIMESTEP_SPACINGS, type TimestepSpacing } from '../../numeric/diffusion/timesteps';
import type { GeneratedImage, GenerationRequest, ImageGenerator, InspectedModel, LoadOptions } from './roles';

type Json = Record<string, unknown>;
type Part = 'text_encoder' | 'unet' | 'vae_decoder';
type SamplerKind = 'ddim' | 'euler';

const EXPORT_FIX =
  'Export the model with `optimum-cli export onnx --model <model id or folder> --task text-to-image <output folder>` ' +
  '(e.g. stabilityai/sd-turbo or stable-diffusion-v1-5/stable-diffusion-v1-5) and add the output folder.';

function bad(path: string, message: string): AppError {
  return new AppError('describer_invalid', message, { path });
}

/** Scheduler classes we run as themselves, and those we run with a close deterministic sampler (noted in details). */
const NATIVE: Record<string, SamplerKind> = { DDIMScheduler: 'ddim', EulerDiscreteScheduler: 'euler' };
const FALLBACK: Record<string, { kind: SamplerKind; note: string }> = {
  PNDMScheduler: {
    kind: 'ddim',
    note: 'PNDMScheduler is run as DDIM (same noise schedule; deterministic, similar quality at 20-50 steps)',
  },
  DPMSolverMultistepScheduler: { kind: 'ddim', note: 'DPMSolverMultistepScheduler is run as DDIM (same noise schedule; use ~25+ steps)' },
  LMSDiscreteScheduler: { kind: 'euler', note: 'LMSDiscreteScheduler is run as Euler discrete (same sigmas)' },
  EulerAncestralDiscreteScheduler: { kind: 'euler', note: 'EulerAncestralDiscreteScheduler is run as Euler discrete (no ancestral noise)' },
  LCMScheduler: { kind: 'ddim', note: 'LCMScheduler is run as DDIM (predicts the clean image each step; use 2-8 steps)' },
};

/** The scheduler settings after diffusers' from_config: fields in the file win, missing ones take the class defaults. */
export interface SchedulerSettings {
  className: string;
  kind: SamplerKind;
  note: string | null;
  schedule: NoiseSchedule;
  prediction: PredictionType;
  spacing: TimestepSpacing;
  stepsOffset: number;
  /** DDIM only. */
  clipSample: number | null;
  setAlphaToOne: boolean;
}

/** scheduler_config.json -> settings for `kind` (the configured class, or the one a request forces). */
export function schedulerSettings(path: string, cfg: Json, force: 'config' | SamplerKind = 'config'): SchedulerSettings {
  const className = typeof cfg._class_name === 'string' ? cfg._class_name : '';
  const native = NATIVE[className];
  const fb = FALLBACK[className];
  if (!native && !fb) {
    throw bad(
      path,
      `scheduler/scheduler_config.json names scheduler "${className || '(none)'}", which this app cannot run. Supported: ` +
        `${[...Object.keys(NATIVE), ...Object.keys(FALLBACK)].join(', ')}. Set "_class_name" to "DDIMScheduler" or "EulerDiscreteScheduler".`,
    );
  }
  const kind: SamplerKind = force === 'config' ? (native ?? fb.kind) : force;
  const num = (k: string, d: number): number => {
    const v = cfg[k];
    if (v === undefined || v === null) return d;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw bad(path, `scheduler/scheduler_config.json: ${k} must be a number (it is ${JSON.stringify(v)}).`);
    return v;
  };
  const bool = (k: string, d: boolean): boolean => (typeof cfg[k] === 'boolean' ? (cfg[k] as boolean) : d);
  const pick = <T extends string>(k: string, allowed: readonly T[], d: T): T => {
    const v = cfg[k] ?? d;
    if (!allowed.includes(v as T)) {
      throw bad(path, `scheduler/scheduler_config.json: ${k} "${String(v)}" is not supported (supported: ${allowed.join(', ')}).`);
    }
    return v as T;
  };
  const T = num('num_train_timesteps', 1000);
  if (!Number.isInteger(T) || T < 2 || T > 100_000)
    throw bad(path, `scheduler/scheduler_config.json: num_train_timesteps ${T} must be an integer in 2..100000.`);
  const trained = Array.isArray(cfg.trained_betas) ? (cfg.trained_betas as unknown[]) : null;
  if (trained && (trained.length !== T || trained.some((b) => typeof b !== 'number' || !(b > 0 && b < 1)))) {
    throw bad(path, `scheduler/scheduler_config.json: trained_betas must hold ${T} numbers in (0, 1).`);
  }
  const schedule: NoiseSchedule = {
    numTrainTimesteps: T,
    betaStart: num('beta_start', 0.0001),
    betaEnd: num('beta_end', 0.02),
    betaSchedule: pick<BetaSchedule>('beta_schedule', BETA_SCHEDULES, 'linear'),
    trainedBetas: trained as number[] | null,
  };
  if (!trained && !(schedule.betaStart > 0 && schedule.betaEnd < 1 && schedule.betaStart <= schedule.betaEnd)) {
    throw bad(
      path,
      `scheduler/scheduler_config.json: need 0 < beta_start <= beta_end < 1 (got ${schedule.betaStart}, ${schedule.betaEnd}).`,
    );
  }
  if (cfg.thresholding === true)
    throw bad(path, 'scheduler/scheduler_config.json: "thresholding": true is not supported; set it to false.');
  const notes: string[] = [];
  if (fb && force === 'config') notes.push(fb.note);
  if (kind === 'euler' && cfg.use_karras_sigmas === true) notes.push('use_karras_sigmas is ignored (linear sigma interpolation)');
  if (cfg.rescale_betas_zero_snr === true) notes.push('rescale_betas_zero_snr is ignored');
  const stepsOffset = num('steps_offset', 0);
  return {
    className,
    kind,
    note: notes.length ? notes.join('; ') : null,
    schedule,
    prediction: pick<PredictionType>('prediction_type', ['epsilon', 'v_prediction'], 'epsilon'),
    // diffusers' defaults differ per class: DDIM 'leading', Euler 'linspace'.
    spacing: pick<TimestepSpacing>('timestep_spacing', TIMESTEP_SPACINGS, kind === 'ddim' ? 'leading' : 'linspace'),
    stepsOffset: Number.isInteger(stepsOffset) && stepsOffset >= 0 ? stepsOffset : 0,
    clipSample: bool('clip_sample', true) ? num('clip_sample_range', 1) : null,
    setAlphaToOne: bool('set_alpha_to_one', true),
  };
}

interface PartInfo {
  path: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** External-data files, relative to the folder. */
  external: string[];
  config: Json | null;
}

interface Analysed {
  root: string;
  files: string[];
  modelIndex: Json;
  schedulerConfig: Json;
  scheduler: SchedulerSettings;
  tokenizerJson: Json;
  tokenizerConfig: Json;
  maxLength: number;
  parts: Record<Part, PartInfo>;
  ids: TensorSpec;
  hiddenOut: string;
  sample: TensorSpec;
  timestep: TensorSpec;
  context: TensorSpec;
  unetOut: string;
  latent: TensorSpec;
  vaeOut: string;
  channels: number;
  height: number;
  width: number;
  scalingFactor: number;
}

async function readJsonPart(root: string, rel: string, required: boolean): Promise<Json | null> {
  const path = join(root, rel);
  if (!existsSync(path)) {
    if (required) throw bad(root, `${rel} is missing: not a diffusers/optimum ONNX folder. ${EXPORT_FIX}`);
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw bad(path, `${rel} is not valid JSON (${e instanceof Error ? e.message : String(e)}). Restore it from the export (or re-export).`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad(path, `${rel} must hold a JSON object.`);
  return value as Json;
}

async function readPart(root: string, part: Part): Promise<PartInfo> {
  const rel = `${part}/model.onnx`;
  const path = join(root, rel);
  if (!existsSync(path)) throw bad(root, `${rel} is missing. ${EXPORT_FIX}`);
  let inputs: TensorSpec[];
  let outputs: TensorSpec[];
  let external: string[];
  try {
    // Graph and shapes only: with external data the .onnx file is small; weights are loaded by onnxruntime later.
    const proto = parseModelBytes(path, await readFile(path));
    external = checkExternalData(path, proto);
    const g = graphOf(proto);
    inputs = feedInputs(g).map(tensorSpec);
    outputs = g.output.map(tensorSpec);
  } catch (e) {
    if (e instanceof AppError) throw bad(path, `${part}: ${e.message} ${EXPORT_FIX}`);
    throw e;
  }
  if (external.length > 1) {
    throw bad(
      path,
      `${rel} keeps its weights in ${external.length} files (${external.join(', ')}); one .onnx_data file per part is supported. Re-export with optimum-cli.`,
    );
  }
  const config = await readJsonPart(root, `${part}/config.json`, false);
  return { path, inputs, outputs, external: external.map((f) => `${part}/${f}`), config };
}

const list = (ts: TensorSpec[]): string =>
  ts.map((t) => `${t.name} ${t.elemType}[${t.dims.map((d) => d ?? '?').join(',')}]`).join('; ') || 'none';
const fixed = (d: TensorSpec['dims'][number] | undefined): number | null => (typeof d === 'number' && d > 0 ? d : null);
const FLOATS = ['float32', 'float16'];

function input(p: PartInfo, part: Part, name: string, types: string[]): TensorSpec {
  const t = p.inputs.find((i) => i.name === name);
  if (!t) throw bad(p.path, `${part}/model.onnx has no input "${name}" (inputs: ${list(p.inputs)}). ${EXPORT_FIX}`);
  if (!types.includes(t.elemType)) throw bad(p.path, `${part}/model.onnx input ${name} is ${t.elemType}; expected ${types.join(' or ')}.`);
  return t;
}

function output(p: PartInfo, part: Part, name: string): string {
  if (p.outputs.some((o) => o.name === name)) return name;
  if (p.outputs.length === 1) return p.outputs[0].name;
  throw bad(p.path, `${part}/model.onnx has no output "${name}" (outputs: ${list(p.outputs)}).`);
}

function positiveInt(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null;
}

function tokenName(v: unknown, fallback: string): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as Json).content === 'string') return (v as Json).content as string;
  return fallback;
}

/**
 * SD exports ship CLIP's slow-tokenizer files (vocab.json + merges.txt), not tokenizer.json. This is the tokenizer.json
 * transformers' converter makes from them (CLIPTokenizer in transformers 5.17): NFC + whitespace runs -> one space +
 * lowercase; CLIP's split regex then byte-level; BPE with "</w>" word ends; <|startoftext|> ... <|endoftext|> around.
 */
export function clipTokenizerJson(vocab: Record<string, number>, merges: string, config: Json): Json {
  const bos = tokenName(config.bos_token, '<|startoftext|>');
  const eos = tokenName(config.eos_token, '<|endoftext|>');
  const unk = tokenName(config.unk_token, eos);
  for (const t of [bos, eos, unk]) if (typeof vocab[t] !== 'number') throw new Error(`vocab.json has no ${t} token`);
  const special = (t: string) => ({
    id: vocab[t],
    content: t,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const pairs = merges
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#version'))
    .map((l) => l.trim().split(' ').slice(0, 2));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...new Set([bos, eos])].map(special),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        ...(config.do_lower_case === false ? [] : [{ type: 'Lowercase' }]),
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [eos, vocab[eos]],
      cls: [bos, vocab[bos]],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: unk,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: pairs,
    },
  };
}

/** tokenizer/tokenizer.json (+ tokenizer_config.json), or CLIP's vocab.json + merges.txt turned into one. */
async function readTokenizerFiles(root: string): Promise<{ json: Json; config: Json }> {
  const config = (await readJsonPart(root, 'tokenizer/tokenizer_config.json', false)) ?? {};
  if (existsSync(join(root, 'tokenizer/tokenizer.json'))) {
    const json = (await readJsonPart(root, 'tokenizer/tokenizer.json', true))!;
    if (!json.model || typeof json.model !== 'object') {
      throw bad(
        join(root, 'tokenizer/tokenizer.json'),
        'tokenizer/tokenizer.json has no "model" section: not a Hugging Face tokenizers file.',
      );
    }
    return { json, config };
  }
  if (existsSync(join(root, 'tokenizer/vocab.json')) && existsSync(join(root, 'tokenizer/merges.txt'))) {
    const vocab = (await readJsonPart(root, 'tokenizer/vocab.json', true)) as Record<string, number>;
    try {
      return { json: clipTokenizerJson(vocab, await readFile(join(root, 'tokenizer/merges.txt'), 'utf8'), config), config };
    } catch (e) {
      throw bad(
        join(root, 'tokenizer'),
        `tokenizer/ (vocab.json + merges.txt) is not a CLIP tokenizer: ${e instanceof Error ? e.message : String(e)}. Copy the tokenizer folder of the original model.`,
      );
    }
  }
  throw bad(root, `tokenizer/tokenizer.json (or CLIP's vocab.json + merges.txt) is missing. ${EXPORT_FIX}`);
}

export interface PromptTokenizer {
  maxLength: number;
  /** input_ids padded to maxLength (truncated as Hugging Face does, special tokens kept), and the untruncated length. */
  encode(prompt: string): { ids: number[]; fullLength: number };
}

function promptTokenizer(json: Json, config: Json, maxLength: number, where: string): PromptTokenizer {
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(json, config);
  } catch (e) {
    throw bad(where, `the tokenizer in tokenizer/ cannot be loaded (${e instanceof Error ? e.message : String(e)}).`);
  }
  const padId = padIdOf(tok, json, config);
  const t = new TextTokenizer(tok, { maxLength, fixedLength: maxLength, padId });
  return { maxLength, encode: (prompt) => ({ ids: t.tokenize([prompt]).padded, fullLength: tok.encode(prompt).ids.length }) };
}

/** The prompt tokenizer of a folder's tokenizer/ alone (max length from tokenizer_config.json, else 77). */
export async function readPromptTokenizer(root: string): Promise<PromptTokenizer> {
  const { json, config } = await readTokenizerFiles(resolve(root));
  const max = positiveInt(config.model_max_length);
  return promptTokenizer(json, config, max !== null && max <= 4096 ? max : 77, root);
}

async function analyse(path: string): Promise<Analysed> {
  const root = resolve(path);
  if (!existsSync(root)) throw new AppError('not_found', `${root} does not exist.`, { path: root });
  if (!statSync(root).isDirectory())
    throw bad(root, `${root} is a file; an image generator is a folder (model_index.json, unet/, ...). ${EXPORT_FIX}`);
  const modelIndex = (await readJsonPart(root, 'model_index.json', true))!;
  const schedulerConfig = (await readJsonPart(root, 'scheduler/scheduler_config.json', true))!;
  const scheduler = schedulerSettings(join(root, 'scheduler/scheduler_config.json'), schedulerConfig);
  const { json: tokenizerJson, config: tokenizerConfig } = await readTokenizerFiles(root);
  const parts = {
    text_encoder: await readPart(root, 'text_encoder'),
    unet: await readPart(root, 'unet'),
    vae_decoder: await readPart(root, 'vae_decoder'),
  };
  const te = parts.text_encoder;
  const ids = input(te, 'text_encoder', 'input_ids', ['int64', 'int32']);
  const extraText = te.inputs.filter((i) => i.name !== 'input_ids');
  if (extraText.length) throw bad(te.path, `text_encoder/model.onnx has inputs this app cannot feed: ${list(extraText)}.`);
  const hiddenOut = output(te, 'text_encoder', 'last_hidden_state');
  const un = parts.unet;
  const sample = input(un, 'unet', 'sample', FLOATS);
  const timestep = input(un, 'unet', 'timestep', ['float32', 'float16', 'int64', 'int32', 'float64']);
  const context = input(un, 'unet', 'encoder_hidden_states', FLOATS);
  const extraUnet = un.inputs.filter((i) => !['sample', 'timestep', 'encoder_hidden_states'].includes(i.name));
  if (extraUnet.length) {
    throw bad(
      un.path,
      `unet/model.onnx needs inputs this app does not feed (${list(extraUnet)}): SDXL-style and ControlNet UNets are not supported; use an SD 1.x/2.x/Turbo export.`,
    );
  }
  const unetOut = output(un, 'unet', 'out_sample');
  const vae = parts.vae_decoder;
  const latent = input(vae, 'vae_decoder', 'latent_sample', FLOATS);
  const vaeOut = output(vae, 'vae_decoder', 'sample');

  // Max prompt length: tokenizer_config model_max_length (HF writes a huge number for "no limit"), else the text
  // encoder's fixed input length, else its config's max_position_embeddings, else CLIP's 77.
  const cfgMax = positiveInt(tokenizerConfig.model_max_length);
  const maxLength =
    (cfgMax !== null && cfgMax <= 4096 ? cfgMax : null) ?? fixed(ids.dims[1]) ?? positiveInt(te.config?.max_position_embeddings) ?? 77;
  const unetCfg = un.config ?? {};
  const channels = fixed(sample.dims[1]) ?? positiveInt(unetCfg.in_channels);
  const sizeCfg = unetCfg.sample_size;
  const cfgSide = positiveInt(sizeCfg) ?? (Array.isArray(sizeCfg) ? positiveInt(sizeCfg[0]) : null);
  const height = fixed(sample.dims[2]) ?? cfgSide;
  const width = fixed(sample.dims[3]) ?? (Array.isArray(sizeCfg) ? positiveInt(sizeCfg[1]) : cfgSide);
  if (channels === null || height === null || width === null) {
    throw bad(
      un.path,
      `unet/config.json with in_channels and sample_size is needed: unet/model.onnx leaves the latent shape open (${list([sample])}). ${EXPORT_FIX}`,
    );
  }
  const vaeCfg = vae.config ?? {};
  const sf = vaeCfg.scaling_factor;
  const scalingFactor = typeof sf === 'number' && Number.isFinite(sf) && sf > 0 ? sf : 0.18215; // SD 1.x/2.x value when the config is absent
  const files = [
    'model_index.json',
    'scheduler/scheduler_config.json',
    ...['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.json', 'merges.txt']
      .map((f) => `tokenizer/${f}`)
      .filter((f) => existsSync(join(root, f))),
    ...(['text_encoder', 'unet', 'vae_decoder'] as const).flatMap((p) => [
      `${p}/model.onnx`,
      ...parts[p].external,
      ...(parts[p].config ? [`${p}/config.json`] : []),
    ]),
  ].sort();
  return {
    root,
    files,
    modelIndex,
    schedulerConfig,
    scheduler,
    tokenizerJson,
    tokenizerConfig,
    maxLength,
    parts,
    ids,
    hiddenOut,
    sample,
    timestep,
    context,
    unetOut,
    latent,
    vaeOut,
    channels,
    height,
    width,
    scalingFactor,
  };
}

/** Validate a diffusers/optimum ONNX folder without creating sessions; errors name the part and the fix. */
export async function inspectDiffusersFolder(path: string): Promise<InspectedModel> {
  const a = await analyse(path);
  const vaeCfg = a.parts.vae_decoder.config ?? {};
  const unetCfg = a.parts.unet.config ?? {};
  // Pixels per latent: the VAE's sample_size over the UNet's (8 for SD), else 2^(blocks - 1), else unknown.
  const ratio =
    positiveInt(vaeCfg.sample_size) && positiveInt(unetCfg.sample_size)
      ? (vaeCfg.sample_size as number) / (unetCfg.sample_size as number)
      : Array.isArray(vaeCfg.block_out_channels)
        ? 2 ** (vaeCfg.block_out_channels.length - 1)
        : null;
  const details: InspectedModel['details'] = {
    pipeline: typeof a.modelIndex._class_name === 'string' ? a.modelIndex._class_name : 'unknown',
    scheduler: a.scheduler.className,
    sampler: a.scheduler.kind,
    prediction: a.scheduler.prediction,
    timestepSpacing: a.scheduler.spacing,
    precision: a.sample.elemType === 'float16' ? 'fp16' : 'fp32',
    latentChannels: a.channels,
    latentHeight: a.height,
    latentWidth: a.width,
    maxPromptTokens: a.maxLength,
    textHiddenSize: fixed(a.context.dims[2]) ?? 'unknown',
    vaeScalingFactor: a.scalingFactor,
  };
  if (ratio !== null) {
    details.imageHeight = a.height * ratio;
    details.imageWidth = a.width * ratio;
  }
  if (a.scheduler.note) details.schedulerNote = a.scheduler.note;
  return { format: 'diffusers_onnx', files: a.files, details };
}

// ------------------------------------------------------------------ running --

type OrtTensor = InstanceType<typeof ort.Tensor>;
type Session = Awaited<ReturnType<typeof ort.InferenceSession.create>>;

function floatTensor(type: string, data: Float32Array, dims: number[]): OrtTensor {
  return type === 'float16' ? new ort.Tensor('float16', toHalf(data), dims) : new ort.Tensor('float32', data, dims);
}

function readFloats(t: OrtTensor): Float32Array {
  if (t.type === 'float16') return fromHalf(t.data as Uint16Array);
  if (t.type === 'float32') return t.data as Float32Array;
  throw new AppError('internal', `expected a float tensor, got ${t.type}`);
}

function timestepTensor(spec: TensorSpec, t: number, rows: number): OrtTensor {
  // diffusers' UNet broadcasts a [1] timestep; a symbolic dim gets one per row, a scalar input a scalar. Integer
  // timesteps are truncated, as diffusers' ONNX pipeline does with np.array([t], dtype=int64).
  const dims = spec.dims.length === 0 ? [] : [fixed(spec.dims[0]) ?? rows];
  const n = dims.length ? dims[0] : 1;
  if (spec.elemType === 'int64') return new ort.Tensor('int64', new BigInt64Array(n).fill(BigInt(Math.trunc(t))), dims);
  if (spec.elemType === 'int32') return new ort.Tensor('int32', new Int32Array(n).fill(Math.trunc(t)), dims);
  if (spec.elemType === 'float64') return new ort.Tensor('float64', new Float64Array(n).fill(t), dims);
  return floatTensor(spec.elemType, new Float32Array(n).fill(t), dims);
}

function checkRequest(req: Omit<GenerationRequest, 'seeds'>): void {
  const badInput = (m: string): AppError => new AppError('bad_input', m);
  if (!Number.isInteger(req.steps) || req.steps < 1 || req.steps > 1000)
    throw badInput(`steps must be an integer in 1..1000 (got ${req.steps}).`);
  if (!Number.isFinite(req.guidance) || req.guidance < 1 || req.guidance > 50)
    throw badInput(`guidance must be in [1, 50] (got ${req.guidance}); 1 = no guidance.`);
  if (!Number.isInteger(req.batchSize) || req.batchSize < 1 || req.batchSize > 64)
    throw badInput(`batchSize must be an integer in 1..64 (got ${req.batchSize}).`);
  if (!['config', 'ddim', 'euler'].includes(req.scheduler))
    throw badInput(`scheduler must be 'config', 'ddim' or 'euler' (got ${String(req.scheduler)}).`);
}

export interface GenerationHooks {
  onStep?: (step: number, steps: number) => void;
  onImage?: (index: number, img: GeneratedImage) => void;
  onWarning?: (message: string) => void;
}

/** What sampleFromNoise returns per image: the image before uint8 (channel-first, [C, H, W]) and its bytes. */
export interface SampledImage {
  unit: Float32Array;
  channels: number;
  image: GeneratedImage;
}

export class DiffusionPipeline implements ImageGenerator {
  /** Warnings of the last request (e.g. a truncated prompt), also sent to hooks.onWarning. */
  warnings: string[] = [];

  constructor(
    private readonly a: Analysed,
    private readonly tokenizer: PromptTokenizer,
    private readonly text: Session,
    private readonly unet: Session,
    private readonly vae: Session,
    /** The UNet's 3x3 convolutions computed by Winograd F(4x4,3x3) (onnx/winograd.ts); empty when none. */
    readonly winogradConvs: readonly string[] = [],
  ) {}

  get latentShape(): [number, number, number] {
    return [this.a.channels, this.a.height, this.a.width];
  }

  private async encode(prompt: string, hooks: GenerationHooks): Promise<Float32Array> {
    const { ids: row, fullLength: full } = this.tokenizer.encode(prompt);
    if (full > this.a.maxLength) {
      // SD truncates silently at 77 tokens; we truncate the same way but say so.
      const msg = `The prompt is ${full} tokens long; the text encoder reads ${this.a.maxLength}: the rest was ignored.`;
      this.warnings.push(msg);
      hooks.onWarning?.(msg);
    }
    const L = this.a.maxLength;
    const ids =
      this.a.ids.elemType === 'int32'
        ? new ort.Tensor('int32', Int32Array.from(row), [1, L])
        : new ort.Tensor('int64', BigInt64Array.from(row, BigInt), [1, L]);
    const out = await this.text.run({ [this.a.ids.name]: ids });
    return Float32Array.from(readFloats(out[this.a.hiddenOut]));
  }

  /** Sample one batch from given initial noise (before init_noise_sigma); the golden tests feed PyTorch's noise here. */
  async sampleFromNoise(
    noise: Float32Array[],
    req: Omit<GenerationRequest, 'seeds' | 'batchSize'>,
    signal: AbortSignal,
    hooks: GenerationHooks = {},
    seeds: number[] = noise.map(() => 0),
  ): Promise<SampledImage[]> {
    checkRequest({ ...req, batchSize: Math.max(1, noise.length) });
    const [C, H, W] = this.latentShape;
    const per = C * H * W;
    for (const n of noise)
      if (n.length !== per) throw new AppError('bad_input', `initial noise must hold ${per} values (${C}x${H}x${W}); got ${n.length}.`);
    const cfg = req.scheduler === 'config' ? this.a.scheduler : schedulerSettings(this.a.root, this.a.schedulerConfig, req.scheduler);
    const guided = req.guidance > 1;
    const cond = await this.encode(req.prompt, hooks);
    const uncond = guided ? await this.encode(req.negativePrompt, hooks) : null;
    const B = noise.length;
    const rows = guided ? 2 * B : B;
    const L = this.a.maxLength;
    const D = cond.length / L;
    const ctx = new Float32Array(rows * L * D);
    for (let r = 0; r < rows; r++) ctx.set(guided && r < B ? uncond! : cond, r * L * D);
    const ctxTensor = floatTensor(this.a.context.elemType, ctx, [rows, L, D]);

    const ac = alphasCumprod(cfg.schedule);
    const ddim = cfg.kind === 'ddim' ? ddimPlan(ac, req.steps, cfg.spacing, cfg.stepsOffset, cfg.setAlphaToOne) : null;
    const euler = cfg.kind === 'euler' ? eulerPlan(ac, req.steps, cfg.spacing, cfg.stepsOffset) : null;
    let latents: Float32Array = new Float32Array(B * per);
    noise.forEach((n, i) => latents.set(n, i * per));
    if (euler) latents = Float32Array.from(latents, (x) => x * euler.initNoiseSigma);
    const timesteps = ddim ? ddim.map((p) => p.timestep) : euler!.timesteps;

    for (let i = 0; i < req.steps; i++) {
      if (signal.aborted) throw new AppError('cancelled', `Image generation cancelled before step ${i + 1} of ${req.steps}.`);
      const x = euler ? scaleModelInput(latents, euler.sigmas[i]) : latents;
      let input = x;
      if (guided) {
        input = new Float32Array(2 * x.length);
        input.set(x, 0);
        input.set(x, x.length);
      }
      const out = await this.unet.run({
        [this.a.sample.name]: floatTensor(this.a.sample.elemType, input, [rows, C, H, W]),
        [this.a.timestep.name]: timestepTensor(this.a.timestep, timesteps[i], rows),
        [this.a.context.name]: ctxTensor,
      });
      const raw = readFloats(out[this.a.unetOut]);
      const bad = firstNonFinite(raw);
      if (bad >= 0) {
        throw new AppError(
          'non_finite',
          `The UNet returned ${raw[bad]} at step ${i + 1} of ${req.steps} (timestep ${timesteps[i]}). The export may be broken, or fp16 overflowed: try the fp32 export.`,
          { step: i + 1, timestep: timesteps[i] },
        );
      }
      const eps = guided ? guide(raw, B, req.guidance) : raw;
      latents = ddim
        ? ddimStep(eps, latents, ddim[i], { prediction: cfg.prediction, clip: cfg.clipSample })
        : eulerStep(eps, latents, euler!.sigmas[i], euler!.sigmas[i + 1], cfg.prediction);
      hooks.onStep?.(i + 1, req.steps);
    }
    if (signal.aborted) throw new AppError('cancelled', 'Image generation cancelled before decoding.');
    const scaled = Float32Array.from(latents, (v) => v / this.a.scalingFactor);
    const dec = await this.vae.run({ [this.a.latent.name]: floatTensor(this.a.latent.elemType, scaled, [B, C, H, W]) });
    const outT = dec[this.a.vaeOut];
    const pixels = readFloats(outT);
    const badPx = firstNonFinite(pixels);
    if (badPx >= 0)
      throw new AppError('non_finite', `The VAE decoder returned ${pixels[badPx]} in the final image (after ${req.steps} steps).`);
    const [, oc, oh, ow] = outT.dims.map(Number);
    return noise.map((_, i) => ({
      unit: toUnitFloats(pixels, i, oc, oh, ow),
      channels: oc,
      image: { data: toRgbBytes(pixels, i, oc, oh, ow), width: ow, height: oh, seed: seeds[i] },
    }));
  }

  async generate(req: GenerationRequest, signal: AbortSignal, hooks: GenerationHooks = {}): Promise<GeneratedImage[]> {
    checkRequest(req);
    if (!Array.isArray(req.seeds) || !req.seeds.length || req.seeds.some((s) => !Number.isInteger(s))) {
      throw new AppError('bad_input', 'seeds must be a non-empty list of integers (one image per seed).');
    }
    this.warnings = [];
    const per = this.a.channels * this.a.height * this.a.width;
    const images: GeneratedImage[] = [];
    const steps = req.steps;
    const batches = Math.ceil(req.seeds.length / req.batchSize);
    for (let b = 0; b < batches; b++) {
      const seeds = req.seeds.slice(b * req.batchSize, (b + 1) * req.batchSize);
      const noise = seeds.map((s) => gaussianNoise(s, per));
      const batchHooks: GenerationHooks = {
        // Progress over the whole request: the step count of this batch offset by the batches before it.
        onStep: hooks.onStep ? (s) => hooks.onStep!(b * steps + s, batches * steps) : undefined,
        onWarning: b === 0 ? hooks.onWarning : undefined,
      };
      const out = await this.sampleFromNoise(noise, req, signal, batchHooks, seeds);
      for (const o of out) {
        images.push(o.image);
        hooks.onImage?.(images.length - 1, o.image);
      }
    }
    return images;
  }

  async dispose(): Promise<void> {
    await Promise.all([this.text.release(), this.unet.release(), this.vae.release()]);
  }
}

/** Sample from stored initial noise (golden tests, resumable jobs that keep noise): see DiffusionPipeline.sampleFromNoise. */
export function sampleFromNoise(
  pipeline: DiffusionPipeline,
  noise: Float32Array[],
  req: Omit<GenerationRequest, 'seeds' | 'batchSize'>,
  signal: AbortSignal,
  hooks?: GenerationHooks,
): Promise<SampledImage[]> {
  return pipeline.sampleFromNoise(noise, req, signal, hooks);
}

export interface GeneratorLoadOptions extends LoadOptions {
  /** Which UNet convolutions Winograd F(4x4,3x3) computes (default WINOGRAD); false = none. */
  winograd?: Omit<WinogradOptions, 'tile'> | false;
}

/**
 * >= 96 channels and >= 16x16 inputs: below either the transforms and the 4x larger weights cost more than the
 * 4x fewer multiplies save (measured per convolution shape, 1 thread: scripts/experiments/winogradShapes.ts, docs/image-generator.md).
 */
export const WINOGRAD = { minChannels: 96, minPixels: 256 } as const;
/** protobuf's message limit: a rewritten UNet must serialise in one piece. */
const MAX_REWRITTEN_BYTES = 1.9e9;

/**
 * The UNet as onnxruntime should load it: its path, or, when it is one float32 file whose 3x3 convolutions
 * Winograd can take, the rewritten model's bytes (docs/image-generator.md "Winograd convolutions"). Models with
 * external data (.onnx_data) load from their path as they are: a rewrite would have to copy gigabytes of weights.
 */
async function unetSource(
  a: Analysed,
  opts: GeneratorLoadOptions['winograd'],
): Promise<{ source: string | Uint8Array; winograd: string[] }> {
  const unet = a.parts.unet;
  const direct = { source: unet.path, winograd: [] };
  // Float16 weights sit behind Casts (nothing to rewrite). F(4,3)'s transformed weights are 4x the 3x3 ones: a file
  // that could outgrow protobuf's limit keeps its convolutions, decided before anything is read or built.
  if (opts === false || unet.external.length || a.sample.elemType === 'float16') return direct;
  if (statSync(unet.path).size * 4 > MAX_REWRITTEN_BYTES) return direct;
  const { model, rewritten } = winogradConvs(decodeModel(await readFile(unet.path)), { tile: 4, ...(opts ?? WINOGRAD) });
  return rewritten.length ? { source: encodeModel(model), winograd: rewritten } : direct;
}

/** Validate the folder, then open one onnxruntime session per part (CPU, `threads` intra-op threads). */
export async function loadDiffusionPipeline(path: string, opts: GeneratorLoadOptions): Promise<DiffusionPipeline> {
  const a = await analyse(path);
  const tokenizer = promptTokenizer(a.tokenizerJson, a.tokenizerConfig, a.maxLength, join(a.root, 'tokenizer'));
  const threads = opts.threads ?? defaultThreads();
  const sessions: Session[] = [];
  let winograd: string[] = [];
  try {
    for (const part of ['text_encoder', 'unet', 'vae_decoder'] as const) {
      if (opts.signal.aborted) throw new AppError('cancelled', 'Loading the image generator was cancelled.');
      try {
        // From the path (not bytes) so onnxruntime finds a part's .onnx_data next to it; the UNet from bytes only
        // when rewritten (and then it has no external data).
        let source: string | Uint8Array = a.parts[part].path;
        if (part === 'unet') ({ source, winograd } = await unetSource(a, opts.winograd));
        const options: ort.InferenceSession.SessionOptions = {
          executionProviders: ['cpu'],
          graphOptimizationLevel: 'all',
          intraOpNumThreads: threads,
          interOpNumThreads: 1, // the parts run one after another
          executionMode: 'sequential',
          logSeverityLevel: 3,
          extra: { session: { intra_op: { allow_spinning: '0' } } },
        };
        let session: Session;
        if (typeof source === 'string') session = await ort.InferenceSession.create(source, options);
        else {
          // The rewrite is ours: if onnxruntime refuses it, the user's file as it is still runs (direct convolutions).
          session = await ort.InferenceSession.create(source, options).catch(() => {
            winograd = [];
            return ort.InferenceSession.create(a.parts[part].path, options);
          });
        }
        sessions.push(session);
      } catch (e) {
        throw bad(
          a.parts[part].path,
          `${part}/model.onnx cannot be loaded by onnxruntime (${e instanceof Error ? e.message.split('\n')[0] : String(e)}). ${EXPORT_FIX}`,
        );
      }
      opts.onProgress?.(sessions.length / 3);
    }
  } catch (e) {
    await Promise.all(sessions.map((s) => s.release()));
    throw e;
  }
  return new DiffusionPipeline(a, tokenizer, sessions[0], sessions[1], sessions[2], winograd);
}
