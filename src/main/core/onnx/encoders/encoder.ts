import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ort } from '../ort';
import type { ProviderName, ProviderReport } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { externalDataFiles, inlineExternalData } from '../modelFile';
import { encodeModel } from '../onnxProto';
import { createSession, type Session } from '../session';
import { analyseEncoder, encoderInvalid, type EncoderInspection, type ParsedOnnx } from './folder';
import { decodeImage, imageTable, toChw } from './image';
import { TextTokenizer, type TokenBatch } from './text';

// An opened encoder: onnxruntime session(s) + tokenizer + image processor.
// Combined (Optimum) files need both towers' inputs on every run: to embed images alone a 1-row dummy text
// (one pad token, or L pads when the length is fixed) is fed, to embed texts alone one all-zero image; only the
// wanted output is fetched. The dummies cost one extra row per batch.

export type ImageInput = string | Buffer;

export interface EmbedOptions {
  /** Rows per onnxruntime run (default 32 images / 256 texts). */
  batch?: number;
  /** L2-normalise rows (default true). */
  normalize?: boolean;
  signal?: AbortSignal;
  /** Called after each batch with rows done so far. */
  onBatch?(done: number, total: number): void;
  /** Called after each batch with its first row index and its rows (normalised unless normalize: false). */
  onRows?(start: number, rows: Float32Array): void;
}

export interface OpenOptions {
  provider?: ProviderName;
  threads?: number;
}

export interface Encoder {
  info: EncoderInspection;
  /** Embedding size (same as info.dim). */
  dim: number;
  provider: ProviderReport;
  /** N x dim row-major; L2-normalised unless normalize: false. */
  embedImages(inputs: readonly ImageInput[], opts?: EmbedOptions): Promise<Float32Array>;
  embedTexts(texts: readonly string[], opts?: EmbedOptions): Promise<Float32Array>;
  /** Preprocessed N x C x H x W tensor (what the vision tower gets). */
  preprocess(inputs: readonly ImageInput[]): Promise<Float32Array>;
  tokenize(texts: readonly string[]): TokenBatch;
  /** One text as the encoder sees it: ids, token strings, and how many are the unknown token. */
  describeTokens(text: string): { text: string; ids: number[]; tokens: string[]; unknown: number };
  close(): Promise<void>;
}

/** Rows scaled to unit L2 norm in place (norm accumulated in float64, floor 1e-12 as torch's F.normalize). */
export function l2normalizeRows(x: Float32Array, dim: number): Float32Array {
  for (let r = 0; r * dim < x.length; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += x[r * dim + j] * x[r * dim + j];
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let j = 0; j < dim; j++) x[r * dim + j] *= inv;
  }
  return x;
}

async function sessionFor(m: ParsedOnnx, opts: OpenOptions): Promise<{ session: Session; report: ProviderReport }> {
  let bytes: Uint8Array;
  if (externalDataFiles(m.proto).length) {
    inlineExternalData(m.proto, dirname(m.path));
    bytes = encodeModel(m.proto);
  } else {
    bytes = await readFile(m.path);
  }
  try {
    return await createSession(bytes, opts);
  } catch (e) {
    throw encoderInvalid(
      m.path,
      `onnxruntime cannot load it (${e instanceof Error ? e.message.split('\n')[0].slice(0, 300) : String(e)}). Re-export it with a supported opset.`,
    );
  }
}

function intTensor(type: 'int64' | 'int32', values: readonly number[], dims: number[]): ort.Tensor {
  return type === 'int64'
    ? new ort.Tensor(
        'int64',
        BigInt64Array.from(values, (v) => BigInt(v)),
        dims,
      )
    : new ort.Tensor('int32', Int32Array.from(values), dims);
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AppError('cancelled', 'Cancelled.');
}

