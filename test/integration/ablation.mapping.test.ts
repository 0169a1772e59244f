import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel, graphOf, onnx } from '../../src/main/core/onnx/onnxProto';
import { call } from '../helpers/backend';
import { refusal } from '../helpers/refusal';
import { CNN, CNN_POOLED, extract, FIX, probeProject, type ExplainFixture } from './explain.helpers';

// The class mapping when the model's class order is not the alphabetical order of the probe folders (issue #17).
// The fixture CNN's true order is Fashion-MNIST's (resources/fixtures/models.json: T-shirt_top, Trouser, ...);
// a copy of it away from that file has no class names, and a copy with the rows of its last Gemm permuted has a
// planted class order. The truth is the permutation we planted; the accuracy must equal the unshuffled model's.

const PER_CLASS = 12;
const TRUE_ORDER = (
  JSON.parse(readFileSync(join(FIX, 'models.json'), 'utf8')) as { models: { id: string; classes: string[] }[] }
).models.find((m) => m.id === 'fmnist_cnn')!.classes;
/** New logit i = old logit PERM[i]. */
const PERM = [7, 2, 9, 0, 5, 3, 8, 1, 6, 4];

/** The fixture CNN with the rows of fc.weight / fc.bias permuted; optional metadata_props. */
function permutedCnn(meta: Record<string, string> = {}): Uint8Array {
  const m = decodeModel(readFileSync(CNN));
  for (const t of graphOf(m).initializer) {
    if (t.name !== 'fc.weight' && t.name !== 'fc.bias') continue;
    const cols = t.name === 'fc.weight' ? 64 : 1;
    const raw = t.rawData!;
    const old = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const out = new Float32Array(old.length);
    for (let i = 0; i < 10; i++) out.set(old.subarray(PERM[i] * cols, (PERM[i] + 1) * cols), i * cols);
    t.rawData = new Uint8Array(out.buffer);
  }
  m.metadataProps = Object.entries(meta).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value }));
  return encodeModel(m);
}

async function mappingOf(f: ExplainFixture, path: string) {
  const setId = await extract(f, path, CNN_POOLED);
  return { setId, info: await call(f.backend, 'ablation.mapping', { activationSetId: setId }) };
}

const classOf = (info: { rows: { label: string; modelClass: number | null }[] }) =>
  Object.fromEntries(info.rows.map((r) => [r.label, r.modelClass]));

