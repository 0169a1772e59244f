// The language-model role: (a) a local GGUF file run in-process by node-llama-cpp (prebuilt binaries only: CPU here,
// CUDA/Vulkan/Metal where their packages are installed), (b) an OpenAI-compatible chat-completions endpoint the user
// already runs on this machine (Ollama, LM Studio, llama.cpp server, vLLM). Both validate every schema answer with
// jsonSchema.ts and retry a bad one before reporting it; see docs/language-model.md.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Llama, LlamaContext, LlamaGrammar, LlamaModel, Token } from 'node-llama-cpp';
import { AppError, isAppError } from '../../../../shared/errors';
import { assertSupportedSchema, checkAnswer } from './jsonSchema';
import type { Completion, CompletionRequest, InspectedModel, LanguageModel, LoadOptions } from './roles';

// ------------------------------------------------------------------------------------------------ GGUF header --

const GGUF_MAGIC = 0x46554747; // 'GGUF' little-endian
const CHUNK = 1 << 20;

/** Buffered little-endian reader over a file descriptor; running past the end means the file is truncated. */
class HeaderReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly onTruncated: (need: number) => never,
  ) {}
  private need(n: number): Buffer {
    if (this.pos + n > this.size) this.onTruncated(this.pos + n);
    if (this.pos < this.bufStart || this.pos + n > this.bufStart + this.buf.length) {
      this.buf = Buffer.alloc(Math.max(n, CHUNK));
      const got = readSync(this.fd, this.buf, 0, this.buf.length, this.pos);
      this.buf = this.buf.subarray(0, got);
      this.bufStart = this.pos;
    }
    const off = this.pos - this.bufStart;
    this.pos += n;
    return this.buf.subarray(off, off + n);
  }
  u8 = () => this.need(1).readUInt8(0);
  u32 = () => this.need(4).readUInt32LE(0);
  i32 = () => this.need(4).readInt32LE(0);
  f32 = () => this.need(4).readFloatLE(0);
  u64 = () => Number(this.need(8).readBigUInt64LE(0));
  string(): string {
    const n = this.u64();
    if (n > this.size) this.onTruncated(this.pos + n);
    return this.need(n).toString('utf8');
  }
  skip(n: number): void {
    if (this.pos + n > this.size) this.onTruncated(this.pos + n);
    this.pos += n;
  }
}

// GGUF value types: byte sizes of the fixed-size ones (8 = string, 9 = array).
const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

type MetaValue = number | bigint | boolean | string | { arrayType: number; length: number; head: MetaValue[] };

function readValue(r: HeaderReader, type: number): MetaValue {
  switch (type) {
    case 8:
      return r.string();
    case 9: {
      const arrayType = r.u32();
      const length = r.u64();
      // Arrays (vocabularies: 100k+ strings) are walked, and only their first items kept: we need lengths, not content.
      const head: MetaValue[] = [];
      for (let i = 0; i < length; i++) {
        if (arrayType === 8 || arrayType === 9 || i < 4) {
          const v = readValue(r, arrayType);
          if (head.length < 4) head.push(v);
        } else {
          const size = SCALAR_SIZE[arrayType];
          if (size === undefined) throw new Error(`unknown array item type ${arrayType}`);
          r.skip(size * (length - i)); // the rest of a numeric array at once
          break;
        }
      }
      return { arrayType, length, head };
    }
  }
  const size = SCALAR_SIZE[type];
  if (size === undefined) throw new Error(`unknown metadata value type ${type}`);
  switch (type) {
    case 7:
      return r.u8() !== 0;
    case 4:
      return r.u32();
    case 5:
      return r.i32();
    case 10:
      return r.u64();
    case 6:
      return r.f32();
    default:
      r.skip(size);
      return 0; // types no key we show uses
  }
}

// ggml tensor types: [elements per block, bytes per block], for the data-size check (unknown types are skipped).
const GGML_BLOCK: Record<number, [number, number]> = {
  0: [1, 4], 1: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24], 8: [32, 34], 9: [32, 36],
  10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176], 14: [256, 210], 15: [256, 292],
  16: [256, 66], 17: [256, 74], 18: [256, 98], 19: [256, 50], 20: [32, 18], 21: [256, 110], 22: [256, 82],
  23: [256, 136], 24: [1, 1], 25: [1, 2], 26: [1, 4], 27: [1, 8], 28: [1, 8], 29: [256, 56], 30: [1, 2],
  34: [256, 54], 35: [256, 66], 39: [32, 17],
}; // prettier-ignore

