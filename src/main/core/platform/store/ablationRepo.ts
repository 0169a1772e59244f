import type { Db } from './open';
import { nowIso, stmt } from './statements';

// Tables `ablation_runs`, `ablation_neurons`, `temperature_fits` (migration 003). Ablation scores are
// `scores` rows (001) written with details_json; a block's scores and its ablation_neurons rows commit together.

export type AblationKind = 'ablation' | 'topimpact';

export interface AblationRunRow {
  id: number;
  kind: AblationKind;
  activationSetId: number;
  explainRunId: number | null;
  runId: number | null;
  jobId: number | null;
  key: string;
  params: Record<string, unknown>;
  neurons: number[];
  complete: boolean;
  createdAt: string;
}

interface RawRun {
  id: number;
  kind: AblationKind;
  activation_set_id: number;
  explain_run_id: number | null;
  run_id: number | null;
  job_id: number | null;
  key: string;
  params_json: string;
  neurons_json: string;
  complete: number;
  created_at: string;
}

const toRun = (r: RawRun): AblationRunRow => ({
  id: r.id,
  kind: r.kind,
  activationSetId: r.activation_set_id,
  explainRunId: r.explain_run_id,
  runId: r.run_id,
  jobId: r.job_id,
  key: r.key,
  params: JSON.parse(r.params_json) as Record<string, unknown>,
  neurons: JSON.parse(r.neurons_json) as number[],
  complete: r.complete === 1,
  createdAt: r.created_at,
});

export function createAblationRun(db: Db, r: Omit<AblationRunRow, 'id' | 'complete' | 'createdAt'>): number {
  return Number(
    stmt(
      db,
      'INSERT INTO ablation_runs(kind, activation_set_id, explain_run_id, run_id, job_id, key, params_json, neurons_json, created_at) VALUES (?,?,?,?,?,?,?,?,?)',
    ).run(r.kind, r.activationSetId, r.explainRunId, r.runId, r.jobId, r.key, JSON.stringify(r.params), JSON.stringify(r.neurons), nowIso())
      .lastInsertRowid,
  );
}

export function findAblationRun(db: Db, kind: AblationKind, activationSetId: number, key: string): AblationRunRow | null {
  const r = stmt(db, 'SELECT * FROM ablation_runs WHERE kind = ? AND activation_set_id = ? AND key = ? ORDER BY id DESC LIMIT 1').get(
    kind,
    activationSetId,
    key,
  ) as RawRun | undefined;
  return r ? toRun(r) : null;
}

export function getAblationRun(db: Db, id: number): AblationRunRow | null {
  const r = stmt(db, 'SELECT * FROM ablation_runs WHERE id = ?').get(id) as RawRun | undefined;
  return r ? toRun(r) : null;
}

export function listAblationRuns(db: Db, activationSetId?: number): AblationRunRow[] {
  return (
    stmt(db, 'SELECT * FROM ablation_runs WHERE (@s IS NULL OR activation_set_id = @s) ORDER BY id DESC').all({
      s: activationSetId ?? null,
    }) as RawRun[]
  ).map(toRun);
}

export function setAblationRunJob(db: Db, id: number, jobId: number): void {
  stmt(db, 'UPDATE ablation_runs SET job_id = ? WHERE id = ?').run(jobId, id);
}

/** How Optim differentiated (params.head.gradient), as the oracle found when it loaded. */
export function setAblationRunGradient(db: Db, id: number, gradient: { method: string; reason: string | null }): void {
  stmt(db, "UPDATE ablation_runs SET params_json = json_set(params_json, '$.head.gradient', json(?)) WHERE id = ?").run(
    JSON.stringify(gradient),
    id,
  );
}

export function completeAblationRun(db: Db, id: number): void {
  stmt(db, 'UPDATE ablation_runs SET complete = 1 WHERE id = ?').run(id);
}

export function doneAblationNeurons(db: Db, id: number): Set<number> {
  return new Set(
    (stmt(db, 'SELECT neuron FROM ablation_neurons WHERE ablation_run_id = ?').all(id) as { neuron: number }[]).map((r) => r.neuron),
  );
}

export function putAblationNeuron(db: Db, id: number, neuron: number, details: unknown): void {
  stmt(db, 'INSERT OR REPLACE INTO ablation_neurons(ablation_run_id, neuron, details_json) VALUES (?,?,?)').run(
    id,
    neuron,
    JSON.stringify(details),
  );
}

export function ablationNeurons<T>(db: Db, id: number): { neuron: number; details: T }[] {
  return (
    stmt(db, 'SELECT neuron, details_json FROM ablation_neurons WHERE ablation_run_id = ? ORDER BY neuron').all(id) as {
      neuron: number;
      details_json: string;
    }[]
  ).map((r) => ({
    neuron: r.neuron,
    details: JSON.parse(r.details_json) as T,
  }));
}

