import { ort } from '../../src/main/core/onnx/ort';

// Experiment for issue #13's captioner speed goal (docs/captioner.md "Benchmark"): greedy captioning of 8 images
// (encoder + 16 steps, 2 threads, the app's session options) with the bench export's merged decoder, which recomputes
// the cross-attention keys/values every step, against pre.onnx + step.onnx from captioner_cross_kv.py export (the same
// weights; the keys/values computed once per caption). Prints wall and CPU seconds of each and whether every step's
// logits are bitwise equal. Nothing here is used by the app.
// Usage: npx tsx scripts/experiments/captionerCrossKv.ts [/tmp/nwb-captioner-bench]

const DIR = process.argv[2] ?? '/tmp/nwb-captioner-bench';
const B = 8;
const VOCAB = 50257;
const opt: ort.InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'all',
  intraOpNumThreads: 2,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  logSeverityLevel: 3,
  extra: { session: { intra_op: { allow_spinning: '0' } } },
};
const [enc, merged, pre, step] = await Promise.all(
  ['captioner/onnx/encoder_model.onnx', 'captioner/onnx/decoder_model_merged.onnx', 'cross-kv/pre.onnx', 'cross-kv/step.onnx'].map((p) =>
    ort.InferenceSession.create(`${DIR}/${p}`, opt),
  ),
);
const px = new ort.Tensor(
  'float32',
  new Float32Array(B * 3 * 224 * 224).map((_, i) => Math.sin(i * 0.37)),
  [B, 3, 224, 224],
);
const names = Array.from({ length: 12 }, (_, l) => [`${l}.key`, `${l}.value`]).flat();

function argmax(l: Float32Array): bigint[] {
  return Array.from({ length: B }, (_, r) => {
    let best = 0;
    for (let j = 1; j < VOCAB; j++) if (l[r * VOCAB + j] > l[r * VOCAB + best]) best = j;
    return BigInt(best);
  });
}

async function caption(hoisted: boolean): Promise<Float32Array[]> {
  const h = (await enc.run({ pixel_values: px })).last_hidden_state;
  const cross = hoisted ? await pre.run({ enc: h }) : null;
  const past = new Map<string, ort.Tensor>(names.map((n) => [n, new ort.Tensor('float32', new Float32Array(0), [B, 12, 0, 64])]));
  let ids = new BigInt64Array(B);
  const logits: Float32Array[] = [];
  for (let s = 0; s < 16; s++) {
    const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, [B, 1]) };
    if (!cross) feeds.encoder_hidden_states = h;
    for (const n of names) {
      feeds[cross ? `past.${n}` : `past_key_values.${n}`] = past.get(n)!;
      if (cross) feeds[`cross.${n}`] = cross[`cross.${n}`];
    }
    const o = await (cross ? step : merged).run(feeds);
    for (const n of names) past.set(n, o[`present.${n}`]);
    logits.push(o.logits.data as Float32Array);
    ids = BigInt64Array.from(argmax(logits[s]));
  }
  return logits;
}

const a = await caption(false);
const b = await caption(true);
const equal = a.every((l, s) => l.every((v, i) => v === b[s][i]));
const runs: object[] = [];
for (let rep = 0; rep < 2; rep++)
  for (const hoisted of [false, true]) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await caption(hoisted);
    const c = process.cpuUsage(c0);
    runs.push({ hoisted, wall_s: +((performance.now() - t0) / 1000).toFixed(2), cpu_s: +((c.user + c.system) / 1e6).toFixed(2) });
  }
console.log(JSON.stringify({ logitsBitwiseEqual: equal, runs }));