const FILE_TYPES: Record<number, string> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 7: 'Q8_0', 8: 'Q5_0', 9: 'Q5_1', 10: 'Q2_K', 11: 'Q3_K_S', 12: 'Q3_K_M',
  13: 'Q3_K_L', 14: 'Q4_K_S', 15: 'Q4_K_M', 16: 'Q5_K_S', 17: 'Q5_K_M', 18: 'Q6_K', 19: 'IQ2_XXS', 20: 'IQ2_XS',
  23: 'IQ3_XXS', 24: 'IQ1_S', 25: 'IQ4_NL', 26: 'IQ3_S', 27: 'IQ3_M', 28: 'IQ2_S', 29: 'IQ2_M', 30: 'IQ4_XS',
  31: 'IQ1_M', 32: 'BF16', 36: 'TQ1_0', 37: 'TQ2_0', 38: 'MXFP4',
}; // prettier-ignore

const CONVERT_HINT = "convert the model with llama.cpp's convert_hf_to_gguf.py (or download a .gguf file of it)";

let knownArchitectures: Promise<Set<string>> | undefined;
/** The architectures this node-llama-cpp's llama.cpp knows (its own list), so an unknown one is refused before loading. */
function architectures(): Promise<Set<string>> {
  // A const enum in its typings but a real object at runtime, hence the untyped import.
  knownArchitectures ??= (import('node-llama-cpp') as Promise<unknown>).then(
    (m) => new Set<string>(Object.values((m as { GgufArchitectureType: Record<string, string> }).GgufArchitectureType)),
  );
  return knownArchitectures;
}

