import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirSync } from '../helpers/tempDir';
import { discoverLayers, loadModel } from '../../src/main/core/features/models/modelService';
import { decodeModel, encodeModel, graphOf } from '../../src/main/core/onnx/onnxProto';
import { precheck, providerReport } from '../../src/main/core/onnx/session';
import { AppError } from '../../src/shared/errors';

const V = 'resources/fixtures/variants';
const tmp = () => tempDirSync('nwb-model');

async function refusal(path: string): Promise<AppError> {
  try {
    await discoverLayers(path, await loadModel(path));
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error(`${path} was accepted`);
}

describe('invalid model files give model_invalid naming the file', () => {
  it('random bytes', async () => {
    const p = join(tmp(), 'random.onnx');
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    writeFileSync(p, bytes);
    const e = await refusal(p);
    expect(e.code).toBe('model_invalid');
    expect(e.message).toMatch(/^random\.onnx: .*(not an ONNX model|truncated)/);
  });
  it('a truncated model', async () => {
    const p = join(tmp(), 'cut.onnx');
    const full = readFileSync('resources/fixtures/models/fmnist_cnn.onnx');
    writeFileSync(p, full.subarray(0, Math.floor(full.length * 0.6)));
    const e = await refusal(p);
    expect(e.code).toBe('model_invalid');
    expect(e.message).toMatch(/^cut\.onnx: the file is truncated/);
  });
  it('missing external data', async () => {
    const d = tmp();
    copyFileSync(join(V, 'ext_data.onnx'), join(d, 'ext_data.onnx'));
    const e = await refusal(join(d, 'ext_data.onnx'));
    expect(e.code).toBe('model_invalid');
    expect(e.message).toMatch(/^ext_data\.onnx: external weight file\(s\) missing next to the model: ext_data\.onnx\.data/);
  });
  it('present external data loads (inlined for edited graphs)', async () => {
    const { layers } = await discoverLayers(join(V, 'ext_data.onnx'), await loadModel(join(V, 'ext_data.onnx')));
    expect(layers.find((l) => l.tensorName === '/relu2/Relu_output_0')?.shape).toEqual([1, 16, 14, 14]);
  });
  it('no image-like input', async () => {
    const e = await refusal(join(V, 'no_image_input.onnx'));
    expect(e.code).toBe('model_invalid');
    expect(e.message).toMatch(/^no_image_input\.onnx: no image-like input .*ids int64\[batch,16\]/);
  });
  it('an op the runtime cannot load', async () => {
    const m = decodeModel(readFileSync(join(V, 'batch1.onnx')));
    graphOf(m).node.find((n) => n.opType === 'Relu')!.opType = 'NoSuchOp';
    const p = join(tmp(), 'weird_op.onnx');
    writeFileSync(p, encodeModel(m));
    const e = await refusal(p);
    expect(e.code).toBe('model_invalid');
    expect(e.message).toMatch(/^weird_op\.onnx: onnxruntime cannot load it: .*NoSuchOp/);
  });
});

describe('model variants', () => {
  const cases: [string, object][] = [
    ['batch1', { layout: 'NCHW', channels: 1, fixedBatch: 1, height: 28 }],
    ['nhwc', { layout: 'NHWC', channels: 1, fixedBatch: null, height: 28 }],
    ['rgb', { layout: 'NCHW', channels: 3 }],
    ['two_outputs', { logitsOutput: 'logits' }],
    ['dynamic_hw', { height: null, width: null }],
    ['rank3', { layout: 'NCHW', channels: 1, height: 28 }],
  ];
  for (const [name, expected] of cases) {
    it(`${name}: layout and layers discovered`, async () => {
      const p = join(V, `${name}.onnx`);
      const { info, layers } = await discoverLayers(p, await loadModel(p));
      expect(info).toMatchObject(expected);
      expect(layers.some((l) => l.suggested && l.reason?.includes('global pooling'))).toBe(true);
      expect(layers.some((l) => l.suggested && l.reason?.includes('classifier'))).toBe(true);
    });
  }
});

describe('execution providers', () => {
  it('reports why it fell back to CPU on this machine', () => {
    const r = providerReport();
    expect(r.used).toBe(process.platform === 'darwin' ? 'coreml' : 'cpu');
    if (process.platform === 'linux' && precheck('cuda')) {
      expect(r.tried[0]).toMatchObject({ provider: 'cuda', ok: false });
      expect(r.tried[0].reason).toMatch(/not installed|not built/);
    }
    expect(r.threads).toBeGreaterThan(0);
  });
  it('an explicit provider that cannot run falls back with its reason', () => {
    const r = providerReport({ provider: 'coreml', threads: 1 });
    if (process.platform !== 'darwin') {
      expect(r.tried[0]).toMatchObject({ provider: 'coreml', ok: false });
      expect(r.used).toBe('cpu');
    }
    expect(r.threads).toBe(1);
  });
});
