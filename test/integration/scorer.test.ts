import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import { call, withProject } from '../helpers/backend';
import { CNN, CNN_POOLED, FIX, addProbe, extract, probeProject } from './explain.helpers';

// The image-text concept scorer end to end on real parts: a Fashion-MNIST probe folder, the fixture CNN, the
// two fixture dual encoders (A explains, B simulates), calibration, LE(SigLIP) next to LE(Label), simulation
// with the other encoder, typed text, ablation under the image-text simulator, the calibration library.

const ENC_A = join(FIX, 'encoders/fmnist_siglip_a');
const ENC_B = join(FIX, 'encoders/fmnist_clip_b');
const PER_CLASS = 30;

async function expectCode(p: Promise<unknown>, code: string, text?: RegExp): Promise<void> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  if (text) expect((e as AppError).message).toMatch(text);
}

describe('image-text concept scorer', () => {
  it('calibrates, explains with LE(SigLIP), simulates with a second encoder, scores typed text and ablation', async () => {
    const f = await probeProject(PER_CLASS);
    const setId = await extract(f, CNN, CNN_POOLED);
    const a = await call(f.backend, 'encoder.add', { path: ENC_A });
    const b = await call(f.backend, 'encoder.add', { path: ENC_B });
    expect(a).toMatchObject({ layout: 'separate', dim: 64, status: 'ok', calibration: null, fixedTextLength: 16 });
    expect(b).toMatchObject({ layout: 'combined', dim: 48, status: 'ok', calibration: null, fixedTextLength: null });

    // Nothing runs on an uncalibrated encoder: the error says how to calibrate.
    const labels = await call(f.backend, 'conceptSet.fromLabels', { probeSetId: f.probeSetId });
    expect(labels.count).toBe(12);
    await expectCode(
      call(f.backend, 'explain.run', {
        activationSetId: setId,
        conceptSource: { kind: 'encoder', encoderId: a.id, conceptSetId: labels.id },
      }),
      'bad_input',
      /not calibrated/,
    );

    // Calibration: BCE after the fit is below the uncalibrated sigmoid(cos), and the refine never loses to the grid.
    const calA = await call(f.backend, 'calibration.run', { encoderId: a.id, probeSetId: f.probeSetId });
    expect(calA.images).toBe(10 * PER_CLASS);
    expect(calA.concepts).toHaveLength(12);
    expect(calA.after.bce).toBeLessThan(calA.before.bce);
    expect(calA.after.bce).toBeLessThanOrEqual(calA.grid.bce + 1e-12);
    expect(calA.eceAfter).toBeLessThan(calA.eceBefore);
    expect(calA.meanAuroc!).toBeGreaterThan(0.9);
    expect(calA.reliabilityAfter.reduce((s, x) => s + x.count, 0)).toBe(10 * PER_CLASS * 12);
    expect(calA.embeddings.computed).toBe(10 * PER_CLASS + 12);
    const calB = await call(f.backend, 'calibration.run', { encoderId: b.id, probeSetId: f.probeSetId });
    expect(calB.after.bce).toBeLessThan(calB.before.bce);
    expect((await call(f.backend, 'encoder.list', {})).map((e) => e.calibration?.source)).toEqual(['fitted', 'fitted']);
    expect(await call(f.backend, 'calibration.report', { calibrationId: calA.calibration.id })).toMatchObject({ after: calA.after });

    // LE(SigLIP) on the label texts through encoder A (top-5 filter on), next to LE(Label).
    const leLabel = await call(f.backend, 'explain.run', { activationSetId: setId });
    const leSig = await call(f.backend, 'explain.run', {
      activationSetId: setId,
      conceptSource: { kind: 'encoder', encoderId: a.id, conceptSetId: labels.id },
    });
    expect(leSig.run).toMatchObject({ method: 'le_siglip', status: 'done', encoderId: a.id });
    expect(leSig.run.means.testCorrelation!).toBeGreaterThan(0.5);

    // The neuron page of an LE(SigLIP) run: the scatter simulates with the explainer, and the range view adds
    // the explanation's concepts (mean P per activation bucket) next to the classes.
    const sigRows = await call(f.backend, 'explain.results', {
      runId: leSig.run.id,
      includeDead: false,
      sort: { by: 'testCorrelation', dir: 'desc' },
    });
    const page = await call(f.backend, 'explain.neuron', { runId: leSig.run.id, neuron: sigRows.rows[0].neuron });
    expect(page.scatter?.method).toBe('le_siglip');
    const conceptSeries = page.range.labels.filter((l) => l.kind === 'concept').map((l) => l.name);
    expect(conceptSeries.sort()).toEqual(sigRows.rows[0].terms.map((t) => t.concept).sort());
    for (const bk of page.range.buckets) for (const v of bk.share) expect(v >= 0 && v <= 1).toBe(true);

    // Simulate both runs with encoder B: its scores sit next to the label simulator's.
    const simSig = await call(f.backend, 'simulate.run', { explainRunId: leSig.run.id, encoderId: b.id });
    const simLabel = await call(f.backend, 'simulate.run', { explainRunId: leLabel.run.id, encoderId: b.id });
    expect(simSig.warning).toBeNull();
    expect(simSig.embeddings.cached).toBeGreaterThanOrEqual(10 * PER_CLASS); // images cached by B's calibration
    const sigB = simSig.means.methods.le_siglip.mean!;
    const labelB = simLabel.means.methods.le_label.mean!;
    console.log(
      `mean test correlation under simulator B: LE(SigLIP) ${sigB.toFixed(3)}, LE(Label) ${labelB.toFixed(3)}; LE(Label) under labels ${leLabel.run.means.testCorrelation!.toFixed(3)}; LE(SigLIP) self ${leSig.run.means.testCorrelation!.toFixed(3)}`,
    );
    expect(sigB).toBeGreaterThan(0.3);
    expect(labelB).toBeGreaterThan(0.3);
    const means = await call(f.backend, 'simulate.means', { explainRunId: leLabel.run.id });
    expect(means.map((m) => m.name)).toEqual(['label simulator', 'fmnist_clip_b']);
    // LE(SigLIP) on label concepts is also scored by the label simulator, next to its explainer and simulator B.
    const sigMeans = await call(f.backend, 'simulate.means', { explainRunId: leSig.run.id });
    expect(sigMeans.map((m) => m.name)).toEqual(['label simulator', 'fmnist_clip_b', 'fmnist_siglip_a']);
    expect(sigMeans[0].methods.le_siglip.n).toBe(sigMeans[1].methods.le_siglip.n);
    const rows = await call(f.backend, 'explain.results', { runId: leLabel.run.id, includeDead: false });
    expect(rows.rows[0].simulated).toEqual([expect.objectContaining({ name: 'fmnist_clip_b' })]);
    // The explainer as its own simulator: allowed, warned.
    expect((await call(f.backend, 'simulate.run', { explainRunId: leSig.run.id, encoderId: a.id })).warning).toMatch(/also produced/);

    // Explanations from elsewhere (an LE results CSV, e.g. from the reference code) are simulated the same way.
    const csvPath = join(f.dir, 'le.csv');
    await call(f.backend, 'explain.export', { runId: leSig.run.id, format: 'csv', path: csvPath });
    const imported = await call(f.backend, 'explain.import', { activationSetId: setId, path: csvPath });
    const simImported = await call(f.backend, 'simulate.run', { explainRunId: imported.run.id, encoderId: b.id });
    expect(simImported.means.methods.imported.mean!).toBeCloseTo(sigB, 5);

    // Typed text under simulator B, for any text; the label simulator only takes labels.
    const neuron = rows.rows[0].neuron;
    const typed = await call(f.backend, 'explain.scoreText', { runId: leLabel.run.id, neuron, text: 'open toe sandal', simulator: b.id });
    expect(typed.simulator).toBe(b.sha256);
    expect(Number.isFinite(typed.testCorrelation)).toBe(true);
    await expectCode(
      call(f.backend, 'explain.scoreText', { runId: leLabel.run.id, neuron, text: 'open toe sandal' }),
      'bad_input',
      /image-text encoder/,
    );

    // Ablation of the LE(Label) explanations under simulator B (Norm, 6 neurons).
    const abl = await call(f.backend, 'ablation.run', {
      explainRunId: leLabel.run.id,
      simulator: b.id,
      modes: ['norm'],
      neurons: rows.rows.slice(0, 6).map((r) => r.neuron),
    });
    expect(abl.run.status).toBe('done');
    const db = f.backend.state.requireProject().db;
    const stored = db.prepare("SELECT count(*) AS n FROM scores WHERE simulator = ? AND metric = 'ablation_norm'").get(b.sha256) as {
      n: number;
    };
    expect(stored.n).toBeGreaterThan(0);

    // Another project: adding the same encoder brings its calibration from the app-wide library.
    const other = await withProject(f.dir, 'other');
    const again = await call(other.backend, 'encoder.add', { path: ENC_A });
    expect(again.calibration).toMatchObject({ source: 'library', a: calA.after.a, b: calA.after.b });
  });

  it('concept sets: built-in nouns, file import with CR/CRLF/blank/duplicates, combine, top-5 filter', async () => {
    const f = await probeProject(10);
    const nouns = await call(f.backend, 'conceptSet.builtin', { name: 'common-nouns' });
    expect(nouns.count).toBeGreaterThan(3000);
    const file = join(f.dir, 'mine.txt');
    await writeFile(file, 'sandal\r\nstraps\r\n\r\nSandal\rsandal\nboot\n');
    const imported = await call(f.backend, 'conceptSet.import', { path: file });
    expect(imported).toMatchObject({ blank: 1, duplicates: 1 });
    expect((await call(f.backend, 'conceptSet.get', { conceptSetId: imported.set.id })).concepts).toEqual([
      'sandal',
      'straps',
      'Sandal',
      'boot',
    ]);
    const csv = join(f.dir, 'concepts.csv');
    await writeFile(csv, 'id,concept\n1,"heel, high"\n2,boot\n');
    expect(
      (await call(f.backend, 'conceptSet.get', { conceptSetId: (await call(f.backend, 'conceptSet.import', { path: csv })).set.id }))
        .concepts,
    ).toEqual(['heel, high', 'boot']);
    const labels = await call(f.backend, 'conceptSet.fromLabels', { probeSetId: f.probeSetId });
    const both = await call(f.backend, 'conceptSet.combine', { conceptSetIds: [labels.id, imported.set.id] });
    expect(both.set.count).toBe(12 + 4 - both.duplicates);
    await expectCode(call(f.backend, 'conceptSet.import', { path: join(f.dir, 'nope.txt') }), 'not_found', /nope\.txt/);

    const a = await call(f.backend, 'encoder.add', { path: ENC_A });
    await call(f.backend, 'calibration.set', { encoderId: a.id, a: 30, b: -0.2, source: 'manual' });
    const filtered = await call(f.backend, 'conceptSet.filter', { conceptSetId: both.set.id, encoderId: a.id, probeSetId: f.probeSetId });
    expect(filtered.total).toBe(both.set.count);
    expect(filtered.kept.count + filtered.dropped.length).toBe(both.set.count);
    for (const d of filtered.dropped) expect(d.top5Mean < 0.5 || d.std < 1e-5).toBe(true);
  });

  it('refuses bad encoder folders with a message naming the file', async () => {
    const f = await probeProject(2);
    await expectCode(call(f.backend, 'encoder.add', { path: join(f.dir, 'missing') }), 'model_invalid');
    const broken = join(f.dir, 'broken');
    await cp(ENC_A, broken, { recursive: true });
    await writeFile(join(broken, 'tokenizer.json'), '{ not json');
    await expectCode(call(f.backend, 'encoder.add', { path: broken }), 'model_invalid', /tokenizer\.json/);
    void addProbe;
  });
});
