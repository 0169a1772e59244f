// Tail-sub-graph benchmark (ablation of layers that do not feed a linear head): images/s of running the
// extracted sub-graph from a layer of the fixture CNN to the logits with one channel replaced, as the
// ablation tail oracle does. Cuts: the last conv stage (layer3 output, 64x7x7: the tail is pool + fc) and the
// layer2 output (32x14x14: the tail is the whole layer3 residual block + pool + fc). Reference in the same
// run: the whole model on the same images (what each ablation step would cost without the cut).
// Optim's gradient on this path: one run of the tail's forward-mode derivative graph (inference/jvp.ts: logits
// and d logits / dv together) per Adam step, against central finite differences (three tail runs per step:
// v, v + h, v - h): images/s of each, and the time of one neuron's Optim (100 steps) on 5,000 val images.
// Inputs: real Fashion-MNIST test images, preprocessed in memory. Prints one JSON object.
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { ort } from '../src/main/core/onnx/ort';
import { exposeOutputs, extractTail } from '../src/main/core/onnx/graph';
import { jvpModel } from '../src/main/core/onnx/jvp';
import { decodeModel, encodeModel } from '../src/main/core/onnx/onnxProto';
import { createSession, runBatch } from '../src/main/core/onnx/session';
import { replaceChannel } from '../src/main/core/numeric/ablation';
import { loadFashionMnist } from '../test/helpers/fashionMnist';

const quick = process.argv.includes('--quick');
const N = quick ? 1024 : 8192;
const BATCH = 256;
const OPTIM_STEPS = 100;
const VAL_IMAGES = 5000;
const CUTS = [
  { name: 'layer3 (last conv stage)', tensor: '/layer3/relu_1/Relu_output_0', dims: [64, 7, 7] },
  { name: 'layer2', tensor: '/layer2/relu_1/Relu_output_0', dims: [32, 14, 14] },
] as const;
const modelPath = join(resolve(import.meta.dirname, '..'), 'resources/fixtures/models/fmnist_cnn.onnx');

const data = loadFashionMnist('test');
const input = new Float32Array(N * 784);
for (let i = 0; i < N * 784; i++) input[i] = (data.pixels[i] / 255 - 0.286) / 0.353;

const model = decodeModel(readFileSync(modelPath));

async function timeIt(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

async function measure(cut: (typeof CUTS)[number]) {
  const [C, H, W] = cut.dims;
  const plane = H * W;
  const full = await createSession(encodeModel(exposeOutputs(model, [cut.tensor])));
  const tailModel = extractTail(model, cut.tensor, ['logits'], ['N', C, H, W]);
  const tail = await createSession(encodeModel(tailModel));
  const jvp = jvpModel(tailModel, cut.tensor, ['logits']);
  const derivative = await createSession(encodeModel(jvp.model));
  // Whole model (also gives the layer maps the tail consumes).
  const maps = new Float32Array(N * C * plane);
  const fullSeconds = await timeIt(async () => {
    for (let s = 0; s < N; s += BATCH) {
      const n = Math.min(BATCH, N - s);
      const out = await runBatch(full.session, 'input', input.subarray(s * 784, (s + n) * 784), [n, 1, 28, 28], [cut.tensor]);
      maps.set(out.get(cut.tensor)!.data, s * C * plane);
    }
  });
  // Channel 0 of every map replaced (shifted so its spatial mean becomes 0.5), as the oracle does.
  for (let i = 0; i < N; i++) {
    const off = i * C * plane;
    maps.set(replaceChannel(maps.subarray(off, off + plane), H, W, 0.5, 'mean'), off);
  }
  const tailSeconds = await timeIt(async () => {
    for (let s = 0; s < N; s += BATCH) {
      const n = Math.min(BATCH, N - s);
      await runBatch(tail.session, cut.tensor, maps.subarray(s * C * plane, (s + n) * C * plane), [n, C, H, W], ['logits']);
    }
  });
  // The tangent of "channel 0's value": every element of channel 0 moves by 1 (the shift rule).
  const direction = new Float32Array(BATCH * C * plane);
  for (let i = 0; i < BATCH; i++) direction.fill(1, i * C * plane, i * C * plane + plane);
  const jvpSeconds = await timeIt(async () => {
    for (let s = 0; s < N; s += BATCH) {
      const n = Math.min(BATCH, N - s);
      const feeds = {
        [cut.tensor]: maps.subarray(s * C * plane, (s + n) * C * plane),
        [jvp.tangentInput]: direction.subarray(0, n * C * plane),
      };
      await derivative.session.run(
        Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v, [n, C, H, W])])),
        ['logits', jvp.tangentOutputs[0]],
      );
    }
  });
  const tailIps = N / tailSeconds;
  const jvpIps = N / jvpSeconds;
  return {
    cut: cut.name,
    tensor: cut.tensor,
    provider: tail.report.used,
    tailImagesPerSecond: Math.round(tailIps),
    reference_wholeModelImagesPerSecond: Math.round(N / fullSeconds),
    speedup: Number((fullSeconds / tailSeconds).toFixed(2)),
    // Optim's gradient: forward mode (one derivative-graph run) vs finite differences (three tail runs).
    forwardModeImagesPerSecond: Math.round(jvpIps),
    reference_finiteDifferenceImagesPerSecond: Math.round(tailIps / 3),
    forwardModeVsFiniteDifference: Number((jvpIps / (tailIps / 3)).toFixed(2)),
    optimSecondsPerNeuron: {
      forwardMode: Number(((OPTIM_STEPS * VAL_IMAGES) / jvpIps).toFixed(2)),
      reference_finiteDifference: Number(((3 * OPTIM_STEPS * VAL_IMAGES) / tailIps).toFixed(2)),
    },
  };
}

const results = [];
for (const cut of CUTS) results.push(await measure(cut));
console.log(
  JSON.stringify({
    benchmark: 'ablation tail sub-graph',
    model: 'fmnist_cnn',
    images: N,
    batch: BATCH,
    threads: availableParallelism(),
    results,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    loadAverage1m: Number(loadavg()[0].toFixed(2)),
  }),
);
