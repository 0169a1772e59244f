import type { ExplainRunInfo } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { getExplainRun, type ExplainRunRow } from '../../platform/store/explanationRepo';
import { getJob } from '../../platform/store/jobRepo';
import type { Db } from '../../platform/store/open';
import { getRun } from '../../platform/store/runRepo';
import { stmt } from '../../platform/store/statements';

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

/** Mean label-simulator correlation of one method's explanations in a run, per split. */
function meanScore(db: Db, runId: number, method: string, split: 'val' | 'test', simulator = 'label'): number | null {
  const r = stmt(db, `SELECT avg(s.value) AS v FROM scores s JOIN explanations e ON e.id = s.explanation_id
    WHERE e.explain_run_id = ? AND e.method = ? AND s.simulator = ? AND s.metric = 'correlation' AND s.split = ?`).get(runId, method, simulator, split) as { v: number | null };
  return r.v;
}

/** The encoder that produced a run's concepts (LE(SigLIP)), or null. */
export function runEncoderId(r: ExplainRunRow): number | null {
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
  const counts = stmt(db, 'SELECT count(*) AS n, coalesce(sum(dead), 0) AS dead FROM explain_neurons WHERE explain_run_id = ?').get(r.id) as { n: number; dead: number };
  const primary = r.method;
  const len = stmt(db, `SELECT avg(json_array_length(terms_json)) AS v FROM explanations e
    WHERE e.explain_run_id = ? AND e.method = ? AND NOT EXISTS (SELECT 1 FROM explain_neurons x WHERE x.explain_run_id = e.explain_run_id AND x.neuron = e.neuron AND x.dead = 1)`).get(r.id, primary) as { v: number | null };
  const prov = r.runId === null ? undefined : getRun(db, r.runId);
  const concepts = r.conceptSetId === null ? 0 : (stmt(db, 'SELECT count(*) AS n FROM concepts WHERE concept_set_id = ?').get(r.conceptSetId) as { n: number }).n;
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
      ? { appVersion: prov.app_version, hashes: JSON.parse(prov.hashes_json) as Record<string, string>, seeds: JSON.parse(prov.seeds_json) as Record<string, number> }
      : null,
    means: {
      length: len.v ?? 0,
      valCorrelation: meanScore(db, r.id, primary, 'val', sim) ?? meanScore(db, r.id, primary, 'val', 'reported'),
      testCorrelation: meanScore(db, r.id, primary, 'test', sim) ?? meanScore(db, r.id, primary, 'test', 'reported'),
      bestConceptTest: meanScore(db, r.id, 'best_concept', 'test', sim),
      top5Test: meanScore(db, r.id, 'top5', 'test', sim),
    },
    createdAt: r.createdAt,
  };
}
