import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exposeOutputs, extractTail } from '../../src/main/core/onnx/graph';
import { decodeModel, encodeModel, graphOf } from '../../src/main/core/onnx/onnxProto';
import { createSession, runBatch } from '../../src/main/core/onnx/session';

// Graph edits must not change a single bit: the exposed intermediate is exactly what the tail consumes,
// and the tail run on it gives exactly the original logits.

const CNN = 'resources/fixtures/models/fmnist_cnn.onnx';
const STAGE = '/layer3/relu_1/Relu_output_0';
const POOLED = '/Flatten_output_0';

function input(n: number): Float32Array {
  const x = new Float32Array(n * 28 * 28);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.113) * 1.7;
  return x;
}

async function run(bytes: Uint8Array, name: string, x: Float32Array, dims: number[], outs: string[]) {
  const { session } = await createSession(bytes, { provider: 'cpu' });
  try {
    return await runBatch(session, name, x, dims, outs);
  } finally {
    await session.release();
  }
}

const bitsEqual = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('graph editing', () => {
  const model = decodeModel(readFileSync(CNN));
  const x = input(5);
  const dims = [5, 1, 28, 28];

  it('exposeOutputs keeps the original outputs bit for bit and adds intermediates', async () => {
    const orig = await run(readFileSync(CNN), 'input', x, dims, ['logits']);
    const exposed = await run(encodeModel(exposeOutputs(model, [STAGE, POOLED])), 'input', x, dims, ['logits', STAGE, POOLED]);
    expect(bitsEqual(orig.get('logits')!.data, exposed.get('logits')!.data)).toBe(true);
    expect(exposed.get(STAGE)!.dims).toEqual([5, 64, 7, 7]);
    expect(graphOf(model).output.length).toBe(1); // the input model is untouched
  });

  for (const cut of [STAGE, POOLED]) {
    it(`tail(${cut}) reproduces the logits exactly`, async () => {
      const full = await run(encodeModel(exposeOutputs(model, [cut])), 'input', x, dims, ['logits', cut]);
      const mid = full.get(cut)!;
      const tail = extractTail(model, cut, ['logits'], ['batch', ...mid.dims.slice(1)]);
      expect(graphOf(tail).input.map((i) => i.name)).toEqual([cut]);
      const out = await run(encodeModel(tail), cut, mid.data, mid.dims, ['logits']);
      expect(bitsEqual(out.get('logits')!.data, full.get('logits')!.data)).toBe(true);
    });
  }

  it('refuses a cut that a skip connection bypasses, naming the missing tensor', () => {
    expect(() => extractTail(model, '/layer3/relu/Relu_output_0', ['logits'], ['batch', 64, 7, 7])).toThrow(
      /layer3\/downsample\/downsample\.0\/Conv_output_0/,
    );
  });

  it('refuses unknown tensors and outputs that do not depend on the cut', () => {
    expect(() => extractTail(model, 'nope', ['logits'], [1])).toThrow(/no such tensor/);
    expect(() => extractTail(model, POOLED, ['/layer1/relu/Relu_output_0'], [1, 64])).toThrow(/does not depend on it/);
  });

  const VIT = 'resources/fixtures/models/fmnist_vit.onnx';
  it.skipIf(!existsSync(VIT))('ViT: tail from the CLS feature reproduces the logits exactly; a cut inside a block is refused', async () => {
    const vit = decodeModel(readFileSync(VIT));
    const cls = graphOf(vit).node.find((n) => n.opType === 'Gemm')!.input[0];
    const full = await run(encodeModel(exposeOutputs(vit, [cls])), 'input', x, dims, ['logits', cls]);
    const mid = full.get(cls)!;
    const out = await run(encodeModel(extractTail(vit, cls, ['logits'], ['batch', mid.dims[1]])), cls, mid.data, mid.dims, ['logits']);
    expect(bitsEqual(out.get('logits')!.data, full.get('logits')!.data)).toBe(true);
    expect(() => extractTail(vit, '/blocks.3/mlp/act/Mul_1_output_0', ['logits'], ['batch', 17, 128])).toThrow(/computed before the cut/);
  });
});
