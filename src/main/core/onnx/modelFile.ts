import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { Dim, ModelInfo, TensorSpec } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import {
  decodeModel,
  ELEM_TYPES,
  graphOf,
  toNum,
  type GraphProto,
  type ModelProto,
  type TensorProto,
  type ValueInfoProto,
} from './onnxProto';

// Reading and validating an ONNX file: every way a file can be unusable ends in AppError('model_invalid')
// whose message names the file and the problem.

export function invalid(path: string, problem: string): AppError {
  return new AppError('model_invalid', `${basename(path)}: ${problem}`, { path });
}

/** Decode the bytes of `path`; a file that is not a complete ONNX model is refused. */
export function parseModelBytes(path: string, bytes: Uint8Array): ModelProto {
  let model: ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const truncated = /index out of range/i.test(why);
    throw invalid(
      path,
      truncated
        ? `the file is truncated or not an ONNX model (protobuf decoding ran past the end: ${why}).`
        : `not an ONNX model (protobuf decoding failed: ${why}).`,
    );
  }
  const g = model.graph;
  if (!g || !g.node?.length || !g.output?.length) {
    throw invalid(path, 'not an ONNX model: the file decodes but holds no graph with nodes and outputs.');
  }
  return model;
}

/** Initializers whose bytes live in other files (TensorProto.data_location = EXTERNAL). */
export function externalDataFiles(model: ModelProto): string[] {
  const files = new Set<string>();
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataLocation !== 1) continue;
    const loc = t.externalData?.find((e) => e.key === 'location')?.value;
    if (loc) files.add(loc);
  }
  return [...files];
}

export function checkExternalData(path: string, model: ModelProto): string[] {
  const files = externalDataFiles(model);
  const missing = files.filter((f) => isAbsolute(f) || f.includes('..') || !existsSync(join(dirname(path), f)));
  if (missing.length) {
    throw invalid(path, `external weight file(s) missing next to the model: ${missing.join(', ')}. Copy them into ${dirname(path)}.`);
  }
  return files;
}

/** Copy external weights into the model so an edited graph can be loaded from memory (needs < 2 GB). */
export function inlineExternalData(model: ModelProto, dir: string): void {
  const cache = new Map<string, Buffer>();
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataLocation !== 1) continue;
    const get = (k: string) => t.externalData?.find((e) => e.key === k)?.value;
    const loc = get('location') ?? '';
    if (!cache.has(loc)) cache.set(loc, readFileSync(join(dir, loc)));
    const file = cache.get(loc)!;
    const offset = Number(get('offset') ?? 0);
    const length = get('length') ? Number(get('length')) : file.length - offset;
    t.rawData = Uint8Array.from(file.subarray(offset, offset + length));
    t.dataLocation = 0;
    t.externalData = [];
  }
}

function dimsOf(v: ValueInfoProto): Dim[] {
  const dims = v.type?.tensorType?.shape?.dim ?? [];
  return dims.map((d) => (d.dimParam ? d.dimParam : d.dimValue !== null && d.dimValue !== undefined ? toNum(d.dimValue) : null));
}

export function tensorSpec(v: ValueInfoProto): TensorSpec {
  return { name: v.name ?? '', elemType: ELEM_TYPES[v.type?.tensorType?.elemType ?? 0] ?? 'unknown', dims: dimsOf(v) };
}

/** Graph inputs that must be fed (old exporters also list initializers as inputs). */
export function feedInputs(g: GraphProto): ValueInfoProto[] {
  const inits = new Set(g.initializer.map((t: TensorProto) => t.name));
  return g.input.filter((i) => !inits.has(i.name ?? ''));
}

const fixed = (d: Dim): number | null => (typeof d === 'number' && d > 0 ? d : null);
const isCh = (d: Dim) => d === 1 || d === 3;

interface ImageLayout {
  layout: 'NCHW' | 'NHWC';
  channels: 1 | 3;
  height: number | null;
  width: number | null;
}

/** NCHW when dim 1 is 1 or 3, else NHWC when the last dim is; rank 3 [N,H,W] is grayscale. */
export function imageLayout(dims: Dim[]): ImageLayout | null {
  if (dims.length === 4) {
    if (isCh(dims[1])) return { layout: 'NCHW', channels: dims[1] as 1 | 3, height: fixed(dims[2]), width: fixed(dims[3]) };
    if (isCh(dims[3])) return { layout: 'NHWC', channels: dims[3] as 1 | 3, height: fixed(dims[1]), width: fixed(dims[2]) };
    return null;
  }
  if (dims.length === 3 && !isCh(dims[1])) return { layout: 'NCHW', channels: 1, height: fixed(dims[1]), width: fixed(dims[2]) };
  return null;
}

