import { z } from 'zod';
import { job, method } from '../define';
import { FilePath, Id, Overwrite } from './schemas';

// Local generative models ("describers"): an image captioner, a language model and an image generator, the three
// roles Describe-and-Dissect runs, and a sentence-embedding model (text_embedder) for final-layer label similarity.
// The library of models is app-wide (one JSON file in the user's data folder, keyed by content hash like
// calibrations), so a model added once serves every project. What the models produce (captions, answers, generated
// images) is cached in the open project, keyed by model hash + inputs: it is expensive to remake and a project's
// descriptions must stay reproducible when it is copied to another machine.
// Core: src/main/core/features/describers/.

export const DescriberRole = z.enum(['captioner', 'language_model', 'image_generator', 'text_embedder']);
export type DescriberRole = z.infer<typeof DescriberRole>;

export const DescriberFormat = z.enum(['transformers', 'gguf', 'endpoint', 'diffusers_onnx']);
export type DescriberFormat = z.infer<typeof DescriberFormat>;

/** A describer id: the library's own numbering, stable across projects on this machine. */
export const DescriberId = z.number().int().positive();

const Name = z.string().trim().min(1).max(200);

export const EndpointSpec = z.object({
  /** OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1 (Ollama) or http://127.0.0.1:8080/v1 (llama.cpp server). */
  baseUrl: z.string().trim().url().max(2000),
  /** The model name the server knows (e.g. 'qwen2.5:7b-instruct'). */
  model: z.string().trim().min(1).max(300),
  /** Sent as a bearer token; stored in the library file in clear text (say so in the UI). */
  apiKey: z.string().max(500).optional(),
  /** Endpoints are loopback only unless the user says otherwise here. */
  allowRemote: z.boolean().default(false),
  timeoutSeconds: z.number().positive().max(3600).default(120),
  retries: z.number().int().min(0).max(10).default(2),
});
export type EndpointSpec = z.infer<typeof EndpointSpec>;

export const DescriberInfo = z.object({
  id: DescriberId,
  role: DescriberRole,
  format: DescriberFormat,
  name: z.string(),
  /** The folder or file added; null for an endpoint. */
  path: z.string().nullable(),
  endpoint: EndpointSpec.omit({ apiKey: true }).extend({ hasApiKey: z.boolean() }).nullable(),
  /** sha256 over the model's files (name, size and bytes of each, sorted); for an endpoint, of its URL + model name. */
  sha256: z.string(),
  files: z.array(z.string()),
  bytes: z.number(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  /** ok; missing (a file is gone); changed (a file's size or time differs from when it was added: re-add it). Endpoints: 'ok' (reachability is checked by describer.check). */
  status: z.enum(['ok', 'missing', 'changed']),
  addedAt: z.string(),
});
export type DescriberInfo = z.infer<typeof DescriberInfo>;

/** A probe image, whole or a crop (pixel box in the image's own coordinates, right/bottom exclusive). */
export const ImageRef = z.object({
  imageId: Id,
  box: z
    .tuple([z.number().int().min(0), z.number().int().min(0), z.number().int().positive(), z.number().int().positive()])
    .refine(([x0, y0, x1, y1]) => x1 > x0 && y1 > y0, 'a box is [x0, y0, x1, y1] with x1 > x0 and y1 > y0')
    .optional(),
});
export type ImageRef = z.infer<typeof ImageRef>;

export const CaptionOptions = z.object({
  /** 1 = greedy; more = beam search. */
  numBeams: z.number().int().min(1).max(8).default(1),
  maxNewTokens: z.number().int().min(1).max(256).default(32),
  minNewTokens: z.number().int().min(0).max(256).default(0),
  /** Florence-2: the task prompt (default '<CAPTION>'); SmolVLM: the instruction it stands for (captioner.ts SMOLVLM_TASK_INSTRUCTIONS); a VisionEncoderDecoder captioner refuses any but '<CAPTION>'. */
  task: z.enum(['<CAPTION>', '<DETAILED_CAPTION>', '<MORE_DETAILED_CAPTION>']).optional(),
});
export type CaptionOptions = z.infer<typeof CaptionOptions>;

export const CaptionRow = z.object({
  imageId: Id,
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable(),
  text: z.string(),
  tokenIds: z.array(z.number().int()),
  cached: z.boolean(),
});

export const Sampling = z.object({
  maxTokens: z.number().int().min(1).max(4096).default(64),
  /** 0 = greedy (deterministic); the reference ran its language model at 0.3. */
  temperature: z.number().min(0).max(2).default(0),
  topK: z.number().int().min(0).max(1000).default(40),
  topP: z.number().gt(0).max(1).default(0.95),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0),
});

