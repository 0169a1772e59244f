import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/main/core/app/backend';
import { call, testBackend, withProject } from '../helpers/backend';
import { refusal } from '../helpers/refusal';
import { tempDir } from '../helpers/tempDir';
import { ROOT } from './dissect.helpers';

// The blind rating study on the fixture CNN's logits (demo probe set). Labels are planted through imported files
// (DnD's final_results.csv: Label 1 and Label 2 as two methods of one run; MILAN descriptions), so every item, every
// mean and every agreement figure below is a hand computation from the scores given here.

let backend: Backend;
let projectPath: string;
let dir: string;
let logits: number;
let dnd: number;
let milan: number;

beforeAll(async () => {
  dir = await tempDir('ratings');
  ({ backend, projectPath } = await withProject(dir));
  const { probeSetId } = await call(backend, 'probe.import', { root: join(ROOT, 'resources', 'demo', 'probe') });
  const model = await call(backend, 'model.add', { path: join(ROOT, 'resources', 'fixtures', 'models', 'fmnist_cnn.onnx') });
  await call(backend, 'model.setPreprocessing', { modelId: model.id, preset: 'fashion-mnist' });
  logits = (await call(backend, 'activations.extract', { modelId: model.id, probeSetId, layer: 'logits', summary: 'auto' })).activationSet
    .id;
  const file = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return (await call(backend, 'labels.import', { activationSetId: logits, path })).run.id;
  };
  // Neuron 5 (Sandal): Label 2 'sandal ' is Label 1 'Sandal' again (one item, two sources); neuron 8: MILAN's 'Bag' is DnD's.
  dnd = await file(
    'final_results.csv',
    'Neuron ID,Label 1,Label 2,Label 3\n5,Sandal,sandal ,\n8,Bag,purse,\n9,Ankle_boot,boots,\n3,Dress,,\n',
  );
  milan = await file('milan.csv', 'layer,unit,description\nlogits,5,open shoes with straps\nlogits,8,bag\nlogits,9,high boots\n');
}, 300_000);

const create = (extra: Record<string, unknown> = {}) =>
  call(backend, 'ratings.create', {
    activationSetId: logits,
    runs: [{ runId: dnd }, { runId: dnd, method: 'dnd_label2' }, { runId: milan }],
    seed: 7,
    ...extra,
  });