/**
 * Largest image side a model may fix, in pixels. Why: it is the preprocessing contract's size limit (images are
 * resized to the model's fixed size), and one 4096 x 4096 RGB image is already 201 MB of float32.
 */
export const MAX_INPUT_SIDE = 4096;
/**
 * Most float32 values one run of the model input may hold (batch fixed in the file x channels x H x W): 64 Mi
 * values = 256 MB. Why: layer discovery and every extraction batch allocate it at once; a 3 x 50000 x 50000 input
 * asked for 30 GB and died as "Invalid typed array length".
 */
export const MAX_INPUT_ELEMENTS = 64 * 1024 * 1024;
/** Side assumed for a dynamic size when sizing a fixed batch (the default preprocessing size). */
const DYNAMIC_SIDE = 224;

const fmtCount = (n: number) =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} Gi` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} Mi` : String(n);

/** Refuse an image input whose fixed sizes exceed the limits above, naming the input and the limit. */
export function checkInputLimits(path: string, image: TensorSpec, lay: ImageLayout, fixedBatch: number | null): void {
  const shape = `'${image.name}' [${image.dims.map((d) => d ?? '?').join(',')}]`;
  for (const [what, side] of [
    ['height', lay.height],
    ['width', lay.width],
  ] as const) {
    if (side !== null && side > MAX_INPUT_SIDE) {
      throw invalid(
        path,
        `input ${shape} fixes an image ${what} of ${side} px; the most supported is ${MAX_INPUT_SIDE} px per side. Export the model with a smaller or a dynamic input size.`,
      );
    }
  }
  const perRun = (fixedBatch ?? 1) * lay.channels * (lay.height ?? DYNAMIC_SIDE) * (lay.width ?? DYNAMIC_SIDE);
  if (perRun > MAX_INPUT_ELEMENTS) {
    throw invalid(
      path,
      `input ${shape} needs ${fmtCount(perRun)} values per run (batch ${fixedBatch ?? 1} x ${lay.channels} x ${lay.height ?? DYNAMIC_SIDE} x ${lay.width ?? DYNAMIC_SIDE}); ` +
        `the most supported is ${fmtCount(MAX_INPUT_ELEMENTS)} (${(MAX_INPUT_ELEMENTS * 4) / 2 ** 20} MB of float32). Export the model with a smaller or a dynamic batch.`,
    );
  }
}

/** Inputs, outputs and the image input's layout; refuses a model without exactly one image-like input. */
export function describeModel(path: string, model: ModelProto): ModelInfo {
  const g = graphOf(model);
  const inputs = feedInputs(g).map(tensorSpec);
  const outputs = g.output.map(tensorSpec);
  const images = inputs.filter((i) => i.elemType === 'float32' && imageLayout(i.dims));
  if (images.length === 0) {
    const got = inputs.map((i) => `${i.name} ${i.elemType}[${i.dims.map((d) => d ?? '?').join(',')}]`).join('; ') || 'none';
    throw invalid(
      path,
      `no image-like input (need a float32 input of shape [N,C,H,W] or [N,H,W,C] with 1 or 3 channels, or [N,H,W]); inputs: ${got}.`,
    );
  }
  const image = images[0];
  const others = inputs.filter((i) => i.name !== image.name);
  if (others.length)
    throw invalid(
      path,
      `needs inputs besides the image (${others.map((o) => o.name).join(', ')}); only single-image-input models are supported.`,
    );
  const lay = imageLayout(image.dims)!;
  checkInputLimits(path, image, lay, fixed(image.dims[0]));
  const logits = outputs.find((o) => /logit/i.test(o.name)) ?? outputs[0];
  const opset = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  return {
    inputs,
    outputs,
    irVersion: toNum(model.irVersion),
    opset: toNum(opset?.version),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    imageInput: image.name,
    ...lay,
    fixedBatch: fixed(image.dims[0]),
    logitsOutput: logits.name,
    nodes: g.node.length,
    metadata: Object.fromEntries((model.metadataProps ?? []).filter((p) => p.key).map((p) => [p.key!, p.value ?? ''])),
  };
}