/** Open an encoder folder: validate (inspectEncoder's checks), create the session(s), check the embedding size. */
export async function openEncoder(folder: string, opts: OpenOptions = {}): Promise<Encoder> {
  const a = await analyseEncoder(folder);
  const { info, image } = a;
  const io = info.io;
  const vis = await sessionFor(a.vision, opts);
  let txt = vis;
  if (a.text !== a.vision) {
    try {
      txt = await sessionFor(a.text, opts);
    } catch (e) {
      await vis.session.release();
      throw e;
    }
  }
  const tok = new TextTokenizer(
    a.tokenizer,
    { maxLength: info.maxTextLength, fixedLength: info.fixedTextLength, padId: info.padId },
    info.unkId,
  );
  const table = imageTable(image);
  const [C, H, W] = [image.channels, image.height, image.width];
  const combined = info.layout === 'combined';

  const dummyText = (): Record<string, ort.Tensor> => {
    const L = info.fixedTextLength ?? 1;
    const feeds: Record<string, ort.Tensor> = { [io.textIds]: intTensor(io.textIdsType, new Array<number>(L).fill(info.padId), [1, L]) };
    if (io.textMask) feeds[io.textMask] = intTensor(io.textMaskType!, new Array<number>(L).fill(1), [1, L]);
    return feeds;
  };

  const outputOf = (
    res: ort.InferenceSession.ReturnType,
    name: string,
    rows: number,
    path: string,
  ): { data: Float32Array; dim: number } => {
    const t = res[name];
    if (t.type !== 'float32' || t.dims.length !== 2 || t.dims[0] !== rows) {
      throw encoderInvalid(path, `output ${name} is ${t.type}[${t.dims.join(',')}] for ${rows} inputs; expected float32 [${rows}, D].`);
    }
    return { data: Float32Array.from(t.data as Float32Array), dim: t.dims[1] };
  };

  const runImageBatch = async (x: Float32Array, n: number) => {
    const feeds: Record<string, ort.Tensor> = { [io.imageInput]: new ort.Tensor('float32', x, [n, C, H, W]) };
    if (combined) Object.assign(feeds, dummyText());
    return outputOf(await vis.session.run(feeds, [io.imageOutput]), io.imageOutput, n, a.vision.path);
  };

  const runTextBatch = async (b: TokenBatch) => {
    const n = b.ids.length;
    const feeds: Record<string, ort.Tensor> = { [io.textIds]: intTensor(io.textIdsType, b.padded, [n, b.length]) };
    if (io.textMask) feeds[io.textMask] = intTensor(io.textMaskType!, b.mask, [n, b.length]);
    if (combined) feeds[io.imageInput] = new ort.Tensor('float32', new Float32Array(C * H * W), [1, C, H, W]);
    return outputOf(await txt.session.run(feeds, [io.textOutput]), io.textOutput, n, a.text.path);
  };

  // The embedding size: from the files, or measured on one dummy row each when a file leaves it symbolic.
  let dim = info.dim;
  try {
    if (!dim) {
      const di = (await runImageBatch(new Float32Array(C * H * W), 1)).dim;
      const dt = (await runTextBatch(tok.tokenize(['']))).dim;
      if (di !== dt) {
        throw new AppError(
          'model_invalid',
          `Embedding sizes differ: ${io.imageOutput} of ${a.vision.path} has size ${di} but ${io.textOutput} of ${a.text.path} has size ${dt}. Both towers must come from the same encoder.`,
          { path: info.path },
        );
      }
      dim = di;
    }
  } catch (e) {
    await vis.session.release();
    if (txt !== vis) await txt.session.release();
    throw e;
  }
  const D = dim;

  const decodeBatch = async (inputs: readonly ImageInput[]): Promise<Float32Array> => {
    const x = new Float32Array(inputs.length * C * H * W);
    const px = await Promise.all(
      inputs.map((inp) =>
        decodeImage(inp, image).catch((e: unknown) => {
          if (e instanceof AppError) throw e;
          throw new AppError(
            'bad_input',
            `Cannot read image ${typeof inp === 'string' ? inp : '(buffer)'}: ${e instanceof Error ? e.message : String(e)}`,
          );
        }),
      ),
    );
    px.forEach((p, i) => toChw(p, image, table, x, i * C * H * W));
    return x;
  };

  return {
    info: { ...info, dim: D },
    dim: D,
    provider: vis.report,
    preprocess: decodeBatch,
    tokenize: (texts) => tok.tokenize(texts),
    describeTokens: (text) => {
      const b = tok.tokenize([text]);
      return { text, ids: b.ids[0], tokens: b.tokens[0], unknown: b.unknown[0] };
    },

    async embedImages(inputs, o = {}) {
      const batch = Math.max(1, o.batch ?? 32);
      const out = new Float32Array(inputs.length * D);
      // Decode batch b+1 (sharp's threads) while onnxruntime runs batch b.
      let next: Promise<Float32Array> | null = inputs.length ? decodeBatch(inputs.slice(0, batch)) : null;
      for (let start = 0; start < inputs.length; start += batch) {
        throwIfAborted(o.signal);
        const n = Math.min(batch, inputs.length - start);
        const x = await next!;
        next = start + batch < inputs.length ? decodeBatch(inputs.slice(start + batch, start + 2 * batch)) : null;
        next?.catch(() => undefined);
        const r = await runImageBatch(x, n);
        if (o.normalize !== false) l2normalizeRows(r.data, D);
        out.set(r.data, start * D);
        o.onRows?.(start, r.data);
        o.onBatch?.(start + n, inputs.length);
      }
      return out;
    },

    async embedTexts(texts, o = {}) {
      const batch = Math.max(1, o.batch ?? 256);
      const out = new Float32Array(texts.length * D);
      for (let start = 0; start < texts.length; start += batch) {
        throwIfAborted(o.signal);
        const idx = Array.from({ length: Math.min(batch, texts.length - start) }, (_, i) => start + i);
        // Dynamic length without a mask: pads would change the result, so each run holds texts of one length.
        const groups = new Map<number, number[]>();
        if (info.fixedTextLength === null && !io.textMask) {
          for (const i of idx) {
            const len = tok.encodeOne(texts[i]).length;
            groups.set(len, [...(groups.get(len) ?? []), i]);
          }
        } else {
          groups.set(0, idx);
        }
        for (const rows of groups.values()) {
          const r = await runTextBatch(tok.tokenize(rows.map((i) => texts[i])));
          rows.forEach((i, k) => out.set(r.data.subarray(k * D, (k + 1) * D), i * D));
        }
        const part = out.subarray(start * D, (start + idx.length) * D);
        if (o.normalize !== false) l2normalizeRows(part, D);
        o.onRows?.(start, part);
        o.onBatch?.(start + idx.length, texts.length);
      }
      return out;
    },

    async close() {
      await vis.session.release();
      if (txt !== vis) await txt.session.release();
    },
  };
}
