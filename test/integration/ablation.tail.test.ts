import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linearHeadOracle, matrix } from '../../src/main/core/numeric/ablation';
import { prepare } from '../../src/main/core/features/ablation/common';
import { decodeModel, encodeModel, graphOf, onnx } from '../../src/main/core/onnx/onnxProto';
import { readMatrix } from '../../src/main/core/platform/store/activationRepo';
import { call } from '../helpers/backend';
import { CNN, CNN_POOLED, probeProject, type ExplainFixture } from './explain.helpers';
import { addModel, checkLayout, extractSet, tailFixture, VARIANTS, VIT, VIT_MLP, type TailFixture } from './ablation.tail.helpers';

// The tail-graph ablation oracle on every layout a user can extract (replaceNeuron.ts rules), each checked
// against the whole model with the implied delta added to the layer tensor (ablation.tail.helpers.ts), plus
// unchanged values -> stored logits, and the closed form where both paths apply.

const PER_CLASS = 3; // 30 Fashion-MNIST test images
const TOL = 1e-4;
const errors: Record<string, number> = {};

async function check(name: string, t: TailFixture, neurons: number[], images = 6): Promise<void> {
  try {
    const e = await checkLayout(t, neurons, images);
    errors[`${name}.unchanged`] = e.unchanged;
    errors[`${name}.wholeModel`] = e.whole;
    errors[`${name}.summary`] = Math.max(e.summary, e.others);
    console.log(
      `${name}: max |logit diff| unchanged vs stored ${e.unchanged.toExponential(2)}, tail vs whole model + delta ${e.whole.toExponential(2)} (logit change caused ${e.effect.toFixed(3)}); summarise(replaced): |g_k - v| ${e.summary.toExponential(2)}, other neurons ${e.others.toExponential(2)}; recomputed vs stored ${t.oracle.summaryError.toExponential(2)}`,
    );
    expect(e.unchanged).toBeLessThanOrEqual(TOL);
    expect(e.whole).toBeLessThanOrEqual(TOL);
    expect(e.summary).toBeLessThanOrEqual(1e-4);
    expect(e.others).toBeLessThanOrEqual(1e-4);
    expect(e.effect).toBeGreaterThan(1e-3);
  } finally {
    await t.release();
  }
}

/** Max |loss difference| between the tail oracle and the closed form on the same set, a few neurons and values. */
async function closedVsTail(f: ExplainFixture, setId: number, neurons: number[]): Promise<number> {
  const db = f.backend.state.requireProject().db;
  const prep = await prepare(db, setId);
  expect(prep.path).toBe('closed-form');
  const { set } = prep.src;
  const A = matrix(readMatrix(db, setId, 'act'), set.nImages, set.nNeurons);
  const closed = await linearHeadOracle(A, prep.head.head!, prep.labels, 1.3);
  const t = await tailFixture(f, setId, 1.3);
  const idx = Int32Array.from({ length: A.rows }, (_, i) => i);
  let maxDiff = 0;
  try {
    for (const k of neurons) {
      const values = Float64Array.from(idx, (i) => (((i % 3) - 0.5) * (k + 1)) / 10);
      const a = await closed.evaluate(k, values, idx, {});
      const b = await t.oracle.evaluate(k, values, idx, {});
      for (let i = 0; i < idx.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.losses[i] - b.losses[i]));
    }
  } finally {
    await t.release();
  }
  return maxDiff;
}

