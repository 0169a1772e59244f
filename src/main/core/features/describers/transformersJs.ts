// What every transformers.js model folder needs, in one place: the library loaded once with the Hub switched off, and
// the checks that name a missing or bad file (captioner.ts, textEmbedder.ts).
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../../../../shared/errors';
import '../../onnx/ort'; // first: switches onnxruntime's telemetry off before transformers.js loads it

export type Json = Record<string, unknown>;
export type Tj = typeof import('@huggingface/transformers');

export const invalid = (path: string, message: string): AppError => new AppError('describer_invalid', message, { path });

/** A JSON file of a model folder (object or array), or a describer_invalid error naming it. */
export function readJsonObject(folder: string, name: string): Json {
  const file = resolve(folder, name);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw invalid(file, `${name} cannot be read (${(e as Error).message}): restore it from the model's export.`);
  }
  try {
    const v: unknown = JSON.parse(text);
    // An object or an array (sentence-transformers' modules.json is one); callers check the fields they read.
    if (v === null || typeof v !== 'object') throw new Error('not a JSON object or array');
    return v as Json;
  } catch (e) {
    throw invalid(file, `${name} is not valid JSON (${(e as Error).message}): restore it from the model's export.`);
  }
}

/** A file that is not an ONNX protobuf at all (an HTML error page, a Git LFS pointer, zeros) is caught here, cheaply. */
export function checkOnnxFile(folder: string, name: string): number {
  const file = resolve(folder, name);
  const size = statSync(file).size;
  const head = Buffer.alloc(Math.min(64, size));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  // An ONNX ModelProto starts with field 1 (ir_version, varint: byte 0x08) in every exporter we know.
  if (size < 16 || head[0] !== 0x08) {
    const lfs = head.toString('latin1').startsWith('version https://git-lfs');
    throw invalid(
      file,
      `${name} is not an ONNX model${lfs ? ' (it is a Git LFS pointer: run `git lfs pull` in the model folder)' : ''}: re-download or re-export it.`,
    );
  }
  return size;
}

let tjPromise: Promise<Tj> | null = null;
/** transformers.js, loaded once on first use (after our ort wrapper, imported above): only local folders, nothing cached. */
export function transformersJs(): Promise<Tj> {
  tjPromise ??= (async () => {
    const tj = await import('@huggingface/transformers');
    tj.env.allowRemoteModels = false; // never reach the Hub: only the user's folder
    tj.env.allowLocalModels = true;
    tj.env.useFSCache = false;
    tj.env.useBrowserCache = false;
    return tj;
  })();
  return tjPromise;
}

/** The app's session settings (onnx/session.ts): no spin-waiting, which starves other work on a busy machine. */
export function tjSessionOptions(threads?: number) {
  return {
    graphOptimizationLevel: 'all' as const,
    executionMode: 'sequential' as const,
    interOpNumThreads: 1,
    ...(threads ? { intraOpNumThreads: threads } : {}),
    extra: { session: { intra_op: { allow_spinning: process.env.NWB_ORT_SPIN === '1' ? '1' : '0' } } },
  };
}