export const CompletionResult = z.object({
  text: z.string(),
  /** The parsed answer when a schema was given (it passed the schema). */
  json: z.unknown().optional(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  attempts: z.number().int(),
  seconds: z.number(),
  cached: z.boolean(),
});
export type CompletionResult = z.infer<typeof CompletionResult>;

export const GenerationOptions = z.object({
  prompt: z.string().trim().min(1).max(2000),
  negativePrompt: z.string().max(2000).default(''),
  count: z.number().int().min(1).max(64).default(4),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 64)
    .default(0),
  steps: z.number().int().min(1).max(200).default(20),
  /** 1 = no guidance. */
  guidance: z.number().min(1).max(30).default(3),
  scheduler: z.enum(['config', 'ddim', 'euler']).default('config'),
  /** Images per UNet call; memory grows with it. */
  batchSize: z.number().int().min(1).max(16).default(1),
});
export type GenerationOptions = z.infer<typeof GenerationOptions>;

export const GeneratedImageRow = z.object({
  /** Row id in the project's generated-image cache (generated.image returns its pixels). */
  id: Id,
  seed: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  cached: z.boolean(),
});

export const describerMethods = {
  'describer.add': job(
    'Add a local generative model to the app-wide library: a captioner folder (transformers.js image-to-text export), a GGUF language model file, an OpenAI-compatible endpoint, or an image generator folder (diffusers/optimum ONNX export), or a text embedder folder (transformers.js feature-extraction export, e.g. all-mpnet-base-v2). Validated (clear errors name the missing or bad file) and hashed; adding the same files again returns the existing entry.',
    z.object({ role: DescriberRole, path: FilePath.optional(), endpoint: EndpointSpec.optional(), name: Name.optional() }),
    DescriberInfo,
  ),
  'describer.list': method(
    'The generative models in the app-wide library, with their status (ok / missing / changed).',
    z.object({ role: DescriberRole.optional() }),
    z.array(DescriberInfo),
  ),
  'describer.remove': method(
    'Remove a model from the library (files on disk and cached results in projects are untouched).',
    z.object({ describerId: DescriberId }),
    z.object({ removed: z.boolean() }),
  ),
  'describer.check': job(
    'Check a model now: re-validate and re-hash its files (or, for an endpoint, ask it which models it serves).',
    z.object({ describerId: DescriberId }),
    z.object({
      status: z.enum(['ok', 'missing', 'changed']),
      sha256Now: z.string().nullable(),
      message: z.string(),
    }),
  ),
  'caption.run': job(
    'Caption probe images (imageIds: whole images) or crops of them (images: id + pixel box) with a captioner. Cached in the project by captioner hash + image hash + crop + decoding options; a resumed job makes only what is missing.',
    CaptionOptions.extend({
      describerId: DescriberId,
      imageIds: z.array(Id).max(1000).default([]),
      images: z.array(ImageRef).max(1000).default([]),
      /** Ignore cached captions and make them again (the new ones replace them). */
      fresh: z.boolean().default(false),
    }).refine((v) => v.imageIds.length + v.images.length > 0, 'give imageIds or images (at least one image)'),
    z.object({ captions: z.array(CaptionRow), seconds: z.number() }),
  ),
  'lm.complete': job(
    'Ask a language model. With a JSON schema the answer is constrained to it where the runtime can, always validated, retried with the next seed when invalid, then reported; never used unchecked. Cached in the project by model hash + prompt + schema + seed + sampling.',
    Sampling.extend({
      describerId: DescriberId,
      prompt: z.string().min(1).max(100_000),
      system: z.string().max(20_000).optional(),
      /** A JSON schema (object / array / string / number / integer / boolean, properties, required, enum, min/maxItems, maxLength). */
      schema: z.record(z.string(), z.unknown()).optional(),
      /** Use the model's chat template (or the endpoint's chat API); false sends the raw prompt to a GGUF model. */
      chat: z.boolean().default(true),
      fresh: z.boolean().default(false),
    }),
    CompletionResult,
  ),
  'generate.images': job(
    'Generate images from a prompt with an image generator; image i uses seed + i. Cached in the project by generator hash + prompt + seed + steps + guidance + scheduler; a resumed job makes only what is missing.',
    GenerationOptions.extend({ describerId: DescriberId, fresh: z.boolean().default(false) }),
    z.object({
      images: z.array(GeneratedImageRow),
      seconds: z.number(),
      /** e.g. the prompt was longer than the text encoder reads and was cut, as Stable Diffusion does. */
      warnings: z.array(z.string()),
    }),
  ),
  'generated.export': method(
    'Write generated images of the project cache as PNG files into a folder (<prompt words>_seed<N>.png); existing files are refused unless overwrite.',
    z.object({ imageIds: z.array(Id).min(1).max(1000), folder: FilePath, overwrite: Overwrite }),
    z.object({ files: z.array(z.string()) }),
  ),
  'generated.image': method(
    'One generated image of the project cache as a PNG data URL, with what made it.',
    z.object({ imageId: Id }),
    z.object({
      id: Id,
      dataUrl: z.string(),
      width: z.number().int(),
      height: z.number().int(),
      seed: z.number().int(),
      generatorSha256: z.string(),
      request: z.record(z.string(), z.unknown()),
      createdAt: z.string(),
    }),
  ),
  'generated.cache': method(
    "What the project's generative cache holds: rows and bytes of captions, answers and generated images.",
    z.object({}),
    z.object({
      captions: z.number().int(),
      completions: z.number().int(),
      images: z.number().int(),
      imageBytes: z.number().int(),
    }),
  ),
} as const;