/** Reads a GGUF file's header (metadata and tensor table, never the weights) and checks that llama.cpp can load it. */
export async function inspectGguf(path: string): Promise<InspectedModel> {
  const file = resolve(path);
  const bad = (what: string): never => {
    throw new AppError('describer_invalid', `${file} ${what}`, { path: file });
  };
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory())
      bad(
        'is a folder: a GGUF language model is one .gguf file; choose the file itself (a transformers folder needs ' + CONVERT_HINT + ').',
      );
    size = st.size;
  } catch (e) {
    if (isAppError(e)) throw e;
    return bad(`cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): check the path.`);
  }
  const truncated = (need: number): never =>
    bad(`is truncated: it has ${size} bytes but its header needs at least ${need}; download or convert it again.`);
  const fd = openSync(file, 'r');
  try {
    const r = new HeaderReader(fd, size, truncated);
    if (size < 4 || r.u32() !== GGUF_MAGIC) {
      const head = Buffer.alloc(Math.min(size, 64));
      readSync(fd, head, 0, head.length, 0);
      const lfs = head.toString('latin1').startsWith('version https://git-lfs');
      return bad(`is not a GGUF file${lfs ? ' (it is a Git LFS pointer: run `git lfs pull`)' : ''}: ${CONVERT_HINT}.`);
    }
    const version = r.u32();
    if (version !== 2 && version !== 3)
      bad(`is GGUF version ${version}; this llama.cpp reads versions 2 and 3: ${CONVERT_HINT} with a current llama.cpp.`);
    const tensorCount = r.u64();
    const kvCount = r.u64();
    const meta = new Map<string, MetaValue>();
    for (let i = 0; i < kvCount; i++) {
      const key = r.string();
      const type = r.u32();
      try {
        meta.set(key, readValue(r, type));
      } catch (e) {
        if (isAppError(e)) throw e;
        bad(`has a corrupt metadata entry '${key}' (${(e as Error).message}): download or convert it again.`);
      }
    }
    // Tensor table, then the data section (aligned): its end must be inside the file.
    let dataBytes = 0;
    for (let i = 0; i < tensorCount; i++) {
      r.string();
      const nDims = r.u32();
      let elements = 1;
      for (let d = 0; d < nDims; d++) elements *= r.u64();
      const type = r.u32();
      const offset = r.u64();
      const block = GGML_BLOCK[type];
      if (block) dataBytes = Math.max(dataBytes, offset + Math.ceil(elements / block[0]) * block[1]);
    }
    const align = typeof meta.get('general.alignment') === 'number' ? (meta.get('general.alignment') as number) : 32;
    const dataStart = Math.ceil(r.pos / align) * align;
    if (dataStart + dataBytes > size) truncated(dataStart + dataBytes);

    const arch = meta.get('general.architecture');
    if (typeof arch !== 'string') bad(`has no general.architecture in its metadata: ${CONVERT_HINT}.`);
    if (!(await architectures()).has(arch as string))
      bad(
        `has architecture '${String(arch)}', which this version of llama.cpp (node-llama-cpp) cannot run: use a model of a supported architecture (llama, qwen2, gemma, phi3, mistral, ...).`,
      );
    const num = (k: string): number | undefined => (typeof meta.get(k) === 'number' ? (meta.get(k) as number) : undefined);
    const tokens = meta.get('tokenizer.ggml.tokens');
    const vocab = typeof tokens === 'object' && tokens !== null && 'length' in tokens ? tokens.length : num(`${arch}.vocab_size`);
    const ft = num('general.file_type');
    const details: Record<string, string | number | boolean> = {
      architecture: arch as string,
      ggufVersion: version,
      tensors: tensorCount,
      bytes: size,
      chatTemplate: typeof meta.get('tokenizer.chat_template') === 'string',
    };
    const name = meta.get('general.name');
    if (typeof name === 'string') details.name = name;
    const put = (label: string, v: number | undefined) => v !== undefined && (details[label] = v);
    put('contextLength', num(`${arch}.context_length`));
    put('blocks', num(`${arch}.block_count`));
    put('embeddingLength', num(`${arch}.embedding_length`));
    put('vocabSize', vocab);
    if (ft !== undefined) details.fileType = FILE_TYPES[ft] ?? `type ${ft}`;
    const tokenizer = meta.get('tokenizer.ggml.model');
    if (typeof tokenizer === 'string') details.tokenizer = tokenizer;
    return { format: 'gguf', files: [basename(file)], details };
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------- shared bits --

const cancelled = () => new AppError('cancelled', 'The language model was cancelled.');

/** Tries of a schema answer: a bad one is retried with seed + 1, + 2, ... (at temperature 0 a retry would repeat it). */
const GGUF_ATTEMPTS = 3;

function badAnswer(where: string, attempts: number, text: string, errors: string[]): AppError {
  return new AppError(
    'bad_answer',
    `${where} answered something that does not fit the JSON schema ${attempts} time(s) (${errors.slice(0, 3).join('; ')}): try a larger or instruction-tuned model, a higher temperature or a simpler schema.`,
    { answer: text, errors, attempts },
  );
}

/** True once `text` is a complete JSON object/array (node-llama-cpp's JSON grammar never ends by itself: it wants trailing newlines). */
function jsonComplete(text: string): boolean {
  const t = text.trim();
  if (!/^[[{]/.test(t) || !/[\]}]$/.test(t)) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------------------------------- node-llama-cpp --

const llamas = new Map<string, Promise<Llama>>();
/** One Llama per GPU choice per process (it owns the native backend). Prebuilt binaries only: never builds from source. */
function getLlamaFor(gpu: 'auto' | false): Promise<Llama> {
  let p = llamas.get(String(gpu));
  if (!p) {
    process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD ??= 'true';
    p = import('node-llama-cpp').then(async (m) => {
      // maxThreads 0: a context's `threads` is the exact count used (for LoadOptions.threads and the benchmark).
      const base = { build: 'never' as const, logLevel: m.LlamaLogLevel.error, maxThreads: 0 };
      try {
        return await m.getLlama({ ...base, gpu });
      } catch (e) {
        if (gpu === false) throw e;
        return m.getLlama({ ...base, gpu: false }); // no usable GPU binary: CPU
      }
    });
    llamas.set(String(gpu), p);
    p.catch(() => llamas.delete(String(gpu)));
  }
  return p;
}

/** Loads a GGUF file into memory (progress 0..1) and returns the role's interface over one context sequence. */
export async function loadGgufModel(
  path: string,
  opts: LoadOptions & { gpu?: 'auto' | false; contextSize?: number },
): Promise<LanguageModel> {
  const info = await inspectGguf(path);
  const file = resolve(path);
  if (opts.signal.aborted) throw cancelled();
  const m = await import('node-llama-cpp');
  const llama = await getLlamaFor(opts.gpu ?? false);
  let model: LlamaModel;
  try {
    model = await llama.loadModel({
      modelPath: file,
      gpuLayers: opts.gpu === 'auto' ? 'auto' : 0,
      loadSignal: opts.signal,
      onLoadProgress: (p) => opts.onProgress?.(p),
    });
  } catch (e) {
    if (opts.signal.aborted) throw cancelled();
    throw new AppError('describer_invalid', `${file} could not be loaded by llama.cpp (${(e as Error).message}): ${CONVERT_HINT}.`, {
      path: file,
    });
  }
  const trained = typeof info.details.contextLength === 'number' ? info.details.contextLength : 4096;
  let context: LlamaContext;
  try {
    context = await model.createContext({
      contextSize: opts.contextSize ?? Math.min(trained, 4096),
      sequences: 1,
      ...(opts.threads ? { threads: opts.threads } : {}),
      createSignal: opts.signal,
    });
  } catch (e) {
    await model.dispose();
    if (opts.signal.aborted) throw cancelled();
    throw new AppError('describer_invalid', `${file}: no context could be made (${(e as Error).message}): try a smaller contextSize.`, {
      path: file,
    });
  }
  opts.onProgress?.(1);
  const sequence = context.getSequence();
  const chatWrapper = info.details.chatTemplate ? m.resolveChatWrapper(model) : null;
  const grammars = new Map<string, Promise<LlamaGrammar>>();
  let queue: Promise<unknown> = Promise.resolve();

  const promptTokens = (req: CompletionRequest): Token[] => {
    if (req.chat && chatWrapper) {
      const history = [
        ...(req.system ? [{ type: 'system' as const, text: req.system }] : []),
        { type: 'user' as const, text: req.prompt },
        { type: 'model' as const, response: [] },
      ];
      return chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(model.tokenizer);
    }
    // Raw: BOS (when the model wants one) + the prompt as llama.cpp tokenises it (with its leading-space rule).
    const text = req.system ? `${req.system}\n\n${req.prompt}` : req.prompt;
    return [...(model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos] : []), ...model.tokenize(text)];
  };

  /** One generation from a clean sequence; stops on an end-of-generation token, maxTokens, or a complete JSON answer. */
  const generate = async (tokens: Token[], req: CompletionRequest, seed: number, signal: AbortSignal, onText?: (t: string) => void) => {
    await sequence.clearHistory();
    let grammarEvaluationState;
    if (req.schema) {
      const key = JSON.stringify(req.schema);
      let g = grammars.get(key);
      if (!g) grammars.set(key, (g = llama.createGrammarForJsonSchema(req.schema as Parameters<Llama['createGrammarForJsonSchema']>[0])));
      grammarEvaluationState = new m.LlamaGrammarEvaluationState({ model, grammar: await g });
    }
    const out: Token[] = [];
    let text = '';
    const maxTokens = Math.min(req.maxTokens, context.contextSize - tokens.length);
    const it = sequence.evaluate(tokens, {
      temperature: req.temperature,
      topK: req.topK,
      topP: req.topP,
      seed,
      // No repeatPenalty: evaluate() applies none unless asked, so temperature 0 is exact greedy.
      grammarEvaluationState,
      yieldEogToken: true,
    });
    for await (const token of it) {
      if (signal.aborted) throw cancelled(); // leaving the loop stops the evaluation
      if (model.isEogToken(token)) break;
      out.push(token);
      text = model.detokenize(out);
      onText?.(text);
      if (out.length >= maxTokens || (req.schema && jsonComplete(text))) break;
    }
    if (signal.aborted) throw cancelled();
    return { text, tokens: out };
  };

  const complete = async (req: CompletionRequest, signal: AbortSignal, onText?: (t: string) => void): Promise<Completion> => {
    if (signal.aborted) throw cancelled();
    if (req.schema) assertSupportedSchema(req.schema);
    const started = performance.now();
    const tokens = promptTokens(req);
    if (tokens.length + 1 > context.contextSize)
      throw new AppError(
        'bad_input',
        `The prompt is ${tokens.length} tokens; ${basename(file)}'s context holds ${context.contextSize} (with room for the answer): shorten the prompt or load the model with a larger context size.`,
        { promptTokens: tokens.length, contextSize: context.contextSize },
      );
    const attempts = req.schema && req.temperature > 0 ? GGUF_ATTEMPTS : 1;
    let last = { text: '', errors: [] as string[] };
    for (let a = 0; a < attempts; a++) {
      const r = await generate(tokens, req, req.seed + a, signal, onText);
      const done = (json?: unknown): Completion => ({
        text: r.text,
        ...(json !== undefined ? { json } : {}),
        promptTokens: tokens.length,
        completionTokens: r.tokens.length,
        tokenIds: r.tokens.map(Number),
        attempts: a + 1,
        seconds: (performance.now() - started) / 1000,
      });
      if (!req.schema) return done();
      const c = checkAnswer(r.text, req.schema);
      if (c.ok) return done(c.value);
      last = { text: r.text, errors: c.errors };
    }
    throw badAnswer(basename(file), attempts, last.text, last.errors);
  };

  return {
    // One context sequence: requests run one after another.
    complete(req, signal, onText) {
      const run = queue.then(() => complete(req, signal, onText));
      queue = run.catch(() => undefined);
      return run;
    },
    async dispose() {
      await queue;
      await context.dispose();
      await model.dispose();
    },
  };
}

// ----------------------------------------------------------------------------------- OpenAI-compatible endpoint --

export interface EndpointOptions {
  /** e.g. http://127.0.0.1:11434 (Ollama), http://127.0.0.1:1234 (LM Studio), http://127.0.0.1:8080 (llama.cpp server); '/v1' optional. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  /** Extra tries after a connection error / HTTP 5xx, and after a schema-invalid answer. */
  retries: number;
  /** Allow a host that is not this machine (the prompt leaves it). */
  allowRemote?: boolean;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?|\[?::ffff:127(\.\d{1,3}){3}\]?)$/i;

/** The /v1 root of an endpoint, refusing a non-loopback host unless allowed. */
function endpointRoot(opts: EndpointOptions): string {
  let url: URL;
  try {
    url = new URL(opts.baseUrl);
  } catch {
    throw new AppError(
      'bad_input',
      `'${opts.baseUrl}' is not a URL: use e.g. http://127.0.0.1:11434 (Ollama) or http://127.0.0.1:8080 (llama.cpp server).`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AppError('bad_input', `'${opts.baseUrl}' is not an http(s) URL: use e.g. http://127.0.0.1:11434.`);
  if (!LOOPBACK.test(url.hostname) && !opts.allowRemote)
    throw new AppError(
      'bad_input',
      `The endpoint host '${url.hostname}' is not this machine: prompts would leave it. Use a loopback address (127.0.0.1, localhost) or allow remote endpoints for this model.`,
      { host: url.hostname },
    );
  const root = url.href.replace(/\/+$/, '');
  return /\/v1$/.test(root) ? root : `${root}/v1`;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((res, rej) => {
    const t = setTimeout(res, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), rej(cancelled())), { once: true });
  });

/** One HTTP call with the timeout and the caller's cancel; connection errors and 5xx are retried with backoff. */
async function callEndpoint(opts: EndpointOptions, root: string, pathName: string, body: unknown, signal: AbortSignal): Promise<unknown> {
  const url = `${root}${pathName}`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
  };
  let lastProblem = '';
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    if (attempt > 0) await sleep(Math.min(250 * 2 ** (attempt - 1), 4000), signal);
    if (signal.aborted) throw cancelled();
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, {
        method: body === undefined ? 'GET' : 'POST',
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any([signal, timeout]),
      });
    } catch (e) {
      if (signal.aborted) throw cancelled();
      if (timeout.aborted)
        throw new AppError(
          'endpoint_unavailable',
          `${url} did not answer within ${opts.timeoutMs / 1000} s: is the server busy or stuck? Raise the timeout or restart it.`,
          { url },
        );
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      lastProblem = `cannot be reached (${cause?.code ?? cause?.message ?? (e as Error).message})`;
      continue;
    }
    let text: string;
    try {
      text = await res.text();
    } catch {
      if (signal.aborted) throw cancelled();
      if (timeout.aborted)
        throw new AppError('endpoint_unavailable', `${url} did not finish its answer within ${opts.timeoutMs / 1000} s.`, { url });
      lastProblem = 'dropped the connection mid-answer';
      continue;
    }
    if (res.status >= 500) {
      lastProblem = `answered HTTP ${res.status} (${text.slice(0, 200)})`;
      continue;
    }
    if (!res.ok)
      throw new AppError(
        'endpoint_unavailable',
        `${url} answered HTTP ${res.status}: ${text.slice(0, 300)} (check the model name '${opts.model}' and the API key).`,
        {
          url,
          status: res.status,
        },
      );
    try {
      return JSON.parse(text);
    } catch {
      throw new AppError(
        'endpoint_unavailable',
        `${url} answered something that is not JSON ('${text.slice(0, 80)}'): is this an OpenAI-compatible server?`,
        { url },
      );
    }
  }
  throw new AppError(
    'endpoint_unavailable',
    `${url} ${lastProblem} after ${opts.retries + 1} tries: start the server (e.g. \`ollama serve\`, LM Studio's server, llama.cpp's llama-server) or fix the address.`,
    { url },
  );
}

