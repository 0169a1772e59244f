import type { CallContext } from '../../../../shared/define';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import type { JobKind } from '../../platform/jobs/registry';
import { runJob } from '../../platform/jobs/runner';
import { conceptNames, ensureConceptSet, getConceptSet } from '../../platform/store/conceptRepo';
import { getProbeSet } from '../../platform/store/probeRepo';
import { encoderConceptMatrix, probeImageEmbeddings } from './encoderConcepts';
import { requireCalibration, requireEncoder } from './encoderService';
import { unknownConceptsWarning } from './unknownWords';
import { currentCalibration } from '../../platform/store/encoderRepo';

// Jobs of the concept scorer that are not calibration or simulation: caching a probe set's image
// embeddings, and the top-5 concept filter.

export const EMBED_KIND = 'encoder.embed';
export const FILTER_KIND = 'conceptSet.filter';

function requireProbe(state: BackendState, id: number) {
  const probe = getProbeSet(state.requireProject().db, id);
  if (!probe?.complete) throw new AppError('bad_input', `Probe set ${id} does not exist or is not completely imported.`);
  return probe;
}

export async function runEmbed(state: BackendState, p: { encoderId: number; probeSetId: number }, ctx: CallContext, jobId?: number) {
  const project = state.requireProject();
  const enc = requireEncoder(project.db, p.encoderId);
  const probe = requireProbe(state, p.probeSetId);
  const t0 = performance.now();
  return runJob(project, { kind: EMBED_KIND, title: `Embed ${probe.name} with ${enc.name}`, params: { ...p }, jobId }, ctx, async (run) => {
    run.recordProvenance({ hashes: { encoder: enc.sha256, manifest: probe.manifestHash ?? '' } });
    const r = await probeImageEmbeddings(project.db, enc, p.probeSetId, {
      signal: run.signal,
      onProgress: (d, t) => run.progress(d, t, `${d} of ${t} images`),
    });
    run.progress(r.rows, r.rows);
    return { computed: r.computed, cached: r.cached, seconds: (performance.now() - t0) / 1000 };
  });
}

export async function runFilter(
  state: BackendState,
  p: { conceptSetId: number; encoderId: number; probeSetId: number },
  ctx: CallContext,
  jobId?: number,
) {
  const project = state.requireProject();
  const { db } = project;
  const set = getConceptSet(db, p.conceptSetId);
  if (!set) throw new AppError('not_found', `Concept set ${p.conceptSetId} does not exist.`);
  const enc = requireEncoder(db, p.encoderId);
  requireCalibration(db, enc);
  const probe = requireProbe(state, p.probeSetId);
  const t0 = performance.now();
  return runJob(
    project,
    { kind: FILTER_KIND, title: `Top-5 filter of "${set.name}" with ${enc.name}`, params: { ...p }, jobId },
    ctx,
    async (run) => {
      const calibration = currentCalibration(db, enc.id)!;
      const names = conceptNames(db, set.id);
      const total = probe.images + 1;
      const m = await encoderConceptMatrix(db, enc, calibration, probe.id, names, {
        signal: run.signal,
        onProgress: (d) => run.progress(d, total, `embedding images ${d} of ${probe.images}`),
      });
      const kept = m.keptIdx.map((j) => names[j]);
      if (!kept.length)
        throw new AppError(
          'bad_input',
          `No concept of "${set.name}" passes the top-5 filter on "${probe.name}" with ${enc.name} (a = ${calibration.a}, b = ${calibration.b}). Check the calibration.`,
        );
      const keptSet = ensureConceptSet(db, {
        name: `${set.name} (top-5 filtered: ${enc.name} on ${probe.name})`,
        source: 'filtered',
        names: kept,
      });
      run.progress(total, total, `${kept.length} of ${names.length} concepts kept`);
      return {
        kept: getConceptSet(db, keptSet.id)!,
        total: names.length,
        dropped: m.dropped,
        unknown: m.unknown,
        warning: unknownConceptsWarning(m.unknown, names.length, enc.name),
        calibration,
        embeddings: m.embeddings,
        seconds: (performance.now() - t0) / 1000,
      };
    },
  );
}

export const embedJobKind: JobKind = {
  kind: EMBED_KIND,
  writeHeavy: false,
  resume: (state, stored, ctx, jobId) => runEmbed(state, stored as { encoderId: number; probeSetId: number }, ctx, jobId),
};
export const filterJobKind: JobKind = {
  kind: FILTER_KIND,
  writeHeavy: false,
  resume: (state, stored, ctx, jobId) =>
    runFilter(state, stored as { conceptSetId: number; encoderId: number; probeSetId: number }, ctx, jobId),
};
