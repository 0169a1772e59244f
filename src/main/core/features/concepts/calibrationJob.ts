import type { CalibrationReport } from '../../../../shared/contract';
import type { CallContext } from '../../../../shared/define';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import { aurocColumns, calibrate, cosineBlocks, reliabilityFromCos } from '../../numeric/conceptP';
import type { JobKind } from '../../platform/jobs/registry';
import { runJob } from '../../platform/jobs/runner';
import { insertCalibration, setCalibrationReport } from '../../platform/store/encoderRepo';
import { getProbeSet } from '../../platform/store/probeRepo';
import { CalibrationLibrary } from './calibrationLibrary';
import { calibrationLabels, conceptTextEmbeddings, probeImageEmbeddings } from './encoderConcepts';
import { requireEncoder } from './encoderService';

// calibration.run: fit (a, b) of P = sigmoid(a*(cos+b)) to a labelled probe set (docs/methods.md "Calibration"), as a job:
// embed the probe images (cached, resumable by batch) -> cos of every image with every label text (one
// product) -> reference grid + continuous refine -> reliability diagrams, per-concept AUROC -> one commit
// of the calibration with its report, then the app-wide library.

export const CALIBRATION_KIND = 'calibration.run';

export interface CalibrationParams {
  encoderId: number;
  probeSetId: number;
  maxSuperclassShare: number;
}

export async function runCalibration(
  state: BackendState,
  p: CalibrationParams,
  ctx: CallContext,
  jobId?: number,
): Promise<CalibrationReport> {
  const project = state.requireProject();
  const { db } = project;
  const enc = requireEncoder(db, p.encoderId);
  const probe = getProbeSet(db, p.probeSetId);
  if (!probe?.complete) throw new AppError('bad_input', `Probe set ${p.probeSetId} does not exist or is not completely imported.`);
  const lab = calibrationLabels(db, p.probeSetId, p.maxSuperclassShare);
  const t0 = performance.now();
  const title = `Calibrate ${enc.name} on ${probe.name}`;
  return runJob(project, { kind: CALIBRATION_KIND, title, params: { ...p }, jobId }, ctx, async (run) => {
    run.recordProvenance({ hashes: { encoder: enc.sha256, manifest: probe.manifestHash ?? '' } });
    const total = lab.n + 1;
    const img = await probeImageEmbeddings(db, enc, p.probeSetId, {
      signal: run.signal,
      onProgress: (d) => run.progress(d, total, `embedding images ${d} of ${lab.n}`),
    });
    const txt = await conceptTextEmbeddings(db, enc, lab.names);
    run.throwIfCancelled();
    const L = lab.names.length;
    const cos = new Float32Array(lab.n * L);
    await cosineBlocks(
      { data: img.vectors, rows: img.rows, cols: img.dim },
      { data: txt.vectors, rows: L, cols: txt.dim },
      (block, r0) => cos.set(block, r0 * L),
      { signal: run.signal },
    );
    const fit = calibrate(cos, lab.labels, { rows: lab.n, cols: L });
    run.throwIfCancelled();
    const before = reliabilityFromCos(cos, lab.labels, fit.before.a, fit.before.b);
    const after = reliabilityFromCos(cos, lab.labels, fit.a, fit.b);
    // AUROC of each label concept over the images (cos order = P order: sigmoid is monotone).
    const aucByConcept = aurocColumns(cos, lab.labels, lab.n, L);
    const positives = new Int32Array(L);
    for (let i = 0; i < lab.labels.length; i++) positives[i % L] += lab.labels[i];
    const perConcept = lab.names.map((concept, j) => ({ concept, positives: positives[j], auroc: aucByConcept[j] }));
    const aucs = perConcept.map((c) => c.auroc).filter((v): v is number => v !== null && Number.isFinite(v));
    const label = `fitted on ${probe.name}`;
    const report = db.transaction(() => {
      const calibration = insertCalibration(db, {
        encoderId: enc.id,
        a: fit.a,
        b: fit.b,
        source: 'fitted',
        label,
        bceBefore: fit.before.bce,
        bceAfter: fit.bce,
        runId: run.runId,
      });
      const r: CalibrationReport = {
        calibration,
        images: lab.n,
        concepts: lab.names,
        skipped: lab.skipped,
        before: fit.before,
        grid: fit.grid,
        after: { a: fit.a, b: fit.b, bce: fit.bce },
        reliabilityBefore: before.bins,
        reliabilityAfter: after.bins,
        eceBefore: before.ece,
        eceAfter: after.ece,
        perConcept,
        meanAuroc: aucs.length ? aucs.reduce((s, v) => s + v, 0) / aucs.length : null,
        embeddings: { computed: img.computed + txt.computed, cached: img.cached + txt.cached },
        seconds: (performance.now() - t0) / 1000,
      };
      setCalibrationReport(db, calibration.id, r);
      run.progress(
        total,
        total,
        `a = ${fit.a.toFixed(3)}, b = ${fit.b.toFixed(4)}, BCE ${fit.before.bce.toFixed(4)} -> ${fit.bce.toFixed(4)}`,
      );
      return r;
    })();
    await new CalibrationLibrary(state.opts.userDataDir).add(enc.sha256, {
      a: fit.a,
      b: fit.b,
      label: `${label} (${project.path})`,
      bceBefore: fit.before.bce,
      bceAfter: fit.bce,
      createdAt: report.calibration.createdAt,
    });
    return report;
  });
}

export const calibrationJobKind: JobKind = {
  kind: CALIBRATION_KIND,
  writeHeavy: false,
  resume: (state, stored, ctx, jobId) => runCalibration(state, stored as CalibrationParams, ctx, jobId),
};
