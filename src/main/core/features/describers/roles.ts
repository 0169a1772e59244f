// The three generative model roles Describe-and-Dissect needs, as the rest of the workbench sees them. Each runtime
// (transformers.js captioner, node-llama-cpp or an OpenAI-compatible endpoint, our ONNX diffusion loop) implements
// one of these; the library, the cache, the jobs and the try screen only use these interfaces.

export type DescriberRole = 'captioner' | 'language_model' | 'image_generator' | 'text_embedder';

/** Pixels handed to a captioner, already cropped: row-major, interleaved channels, 8 bits each. */
export interface ImagePixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

export interface CaptionOptions {
  /** 1 = greedy decoding; > 1 = beam search with this many beams. */
  numBeams: number;
  maxNewTokens: number;
  minNewTokens: number;
  /** Florence-2: the task prompt ('<CAPTION>' when absent); SmolVLM: a task name or a plain instruction; others refuse any task but '<CAPTION>'. */
  task?: string;
}

export interface Caption {
  text: string;
  /** The generated token ids (special tokens included as the model emitted them), for goldens and provenance. */
  tokenIds: number[];
}

export interface Captioner {
  caption(images: ImagePixels[], opts: CaptionOptions, signal: AbortSignal): Promise<Caption[]>;
  dispose(): Promise<void>;
}

/** A JSON schema subset both node-llama-cpp grammars and OpenAI-compatible servers accept (object/array/string/number/enum). */
export type JsonSchema = Record<string, unknown>;

export interface CompletionRequest {
  prompt: string;
  /** System message; used when the model has a chat template (or the endpoint is a chat endpoint). */
  system?: string;
  /** When set, the answer must be JSON valid under this schema (constrained where the runtime can, always validated). */
  schema?: JsonSchema;
  maxTokens: number;
  /** 0 = greedy. */
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  /** Wrap the prompt in the model's chat template when it has one (default), or send it raw. */
  chat: boolean;
}

export interface Completion {
  text: string;
  /** The parsed answer when a schema was given. */
  json?: unknown;
  promptTokens: number;
  completionTokens: number;
  /** The generated token ids of the answer (in-process runtimes only; an endpoint does not return them), for goldens. */
  tokenIds?: number[];
  /** How many tries it took (a schema-invalid answer is retried). */
  attempts: number;
  seconds: number;
}

export interface LanguageModel {
  complete(req: CompletionRequest, signal: AbortSignal, onText?: (textSoFar: string) => void): Promise<Completion>;
  dispose(): Promise<void>;
}

export interface GenerationRequest {
  prompt: string;
  /** Prompt of the unconditional branch of classifier-free guidance (default ''). */
  negativePrompt: string;
  steps: number;
  /** 1 = no guidance (one UNet call per step); > 1 = classifier-free guidance. */
  guidance: number;
  /** 'config' = the scheduler named in scheduler/scheduler_config.json. */
  scheduler: 'config' | 'ddim' | 'euler';
  /** One image per seed, in this order: the initial noise of an image depends only on its own seed, so any image can be remade alone (and a resumed job makes only what is missing). */
  seeds: number[];
  /** Images per UNet call: set on purpose (memory grows with it). */
  batchSize: number;
}

/** One generated image: RGB, 8 bits, row-major. */
export interface GeneratedImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** The seed that made it. */
  seed: number;
}

export interface ImageGenerator {
  /** One image per seed; `onImage` is called as each image is finished (index into seeds), `onStep` after every UNet step of a batch. */
  generate(
    req: GenerationRequest,
    signal: AbortSignal,
    hooks: {
      onStep?: (step: number, steps: number) => void;
      onImage?: (index: number, img: GeneratedImage) => void;
      /** Something the caller should show but that does not stop generation (e.g. a prompt truncated to the text encoder's length). */
      onWarning?: (message: string) => void;
    },
  ): Promise<GeneratedImage[]>;
  dispose(): Promise<void>;
}

/** A sentence-embedding model: one L2-normalised vector per text (pooled as its folder says). */
export interface TextEmbedder {
  dim: number;
  /** texts.length x dim, row-major, each row of unit length. */
  embed(texts: readonly string[], signal: AbortSignal): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** How a model of a role is run: transformers.js folder, GGUF file, OpenAI-compatible endpoint, diffusers/optimum ONNX folder. */
export type DescriberFormat = 'transformers' | 'gguf' | 'endpoint' | 'diffusers_onnx';

/** What validating a model folder or file found: the files its content hash covers, and facts shown to the user. */
export interface InspectedModel {
  format: DescriberFormat;
  /** Paths relative to the added path (a file's own name when the path is a file) that make up the model, sorted. */
  files: string[];
  /** Architecture, sizes, vocabulary, scheduler ... in words and numbers, for the library screen. */
  details: Record<string, string | number | boolean>;
}

export interface LoadOptions {
  signal: AbortSignal;
  /** Loading progress in [0, 1]. */
  onProgress?: (fraction: number) => void;
  /** Intra-op threads (onnxruntime) or CPU threads (llama.cpp); default: the runtime's own choice. */
  threads?: number;
}
