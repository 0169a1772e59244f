import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/main/core/app/backend';
import { readColumnsByRows, readNeuronColumns } from '../../src/main/core/features/models';
import { getSetInfo, readMatrix } from '../../src/main/core/platform/store/activationRepo';
import { deleteColumns, hasColumns } from '../../src/main/core/platform/store/columnRepo';
import { call, testBackend } from '../helpers/backend';
import { refusal } from '../helpers/refusal';
import { tempDirSync } from '../helpers/tempDir';
import { CNN, CNN_POOLED, FIX, extract, probeProject } from './explain.helpers';

// Browsing units (issue #17) through the real backend on a real project: Fashion-MNIST probe images (10 per class),
// the fixture CNN's pooled layer, an LE (labels) run, a planted imported run, and a calibrated CLIP-style encoder
// trained on Fashion-MNIST words. Expected values come from the stored row blocks (readMatrix, Pearson written out
// here), the planted file, and the fixture's class names.

let fx: { backend: Backend; project: string; setId: number; runId: number; plantedRunId: number; nImages: number; nNeurons: number };

// Planted explanations of units 0..5 (every concept a class, so the import is scored under the label simulator).
const PLANTED: [number, [number, string][]][] = [
  [
    0,
    [
      [1.0, 'Sandal'],
      [0.5, 'Sneaker'],
    ],
  ],
  [1, [[0.8, 'Sandal']]],
  [
    2,
    [
      [0.7, 'Sneaker'],
      [0.2, 'Sandal'],
    ],
  ],
  [3, [[-0.5, 'Sandal']]],
  [4, [[0.9, 'Bag']]],
  [
    5,
    [
      [0.3, 'Bag'],
      [0.4, 'Sneaker'],
    ],
  ],
];

beforeAll(async () => {
  const f = await probeProject(10);
  const setId = await extract(f, CNN, CNN_POOLED);
  const { run } = await call(f.backend, 'explain.run', { activationSetId: setId });
  const csv = join(f.dir, 'planted.csv');
  const header = 'layer,unit,val correlation,weight0,concept0,weight1,concept1,bias';
  const lines = PLANTED.map(([u, t]) => [CNN_POOLED, u, '', t[0][0], t[0][1], t[1]?.[0] ?? 0, t[1]?.[1] ?? '', 0].join(','));
  writeFileSync(csv, `${header}\n${lines.join('\n')}\n`);
  const imp = await call(f.backend, 'explain.import', { activationSetId: setId, path: csv });
  const enc = await call(f.backend, 'encoder.add', { path: join(FIX, 'encoders/fmnist_clip_b') });
  await call(f.backend, 'calibration.run', { encoderId: enc.id, probeSetId: f.probeSetId });
  const set = getSetInfo(f.backend.state.requireProject().db, setId)!;
  fx = {
    backend: f.backend,
    project: f.backend.state.requireProject().path,
    setId,
    runId: run.id,
    plantedRunId: imp.run.id,
    nImages: set.nImages,
    nNeurons: set.nNeurons,
  };
}, 180_000);

const db = () => fx.backend.state.requireProject().db;
const set = () => ({ id: fx.setId, nImages: fx.nImages, nNeurons: fx.nNeurons });

/** Pearson r of columns a and b of an N x K row-major matrix, in float64, written out. */
function pearsonOf(m: Float32Array, k: number, a: number, b: number): number {
  const n = m.length / k;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += m[i * k + a];
    mb += m[i * k + b];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = m[i * k + a] - ma;
    const y = m[i * k + b] - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('one neuron without the whole matrix', () => {
  it('extraction writes the column copy; every column equals the row read byte for byte', () => {
    expect(hasColumns(db(), fx.setId)).toBe(true);
    const m = readMatrix(db(), fx.setId);
    expect(m.length).toBe(fx.nImages * fx.nNeurons);
    for (let j = 0; j < fx.nNeurons; j++) {
      const col = readNeuronColumns(db(), set(), [j]);
      const rows = readColumnsByRows(db(), set(), [j]);
      expect(
        Buffer.from(col.buffer, col.byteOffset, col.byteLength).equals(Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength)),
      ).toBe(true);
      expect(col[fx.nImages - 1]).toBe(m[(fx.nImages - 1) * fx.nNeurons + j]);
    }
    // Several columns at once, in any order, too.
    const want = [5, 0, fx.nNeurons - 1, 5];
    expect(Array.from(readNeuronColumns(db(), set(), want))).toEqual(Array.from(readColumnsByRows(db(), set(), want)));
  });

  it('a set without the copy (extracted before migration 006) gets it on first need, with the same values', async () => {
    const before = await call(fx.backend, 'explain.neuron', { runId: fx.runId, neuron: 3 });
    deleteColumns(db(), fx.setId);
    expect(hasColumns(db(), fx.setId)).toBe(false);
    const after = await call(fx.backend, 'explain.neuron', { runId: fx.runId, neuron: 3 });
    expect(hasColumns(db(), fx.setId)).toBe(true);
    expect(after).toEqual(before);
  });
});

