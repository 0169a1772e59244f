import type { ExplainRunInfo } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { countConcepts } from '../../platform/store/conceptRepo';
import {
  explainNeuronCounts,
  getExplainRun,
  meanCorrelation,
  meanTermCount,
  type ExplainRunRow,
} from '../../platform/store/explanationRepo';
import { getJob } from '../../platform/store/jobRepo';
import type { Db } from '../../platform/store/open';
import { getRun } from '../../platform/store/runRepo';

// ExplainRunInfo: a run row plus what the UI shows next to it (status from its job, progress, means).

export function requireRun(db: Db, id: number): ExplainRunRow {
  const r = getExplainRun(db, id);
  if (!r) throw new AppError('not_found', `Explanation run ${id} does not exist in this project.`);
  return r;
}

function status(db: Db, r: ExplainRunRow): ExplainRunInfo['status'] {
  if (r.complete) return 'done';
  const job = r.jobId === null ? undefined : getJob(db, r.jobId);
  return job && job.status !== 'done' ? job.status : 'interrupted';
}

/** The encoder that produced a run's concepts (LE(SigLIP)), or null. */
export function runEncoderId(r: ExplainRunRow): number | null {
  // DnD and CLIP-Dissect runs name the encoder their labels came from.
  if ((r.method === 'dnd' || r.method === 'clip_dissect') && typeof r.params.encoderId === 'number') return r.params.encoderId;
  const src = r.params.conceptSource as { kind?: string; encoderId?: number } | undefined;
  return src?.kind === 'encoder' && typeof src.encoderId === 'number' ? src.encoderId : null;
}

/**
 * Whose scores are a run's own: the label simulator for LE(Label); the explainer encoder (its sha, stored
 * in the run params) for LE(SigLIP), i.e. self-simulation, which other simulators are compared against.
 */
export function primarySimulator(r: ExplainRunRow): string {
  return typeof r.params.explainerSha === 'string' ? r.params.explainerSha : 'label';
}

export function runInfo(db: Db, r: ExplainRunRow): ExplainRunInfo {
  const sim = primarySimulator(r);
  const counts = explainNeuronCounts(db, r.id);
  const primary = r.method;
  const len = meanTermCount(db, r.id, primary);
  const prov = r.runId === null ? undefined : getRun(db, r.runId);
  const concepts = r.conceptSetId === null ? 0 : countConcepts(db, r.conceptSetId);
  return {
    id: r.id,
    activationSetId: r.activationSetId,
    method: r.method,
    status: status(db, r),
    encoderId: runEncoderId(r),
    jobId: r.jobId,
    neuronsTotal: r.neurons.length,
    neuronsDone: counts.n,
    dead: counts.dead,
    splitId: r.splitId,
    conceptSetId: r.conceptSetId,
    concepts,
    params: r.params,
    provenance: prov
      ? {
          appVersion: prov.app_version,
          hashes: JSON.parse(prov.hashes_json) as Record<string, string>,
          seeds: JSON.parse(prov.seeds_json) as Record<string, number>,
        }
      : null,
    means: {
      length: len ?? 0,
      valCorrelation: meanCorrelation(db, r.id, primary, 'val', sim) ?? meanCorrelation(db, r.id, primary, 'val', 'reported'),
      testCorrelation: meanCorrelation(db, r.id, primary, 'test', sim) ?? meanCorrelation(db, r.id, primary, 'test', 'reported'),
      bestConceptTest: meanCorrelation(db, r.id, 'best_concept', 'test', sim),
      top5Test: meanCorrelation(db, r.id, 'top5', 'test', sim),
    },
    createdAt: r.createdAt,
  };
}
