import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/backend';
import { writeFashionMnistTree } from '../helpers/fashionMnist';
import { refusal } from '../helpers/refusal';
import { tempDir } from '../helpers/tempDir';
import { CLASSES, dissectProject, namesClass, ROOT, type DissectProject } from './dissect.helpers';

// compare.classifierFinding end to end: labels of the fixture CNN's logits from LE(Label) and CLIP-Dissect on the demo
// probe set; the unseen concepts are the classes of a SECOND probe set (120 Fashion-MNIST *train* images, none in the
// demo set) with the same layer extracted on it. Planted truth: logit k is class k, so a run whose neuron-k label
// names class k must pick neuron k for it. Each AUROC is checked against a Mann-Whitney count over every
// (positive, negative) pair done here on the exported float32 activations (NPY) and the images' class folders.

let p: DissectProject;
let dir: string;
let second: number;
beforeAll(async () => {
  dir = await tempDir('classifier-finding');
  p = await dissectProject(dir);
  const root = join(dir, 'probe2');
  await writeFashionMnistTree(root, { split: 'train', perClass: 12 });
  const { probeSetId } = await call(p.backend, 'probe.import', { root });
  const first = (await call(p.backend, 'activations.list', {})).find((s) => s.id === p.logits)!;
  second = (await call(p.backend, 'activations.extract', { modelId: first.modelId, probeSetId, layer: 'logits', summary: 'auto' }))
    .activationSet.id;
}, 300_000);

/** The exported N x K float32 matrix (NPY v1, little-endian '<f4', C order) and each row's class folder. */
async function exported(activationSetId: number): Promise<{ values: Float32Array; cols: number; classOf: string[] }> {
  const out = await call(p.backend, 'activations.export', {
    activationSetId,
    path: join(dir, `acts-${activationSetId}.npy`),
    format: 'npy',
  });
  const buf = await readFile(out.path);
  const headerLen = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + headerLen).toString('latin1');
  expect(header).toContain("'descr': '<f4'");
  const data = buf.subarray(10 + headerLen);
  const values = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const lines = (await readFile(out.rowsPath!, 'utf8')).trim().split('\n');
  const relCol = lines[0].split(',').indexOf('rel_path');
  // rel_path is "<superclass>/<Class>/train_NNNNN.png" or "<Class>/train_NNNNN.png": the class is the parent folder.
  const classOf = lines.slice(1).map((l) => l.split(',')[relCol].split('/').slice(-2)[0]);
  return { values, cols: out.cols, classOf };
}

/** P(pos > neg) + 0.5 P(pos = neg) over every pair: the definition, not the rank formula the core uses. */
function pairCount(scores: ArrayLike<number>, pos: boolean[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++)
    for (let j = 0; j < scores.length; j++)
      if (pos[i] && !pos[j]) {
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
  return wins / pairs;
}

describe('compare.classifierFinding', () => {
  it('picks the neuron whose label names an unseen class, and scores it by AUROC on the second probe set', async () => {
    const le = (await call(p.backend, 'explain.run', { activationSetId: p.logits })).run.id;
    const labels = await call(p.backend, 'conceptSet.fromLabels', { probeSetId: p.probeSetId });
    const cd = (await call(p.backend, 'clipDissect.run', { activationSetId: p.logits, encoderId: p.encoderA, conceptSetId: labels.id })).run
      .id;
    const res = await call(p.backend, 'compare.classifierFinding', { runIds: [le, cd], activationSetId: second, encoderId: p.encoderA });
    expect(res.classes.map((c) => c.className).sort()).toEqual([...CLASSES].sort());
    expect(res.classes.every((c) => c.positives === 12 && c.negatives === 108)).toBe(true);
    const { values, cols, classOf } = await exported(second);
    expect(cols).toBe(10);
    for (const run of res.runs) {
      expect(run.classes).toHaveLength(10);
      let named = 0;
      for (const c of run.classes) {
        const k = CLASSES.indexOf(c.className as (typeof CLASSES)[number]);
        // The run's label of neuron k (as the core reads it) names class k: the planted classifier must be found.
        const own = (await call(p.backend, 'explain.results', { runId: run.runId, sort: { by: 'neuron', dir: 'asc' } })).rows[k];
        const top = [...own.terms].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight))[0]?.concept;
        if (namesClass(top, k) === 'class') {
          named++;
          expect(c.neuron, `${run.method} for ${c.className}`).toBe(k);
          expect(c.label).toBe(top!.replace(/_/g, ' '));
        }
        const column = Array.from({ length: classOf.length }, (_, i) => values[i * cols + c.neuron]);
        expect(c.auroc).toBeCloseTo(
          pairCount(
            column,
            classOf.map((x) => x === c.className),
          ),
          12,
        );
      }
      console.log(
        `classifier finding ${run.method}: mean AUROC ${run.auroc.mean!.toFixed(4)} +- ${run.auroc.standardError!.toFixed(4)}, ` +
          `label names the class for ${named}/10 (picked ${run.classes.filter((c) => CLASSES[c.neuron] === c.className).length}/10)`,
      );
      // Measured 10/10 each (dissect.test.ts); a logit is a strong classifier of its own class on unseen images.
      expect(named).toBeGreaterThanOrEqual(9);
      expect(run.auroc.mean!).toBeGreaterThan(0.9);
    }
    // The LE run's report evaluates every finished run of the layer the same way (the second probe set is found by
    // model and layer) and prints the same means.
    const reportPath = join(dir, 'report.html');
    await call(p.backend, 'report.export', { run: le, format: 'html', path: reportPath, sections: ['compare'], neurons: 'none' });
    const html = await readFile(reportPath, 'utf8');
    expect(html).toContain('Finding a classifier for a new concept');
    for (const run of res.runs) expect(html).toContain(`${run.auroc.mean!.toFixed(3)} ± ${run.auroc.standardError!.toFixed(3)}`);
  }, 300_000);

  it('refuses runs of another layer and a probe set without two classes', async () => {
    const conv = (await call(p.backend, 'explain.run', { activationSetId: p.conv, neurons: [0] })).run.id;
    const e = await refusal(
      call(p.backend, 'compare.classifierFinding', { runIds: [conv], activationSetId: second, encoderId: p.encoderA }),
    );
    expect(e.code).toBe('bad_input');
    expect(e.message).toMatch(/explains layer .* not layer "logits"/);
    // One class folder only: no "the rest" to tell a class from.
    const root = join(dir, 'probe3');
    await mkdir(join(root, 'Bag'), { recursive: true });
    for (const f of ['test_00034.png', 'test_00053.png', 'test_00056.png'])
      await copyFile(join(ROOT, 'resources', 'demo', 'probe', 'Bag', f), join(root, 'Bag', f));
    const { probeSetId } = await call(p.backend, 'probe.import', { root });
    const modelId = (await call(p.backend, 'activations.list', {})).find((s) => s.id === p.logits)!.modelId;
    const one = (await call(p.backend, 'activations.extract', { modelId, probeSetId, layer: 'logits', summary: 'auto' })).activationSet.id;
    const le = (await call(p.backend, 'explain.runs', { activationSetId: p.logits })).find((r) => r.method === 'le_label')!.id;
    const e2 = await refusal(call(p.backend, 'compare.classifierFinding', { runIds: [le], activationSetId: one, encoderId: p.encoderA }));
    expect(e2.message).toMatch(/has 1 class\(es\); finding a classifier needs at least 2/);
  }, 300_000);
});
