import type { ExplainParams } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { dequantiseColumns } from '../../numeric/conceptP';
import type { DenseMatrix } from '../../numeric/le';
import { conceptNames, conceptsSha, ensureConceptSet, findConceptSet, getConceptSet } from '../../platform/store/conceptRepo';
import type { CalibrationInfo } from '../../../../shared/contract';
import { currentCalibration, type EncoderRow } from '../../platform/store/encoderRepo';
import type { Db } from '../../platform/store/open';
import { encoderConceptMatrix } from '../concepts';
import { requireCalibration, requireEncoder } from '../concepts';
import { conceptMatrix, loadLabelConcepts } from './labelConcepts';

// The explainer's concept matrix P for explain.run, by concept source:
// - labels: the probe set's 0/1 label matrix (LE(Label)); scores are under the label simulator;
// - encoder: a concept set scored by a calibrated image-text encoder (LE(SigLIP)), optionally through the
//   top-5 filter; P is built in this worker from cached embeddings (compact uint16, see concepts/README.md)
//   and only the kept columns are expanded to float32 for the elastic net. The run's own scores are then
//   self-simulation with the explainer (simulator = its sha); simulate.run adds other simulators.
// planConcepts checks everything that can be checked before a job row exists; conceptsOf does the work.

export interface ConceptPlan {
  method: 'le_label' | 'le_siglip';
  /** sha256 of the concept list (labels) or of the source concept set (encoder). */
  conceptSha: string;
  simulator: string;
  labels?: { matrix: DenseMatrix; names: string[]; conceptSetId: number };
  encoder?: { row: EncoderRow; calibration: CalibrationInfo; conceptSetId: number; filter: boolean };
}

export function planConcepts(db: Db, p: ExplainParams, probeSetId: number, probeName: string): ConceptPlan {
  const source = p.conceptSource;
  if (source.kind === 'labels') {
    const labels = loadLabelConcepts(db, probeSetId);
    if (labels.kept.length === 0)
      throw new AppError(
        'bad_input',
        `Probe set "${probeName}" has no labels that vary between images (classes, superclasses or CSV labels): nothing to explain with.`,
      );
    const { matrix, names } = conceptMatrix(labels);
    const cs = ensureConceptSet(db, { name: `labels of ${probeName}`, source: 'labels', names });
    return { method: 'le_label', conceptSha: cs.sha256, simulator: 'label', labels: { matrix, names, conceptSetId: cs.id } };
  }
  const row = requireEncoder(db, source.encoderId);
  requireCalibration(db, row);
  const set = getConceptSet(db, source.conceptSetId);
  if (!set) throw new AppError('not_found', `Concept set ${source.conceptSetId} does not exist.`);
  if (set.count === 0) throw new AppError('bad_input', `Concept set "${set.name}" is empty.`);
  return {
    method: 'le_siglip',
    conceptSha: set.sha256,
    simulator: row.sha256,
    encoder: { row, calibration: currentCalibration(db, row.id)!, conceptSetId: set.id, filter: source.filter },
  };
}

/** How conceptsOf reports and where it may write: a shard (`cachedOnly`, its hint) only reads the project. */
export interface ConceptsIo {
  signal?: AbortSignal;
  progress?: (message: string) => void;
  cachedOnly?: string;
}

export async function conceptsOf(
  db: Db,
  plan: ConceptPlan,
  probeSetId: number,
  io: ConceptsIo = {},
): Promise<{ matrix: DenseMatrix; names: string[]; conceptSetId: number }> {
  if (plan.labels) return plan.labels;
  const e = plan.encoder!;
  const names = conceptNames(db, e.conceptSetId);
  io.progress?.(`scoring ${names.length} concepts with ${e.row.name}`);
  const m = await encoderConceptMatrix(db, e.row, e.calibration, probeSetId, names, {
    signal: io.signal,
    onProgress: (d, t) => io.progress?.(`embedding images ${d} of ${t}`),
    cachedOnly: io.cachedOnly,
  });
  const keep = e.filter ? m.keptIdx : names.map((_, j) => j);
  if (!keep.length)
    throw new AppError(
      'bad_input',
      `No concept passes the top-5 filter with ${e.row.name}: check its calibration, or run without the filter.`,
    );
  const kept = keep.map((j) => names[j]);
  if (!e.filter || kept.length === names.length) return { matrix: dequantiseColumns(m.P, keep), names: kept, conceptSetId: e.conceptSetId };
  const filtered = { name: `top-5 filtered with ${e.row.name}`, source: 'filtered', names: kept };
  let conceptSetId = io.cachedOnly ? findConceptSet(db, 'filtered', conceptsSha(kept)) : null;
  if (io.cachedOnly && conceptSetId === null)
    throw new AppError(
      'bad_input',
      `The top-5 filtered concept set (${kept.length} of ${names.length} concepts) is not stored in the project: ${io.cachedOnly}`,
      {
        field: 'conceptSetId',
      },
    );
  conceptSetId ??= ensureConceptSet(db, filtered).id;
  return { matrix: dequantiseColumns(m.P, keep), names: kept, conceptSetId };
}