describe('class mapping: inferred, from ONNX metadata or a classes file, refused near chance', () => {
  it('a copy without class names and a permuted copy: the inferred mapping is exactly the planted order', async () => {
    const f = await probeProject(PER_CLASS);
    // The reference: the fixture with its models.json (class names).
    const ref = await mappingOf(f, CNN);
    expect(ref.info.source).toBe('metadata');
    const truth = Object.fromEntries(TRUE_ORDER.map((n, j) => [n, j]));
    expect(classOf(ref.info)).toEqual(truth);
    const acc = ref.info.accuracy!;
    expect(acc).toBeGreaterThan(0.7);
    expect(ref.info.nearChance).toBe(false);

    // A copy with no models.json: inferred from predictions = the true (not alphabetical) order, same accuracy.
    const copy = join(f.dir, 'cnn_copy.onnx');
    copyFileSync(CNN, copy);
    const inferred = await mappingOf(f, copy);
    expect(inferred.info).toMatchObject({ source: 'inferred', unmapped: 0, modelClasses: null, note: null });
    expect(classOf(inferred.info)).toEqual(truth);
    expect(inferred.info.accuracy).toBe(acc);
    // The old default (alphabetical order -> 0..9) on the same set is far lower.
    const alphabetical = Object.fromEntries([...TRUE_ORDER].sort().map((n, j) => [n, j]));
    const old = await call(f.backend, 'ablation.mapping', { activationSetId: inferred.setId, mapping: alphabetical });
    expect(old.accuracy!).toBeLessThan(acc - 0.3);

    // Permuted rows: label of true class c is new class i with PERM[i] = c.
    const shuffled = join(f.dir, 'cnn_shuffled.onnx');
    writeFileSync(shuffled, permutedCnn());
    const p = await mappingOf(f, shuffled);
    const expected = Object.fromEntries(TRUE_ORDER.map((n, c) => [n, PERM.indexOf(c)]));
    expect(p.info.source).toBe('inferred');
    expect(classOf(p.info)).toEqual(expected);
    expect(p.info.accuracy).toBe(acc);
    expect(p.info.chance).toBeCloseTo(0.1, 12);
    expect(p.info.lowAccuracyThreshold).toBeCloseTo(0.1 + 0.9 / 4, 12);
  }, 120_000);

  it('class names from metadata_props, then a classes file; names that do not match are reported and not used', async () => {
    const f = await probeProject(PER_CLASS);
    const names = PERM.map((c) => TRUE_ORDER[c]);
    const expected = Object.fromEntries(TRUE_ORDER.map((n, c) => [n, PERM.indexOf(c)]));

    const withMeta = join(f.dir, 'cnn_meta.onnx');
    writeFileSync(withMeta, permutedCnn({ classes: JSON.stringify(names) }));
    const m = await mappingOf(f, withMeta);
    expect(m.info).toMatchObject({ source: 'onnx-metadata', modelClasses: names });
    expect(m.info.sourceDetail).toContain("metadata_props 'classes'");
    expect(classOf(m.info)).toEqual(expected);
    expect(m.info.rows.every((r) => r.modelClassName === r.label)).toBe(true);

    const withFile = join(f.dir, 'cnn_file.onnx');
    writeFileSync(withFile, permutedCnn());
    writeFileSync(join(f.dir, 'cnn_file.classes.txt'), `${names.join('\n')}\n`);
    const c = await mappingOf(f, withFile);
    expect(c.info).toMatchObject({ source: 'classes-file', sourceDetail: 'cnn_file.classes.txt' });
    expect(classOf(c.info)).toEqual(expected);

    // Names in another vocabulary (indices): not used, said so, inferred instead.
    const numbered = join(f.dir, 'cnn_numbered.onnx');
    writeFileSync(numbered, permutedCnn({ classes: Array.from({ length: 10 }, (_, i) => `n${i}`).join(',') }));
    const n = await mappingOf(f, numbered);
    expect(n.info.source).toBe('inferred');
    expect(n.info.note).toMatch(/do not name every probe class/);
    expect(classOf(n.info)).toEqual(expected);
  }, 120_000);

  it('ablation.run and topimpact.run refuse a mapping near chance (coded, with the fix); confirmLowAccuracy runs it', async () => {
    const f = await probeProject(PER_CLASS);
    const setId = await extract(f, CNN, CNN_POOLED);
    const ref = await call(f.backend, 'ablation.mapping', { activationSetId: setId });
    // Every class shifted by one: the labels no longer match.
    const wrong = Object.fromEntries(ref.rows.map((r) => [r.label, (r.modelClass! + 1) % 10]));
    const info = await call(f.backend, 'ablation.mapping', { activationSetId: setId, mapping: wrong });
    expect(info.nearChance).toBe(true);
    expect(info.accuracy!).toBeLessThanOrEqual(info.lowAccuracyThreshold!);

    const ti = await refusal(call(f.backend, 'topimpact.run', { activationSetId: setId, neurons: [0, 1], mapping: wrong }));
    expect(ti.code).toBe('bad_input');
    expect(ti.message).toMatch(/Top Impact refused/);
    expect(ti.message).toMatch(/near chance \(10\.0%/);
    expect(ti.message).toMatch(/--confirmLowAccuracy true/);
    expect(ti.message).toMatch(/ablation\.mapping/);
    expect(await call(f.backend, 'ablation.runs', { activationSetId: setId })).toEqual([]);

    const er = await call(f.backend, 'explain.run', { activationSetId: setId, neurons: [0, 1] });
    const ab = await refusal(call(f.backend, 'ablation.run', { explainRunId: er.run.id, mapping: wrong }));
    expect(ab.code).toBe('bad_input');
    expect(ab.message).toMatch(/Ablation scoring refused/);

    // Confirmed: it runs, and the run records the mapping and its accuracy.
    const ok = await call(f.backend, 'topimpact.run', {
      activationSetId: setId,
      neurons: [0, 1],
      mapping: wrong,
      confirmLowAccuracy: true,
    });
    expect(ok.run.params).toMatchObject({ mappingSource: 'explicit', accuracy: info.accuracy });
    // The right mapping needs no confirmation.
    const right = await call(f.backend, 'topimpact.run', { activationSetId: setId, neurons: [0, 1] });
    expect(right.run.params).toMatchObject({ mappingSource: 'metadata', accuracy: ref.accuracy });
  }, 120_000);
});

describe('ablation.check: an incompatible run is named when chosen, in words', () => {
  it('a run on an identity-summarised feature map: not ok, says why and what to do; the pooled run: ok', async () => {
    const f = await probeProject(PER_CLASS);
    const pooled = await extract(f, CNN, CNN_POOLED);
    const m = (await call(f.backend, 'model.list', {}))[0];
    const flat = (
      await call(f.backend, 'activations.extract', {
        modelId: m.id,
        layer: '/layer3/relu_1/Relu_output_0',
        probeSetId: f.probeSetId,
        summary: 'identity',
      })
    ).activationSet.id;
    // The centre position of every channel (positions near the border are often dead).
    const bad = await call(f.backend, 'explain.run', { activationSetId: flat, neurons: Array.from({ length: 64 }, (_, c) => c * 49 + 24) });
    const c = await call(f.backend, 'ablation.check', { explainRunId: bad.run.id });
    expect(c.ok).toBe(false);
    expect(c.problems).toHaveLength(1);
    expect(c.problems[0]).toMatch(/^Each neuron of this run is a single position of one channel of the 64×7×7 feature map/);
    expect(c.problems[0]).toMatch(/Extract the layer again with the mean or max summary/);
    // The same run at Start: still refused (the check says nothing ablation.run would not).
    await expect(call(f.backend, 'ablation.run', { explainRunId: bad.run.id })).rejects.toThrow(/flattened tensor a neuron/);

    const good = await call(f.backend, 'explain.run', { activationSetId: pooled, neurons: [0] });
    expect(await call(f.backend, 'ablation.check', { explainRunId: good.run.id })).toEqual({
      explainRunId: good.run.id,
      ok: true,
      problems: [],
      warnings: [],
    });
  }, 120_000);
});