/** An OpenAI-compatible chat-completions endpoint as a LanguageModel (prompts always go as chat messages). */
export function createEndpointModel(opts: EndpointOptions): LanguageModel {
  const root = endpointRoot(opts);
  return {
    async complete(req, signal, onText) {
      if (signal.aborted) throw cancelled();
      if (req.schema) assertSupportedSchema(req.schema);
      const started = performance.now();
      const attempts = req.schema ? opts.retries + 1 : 1;
      let last = { text: '', errors: [] as string[] };
      for (let a = 0; a < attempts; a++) {
        const body = {
          model: opts.model,
          messages: [...(req.system ? [{ role: 'system', content: req.system }] : []), { role: 'user', content: req.prompt }],
          max_tokens: req.maxTokens,
          temperature: req.temperature,
          top_p: req.topP,
          ...(req.topK > 0 ? { top_k: req.topK } : {}), // not OpenAI's, but llama.cpp / vLLM / LM Studio read it
          seed: req.seed + a,
          stream: false,
          ...(req.schema
            ? { response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema: req.schema } } }
            : {}),
        };
        const json = await callEndpoint(opts, root, '/chat/completions', body, signal);
        const text = answerText(json);
        if (text === undefined)
          throw new AppError(
            'endpoint_unavailable',
            `${root}/chat/completions answered JSON without choices[0].message.content: is this an OpenAI-compatible server?`,
            {
              url: `${root}/chat/completions`,
            },
          );
        onText?.(text);
        const usage = (json as { usage?: { prompt_tokens?: number; completion_tokens?: number } }).usage;
        const done = (value?: unknown): Completion => ({
          text,
          ...(value !== undefined ? { json: value } : {}),
          promptTokens: usage?.prompt_tokens ?? 0,
          completionTokens: usage?.completion_tokens ?? 0,
          attempts: a + 1,
          seconds: (performance.now() - started) / 1000,
        });
        if (!req.schema) return done();
        const c = checkAnswer(text, req.schema);
        if (c.ok) return done(c.value);
        last = { text, errors: c.errors };
      }
      throw badAnswer(`${opts.model} at ${root}`, attempts, last.text, last.errors);
    },
    async dispose() {
      /* nothing held: every call is its own HTTP request */
    },
  };
}

function answerText(json: unknown): string | undefined {
  const choices = (json as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices) || choices.length === 0) return undefined;
  const content = (choices[0] as { message?: { content?: unknown } } | null)?.message?.content;
  return typeof content === 'string' ? content : undefined;
}

/** Asks an endpoint which models it serves (GET /v1/models): it answers, and whether the chosen model is among them. */
export async function inspectEndpoint(opts: EndpointOptions): Promise<InspectedModel> {
  const root = endpointRoot(opts);
  const json = await callEndpoint(opts, root, '/models', undefined, new AbortController().signal);
  const data = (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(data))
    throw new AppError('endpoint_unavailable', `${root}/models answered JSON without a data list: is this an OpenAI-compatible server?`, {
      url: `${root}/models`,
    });
  const ids = data.map((d) => (d as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === 'string');
  return {
    format: 'endpoint',
    files: [],
    details: {
      baseUrl: root,
      model: opts.model,
      served: ids.join(', '),
      // llama.cpp's server answers for any model name; Ollama / LM Studio / vLLM need one they list.
      modelListed: ids.includes(opts.model),
      remote: !LOOPBACK.test(new URL(root).hostname),
    },
  };
}
