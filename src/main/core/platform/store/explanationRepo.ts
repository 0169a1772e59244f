import type { ExplainMethod, RunMethod } from '../../../../shared/contract';
import type { Db } from './open';
import { nowIso, stmt } from './statements';

// Tables `explain_runs`, `explain_neurons` (migration 002), `explanations` and `scores` (001).
// A block of neurons is written by the caller inside ONE transaction: explanations, their scores and the
// explain_neurons rows that mark the neurons done, so a cancel or kill resumes at the next block.

export type StoredMethod = ExplainMethod;
export type StoredRunMethod = RunMethod;
export interface StoredTerm {
  concept: string;
  weight: number;
}

export interface ExplainRunRow {
  id: number;
  activationSetId: number;
  method: StoredRunMethod;
  runId: number | null;
  jobId: number | null;
  conceptSetId: number | null;
  splitId: number | null;
  key: string;
  params: Record<string, unknown>;
  neurons: number[];
  complete: boolean;
  createdAt: string;
}

interface RawRun {
  id: number;
  activation_set_id: number;
  method: StoredRunMethod;
  run_id: number | null;
  job_id: number | null;
  concept_set_id: number | null;
  split_id: number | null;
  key: string;
  params_json: string;
  neurons_json: string;
  complete: number;
  created_at: string;
}

const toRun = (r: RawRun): ExplainRunRow => ({
  id: r.id,
  activationSetId: r.activation_set_id,
  method: r.method,
  runId: r.run_id,
  jobId: r.job_id,
  conceptSetId: r.concept_set_id,
  splitId: r.split_id,
  key: r.key,
  params: JSON.parse(r.params_json) as Record<string, unknown>,
  neurons: JSON.parse(r.neurons_json) as number[],
  complete: r.complete === 1,
  createdAt: r.created_at,
});

export function createExplainRun(db: Db, r: Omit<ExplainRunRow, 'id' | 'complete' | 'createdAt'>): number {
  return Number(
    stmt(
      db,
      `INSERT INTO explain_runs(activation_set_id, method, run_id, job_id, concept_set_id, split_id, key, params_json, neurons_json, complete, created_at)
      VALUES (?,?,?,?,?,?,?,?,?,0,?)`,
    ).run(
      r.activationSetId,
      r.method,
      r.runId,
      r.jobId,
      r.conceptSetId,
      r.splitId,
      r.key,
      JSON.stringify(r.params),
      JSON.stringify(r.neurons),
      nowIso(),
    ).lastInsertRowid,
  );
}

/** The newest run of an activation set with this canonical key. */
export function findExplainRun(db: Db, activationSetId: number, key: string): ExplainRunRow | null {
  const r = stmt(db, 'SELECT * FROM explain_runs WHERE activation_set_id = ? AND key = ? ORDER BY id DESC LIMIT 1').get(
    activationSetId,
    key,
  ) as RawRun | undefined;
  return r ? toRun(r) : null;
}

export function getExplainRun(db: Db, id: number): ExplainRunRow | null {
  const r = stmt(db, 'SELECT * FROM explain_runs WHERE id = ?').get(id) as RawRun | undefined;
  return r ? toRun(r) : null;
}

export function listExplainRuns(db: Db, activationSetId?: number): ExplainRunRow[] {
  return (
    stmt(db, 'SELECT * FROM explain_runs WHERE (@s IS NULL OR activation_set_id = @s) ORDER BY id DESC').all({
      s: activationSetId ?? null,
    }) as RawRun[]
  ).map(toRun);
}

export function setExplainRunJob(db: Db, id: number, jobId: number, runId: number): void {
  stmt(db, 'UPDATE explain_runs SET job_id = ?, run_id = coalesce(run_id, ?) WHERE id = ?').run(jobId, runId, id);
}

export function completeExplainRun(db: Db, id: number): void {
  stmt(db, 'UPDATE explain_runs SET complete = 1 WHERE id = ?').run(id);
}

export function doneNeurons(db: Db, explainRunId: number): Set<number> {
  return new Set(
    (stmt(db, 'SELECT neuron FROM explain_neurons WHERE explain_run_id = ?').all(explainRunId) as { neuron: number }[]).map(
      (r) => r.neuron,
    ),
  );
}

export function neuronStates(db: Db, explainRunId: number): Map<number, { dead: boolean; details: Record<string, unknown> }> {
  const rows = stmt(db, 'SELECT neuron, dead, details_json FROM explain_neurons WHERE explain_run_id = ? ORDER BY neuron').all(
    explainRunId,
  ) as { neuron: number; dead: number; details_json: string }[];
  return new Map(rows.map((r) => [r.neuron, { dead: r.dead === 1, details: JSON.parse(r.details_json) as Record<string, unknown> }]));
}

export function putNeuronState(db: Db, explainRunId: number, neuron: number, dead: boolean, details: Record<string, unknown>): void {
  stmt(db, 'INSERT OR REPLACE INTO explain_neurons(explain_run_id, neuron, dead, details_json) VALUES (?,?,?,?)').run(
    explainRunId,
    neuron,
    dead ? 1 : 0,
    JSON.stringify(details),
  );
}

export interface NewExplanation {
  explainRunId: number;
  activationSetId: number;
  neuron: number;
  method: StoredMethod;
  terms: StoredTerm[];
  bias: number;
  runId: number | null;
}

export function insertExplanation(db: Db, e: NewExplanation): number {
  return Number(
    stmt(
      db,
      'INSERT INTO explanations(activation_set_id, neuron, method, terms_json, bias, run_id, explain_run_id, created_at) VALUES (?,?,?,?,?,?,?,?)',
    ).run(e.activationSetId, e.neuron, e.method, JSON.stringify(e.terms), e.bias, e.runId, e.explainRunId, nowIso()).lastInsertRowid,
  );
}

