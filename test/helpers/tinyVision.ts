import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodeModel, onnx } from '../../src/main/core/onnx/onnxProto';

// Tiny hand-built ONNX vision models for tests that need a property no fixture has: NaN / +-Infinity in known
// neurons, or a huge fixed input size. Built with onnx-proto like test/helpers/tinyEncoder.ts.

type Dim = number | string;
const FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

function value(name: string, dims: Dim[]) {
  return {
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function model(nodes: object[], input: object, outputs: object[], inits: object[]): Uint8Array {
  return encodeModel(
    onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'nwb-test',
      opsetImport: [{ domain: '', version: 13 }],
      graph: { name: 'g', node: nodes, input: [input], output: outputs, initializer: inits },
    }),
  );
}

const meanHW = (input: string, output: string) => ({
  name: 'pool',
  opType: 'ReduceMean',
  input: [input],
  output: [output],
  attribute: [
    { name: 'axes', type: ATTR_INTS, ints: [2, 3] },
    { name: 'keepdims', type: ATTR_INT, i: 0 },
  ],
});

/**
 * x [N,3,4,4] -> pooled [N,3] (mean of each channel) -> logs = Log(pooled - [0.5, 0, 0]) -> feat = Concat(logs, pooled)
 * [N,6] -> logits = feat x ones[6,2]. With x = pixel / 255 on solid-colour images, neuron 0 of `feat` is
 * log(R - 0.5): NaN when R < 0.5; neuron 1 log(G) and neuron 2 log(B): -Infinity when that channel is 0;
 * neurons 3-5 are R, G, B and always finite. A non-finite feat makes both logits of that image non-finite.
 */
export function logModel(): Uint8Array {
  return model(
    [
      meanHW('x', 'pooled'),
      { name: 'shift', opType: 'Sub', input: ['pooled', 'C'], output: ['shifted'] },
      { name: 'log', opType: 'Log', input: ['shifted'], output: ['logs'] },
      { name: 'cat', opType: 'Concat', input: ['logs', 'pooled'], output: ['feat'], attribute: [{ name: 'axis', type: ATTR_INT, i: 1 }] },
      { name: 'head', opType: 'MatMul', input: ['feat', 'W'], output: ['logits'] },
    ],
    value('x', ['N', 3, 4, 4]),
    [value('logits', ['N', 2])],
    [
      { name: 'C', dims: [3], dataType: FLOAT, floatData: [0.5, 0, 0] },
      { name: 'W', dims: [6, 2], dataType: FLOAT, floatData: Array(12).fill(1) },
    ],
  );
}

/** x with the given fixed dims -> mean over H,W -> x W[C,2] -> logits: a valid graph whose only problem is its input size. */
export function fixedInputModel(dims: Dim[]): Uint8Array {
  const c = typeof dims[1] === 'number' ? dims[1] : 3;
  return model(
    [meanHW('x', 'pooled'), { name: 'head', opType: 'MatMul', input: ['pooled', 'W'], output: ['logits'] }],
    value('x', dims),
    [value('logits', [dims[0], 2])],
    [{ name: 'W', dims: [c, 2], dataType: FLOAT, floatData: Array.from({ length: c * 2 }, (_, i) => i + 1) }],
  );
}

export function writeModel(dir: string, name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** A solid-colour 4x4 RGB PNG. */
export async function solidPng(path: string, rgb: [number, number, number]): Promise<void> {
  const px = Buffer.alloc(4 * 4 * 3);
  for (let i = 0; i < 16; i++) px.set(rgb, i * 3);
  await sharp(px, { raw: { width: 4, height: 4, channels: 3 } })
    .png()
    .toFile(path);
}
