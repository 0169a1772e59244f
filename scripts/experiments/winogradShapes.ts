import { ort } from '../../src/main/core/onnx/ort';
import { encodeModel, onnx } from '../../src/main/core/onnx/onnxProto';
import { winogradConvs } from '../../src/main/core/onnx/winograd';

// Experiment behind the generator's Winograd thresholds (docs/image-generator.md "Winograd convolutions"): one 3x3
// convolution C -> C on a batch of 2, direct vs F(4x4,3x3), CPU ms per call on 1 thread, for several C and H = W.
// Usage: npx tsx scripts/experiments/winogradShapes.ts
const A = onnx.AttributeProto.AttributeType;
const opt: ort.InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'all',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  logSeverityLevel: 3,
  extra: { session: { intra_op: { allow_spinning: '0' } } },
};
const shapes = [
  [32, 64],
  [64, 64],
  [64, 32],
  [64, 16],
  [96, 32],
  [128, 32],
  [128, 16],
  [256, 16],
  [512, 16],
  [640, 16],
  [128, 8],
  [512, 8],
  [1280, 8],
  [320, 64],
];
for (const [c, hw] of shapes) {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      node: [
        { name: 'conv', opType: 'Conv', input: ['x', 'w'], output: ['y'], attribute: [{ name: 'pads', type: A.INTS, ints: [1, 1, 1, 1] }] },
      ],
      initializer: [{ name: 'w', dims: [c, c, 3, 3], dataType: 1, floatData: Array.from({ length: c * c * 9 }, (_, i) => Math.sin(i)) }],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [2, c, hw, hw].map((d) => ({ dimValue: d })) } } } }],
      output: [{ name: 'y' }],
    },
  });
  const x = new ort.Tensor(
    'float32',
    Float32Array.from({ length: 2 * c * hw * hw }, (_, i) => Math.cos(i)),
    [2, c, hw, hw],
  );
  const ms: number[] = [];
  for (const m of [model, winogradConvs(model, { tile: 4, minChannels: 1 }).model]) {
    const s = await ort.InferenceSession.create(encodeModel(m), opt);
    await s.run({ x });
    const reps = Math.max(3, Math.round(2e8 / (c * c * hw * hw)));
    const c0 = process.cpuUsage();
    for (let r = 0; r < reps; r++) await s.run({ x });
    const u = process.cpuUsage(c0);
    ms.push((u.user + u.system) / 1000 / reps);
    await s.release();
  }
  console.log(
    JSON.stringify({
      channels: c,
      size: hw,
      direct_ms: +ms[0].toFixed(2),
      winograd_ms: +ms[1].toFixed(2),
      speedup: +(ms[0] / ms[1]).toFixed(2),
    }),
  );
}
