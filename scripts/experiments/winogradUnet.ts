import { readFileSync } from 'node:fs';
import { ort } from '../../src/main/core/onnx/ort';
import { decodeModel, encodeModel } from '../../src/main/core/onnx/onnxProto';
import { winogradConvs } from '../../src/main/core/onnx/winograd';

// Experiment: one UNet call of the mid-size bench UNet (export_generator_bench.py), direct convolutions vs the
// Winograd rewrite (src/main/core/onnx/winograd.ts), 1 thread, the generator's session options. Prints CPU ms per
// call and the largest output difference.
const path = process.argv[2] ?? '/tmp/nwb-generator-bench/unet/model.onnx';
const tiles = (process.argv[3] ?? '2,4').split(',').map(Number) as (2 | 4)[];
const opt: ort.InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'all',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  logSeverityLevel: 3,
  extra: { session: { intra_op: { allow_spinning: '0' } } },
};
const bytes = readFileSync(path);
const base = await ort.InferenceSession.create(bytes, opt);
const rnd = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.731 + s));
const ids = base.inputNames;
const meta = base.inputMetadata as unknown as { name: string; shape: (number | string)[]; type: string }[];
console.error(meta.map((m) => `${m.name}:${m.type}[${m.shape}]`).join(' '));
const feeds: Record<string, ort.Tensor> = {
  sample: new ort.Tensor('float32', rnd(2 * 4 * 64 * 64, 1), [2, 4, 64, 64]),
  timestep: new ort.Tensor('float32', Float32Array.from([500, 500]), [2]),
};
const ehs = meta.find((m) => m.name === 'encoder_hidden_states')!;
const [L, D] = ehs.shape.slice(1).map(Number);
feeds.encoder_hidden_states = new ort.Tensor('float32', rnd(2 * L * D, 2), [2, L, D]);
void ids;
async function time(s: ort.InferenceSession, reps: number) {
  await s.run(feeds);
  const c = process.cpuUsage();
  const t = performance.now();
  let out!: Float32Array;
  for (let r = 0; r < reps; r++) out = (await s.run(feeds)).out_sample.data as Float32Array;
  const cu = process.cpuUsage(c);
  return { out, wall_ms: +((performance.now() - t) / reps).toFixed(1), cpu_ms: +((cu.user + cu.system) / 1000 / reps).toFixed(1) };
}
const ref = await time(base, 5);
const res: object[] = [{ what: 'direct', wall_ms: ref.wall_ms, cpu_ms: ref.cpu_ms }];
for (const tile of tiles) {
  const { model, rewritten } = winogradConvs(decodeModel(bytes), { tile, minChannels: 96, minPixels: 256 });
  const s = await ort.InferenceSession.create(encodeModel(model), opt);
  const r = await time(s, 5);
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < r.out.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(r.out[i] - ref.out[i]));
    maxRef = Math.max(maxRef, Math.abs(ref.out[i]));
  }
  res.push({ what: `F(${tile},3)`, rewritten: rewritten.length, wall_ms: r.wall_ms, cpu_ms: r.cpu_ms, maxAbs, maxRef });
}
console.log(JSON.stringify(res, null, 1));
