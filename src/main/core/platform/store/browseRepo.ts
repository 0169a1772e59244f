import type { Db } from './open';
import { stmt } from './statements';

// Reads for browsing units across runs (issue #17: search by meaning, similar units): every explanation of the
// project with where it comes from, and a cheap stamp that changes whenever explanations or scores do.

export interface ExplanationEntry {
  id: number;
  explainRunId: number;
  activationSetId: number;
  neuron: number;
  method: string;
  terms: { concept: string; weight: number }[];
  bias: number;
  /** The run's parameters (the run's own simulator is `explainerSha` when present, else 'label'). */
  runParams: Record<string, unknown>;
  modelId: number;
  modelName: string;
  layer: string;
}

/** Changes when an explanation or a score is added or removed (ids only grow; counts catch deletions). */
export function explanationStamp(db: Db): string {
  const r = stmt(
    db,
    `SELECT (SELECT count(*) FROM explanations) AS n, (SELECT coalesce(max(id), 0) FROM explanations) AS m,
      (SELECT count(*) FROM scores) AS sn, (SELECT coalesce(max(id), 0) FROM scores) AS sm`,
  ).get() as { n: number; m: number; sn: number; sm: number };
  return `${r.n}:${r.m}:${r.sn}:${r.sm}`;
}

/** Every explanation that belongs to an explain run, with its run's model and layer, by run then neuron. */
export function allRunExplanations(db: Db): ExplanationEntry[] {
  const rows = stmt(
    db,
    `SELECT e.id, e.explain_run_id AS run, e.activation_set_id AS setId, e.neuron, e.method, e.terms_json AS terms, e.bias,
      r.params_json AS params, s.model_id AS modelId, m.name AS modelName, l.tensor_name AS layer
      FROM explanations e JOIN explain_runs r ON r.id = e.explain_run_id JOIN activation_sets s ON s.id = e.activation_set_id
      JOIN models m ON m.id = s.model_id JOIN layers l ON l.id = s.layer_id
      ORDER BY e.explain_run_id, e.neuron, e.id`,
  ).all() as {
    id: number;
    run: number;
    setId: number;
    neuron: number;
    method: string;
    terms: string;
    bias: number;
    params: string;
    modelId: number;
    modelName: string;
    layer: string;
  }[];
  const params = new Map<number, Record<string, unknown>>();
  return rows.map((r) => {
    let p = params.get(r.run);
    if (!p) {
      p = JSON.parse(r.params) as Record<string, unknown>;
      params.set(r.run, p);
    }
    return {
      id: r.id,
      explainRunId: r.run,
      activationSetId: r.setId,
      neuron: r.neuron,
      method: r.method,
      terms: JSON.parse(r.terms) as { concept: string; weight: number }[],
      bias: r.bias,
      runParams: p,
      modelId: r.modelId,
      modelName: r.modelName,
      layer: r.layer,
    };
  });
}

/** Test correlations of every explanation: explanation id -> simulator -> value. */
export function testCorrelations(db: Db): Map<number, Map<string, number>> {
  const rows = stmt(
    db,
    `SELECT explanation_id AS id, simulator, value FROM scores WHERE metric = 'correlation' AND split = 'test' ORDER BY id`,
  ).all() as { id: number; simulator: string; value: number }[];
  const out = new Map<number, Map<string, number>>();
  for (const r of rows) {
    let m = out.get(r.id);
    if (!m) out.set(r.id, (m = new Map()));
    m.set(r.simulator, r.value);
  }
  return out;
}

/** The newest explain run of an activation set, or null. */
export function newestRunOfSet(db: Db, activationSetId: number): number | null {
  const r = stmt(db, 'SELECT id FROM explain_runs WHERE activation_set_id = ? ORDER BY id DESC LIMIT 1').get(activationSetId) as
    { id: number } | undefined;
  return r?.id ?? null;
}

/**
 * Changes whenever a probe set's images or labels may have changed: every import rewrites `updated_at` (and the
 * manifest); the label count and image-label links of its labels catch edits in between.
 */
export function probeLabelStamp(db: Db, probeSetId: number): string {
  const r = stmt(
    db,
    `SELECT p.updated_at AS u, p.manifest_hash AS m, (SELECT count(*) FROM labels WHERE probe_set_id = p.id) AS l,
      (SELECT count(*) FROM image_labels il JOIN labels lb ON lb.id = il.label_id WHERE lb.probe_set_id = p.id) AS il
      FROM probe_sets p WHERE p.id = ?`,
  ).get(probeSetId) as { u: string; m: string | null; l: number; il: number } | undefined;
  return r ? `${r.u}:${r.m}:${r.l}:${r.il}` : 'missing';
}