export interface NewScore {
  explanationId: number;
  simulator: string;
  metric: string;
  split: 'train' | 'val' | 'test';
  value: number;
  runId: number | null;
}

export function insertScore(db: Db, s: NewScore): void {
  stmt(db, 'INSERT INTO scores(explanation_id, simulator, metric, split, value, run_id, created_at) VALUES (?,?,?,?,?,?,?)').run(
    s.explanationId,
    s.simulator,
    s.metric,
    s.split,
    s.value,
    s.runId,
    nowIso(),
  );
}

export interface StoredScore {
  simulator: string;
  metric: string;
  split: 'train' | 'val' | 'test';
  value: number;
}

export interface StoredExplanation {
  id: number;
  neuron: number;
  method: StoredMethod;
  terms: StoredTerm[];
  bias: number;
  scores: StoredScore[];
}

/** Every explanation of a run (optionally one neuron) with its scores, by neuron then id. */
export function runExplanations(db: Db, explainRunId: number, neuron?: number): StoredExplanation[] {
  const rows = stmt(
    db,
    `SELECT id, neuron, method, terms_json, bias FROM explanations WHERE explain_run_id = @r AND (@n IS NULL OR neuron = @n) ORDER BY neuron, id`,
  ).all({ r: explainRunId, n: neuron ?? null }) as { id: number; neuron: number; method: StoredMethod; terms_json: string; bias: number }[];
  const scores = stmt(
    db,
    `SELECT s.explanation_id AS eid, s.simulator, s.metric, s.split, s.value FROM scores s JOIN explanations e ON e.id = s.explanation_id
      WHERE e.explain_run_id = @r AND (@n IS NULL OR e.neuron = @n) ORDER BY s.id`,
  ).all({ r: explainRunId, n: neuron ?? null }) as (StoredScore & { eid: number })[];
  const byId = new Map<number, StoredScore[]>();
  for (const s of scores) {
    const list = byId.get(s.eid) ?? [];
    list.push({ simulator: s.simulator, metric: s.metric, split: s.split, value: s.value });
    byId.set(s.eid, list);
  }
  return rows.map((r) => ({
    id: r.id,
    neuron: r.neuron,
    method: r.method,
    terms: JSON.parse(r.terms_json) as StoredTerm[],
    bias: r.bias,
    scores: byId.get(r.id) ?? [],
  }));
}

/** The model whose activations an explain run explains, or null when the run does not exist. */
export function explainRunModelId(db: Db, explainRunId: number): number | null {
  const r = stmt(db, 'SELECT s.model_id AS m FROM explain_runs r JOIN activation_sets s ON s.id = r.activation_set_id WHERE r.id = ?').get(
    explainRunId,
  ) as { m: number } | undefined;
  return r?.m ?? null;
}

/** Explained neurons of a run (explain_neurons rows) and how many of them are dead. */
export function explainNeuronCounts(db: Db, explainRunId: number): { n: number; dead: number } {
  return stmt(db, 'SELECT count(*) AS n, coalesce(sum(dead), 0) AS dead FROM explain_neurons WHERE explain_run_id = ?').get(
    explainRunId,
  ) as { n: number; dead: number };
}

/** Mean number of terms of one method's explanations in a run, dead neurons left out; null when there are none. */
export function meanTermCount(db: Db, explainRunId: number, method: string): number | null {
  return (
    stmt(
      db,
      `SELECT avg(json_array_length(terms_json)) AS v FROM explanations e
    WHERE e.explain_run_id = ? AND e.method = ? AND NOT EXISTS (SELECT 1 FROM explain_neurons x WHERE x.explain_run_id = e.explain_run_id AND x.neuron = e.neuron AND x.dead = 1)`,
    ).get(explainRunId, method) as { v: number | null }
  ).v;
}

/** Mean correlation score of one method's explanations in a run under one simulator, on one split; null when none. */
export function meanCorrelation(db: Db, explainRunId: number, method: string, split: 'val' | 'test', simulator: string): number | null {
  return (
    stmt(
      db,
      `SELECT avg(s.value) AS v FROM scores s JOIN explanations e ON e.id = s.explanation_id
    WHERE e.explain_run_id = ? AND e.method = ? AND s.simulator = ? AND s.metric = 'correlation' AND s.split = ?`,
    ).get(explainRunId, method, simulator, split) as { v: number | null }
  ).v;
}

/** Per (simulator, method) the mean and count of a run's test correlations; NaN scores are left out. */
export function testCorrelationMeans(
  db: Db,
  explainRunId: number,
): { simulator: string; method: string; mean: number | null; meanSquare: number | null; n: number }[] {
  return stmt(
    db,
    `SELECT s.simulator AS simulator, e.method AS method, avg(s.value) AS mean, avg(s.value * s.value) AS meanSquare, count(*) AS n FROM scores s JOIN explanations e ON e.id = s.explanation_id
    WHERE e.explain_run_id = ? AND s.metric = 'correlation' AND s.split = 'test' AND s.value = s.value GROUP BY s.simulator, e.method`,
  ).all(explainRunId) as { simulator: string; method: string; mean: number | null; meanSquare: number | null; n: number }[];
}

/** Remove one simulator's correlation scores of a run's explanations (a re-run replaces them). */
export function deleteCorrelationScores(db: Db, explainRunId: number, simulator: string): void {
  stmt(
    db,
    `DELETE FROM scores WHERE simulator = ? AND metric = 'correlation' AND explanation_id IN (SELECT id FROM explanations WHERE explain_run_id = ?)`,
  ).run(simulator, explainRunId);
}