export function insertScoreWithDetails(
  db: Db,
  s: {
    explanationId: number;
    simulator: string;
    metric: string;
    split: 'train' | 'val' | 'test';
    value: number;
    details: unknown;
    runId: number | null;
  },
): void {
  stmt(
    db,
    'INSERT INTO scores(explanation_id, simulator, metric, split, value, details_json, run_id, created_at) VALUES (?,?,?,?,?,?,?,?)',
  ).run(s.explanationId, s.simulator, s.metric, s.split, s.value, JSON.stringify(s.details), s.runId, nowIso());
}

/** Ablation score rows (metric ablation_*) of the explanations of an explain run, with details. */
export function ablationScores(
  db: Db,
  explainRunId: number,
  ablationRunId?: number,
): { explanationId: number; neuron: number; metric: string; value: number; details: Record<string, unknown> }[] {
  return (
    stmt(
      db,
      `SELECT s.explanation_id AS eid, e.neuron, s.metric, s.value, s.details_json FROM scores s JOIN explanations e ON e.id = s.explanation_id
      WHERE e.explain_run_id = @r AND s.metric LIKE 'ablation_%' AND (@a IS NULL OR json_extract(s.details_json, '$.ablationRunId') = @a) ORDER BY s.id`,
    ).all({ r: explainRunId, a: ablationRunId ?? null }) as {
      eid: number;
      neuron: number;
      metric: string;
      value: number;
      details_json: string | null;
    }[]
  ).map((r) => ({
    explanationId: r.eid,
    neuron: r.neuron,
    metric: r.metric,
    value: r.value,
    details: r.details_json ? (JSON.parse(r.details_json) as Record<string, unknown>) : {},
  }));
}

export interface TemperatureRow {
  id: number;
  activationSetId: number;
  splitId: number;
  mappingKey: string;
  temperature: number;
  nll: number;
  nllAtOne: number;
  valImages: number;
  atBound: boolean;
}

export function putTemperature(db: Db, t: Omit<TemperatureRow, 'id'>): void {
  stmt(
    db,
    `INSERT INTO temperature_fits(activation_set_id, split_id, mapping_key, temperature, nll, nll_at_one, val_images, at_bound, created_at) VALUES (?,?,?,?,?,?,?,?,?)
    ON CONFLICT(activation_set_id, split_id, mapping_key) DO UPDATE SET temperature = excluded.temperature, nll = excluded.nll, nll_at_one = excluded.nll_at_one,
    val_images = excluded.val_images, at_bound = excluded.at_bound, created_at = excluded.created_at`,
  ).run(t.activationSetId, t.splitId, t.mappingKey, t.temperature, t.nll, t.nllAtOne, t.valImages, t.atBound ? 1 : 0, nowIso());
}

export function getTemperature(db: Db, activationSetId: number, splitId: number, mappingKey: string): TemperatureRow | null {
  const r = stmt(db, 'SELECT * FROM temperature_fits WHERE activation_set_id = ? AND split_id = ? AND mapping_key = ?').get(
    activationSetId,
    splitId,
    mappingKey,
  ) as
    | {
        id: number;
        activation_set_id: number;
        split_id: number;
        mapping_key: string;
        temperature: number;
        nll: number;
        nll_at_one: number;
        val_images: number;
        at_bound: number;
      }
    | undefined;
  return r
    ? {
        id: r.id,
        activationSetId: r.activation_set_id,
        splitId: r.split_id,
        mappingKey: r.mapping_key,
        temperature: r.temperature,
        nll: r.nll,
        nllAtOne: r.nll_at_one,
        valImages: r.val_images,
        atBound: r.at_bound === 1,
      }
    : null;
}

/** Neurons an ablation run has finished (its ablation_neurons rows). */
export function countAblationNeurons(db: Db, id: number): number {
  return (stmt(db, 'SELECT count(*) AS n FROM ablation_neurons WHERE ablation_run_id = ?').get(id) as { n: number }).n;
}

/** Test-split ablation_optim / ablation_norm scores of one method's explanations in a run, oldest first (the last per neuron is the latest). */
export function ablationTestScores(db: Db, explainRunId: number, method: string): { neuron: number; metric: string; value: number }[] {
  return stmt(
    db,
    `SELECT e.neuron, s.metric, s.value FROM scores s JOIN explanations e ON e.id = s.explanation_id
    WHERE e.explain_run_id = ? AND e.method = ? AND s.split = 'test' AND s.metric IN ('ablation_optim', 'ablation_norm') ORDER BY s.id`,
  ).all(explainRunId, method) as { neuron: number; metric: string; value: number }[];
}
