import { describe, expect, it } from 'vitest';
import { lossChanges, linearHeadOracle, matrix, scoreAblation, type LossOracle } from '../../src/main/core/numeric/ablation';
import { activations, defaultSplit, prepare } from '../../src/main/core/features/ablation/common';
import { call } from '../helpers/backend';
import { CNN, CNN_POOLED, probeProject } from './explain.helpers';
import { addModel, extractSet, tailFixture, VIT, VIT_MLP } from './ablation.tail.helpers';

// The whole ablation.run job on a layer without a linear head (ViT MLP tokens, cls); Optim through the tail's
// forward-mode derivative graph against the closed form; and how accurate central finite differences (the
// fallback when a tail op has no derivative rule) are. ablation.jvp.test.ts checks the exact gradients
// themselves against PyTorch autograd.

/** The oracle without its gradients: lossChanges falls back to central finite differences. */
const lossesOnly = (o: LossOracle): LossOracle => ({
  numImages: o.numImages,
  losses: (k, v, idx) => o.losses(k, v, idx),
  baseline: o.baseline && ((idx) => o.baseline!(idx)),
});

describe('tail-graph ablation end to end', () => {
  it('ablation.run on the ViT MLP layer (cls) gives finite Norm and Optim scores for LE(Label)', async () => {
    const f = await probeProject(10);
    const id = await addModel(f, VIT);
    const setId = await extractSet(f, id, VIT_MLP, 'cls');
    const neurons = [0, 1, 2, 3];
    const er = await call(f.backend, 'explain.run', { activationSetId: setId, neurons });
    const ab = await call(f.backend, 'ablation.run', { explainRunId: er.run.id, methods: ['le_label'] });
    expect(ab.run).toMatchObject({ status: 'done', neuronsDone: neurons.length });
    expect(ab.run.params.oraclePath).toBe('tail-graph');
    // Provenance: Optim differentiated the tail exactly (forward mode), no op lacked a rule.
    expect((ab.run.params.head as { gradient: unknown }).gradient).toEqual({ method: 'forward-mode', reason: null });
    const res = await call(f.backend, 'ablation.results', { ablationRunId: ab.run.id });
    const le = res.rows.filter((r) => r.method === 'le_label');
    expect(le.map((r) => r.neuron).sort()).toEqual(neurons);
    for (const r of le) {
      expect(Number.isFinite(r.norm?.score)).toBe(true);
      expect(Number.isFinite(r.optim?.score)).toBe(true);
      expect(r.norm!.score!).toBeLessThanOrEqual(1 + 1e-12);
    }
    console.log(
      `ViT MLP cls, LE(Label): ${le.map((r) => `n${r.neuron} optim ${r.optim!.score!.toFixed(4)} norm ${r.norm!.score!.toFixed(4)}`).join('; ')}`,
    );

    // Top Impact on the same token layer (zero-ablation of the CLS feature through the tail graph).
    const ti = await call(f.backend, 'topimpact.run', { activationSetId: setId, neurons });
    expect(ti.run.status).toBe('done');
    const tir = await call(f.backend, 'topimpact.results', { topImpactRunId: ti.run.id });
    expect(tir.neurons.map((n) => n.neuron).sort()).toEqual(neurons);
    for (const n of tir.neurons.filter((x) => x.flag === null)) {
      // TI(beta) is a cumulative share: within [0, 1] and non-decreasing in beta.
      const v = n.atBetas.map((x) => x!);
      v.forEach((x, i) => {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(1 + 1e-12);
        if (i) expect(x).toBeGreaterThanOrEqual(v[i - 1] - 1e-12);
      });
    }
    expect(tir.definedNeurons).toBeGreaterThan(0);
  }, 60_000);

  it('finite-difference dL/dv: error against the exact gradient and a Richardson reference; effect on Optim', async () => {
    const f = await probeProject(3);
    const db = f.backend.state.requireProject().db;
    const FD = 1e-3; // the step finite differences used before 1e-2 became the default

    /** Central differences of the oracle's losses at relative step h (the oracle's own gradients hidden). */
    const fd = async (o: LossOracle, k: number, v: Float64Array, idx: Int32Array, h: number) =>
      (await lossChanges(lossesOnly(o), k, v, idx, async () => new Float64Array(idx.length), { grads: true }, { finiteDifferenceStep: h }))
        .grads!;
    const stats = (g: Float64Array, ref: Float64Array) => {
      let abs = 0;
      let scale = 0;
      for (let i = 0; i < g.length; i++) {
        abs = Math.max(abs, Math.abs(g[i] - ref[i]));
        scale = Math.max(scale, Math.abs(ref[i]));
      }
      return { abs, rel: abs / scale };
    };
    const richardson = (big: Float64Array, half: Float64Array) => Float64Array.from(big, (b, i) => (4 * half[i] - b) / 3);
    const fmt = (s: { abs: number; rel: number }) => `${s.abs.toExponential(2)} (rel ${s.rel.toExponential(2)})`;

    // (a) CNN pooled features (2-D identity) through the tail: the closed form gives the exact gradient.
    const cnn = await addModel(f, CNN);
    const pooled = await extractSet(f, cnn, CNN_POOLED, 'identity');
    const prep = await prepare(db, pooled);
    const A = activations(db, prep.src);
    const closed = await linearHeadOracle(A, prep.head.head!, prep.labels, 1);
    const t = await tailFixture(f, pooled);
    const idx = Int32Array.from({ length: A.rows }, (_, i) => i);
    const worst = { fd: { abs: 0, rel: 0 }, big: { abs: 0, rel: 0 }, small: { abs: 0, rel: 0 }, rich: { abs: 0, rel: 0 } };
    const upd = (w: { abs: number; rel: number }, s: { abs: number; rel: number }) =>
      Object.assign(w, { abs: Math.max(w.abs, s.abs), rel: Math.max(w.rel, s.rel) });
    for (const k of [0, 17, 63]) {
      const v = Float64Array.from(idx, (i) => A.data[i * A.cols + k] + ((i % 3) - 1) * 0.5);
      const exact = Float64Array.from((await closed.evaluate(k, v, idx, { grads: true })).grads!);
      upd(worst.fd, stats(await fd(t.oracle, k, v, idx, FD), exact));
      upd(worst.big, stats(await fd(t.oracle, k, v, idx, 1e-2), exact));
      upd(worst.small, stats(await fd(t.oracle, k, v, idx, 1e-5), exact));
      upd(worst.rich, stats(richardson(await fd(t.oracle, k, v, idx, 1e-2), await fd(t.oracle, k, v, idx, 5e-3)), exact));
    }
    console.log(
      `FD vs exact gradient (CNN pooled via tail): h=1e-3 ${fmt(worst.fd)}; h=1e-2 ${fmt(worst.big)}; h=1e-5 ${fmt(worst.small)}; Richardson(1e-2, 5e-3) ${fmt(worst.rich)}`,
    );
    expect(worst.fd.rel).toBeLessThanOrEqual(1e-2);
    // The tail's forward-mode gradient on the same inputs.
    const fm = { abs: 0, rel: 0 };
    for (const k of [0, 17, 63]) {
      const v = Float64Array.from(idx, (i) => A.data[i * A.cols + k] + ((i % 3) - 1) * 0.5);
      const exact = Float64Array.from((await closed.evaluate(k, v, idx, { grads: true })).grads!);
      upd(fm, stats(Float64Array.from((await t.oracle.evaluate(k, v, idx, { grads: true })).grads!), exact));
    }
    console.log(`forward mode vs exact gradient (CNN pooled via tail): ${fmt(fm)}`);
    expect(fm.rel).toBeLessThanOrEqual(1e-5);

    // Optim scores: closed form (analytic gradient) vs the tail (forward mode) vs the tail with finite differences.
    const split = defaultSplit(db, prep.src, 0).assignment;
    const sims = matrix(
      Float64Array.from(A.data, (a, j) => a + Math.sin(j) * 0.3),
      A.rows,
      A.cols,
    );
    const opts = { neurons: Int32Array.of(0, 17), methods: ['optim', 'norm'] as const };
    const a = await scoreAblation(closed, A, sims, split, opts);
    const b = await scoreAblation(t.oracle, A, sims, split, opts);
    const c = await scoreAblation(lossesOnly(t.oracle), A, sims, split, opts);
    let dOptim = 0;
    let dOptimFd = 0;
    let dNorm = 0;
    for (let j = 0; j < a.length; j++) {
      expect(b[j].optim!.gradientSource).toBe('analytic');
      expect(c[j].optim!.gradientSource).toBe('finite-difference');
      dOptim = Math.max(dOptim, Math.abs(a[j].optim!.score - b[j].optim!.score));
      dOptimFd = Math.max(dOptimFd, Math.abs(a[j].optim!.score - c[j].optim!.score));
      dNorm = Math.max(dNorm, Math.abs(a[j].norm!.score - b[j].norm!.score));
    }
    console.log(
      `Optim score vs closed form: tail forward mode max |diff| ${dOptim.toExponential(2)}, tail FD ${dOptimFd.toExponential(2)}; Norm ${dNorm.toExponential(2)}`,
    );
    expect(dOptim).toBeLessThanOrEqual(1e-5);
    expect(dOptimFd).toBeLessThanOrEqual(1e-3);
    await t.release();

    // (b) ViT MLP tokens (cls): no exact gradient; Richardson extrapolation of two larger steps is the reference
    // (float32 logits make the loss noisy at ~1e-6, so small steps are noise-dominated: see the README).
    const vit = await addModel(f, VIT);
    const vset = await extractSet(f, vit, VIT_MLP, 'cls');
    const tv = await tailFixture(f, vset);
    const vw = { fd: { abs: 0, rel: 0 }, big: { abs: 0, rel: 0 }, small: { abs: 0, rel: 0 } };
    for (const k of [0, tv.k >> 1, tv.k - 1]) {
      const v = Float64Array.from(idx, (i) => tv.acts[i * tv.k + k] * 0.5);
      const ref = richardson(await fd(tv.oracle, k, v, idx, 4e-2), await fd(tv.oracle, k, v, idx, 2e-2));
      upd(vw.fd, stats(await fd(tv.oracle, k, v, idx, FD), ref));
      upd(vw.big, stats(await fd(tv.oracle, k, v, idx, 1e-2), ref));
      upd(vw.small, stats(await fd(tv.oracle, k, v, idx, 1e-5), ref));
    }
    console.log(`FD vs Richardson(4e-2, 2e-2) (ViT MLP cls): h=1e-3 ${fmt(vw.fd)}; h=1e-2 ${fmt(vw.big)}; h=1e-5 ${fmt(vw.small)}`);
    expect(vw.fd.rel).toBeLessThanOrEqual(3e-2);
    // Effect on Optim scores: the default step vs a 10x larger one.
    const vprep = await prepare(db, vset);
    const VA = activations(db, vprep.src);
    const vsplit = defaultSplit(db, vprep.src, 0).assignment;
    const vsims = matrix(
      Float64Array.from(VA.data, (x, j) => x + Math.sin(j) * 0.3),
      VA.rows,
      VA.cols,
    );
    const vopts = { neurons: Int32Array.of(0, 1, 2, 3), methods: ['optim'] as const };
    const s3 = await scoreAblation(lossesOnly(tv.oracle), VA, vsims, vsplit, { ...vopts, finiteDifferenceStep: 1e-3 });
    const s2 = await scoreAblation(lossesOnly(tv.oracle), VA, vsims, vsplit, { ...vopts, finiteDifferenceStep: 1e-2 });
    const dv = Math.max(...s3.map((r, j) => Math.abs(r.optim!.score - s2[j].optim!.score)));
    const sx = await scoreAblation(tv.oracle, VA, vsims, vsplit, vopts);
    const dx = Math.max(...sx.map((r, j) => Math.abs(r.optim!.score - s2[j].optim!.score)));
    console.log(
      `ViT Optim scores, FD step 1e-3 vs 1e-2: max |diff| ${dv.toExponential(2)}; forward mode vs FD 1e-2: ${dx.toExponential(2)} (forward mode: ${sx.map((r) => r.optim!.score.toFixed(4)).join(', ')})`,
    );
    expect(dv).toBeLessThanOrEqual(2e-2);
    sx.forEach((r) => expect(r.optim!.gradientSource).toBe('analytic'));
    await tv.release();
  }, 60_000);
});