describe('tail-graph ablation oracle on every layout', () => {
  it('ViT MLP tokens [N,T,D]: cls and token_mean (the residual is fed as a side input)', async () => {
    const f = await probeProject(PER_CLASS);
    const id = await addModel(f, VIT);
    for (const summary of ['cls', 'token_mean'] as const) {
      const setId = await extractSet(f, id, VIT_MLP, summary);
      const head = await call(f.backend, 'ablation.head', { activationSetId: setId });
      expect(head.linear).toBe(false);
      const t = await tailFixture(f, setId);
      expect(t.oracle.slot).toMatchObject({ layout: 'tokens', summary });
      expect(t.oracle.sideInputs).toEqual(['/blocks.3/Add_output_0']);
      await check(`vit.${summary}`, t, [0, t.k >> 1, t.k - 1]);
    }
    // The final LayerNorm output [N,T,D] with cls: its CLS row feeds Gather -> Gemm (not a linear walk).
    const norm = await extractSet(f, id, '/norm/LayerNormalization_output_0', 'cls');
    await check('vit.norm.cls', await tailFixture(f, norm), [0, 63]);
    console.log(`tail errors: ${JSON.stringify(errors)}`);
  }, 60_000);

  it('CNN: NCHW max map; 2-D identity features through the tail = closed form; identity on a map refused', async () => {
    const f = await probeProject(PER_CLASS);
    const id = await addModel(f, CNN);
    const l3max = await extractSet(f, id, '/layer3/relu_1/Relu_output_0', 'max');
    const t = await tailFixture(f, l3max);
    expect(t.oracle.slot).toMatchObject({ layout: 'NCHW', summary: 'max', dims: [64, 7, 7] });
    await check('cnn.layer3.max', t, [0, 31, 63]);

    const pooled = await extractSet(f, id, CNN_POOLED, 'identity');
    const diff = await closedVsTail(f, pooled, [0, 17, 63]);
    errors['cnn.pooled.closedVsTail'] = diff;
    console.log(`2-D identity (pooled): tail vs closed form max |loss diff| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-5);
    await check('cnn.pooled.identity', await tailFixture(f, pooled), [0, 63]);

    const flat = await extractSet(f, id, '/layer3/relu_1/Relu_output_0', 'identity');
    const db = f.backend.state.requireProject().db;
    await expect(prepare(db, flat)).rejects.toThrow(
      /'identity' on a 4-D layer .*extract the layer with 'mean' or 'max'.*cls or token_mean for token tensors/,
    );
    const er = await call(f.backend, 'explain.run', { activationSetId: flat, neurons: [0] });
    await expect(call(f.backend, 'ablation.run', { explainRunId: er.run.id })).rejects.toThrow(/flattened tensor a neuron/);
  }, 60_000);

  it('NHWC maps: a channel-last layer (Transpose surgery on the CNN) and the NHWC-input variant', async () => {
    const f = await probeProject(PER_CLASS);
    // fmnist_cnn with layer2's output viewed channel-last: L -> Transpose(0,2,3,1) -> V [N,14,14,32] ->
    // Transpose(0,3,1,2) -> every former consumer of L. V is a genuine NHWC layer tensor.
    const L = '/layer2/relu_1/Relu_output_0';
    const m = decodeModel(await readFile(CNN));
    const g = graphOf(m);
    for (const n of g.node) n.input = n.input.map((i) => (i === L ? 'nchw_back' : i));
    const at = g.node.findIndex((n) => n.output.includes(L));
    g.node.splice(
      at + 1,
      0,
      onnx.NodeProto.create({
        name: 'to_nhwc',
        opType: 'Transpose',
        input: [L],
        output: ['nhwc_view'],
        attribute: [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 2, 3, 1] }],
      }),
      onnx.NodeProto.create({
        name: 'to_nchw',
        opType: 'Transpose',
        input: ['nhwc_view'],
        output: ['nchw_back'],
        attribute: [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 3, 1, 2] }],
      }),
    );
    const path = join(f.dir, 'cnn_nhwc_view.onnx');
    await writeFile(path, encodeModel(m));
    const id = await addModel(f, path);
    for (const summary of ['mean', 'max'] as const) {
      const setId = await extractSet(f, id, 'nhwc_view', summary);
      const t = await tailFixture(f, setId);
      expect(t.oracle.slot).toMatchObject({ layout: 'NHWC', dims: [14, 14, 32] });
      await check(`nhwc_view.${summary}`, t, [0, 13, 31]);
    }
    // The variant with an NHWC image input (its maps are NCHW inside): the channel axis comes from the layer.
    const v = await addModel(f, join(VARIANTS, 'nhwc.onnx'));
    const relu1 = await extractSet(f, v, '/net/relu1/Relu_output_0', 'mean');
    const t = await tailFixture(f, relu1);
    expect(t.oracle.slot).toMatchObject({ layout: 'NCHW', dims: [8, 28, 28] });
    await check('variant.nhwc.relu1.mean', t, [0, 7]);
  }, 60_000);

  it('fixed batch 1 (variants/batch1.onnx): recomputation and tail run one image at a time', async () => {
    const f = await probeProject(PER_CLASS);
    const id = await addModel(f, join(VARIANTS, 'batch1.onnx'));
    const [model] = (await call(f.backend, 'model.list', {})).filter((x) => x.id === id);
    expect(model.info.fixedBatch).toBe(1);
    const relu1 = await extractSet(f, id, '/relu1/Relu_output_0', 'mean');
    const t = await tailFixture(f, relu1);
    expect(t.oracle.batchSize).toBe(1);
    await check('batch1.relu1.mean', t, [0, 5]);
    const max = await extractSet(f, id, '/relu2/Relu_output_0', 'max');
    await check('batch1.relu2.max', await tailFixture(f, max), [0, 15]);
    // relu2 mean -> GlobalAveragePool -> Gemm: the closed form applies, and the tail (batches of 1) matches it.
    const mean = await extractSet(f, id, '/relu2/Relu_output_0', 'mean');
    const diff = await closedVsTail(f, mean, [0, 9, 15]);
    errors['batch1.relu2.mean.closedVsTail'] = diff;
    console.log(`fixed batch 1, relu2 mean: tail vs closed form max |loss diff| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-5);
  }, 60_000);
});
