import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lossChanges } from '../../src/main/core/numeric/ablation';
import { call, withProject } from '../helpers/backend';
import { tempDir } from '../helpers/tempDir';
import { decodeModel, encodeModel, graphOf, onnx } from '../../src/main/core/onnx/onnxProto';
import { CNN, probeProject, type ExplainFixture } from './explain.helpers';
import { addModel, extractSet, FIX, tailFixture, VIT } from './ablation.tail.helpers';

// Optim's dL/dv on the tail-graph path, from the forward-mode derivative graph (inference/jvp.ts), against
// PyTorch autograd in float64 on the same ONNX graphs (resources/fixtures/golden/tail_gradients.json, written by
// scripts/fixtures/make_tail_gradients.py). The cases cross convolutions, folded batch norm, ReLU, residual adds
// (a skip tensor fed as a side input), global pooling, a whole transformer block (LayerNorm, attention with
// Softmax, GELU via Erf, reshapes/transposes/gathers) and the final norm and head; at T = 1.5.

interface Golden {
  temperature: number;
  images: string[];
  labels: number[];
  cases: {
    model: string;
    tensor: string;
    summary: 'mean' | 'max' | 'cls' | 'token_mean';
    neurons: { index: number; values: number[]; loss: number[]; grad: number[] }[];
  }[];
}

const MODELS: Record<string, string> = { fmnist_cnn: CNN, fmnist_vit: VIT };

/** A probe project of the 32 golden images, one folder per class (the model's class names). */
async function goldenProbe(g: Golden): Promise<ExplainFixture> {
  const dir = await tempDir('jvp');
  const { backend } = await withProject(dir);
  const root = join(dir, 'golden_probe');
  for (const name of g.images) {
    const cls = name.replace(/^\d+_/, '').replace(/\.png$/, '');
    await mkdir(join(root, cls), { recursive: true });
    await copyFile(join(FIX, 'golden/images', name), join(root, cls, name));
  }
  return { backend, dir, probeSetId: (await call(backend, 'probe.import', { root })).probeSetId };
}

describe('exact tail gradients (forward mode) vs PyTorch autograd', () => {
  it('dL/dv and L on every golden case match float64 autograd; finite differences are measurably worse', async () => {
    const g = JSON.parse(await readFile(join(FIX, 'golden/tail_gradients.json'), 'utf8')) as Golden;
    const f = await goldenProbe(g);
    const db = f.backend.state.requireProject().db;
    const rowOf = new Map(
      (db.prepare('SELECT rel_path AS p FROM images WHERE probe_set_id = ? ORDER BY id').all(f.probeSetId) as { p: string }[]).map(
        (r, i) => [basename(r.p), i],
      ),
    );
    const idx = Int32Array.from(g.images, (name) => rowOf.get(name)!);
    const models = new Map<string, number>();
    const lines: string[] = [];
    for (const c of g.cases) {
      if (!models.has(c.model)) models.set(c.model, await addModel(f, MODELS[c.model]));
      const setId = await extractSet(f, models.get(c.model)!, c.tensor, c.summary);
      const t = await tailFixture(f, setId, g.temperature);
      expect(t.oracle.gradient).toEqual({ method: 'forward-mode', reason: null });
      expect(Array.from(idx, (i) => t.labels[i])).toEqual(g.labels);
      let gradErr = 0;
      let fdErr = 0;
      let lossErr = 0;
      let scale = 0;
      for (const nrn of c.neurons) {
        const values = Float64Array.from(nrn.values);
        const res = await t.oracle.evaluate(nrn.index, values, idx, { grads: true });
        const fd = (
          await lossChanges(
            { numImages: t.n, losses: (k, v, ii) => t.oracle.losses(k, v, ii) },
            nrn.index,
            values,
            idx,
            async () => new Float64Array(idx.length),
            { grads: true },
          )
        ).grads!;
        for (let r = 0; r < idx.length; r++) {
          scale = Math.max(scale, Math.abs(nrn.grad[r]));
          gradErr = Math.max(gradErr, Math.abs(res.grads![r] - nrn.grad[r]));
          fdErr = Math.max(fdErr, Math.abs(fd[r] - nrn.grad[r]));
          lossErr = Math.max(lossErr, Math.abs(res.losses[r] - nrn.loss[r]) / Math.max(1, Math.abs(nrn.loss[r])));
        }
      }
      lines.push(
        `${c.model} ${c.tensor} ${c.summary}: max |dL/dv| ${scale.toFixed(4)}, forward mode err ${gradErr.toExponential(2)} (rel ${(gradErr / scale).toExponential(2)}), finite differences err ${fdErr.toExponential(2)} (rel ${(fdErr / scale).toExponential(2)}), loss rel err ${lossErr.toExponential(2)}`,
      );
      // float32 network vs float64 reference: agreement to float32 round-off, well below the finite-difference error.
      expect(scale).toBeGreaterThan(1e-2);
      expect(gradErr / scale).toBeLessThanOrEqual(1e-5);
      expect(lossErr).toBeLessThanOrEqual(1e-5);
      await t.release();
    }
    console.log(lines.join('\n'));
  }, 120_000);
});

describe('an op without a derivative rule on the tail', () => {
  it('falls back to finite differences, says which op in the wizard and in the run, and still scores', async () => {
    const f = await probeProject(3);
    // fmnist_cnn with an LRN (no derivative rule) between layer3 and the pooling: every tail from layer2 crosses it.
    const L3 = '/layer3/relu_1/Relu_output_0';
    const m = decodeModel(await readFile(CNN));
    const g = graphOf(m);
    for (const n of g.node) n.input = n.input.map((i) => (i === L3 ? 'lrn_out' : i));
    const at = g.node.findIndex((n) => n.output.includes(L3));
    g.node.splice(
      at + 1,
      0,
      onnx.NodeProto.create({
        name: 'test_lrn',
        opType: 'LRN',
        input: [L3],
        output: ['lrn_out'],
        attribute: [{ name: 'size', type: onnx.AttributeProto.AttributeType.INT, i: 3 }],
      }),
    );
    const path = join(f.dir, 'cnn_lrn.onnx');
    await writeFile(path, encodeModel(m));
    const setId = await extractSet(f, await addModel(f, path), '/layer2/relu_1/Relu_output_0', 'mean');
    const head = await call(f.backend, 'ablation.head', { activationSetId: setId });
    expect(head.gradient.method).toBe('finite-difference');
    expect(head.gradient.reason).toMatch(/op 'LRN' \(node 'test_lrn'\): no derivative rule/);
    const er = await call(f.backend, 'explain.run', { activationSetId: setId, neurons: [0, 1] });
    const ab = await call(f.backend, 'ablation.run', { explainRunId: er.run.id, methods: ['le_label'] });
    expect(ab.run.status).toBe('done');
    expect((ab.run.params.head as { gradient: { method: string } }).gradient.method).toBe('finite-difference');
    const res = await call(f.backend, 'ablation.results', { ablationRunId: ab.run.id });
    for (const r of res.rows) expect(Number.isFinite(r.optim?.score)).toBe(true);
  }, 60_000);
});
