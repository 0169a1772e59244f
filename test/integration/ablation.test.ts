import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import { linearHeadOracle, logSumExp, matrix } from '../../src/main/core/numeric/ablation';
import { prepare } from '../../src/main/core/features/ablation/common';
import { tailGraphOracle } from '../../src/main/core/features/ablation/tailOracle';
import { extractTail } from '../../src/main/core/onnx/graph';
import { decodeModel, encodeModel } from '../../src/main/core/onnx/onnxProto';
import { createSession, runBatch } from '../../src/main/core/onnx/session';
import { readMatrix } from '../../src/main/core/platform/store/activationRepo';
import { call, ctx } from '../helpers/backend';
import { CNN, CNN_POOLED, extract, probeProject } from './explain.helpers';

// Ablation scoring and Top Impact on the fixture CNN's pooled layer (/Flatten_output_0 -> Gemm -> logits),
// the real pipeline: Fashion-MNIST probe folder, model, extraction, LE run, then ablation.

const PER_CLASS = 40;

async function setUp() {
  const f = await probeProject(PER_CLASS);
  const setId = await extract(f, CNN, CNN_POOLED);
  return { f, setId };
}

describe('ablation on the fixture CNN pooled layer', () => {
  it('head, mapping, temperature, closed form = extracted tail graph, scores, CSV, Top Impact', async () => {
    const { f, setId } = await setUp();
    const db = f.backend.state.requireProject().db;

    // Linear head: found, verified on stored rows.
    const head = await call(f.backend, 'ablation.head', { activationSetId: setId });
    expect(head).toMatchObject({ linear: true, classes: 10, features: 64, reason: null });
    expect(head.path).toContain('Gemm');
    expect(head.maxAbsError!).toBeLessThanOrEqual(1e-4);

    // Mapping by the class names of resources/fixtures/models.json; accuracy from stored predictions.
    const mapping = await call(f.backend, 'ablation.mapping', { activationSetId: setId });
    expect(mapping).toMatchObject({ source: 'metadata', unmapped: 0, images: 10 * PER_CLASS });
    expect(mapping.rows.every((r) => r.modelClassName === r.label)).toBe(true);
    expect(mapping.accuracy!).toBeGreaterThan(0.7);
    // An explicit mapping wins (here: a deliberately wrong one lowers accuracy).
    const names = mapping.rows.map((r) => r.label);
    const shifted = Object.fromEntries(mapping.rows.map((r) => [r.label, (r.modelClass! + 1) % 10]));
    const wrong = await call(f.backend, 'ablation.mapping', { activationSetId: setId, mapping: shifted });
    expect(wrong.source).toBe('explicit');
    expect(wrong.accuracy!).toBeLessThan(0.3);
    expect(names).toHaveLength(10);

    // Temperature: fitted on val, stored, NLL not worse than at T = 1.
    const temp = await call(f.backend, 'ablation.temperature', { activationSetId: setId });
    expect(temp.temperature).toBeGreaterThan(0);
    expect(temp.nll).toBeLessThanOrEqual(temp.nllAtOne + 1e-12);
    expect(db.prepare('SELECT count(*) AS n FROM temperature_fits').get()).toEqual({ n: 1 });
    expect(await call(f.backend, 'ablation.temperature', { activationSetId: setId })).toEqual(temp);

    // Closed form == running the extracted tail sub-graph with onnxruntime on stored activations, one neuron replaced.
    const prep = await prepare(db, setId);
    const n = prep.src.set.nImages;
    const acts = readMatrix(db, setId, 'act');
    const oracle = await linearHeadOracle(matrix(acts, n, 64), prep.head.head!, prep.labels, temp.temperature);
    const tail = extractTail(decodeModel(await readFile(CNN)), CNN_POOLED, ['logits'], ['batch', 64]);
    const { session } = await createSession(encodeModel(tail), { threads: 1 });
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    let maxDiff = 0;
    for (const k of [0, 17, 63]) {
      const value = 0.37 * (k + 1);
      const replaced = Float32Array.from(acts);
      for (let i = 0; i < n; i++) replaced[i * 64 + k] = value;
      const z = (await runBatch(session, CNN_POOLED, replaced, [n, 64], ['logits'])).get('logits')!.data;
      const closed = await oracle.losses(k, new Float64Array(n).fill(value), idx);
      for (let i = 0; i < n; i++) {
        const zz = Float64Array.from(z.subarray(i * 10, i * 10 + 10));
        const loss = logSumExp(zz, 0, 10, 1 / temp.temperature) - zz[prep.labels[i]] / temp.temperature;
        maxDiff = Math.max(maxDiff, Math.abs(loss - closed[i]));
      }
    }
    await session.release();
    console.log(`closed form vs extracted tail graph: max |loss difference| = ${maxDiff.toExponential(2)}`);
    expect(maxDiff).toBeLessThanOrEqual(1e-5);

    // LE run, then ablation scores of every method.
    const er = await call(f.backend, 'explain.run', { activationSetId: setId });
    const ab = await call(f.backend, 'ablation.run', { explainRunId: er.run.id });
    expect(ab.run).toMatchObject({ status: 'done', temperatureSource: 'fitted', temperature: temp.temperature });
    const res = await call(f.backend, 'ablation.results', { ablationRunId: ab.run.id, limit: 5000 });
    expect(res.total).toBe(res.rows.length);
    for (const r of res.rows) {
      for (const s of [r.optim, r.norm]) if (s?.score != null) expect(s.score).toBeLessThanOrEqual(1 + 1e-12);
    }
    const by = Object.fromEntries(res.methods.map((m) => [m.method, m]));
    expect(Object.keys(by).sort()).toEqual(['best_concept', 'le_label', 'top5']);
    const fmt = (m: { mean: number | null; standardError: number | null; n: number }) =>
      `${m.mean?.toFixed(4)} +- ${m.standardError?.toFixed(4)} (n=${m.n})`;
    console.log(
      `model accuracy on probe set: ${mapping.accuracy}; fitted T = ${temp.temperature} (NLL ${temp.nll.toFixed(4)} vs ${temp.nllAtOne.toFixed(4)} at T=1)`,
    );
    for (const m of res.methods)
      console.log(`ablation ${m.method}: corr ${fmt(m.correlation)}, optim ${fmt(m.optim)}, norm ${fmt(m.norm)}, flagged ${m.flagged}`);
    expect(by.le_label.norm.mean!).toBeGreaterThan(by.best_concept.norm.mean!);
    expect(res.scatter.find((s) => s.method === 'le_label')!.correlation).toHaveLength(by.le_label.optim.n + by.le_label.flagged);
    // Stored as scores rows linked to the explanations, with c, d, denominator.
    const rows = db.prepare(`SELECT s.metric, s.split, s.details_json FROM scores s WHERE s.metric LIKE 'ablation_%'`).all() as {
      metric: string;
      split: string;
      details_json: string;
    }[];
    expect(rows.length).toBe(res.methods.reduce((a, m) => a + m.optim.n + m.norm.n, 0));
    expect(rows.every((r) => r.split === 'test')).toBe(true);
    expect(JSON.parse(rows[0].details_json)).toMatchObject({
      ablationRunId: ab.run.id,
      c: expect.any(Number),
      d: expect.any(Number),
      denominator: expect.any(Number),
    });
    // Same call again: reused.
    expect((await call(f.backend, 'ablation.run', { explainRunId: er.run.id })).reused).toBe(true);

    // Only the chosen methods are scored; a method the run does not have is refused by name.
    const onlyLe = await call(f.backend, 'ablation.run', { explainRunId: er.run.id, methods: ['le_label'], modes: ['norm'] });
    const onlyRes = await call(f.backend, 'ablation.results', { ablationRunId: onlyLe.run.id, limit: 5000 });
    expect(onlyRes.methods.map((m) => m.method)).toEqual(['le_label']);
    expect(onlyRes.methods[0].norm.mean).toBeCloseTo(by.le_label.norm.mean!, 12);
    await expect(call(f.backend, 'ablation.run', { explainRunId: er.run.id, methods: ['clip_dissect'] })).rejects.toThrow(
      /no explanations of method clip_dissect/,
    );

    // CSV export carries the reference columns.
    const out = join(f.dir, 'le.csv');
    await call(f.backend, 'explain.export', { runId: er.run.id, format: 'csv', path: out });
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines[0].endsWith('sim correlation,sim ablation(optim),sim ablation(norm)')).toBe(true);
    const leRow = res.rows.find((r) => r.method === 'le_label' && r.optim?.score != null)!;
    const fields = lines.find((l) => l.split(',')[1] === String(leRow.neuron))!.split(',');
    expect(Number(fields.at(-2))).toBe(leRow.optim!.score);
    expect(Number(fields.at(-1))).toBe(leRow.norm!.score);

    // Top Impact: TI(0.5) in (0, 1], curves monotone.
    const ti = await call(f.backend, 'topimpact.run', { activationSetId: setId });
    const tr = await call(f.backend, 'topimpact.results', { topImpactRunId: ti.run.id, neuron: 0 });
    expect(tr.betas).toEqual([0.0003, 0.002, 0.02, 0.1, 0.5]);
    const ti05 = tr.meanAtBetas[4]!;
    expect(ti05).toBeGreaterThan(0);
    expect(ti05).toBeLessThanOrEqual(1);
    for (let b = 1; b < tr.meanCurve.length; b++) expect(tr.meanCurve[b]!).toBeGreaterThanOrEqual(tr.meanCurve[b - 1]! - 1e-12);
    for (let b = 1; b < tr.curve!.values.length; b++) expect(tr.curve!.values[b]!).toBeGreaterThanOrEqual(tr.curve!.values[b - 1]! - 1e-12);
    console.log(
      `Top Impact (pooled, ${tr.definedNeurons} neurons, T=${temp.temperature.toFixed(4)}): ${tr.betas.map((b, i) => `${b} -> ${(100 * tr.meanAtBetas[i]!).toFixed(2)}%`).join(', ')}`,
    );
  }, 300_000);

  it('cancel + resume give identical results (ablation.run, topimpact.run); a spatial layer runs on the tail graph', async () => {
    const { f, setId } = await setUp();
    const er = await call(f.backend, 'explain.run', { activationSetId: setId, neurons: [0, 1, 2, 3, 4, 5, 6, 7] });
    const cancelAt = async (method: 'ablation.run' | 'topimpact.run', input: object, at: number) => {
      const abort = new AbortController();
      const err = await call(
        f.backend,
        method,
        input as never,
        ctx({ signal: abort.signal, onProgress: (p) => p.done >= at && abort.abort() }),
      ).catch((e: unknown) => e);
      expect((err as AppError).code).toBe('cancelled');
    };
    // Ablation: blocks of 2, cancel after the first, resume with jobs.resume.
    const input = { explainRunId: er.run.id, blockSize: 2 };
    await cancelAt('ablation.run', input, 2);
    const [job] = (await call(f.backend, 'jobs.list', {})).filter((j) => j.kind === 'ablation.run');
    expect(job).toMatchObject({ status: 'cancelled', resumable: true });
    await call(f.backend, 'jobs.resume', { jobId: job.id });
    const [run] = (await call(f.backend, 'ablation.runs', { activationSetId: setId })).filter((r) => r.kind === 'ablation');
    expect(run).toMatchObject({ status: 'done', neuronsDone: run.neuronsTotal });
    const whole = await call(f.backend, 'ablation.run', { explainRunId: er.run.id, blockSize: 8, neurons: [...Array(8).keys()] });
    expect(whole.run.id).not.toBe(run.id);
    const a = await call(f.backend, 'ablation.results', { ablationRunId: run.id });
    const b = await call(f.backend, 'ablation.results', { ablationRunId: whole.run.id });
    expect(a.rows.length).toBeGreaterThan(0);
    expect(a.rows).toEqual(b.rows);
    expect(a.methods).toEqual(b.methods);

    // Top Impact: same.
    const tin = { activationSetId: setId, blockSize: 8 };
    await cancelAt('topimpact.run', tin, 8);
    const again = await call(f.backend, 'topimpact.run', tin); // the same call continues the stopped job
    const ref = await call(f.backend, 'topimpact.run', { ...tin, blockSize: 64, neurons: [...Array(64).keys()] });
    const ta = await call(f.backend, 'topimpact.results', { topImpactRunId: again.run.id });
    const tb = await call(f.backend, 'topimpact.results', { topImpactRunId: ref.run.id });
    expect(ta.neurons).toHaveLength(64);
    expect(ta.neurons).toEqual(tb.neurons);
    expect(ta.meanAtBetas).toEqual(tb.meanAtBetas);

    // A spatial layer (layer2 -> layer3 -> pool -> fc) is not linear in the layer: the tail-graph path runs.
    const [model] = await call(f.backend, 'model.list', {});
    const l2 = (
      await call(f.backend, 'activations.extract', {
        modelId: model.id,
        layer: '/layer2/relu_1/Relu_output_0',
        probeSetId: f.probeSetId,
        summary: 'mean',
      })
    ).activationSet.id;
    const h2 = await call(f.backend, 'ablation.head', { activationSetId: l2 });
    expect(h2.linear).toBe(false);
    expect(h2.reason).toBeTruthy();
    const er2 = await call(f.backend, 'explain.run', { activationSetId: l2, neurons: [0, 1] });
    const ab2 = await call(f.backend, 'ablation.run', { explainRunId: er2.run.id });
    expect(ab2.run.params.oraclePath).toBe('tail-graph');
    const r2 = await call(f.backend, 'ablation.results', { ablationRunId: ab2.run.id });
    expect(r2.rows.length).toBeGreaterThan(0);
    for (const r of r2.rows) for (const sc of [r.optim, r.norm]) if (sc?.score != null) expect(sc.score).toBeLessThanOrEqual(1 + 1e-12);
    console.log(
      `tail-graph (layer2, neurons 0-1): ${r2.methods.map((m) => `${m.method} optim ${m.optim.mean?.toFixed(4)} norm ${m.norm.mean?.toFixed(4)}`).join('; ')}`,
    );
    const ti2 = await call(f.backend, 'topimpact.run', { activationSetId: l2, neurons: [0, 1, 2, 3] });
    const t2 = await call(f.backend, 'topimpact.results', { topImpactRunId: ti2.run.id });
    expect(t2.meanAtBetas[4]!).toBeGreaterThan(0);
    expect(t2.meanAtBetas[4]!).toBeLessThanOrEqual(1);
  }, 300_000);

  it('tail-graph oracle equals the closed form where both apply (layer3 spatial mean -> GlobalAveragePool -> Gemm)', async () => {
    const { f } = await setUp();
    const db = f.backend.state.requireProject().db;
    const [model] = await call(f.backend, 'model.list', {});
    const l3 = (
      await call(f.backend, 'activations.extract', {
        modelId: model.id,
        layer: '/layer3/relu_1/Relu_output_0',
        probeSetId: f.probeSetId,
        summary: 'mean',
      })
    ).activationSet.id;
    const head = await call(f.backend, 'ablation.head', { activationSetId: l3 });
    expect(head.linear).toBe(true);
    expect(head.path).toContain('GlobalAveragePool');
    const prep = await prepare(db, l3);
    const A = matrix(readMatrix(db, l3, 'act'), prep.src.set.nImages, prep.src.set.nNeurons);
    const T = 1.3;
    const closed = await linearHeadOracle(A, prep.head.head!, prep.labels, T);
    const tail = await tailGraphOracle(db, prep.src, A, prep.labels, T);
    expect(tail.summaryError).toBeLessThanOrEqual(1e-4);
    const idx = Int32Array.from({ length: A.rows }, (_, i) => i);
    let maxDiff = 0;
    let flips = 0;
    for (const k of [0, 31, 63]) {
      const values = Float64Array.from(idx, (i) => ((i % 3) * 0.5 * (k + 1)) / 10);
      const a = await closed.evaluate(k, values, idx, { correct: true });
      const b = await tail.evaluate(k, values, idx, { correct: true });
      for (let i = 0; i < idx.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a.losses[i] - b.losses[i]));
        if (a.correct![i] !== b.correct![i]) flips++;
      }
    }
    await tail.release();
    console.log(`tail-graph vs closed form (layer3 mean): max |loss difference| = ${maxDiff.toExponential(2)}, correctness flips ${flips}`);
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
    expect(flips).toBe(0);
  }, 300_000);
});
