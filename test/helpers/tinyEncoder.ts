import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeModel, onnx } from '../../src/main/core/onnx/onnxProto';

// Tiny hand-built ONNX towers for encoder tests that need a file the fixtures do not have (other embedding
// sizes, other input names, an unknown operator). Weights are deterministic; the numbers mean nothing.

type Dim = number | string;
const FLOAT = 1;
const INT64 = 7;

function value(name: string, elemType: number, dims: Dim[]) {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function weights(name: string, rows: number, cols: number) {
  return { name, dims: [rows, cols], dataType: FLOAT, floatData: Array.from({ length: rows * cols }, (_, i) => Math.sin(i + 1)) };
}

function model(nodes: object[], inputs: object[], outputs: object[], inits: object[]): Uint8Array {
  const m = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'nwb-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'g', node: nodes, input: inputs, output: outputs, initializer: inits },
  });
  return encodeModel(m);
}

/** pixel_values [N,3,H,W] -> mean over H,W -> [N,3] x W[3,D] -> image_embeds [N,D]. */
export function visionTower(dim: number, opts: { input?: string; size?: number; op?: string } = {}): Uint8Array {
  const input = opts.input ?? 'pixel_values';
  const s = opts.size ?? 28;
  return model(
    [
      {
        opType: opts.op ?? 'ReduceMean',
        input: [input],
        output: ['pooled'],
        attribute: [
          { name: 'axes', type: 7, ints: [2, 3] },
          { name: 'keepdims', type: 2, i: 0 },
        ],
      },
      { opType: 'MatMul', input: ['pooled', 'W'], output: ['image_embeds'] },
    ],
    [value(input, FLOAT, ['N', 3, s, s])],
    [value('image_embeds', FLOAT, ['N', dim])],
    [weights('W', 3, dim)],
  );
}

/** input_ids int64 [N,L] (L fixed or dynamic) -> float -> x W[L,D] (fixed) or sum of squares (dynamic) -> text_embeds. */
export function textTower(dim: number, length: number | null, opts: { mask?: boolean } = {}): Uint8Array {
  if (length === null && opts.mask === false) {
    // Dynamic length without attention_mask (how SigLIP text towers are often exported).
    return model(
      [
        { opType: 'Cast', input: ['input_ids'], output: ['f'], attribute: [{ name: 'to', type: 2, i: FLOAT }] },
        {
          opType: 'ReduceSumSquare',
          input: ['f'],
          output: ['s'],
          attribute: [
            { name: 'axes', type: 7, ints: [1] },
            { name: 'keepdims', type: 2, i: 1 },
          ],
        },
        { opType: 'MatMul', input: ['s', 'W'], output: ['text_embeds'] },
      ],
      [value('input_ids', INT64, ['N', 'L'])],
      [value('text_embeds', FLOAT, ['N', dim])],
      [weights('W', 1, dim)],
    );
  }
  if (length !== null) {
    return model(
      [
        { opType: 'Cast', input: ['input_ids'], output: ['f'], attribute: [{ name: 'to', type: 2, i: FLOAT }] },
        { opType: 'MatMul', input: ['f', 'W'], output: ['text_embeds'] },
      ],
      [value('input_ids', INT64, ['N', length])],
      [value('text_embeds', FLOAT, ['N', dim])],
      [weights('W', length, dim)],
    );
  }
  return model(
    [
      { opType: 'Cast', input: ['input_ids'], output: ['f'], attribute: [{ name: 'to', type: 2, i: FLOAT }] },
      { opType: 'Cast', input: ['attention_mask'], output: ['m'], attribute: [{ name: 'to', type: 2, i: FLOAT }] },
      { opType: 'Mul', input: ['f', 'm'], output: ['fm'] },
      {
        opType: 'ReduceSumSquare',
        input: ['fm'],
        output: ['s'],
        attribute: [
          { name: 'axes', type: 7, ints: [1] },
          { name: 'keepdims', type: 2, i: 1 },
        ],
      },
      { opType: 'MatMul', input: ['s', 'W'], output: ['text_embeds'] },
    ],
    [value('input_ids', INT64, ['N', 'L']), value('attention_mask', INT64, ['N', 'L'])],
    [value('text_embeds', FLOAT, ['N', dim])],
    [weights('W', 1, dim)],
  );
}

export const FIXTURE_ENCODERS = join(import.meta.dirname, '..', '..', 'resources', 'fixtures', 'encoders');

/** A copy of a fixture encoder folder (to break in a test). */
export function copyFixtureEncoder(name: string, to: string): string {
  mkdirSync(to, { recursive: true });
  cpSync(join(FIXTURE_ENCODERS, name), to, { recursive: true });
  return to;
}

/** Write the two towers into dir/onnx (separate layout) next to copies of a fixture's JSON files. */
export function writeTinySeparate(dir: string, vision: Uint8Array, text: Uint8Array, jsonFrom = 'fmnist_siglip_a'): string {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'preprocessor_config.json', 'config.json'])
    cpSync(join(FIXTURE_ENCODERS, jsonFrom, f), join(dir, f));
  writeFileSync(join(dir, 'onnx', 'vision_model.onnx'), vision);
  writeFileSync(join(dir, 'onnx', 'text_model.onnx'), text);
  return dir;
}