describe('similar units', () => {
  it('ranks units by Pearson r over all images, as computed by hand from the stored rows', async () => {
    const m = readMatrix(db(), fx.setId);
    const k = fx.nNeurons;
    const j = 7;
    const out = await call(fx.backend, 'neuron.similar', { activationSetId: fx.setId, neuron: j, limit: 5 });
    expect(out.basis).toMatchObject({ kind: 'all', images: fx.nImages, of: fx.nImages, text: `all ${fx.nImages} images` });
    const hand = Array.from({ length: k }, (_, q) => ({ neuron: q, r: pearsonOf(m, k, j, q) })).filter(
      (x) => x.neuron !== j && Number.isFinite(x.r),
    );
    hand.sort((a, b) => b.r - a.r || a.neuron - b.neuron);
    expect(out.correlated.map((x) => x.neuron)).toEqual(hand.slice(0, 5).map((x) => x.neuron));
    out.correlated.forEach((x, i) => expect(x.r).toBeCloseTo(hand[i].r, 5));
    expect(out.excluded).toBe(k - 1 - hand.length);
  });

  it('lists units whose planted explanations share a concept with the same sign, most shared first', async () => {
    const out = await call(fx.backend, 'neuron.similar', { activationSetId: fx.setId, neuron: 0, runId: fx.plantedRunId });
    expect(out.shared?.runId).toBe(fx.plantedRunId);
    expect(out.shared?.concepts).toEqual([
      { concept: 'Sandal', weight: 1 },
      { concept: 'Sneaker', weight: 0.5 },
    ]);
    const units = out.shared!.units;
    // Unit 2 shares both; 1 (Sandal) and 5 (Sneaker) one each; 3 has Sandal with a negative weight, 4 only Bag.
    expect(units[0]).toMatchObject({ neuron: 2, shared: ['Sneaker', 'Sandal'] });
    expect(
      units
        .slice(1)
        .map((u) => [u.neuron, u.shared])
        .sort(),
    ).toEqual([
      [1, ['Sandal']],
      [5, ['Sneaker']],
    ]);
  });

  it('refuses a neuron out of range and a run of another layer', async () => {
    expect(await refusal(call(fx.backend, 'neuron.similar', { activationSetId: fx.setId, neuron: fx.nNeurons }))).toMatchObject({
      code: 'bad_input',
      message: expect.stringContaining(`out of range: the layer has ${fx.nNeurons} neurons`),
    });
    expect(await refusal(call(fx.backend, 'neuron.similar', { activationSetId: 999, neuron: 0 }))).toMatchObject({ code: 'not_found' });
  });
});