describe('ratings', () => {
  it('makes a blind sheet: neurons every source labelled, one item per distinct text, seeded order, no method names', async () => {
    const study = await create();
    // Neurons labelled by all three sources: 5, 8, 9 (3 has no Label 2 and no MILAN label).
    expect(study).toMatchObject({ neurons: 3, topImages: 8, raters: [] });
    // 5: Sandal (dnd + dnd_label2), open shoes with straps; 8: Bag (dnd + milan), purse; 9: Ankle boot, boots, high boots.
    expect(study.items).toBe(7);
    const sheet = await call(backend, 'ratings.sheet', { studyId: study.id, rater: 'ana' });
    expect(sheet).toMatchObject({ rater: 'ana', rated: 0, total: 7 });
    expect(sheet.neurons.map((n) => n.neuron).sort()).toEqual([5, 8, 9]);
    const labels = new Map(sheet.neurons.map((n) => [n.neuron, n.items.map((i) => i.label).sort()]));
    expect(labels.get(5)).toEqual(['Sandal', 'open shoes with straps']);
    expect(labels.get(8)).toEqual(['Bag', 'purse']);
    expect(labels.get(9)).toEqual(['Ankle boot', 'boots', 'high boots']);
    // Blind: nothing in the sheet names a run or a method.
    expect(JSON.stringify(sheet)).not.toMatch(/dnd|milan|method|runId/i);
    // Top images: the neuron's 8 most activating probe images, best first (checked against activations.export).
    const out = await call(backend, 'activations.export', { activationSetId: logits, path: join(dir, 'acts.npy'), format: 'npy' });
    const buf = await readFile(out.path);
    const h = buf.readUInt16LE(8);
    const data = buf.subarray(10 + h);
    const acts = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    const rows = (await readFile(out.rowsPath!, 'utf8')).trim().split('\n');
    const idCol = rows[0].split(',').indexOf('image_id');
    const ids = rows.slice(1).map((l) => Number(l.split(',')[idCol]));
    for (const n of sheet.neurons) {
      const order = ids.map((_, i) => i).sort((a, b) => acts[b * out.cols + n.neuron] - acts[a * out.cols + n.neuron] || a - b);
      expect(n.topImageIds).toEqual(order.slice(0, 8).map((i) => ids[i]));
    }
    // The same seed gives the same order; the order is the study's, not the runs'.
    const again = await call(backend, 'ratings.sheet', { studyId: (await create()).id, rater: 'ana' });
    expect(again.neurons.map((n) => n.items.map((i) => i.label))).toEqual(sheet.neurons.map((n) => n.items.map((i) => i.label)));
  });

  it('saves each rating at once, resumes after the project is reopened, and reveals methods only in the results', async () => {
    const study = await create({ name: 'logits study' });
    const sheet = await call(backend, 'ratings.sheet', { studyId: study.id, rater: 'ana' });
    const item = (label: string) => sheet.neurons.flatMap((n) => n.items).find((i) => i.label === label)!.itemId;
    // ana rates everything; bob rates four labels the same way and one differently; bob's 'purse' is given then cleared.
    const ana: Record<string, number> = {
      Sandal: 5,
      'open shoes with straps': 3,
      Bag: 5,
      purse: 4,
      'Ankle boot': 5,
      boots: 2,
      'high boots': 1,
    };
    const bob: Record<string, number> = { Sandal: 5, 'open shoes with straps': 3, Bag: 4, 'Ankle boot': 5, boots: 2 };
    for (const [label, score] of Object.entries(ana))
      await call(backend, 'ratings.rate', { studyId: study.id, rater: 'ana', itemId: item(label), score });
    for (const [label, score] of Object.entries(bob))
      await call(backend, 'ratings.rate', { studyId: study.id, rater: 'bob', itemId: item(label), score });
    await call(backend, 'ratings.rate', { studyId: study.id, rater: 'bob', itemId: item('purse'), score: 1 });
    expect(await call(backend, 'ratings.rate', { studyId: study.id, rater: 'bob', itemId: item('purse'), score: null })).toEqual({
      rated: 5,
      total: 7,
    });

    // Reopen the project in a fresh backend: the ratings are in the file.
    await call(backend, 'project.close', {});
    const fresh = testBackend(dir);
    await call(fresh, 'project.open', { path: projectPath });
    const resumed = await call(fresh, 'ratings.sheet', { studyId: study.id, rater: 'bob' });
    expect(resumed.rated).toBe(5);
    expect(resumed.neurons.flatMap((n) => n.items).filter((i) => i.score !== null)).toHaveLength(5);

    const res = await call(fresh, 'ratings.results', { studyId: study.id });
    expect(res.raters).toEqual([
      { name: 'ana', rated: 7 },
      { name: 'bob', rated: 5 },
    ]);
    const m = (method: string, runId: number) => res.methods.find((x) => x.method === method && x.runId === runId)!;
    // Item means (over raters): Sandal 5, open shoes 3, Bag 4.5, purse 4, Ankle boot 5, boots 2, high boots 1.
    // dnd (Label 1): Sandal 5, Bag 4.5, Ankle boot 5 -> mean 14.5 / 3; SE = sd / sqrt(3), sd of (5, 4.5, 5) = sqrt(1/12).
    expect(m('dnd', dnd).rated.mean).toBeCloseTo(14.5 / 3, 12);
    expect(m('dnd', dnd).rated.standardError).toBeCloseTo(Math.sqrt(1 / 12) / Math.sqrt(3), 12);
    expect(m('dnd', dnd)).toMatchObject({ items: 3, ratings: 6, raterMeans: { ana: 5, bob: 14 / 3 } });
    // dnd_label2: Sandal 5, purse 4, boots 2 -> 11 / 3; bob rated Sandal and boots only.
    expect(m('dnd_label2', dnd).rated.mean).toBeCloseTo(11 / 3, 12);
    expect(m('dnd_label2', dnd).raterMeans).toEqual({ ana: 11 / 3, bob: 3.5 });
    // milan: open shoes 3, Bag 4.5, high boots 1 -> 8.5 / 3.
    expect(m('milan', milan).rated).toMatchObject({ n: 3 });
    expect(m('milan', milan).rated.mean).toBeCloseTo(8.5 / 3, 12);
    // Agreement on the 5 labels both rated: ana (5, 3, 5, 5, 2), bob (5, 3, 4, 5, 2).
    expect(res.agreement.pairableItems).toBe(5);
    const [pair] = res.agreement.pairs;
    expect(pair).toMatchObject({ a: 'ana', b: 'bob', shared: 5, exact: 0.8, withinOne: 1 });
    // Pearson by hand: means 4 and 3.8; sum dx*dy = 1*1.2 + (-1)(-0.8) + 1*0.2 + 1*1.2 + (-2)(-1.8) = 7;
    // sum dx^2 = 8; sum dy^2 = 1.44 + 0.64 + 0.04 + 1.44 + 3.24 = 6.8 -> r = 7 / sqrt(54.4).
    expect(pair.pearson).toBeCloseTo(7 / Math.sqrt(54.4), 12);
    // Krippendorff's interval alpha by hand: 10 pairable values; the only disagreeing unit (5, 4) adds
    // 2 * 1^2 / (2 - 1) = 2 to the observed sum; D_o = 2 / 10 = 0.2. Values 5,5,3,3,5,4,5,5,2,2: mean 3.9,
    // sum of squared differences over all ordered pairs = 2 n sum (v - mean)^2 = 2 * 10 * 14.9 = 298, D_e = 298 / 90.
    expect(res.agreement.alphaInterval).toBeCloseTo(1 - 0.2 / (298 / 90), 12);
    // Methods appear only here: the per-neuron table lists both sources of a shared text.
    const n8 = res.neurons.find((n) => n.neuron === 8)!;
    expect(n8.items.find((i) => i.label === 'Bag')).toMatchObject({ mean: 4.5, n: 2 });
    expect(
      n8.items
        .find((i) => i.label === 'Bag')!
        .sources.map((s) => s.method)
        .sort(),
    ).toEqual(['dnd', 'milan']);

    // The report of the DnD run gets a page per rated study of its layer, with the same means.
    const sections = await call(fresh, 'report.sections', { run: dnd });
    expect(sections.find((x) => x.id === 'ratings')).toMatchObject({ available: true });
    const reportPath = join(dir, 'report.html');
    await call(fresh, 'report.export', { run: dnd, format: 'html', path: reportPath, sections: ['ratings'], neurons: 'none' });
    const report = await readFile(reportPath, 'utf8');
    expect(report).toContain('Blind ratings: logits study');
    expect(report).toContain((14.5 / 3).toFixed(2));

    // CSV: one row per rating and source (Sandal and Bag have two sources each: ana's and bob's ratings twice).
    const csv = await call(fresh, 'ratings.export', { studyId: study.id, path: join(dir, 'ratings.csv') });
    expect(csv.rows).toBe(12 + 4);
    const lines = (await readFile(csv.path, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('study,layer,neuron,label,run,method,rater,score,rated_at');
    expect(lines.filter((l) => l.startsWith('logits study,logits,8,Bag,')).map((l) => l.split(',').slice(5, 8).join(','))).toEqual(
      expect.arrayContaining(['dnd,ana,5', 'milan,ana,5', 'dnd,bob,4', 'milan,bob,4']),
    );
    // The export never overwrites unless asked.
    expect((await refusal(call(fresh, 'ratings.export', { studyId: study.id, path: csv.path }))).code).toBe('file_exists');
    await call(fresh, 'project.close', {});
    await call(backend, 'project.open', { path: projectPath });
  });

  it('refuses bad input by name and deletes a study with its ratings', async () => {
    const study = await create();
    const other = await create({ seed: 8 });
    const foreign = (await call(backend, 'ratings.sheet', { studyId: other.id, rater: 'x' })).neurons[0].items[0].itemId;
    const bad = await refusal(call(backend, 'ratings.rate', { studyId: study.id, rater: 'ana', itemId: foreign, score: 3 }));
    expect(bad.message).toContain(`Label ${foreign} is not in rating study ${study.id}`);
    // Contract validation: an empty rater name, a score outside 1-5.
    await expect(call(backend, 'ratings.rate', { studyId: study.id, rater: '  ', itemId: foreign, score: 3 })).rejects.toThrow(
      /a rater name is required/,
    );
    await expect(call(backend, 'ratings.rate', { studyId: study.id, rater: 'ana', itemId: foreign, score: 6 })).rejects.toThrow(/<=5/);
    expect((await refusal(create({ runs: [{ runId: dnd }, { runId: dnd, method: 'dnd' }] }))).message).toContain(
      `Run ${dnd} with method "dnd" is listed twice`,
    );
    expect((await refusal(create({ neurons: [5, 10] }))).message).toContain('Neuron(s) 10 are out of range');
    expect((await refusal(create({ neurons: [0] }))).message).toContain('Neuron(s) 0 have no label in any of the runs');
    expect((await refusal(call(backend, 'ratings.results', { studyId: 9999 }))).code).toBe('not_found');
    await call(backend, 'ratings.rate', {
      studyId: study.id,
      rater: 'ana',
      itemId: (await call(backend, 'ratings.sheet', { studyId: study.id, rater: 'ana' })).neurons[0].items[0].itemId,
      score: 4,
    });
    expect(await call(backend, 'ratings.delete', { studyId: study.id })).toEqual({ deleted: true });
    expect((await call(backend, 'ratings.studies', { activationSetId: logits })).map((s) => s.id)).not.toContain(study.id);
    expect(await call(backend, 'ratings.delete', { studyId: study.id })).toEqual({ deleted: false });
  });
});