describe('search units by meaning', () => {
  const FOOTWEAR = ['Sneaker', 'Sandal', 'Ankle_boot', 'footwear'];

  it('"Sandal": the units explained by exactly that concept come first, all of them', async () => {
    const out = await call(fx.backend, 'neuron.search', { text: 'sandal', limit: 1000 });
    const exact = out.hits.filter((h) => h.reason === 'exact');
    // Hand count: explanations (every run and method) with a positive Sandal weight.
    const rows = db().prepare('SELECT terms_json AS t FROM explanations WHERE explain_run_id IS NOT NULL').all() as { t: string }[];
    const expected = rows.filter((r) =>
      (JSON.parse(r.t) as { concept: string; weight: number }[]).some((x) => x.concept === 'Sandal' && x.weight > 0),
    );
    expect(exact.length).toBe(expected.length);
    expect(exact.length).toBeGreaterThan(0);
    expect(out.hits.slice(0, exact.length).every((h) => h.reason === 'exact' && h.concept === 'Sandal')).toBe(true);
    // The planted units 0, 1, 2 are among them, with the planted weights; unit 3 (negative Sandal) is not.
    const planted = exact.filter((h) => h.runId === fx.plantedRunId).map((h) => [h.neuron, h.weight]);
    expect(planted.sort()).toEqual([
      [0, 1],
      [1, 0.8],
      [2, 0.2],
    ]);
    expect(exact[0]).toMatchObject({ layer: CNN_POOLED, modelName: expect.any(String) });
  });

  it('"shoe" (a word no concept holds) finds units explained by Sneaker / Sandal / Ankle_boot first, by text-embedding similarity', async () => {
    const out = await call(fx.backend, 'neuron.search', { text: 'shoe', limit: 1000 });
    expect(out.encoder?.name).toBeTruthy();
    expect(out.unknownWords).toEqual([]);
    expect(out.hits.length).toBeGreaterThan(0);
    expect(out.hits.every((h) => h.reason === 'meaning' && h.similarity !== null)).toBe(true);
    const concepts = [...new Set(out.hits.map((h) => h.concept))];
    // The nearest concepts are footwear: every footwear concept in the project ranks above every other concept.
    const footwearHere = concepts.filter((c) => FOOTWEAR.includes(c));
    expect(footwearHere.length).toBeGreaterThanOrEqual(3);
    // Every other concept of the fixture is further than the default floor (cosine 0.1): none is listed.
    expect([...concepts].sort()).toEqual([...footwearHere].sort());
    expect(concepts.slice(0, footwearHere.length).sort()).toEqual(footwearHere.sort());
    const firstOther = out.hits.findIndex((h) => !FOOTWEAR.includes(h.concept));
    const lastFoot = out.hits.map((h) => FOOTWEAR.includes(h.concept)).lastIndexOf(true);
    expect(firstOther === -1 || firstOther > lastFoot).toBe(true);
    // Similarities descend.
    for (let i = 1; i < out.hits.length; i++) expect(out.hits[i].similarity!).toBeLessThanOrEqual(out.hits[i - 1].similarity!);
  });

  it('words: every query word in a concept ("boot" finds Ankle_boot); unknown words are named; meaning can be switched off', async () => {
    const words = await call(fx.backend, 'neuron.search', { text: 'boot', meaning: false });
    expect(words.hits.length).toBeGreaterThan(0);
    expect(words.hits.every((h) => h.reason === 'words' && h.concept === 'Ankle_boot')).toBe(true);
    expect(words.note).toMatch(/exact and word matches only/);
    const nonsense = await call(fx.backend, 'neuron.search', { text: 'qwzx' });
    expect(nonsense.unknownWords).toEqual(['qwzx']);
    expect(nonsense.hits).toEqual([]);
    expect(nonsense.note).toMatch(/knows none of the words/);
  });
});

describe('read-only projects', () => {
  it('read single neurons, similar units and search without writing (the row path where the copy is missing)', async () => {
    deleteColumns(db(), fx.setId);
    const ref = await call(fx.backend, 'neuron.similar', { activationSetId: fx.setId, neuron: 7, limit: 5 });
    deleteColumns(db(), fx.setId);
    await call(fx.backend, 'project.close', {});
    const path = join(tempDirSync('browse-ro'), 'p.nwb');
    copyFileSync(fx.project, path);
    const ro = testBackend(tempDirSync('browse-ro-user'));
    await call(ro, 'project.open', { path, readOnly: true });
    const rodb = ro.state.requireProject().db;
    const s = await call(ro, 'neuron.similar', { activationSetId: fx.setId, neuron: 7, limit: 5 });
    expect(s).toEqual(ref);
    expect(hasColumns(rodb, fx.setId)).toBe(false);
    const v = await call(ro, 'neuron.search', { text: 'shoe', nearest: 6 });
    expect(v.hits.length).toBeGreaterThan(0);
    expect(v.hits[0].reason).toBe('meaning');
    await call(ro, 'project.close', {});
    await call(fx.backend, 'project.open', { path: fx.project });
  });
});
