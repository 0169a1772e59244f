import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { AppError } from '../../../../shared/errors';
import { createProject, type Db, type OpenOptions } from './open';

// Shard files (docs/cluster.md): a SQLite file with the project schema that holds one shard's rows (and copies of
// the few project rows they point at), plus `shard_provenance` (key -> JSON value). Foreign keys are off in a shard
// file: its ids are the project's ids, which project.merge checks against the project before folding rows in.

const PROVENANCE_DDL = 'CREATE TABLE IF NOT EXISTS shard_provenance (key TEXT PRIMARY KEY, value TEXT NOT NULL)';

/** A new shard file (refuses an existing file: resume opens it with openShardFile). */
export async function createShardFile(path: string, opts: OpenOptions): Promise<Db> {
  const db = await createProject(path, opts);
  // One writer, and the file travels between nodes: no -wal/-shm beside it that could be left behind.
  db.pragma('journal_mode = DELETE');
  db.pragma('foreign_keys = OFF');
  db.exec(PROVENANCE_DDL);
  db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('shard_file', '1')").run();
  return db;
}

/** Open a shard file; null provenance means it is not a shard file (or a broken one). */
export function openShardFile(path: string, readOnly: boolean): { db: Db; provenance: Record<string, unknown> | null } {
  if (!existsSync(path)) throw new AppError('not_found', `Shard file ${path} does not exist.`, { path });
  let db: Db;
  try {
    db = new Database(path, { readonly: readOnly, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    if (!readOnly) db.pragma('foreign_keys = OFF');
  } catch (e) {
    throw new AppError('bad_input', `${path} is not a shard file: ${e instanceof Error ? e.message : String(e)}`, { path });
  }
  return { db, provenance: readProvenance(db) };
}

export function readProvenance(db: Db): Record<string, unknown> | null {
  try {
    const rows = db.prepare('SELECT key, value FROM shard_provenance').all() as { key: string; value: string }[];
    return rows.length ? Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown])) : null;
  } catch {
    return null;
  }
}

export function writeProvenance(db: Db, values: Record<string, unknown>): void {
  const put = db.prepare('INSERT OR REPLACE INTO shard_provenance(key, value) VALUES (?, ?)');
  db.transaction(() => {
    for (const [k, v] of Object.entries(values)) put.run(k, JSON.stringify(v));
  })();
}

const COPYABLE = new Set(['models', 'layers', 'probe_sets', 'activation_sets', 'splits', 'concept_sets', 'runs']);

/** Copy one row by id (all columns) from `from` into `to` unless it is there: the project rows a shard's rows point at. */
export function copyRow(from: Db, to: Db, table: string, id: number): void {
  if (!COPYABLE.has(table)) throw new Error(`copyRow: table ${table} is not copyable`);
  const row = from.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
  if (!row) return;
  const cols = Object.keys(row);
  to.prepare(`INSERT OR IGNORE INTO ${table}(${cols.join(', ')}) VALUES (${cols.map((c) => '@' + c).join(', ')})`).run(row);
}

/** The sha256 of a project's model, the manifest hash of its probe set (what merge compares a shard's provenance with). */
export function projectIdentity(db: Db, modelId: number, probeSetId: number): { modelSha: string | null; manifestHash: string | null } {
  const m = db.prepare('SELECT sha256 FROM models WHERE id = ?').get(modelId) as { sha256: string } | undefined;
  const p = db.prepare('SELECT manifest_hash FROM probe_sets WHERE id = ?').get(probeSetId) as { manifest_hash: string | null } | undefined;
  return { modelSha: m?.sha256 ?? null, manifestHash: p?.manifest_hash ?? null };
}

/** The concepts of a concept set (a shard's run reports its concept count like the project does). */
export function copyConcepts(from: Db, to: Db, conceptSetId: number): void {
  const rows = from.prepare('SELECT * FROM concepts WHERE concept_set_id = ?').all(conceptSetId) as Record<string, unknown>[];
  if (!rows.length) return;
  const cols = Object.keys(rows[0]);
  const put = to.prepare(`INSERT OR IGNORE INTO concepts(${cols.join(', ')}) VALUES (${cols.map((c) => '@' + c).join(', ')})`);
  for (const r of rows) put.run(r);
}

function insertRow(to: Db, table: string, row: Record<string, unknown>): number {
  const cols = Object.keys(row);
  return Number(
    to.prepare(`INSERT INTO ${table}(${cols.join(', ')}) VALUES (${cols.map((c) => '@' + c).join(', ')})`).run(row).lastInsertRowid,
  );
}

/** A shard's `runs` row (provenance) as a new row of the project; its new id. */
export function copyRunRow(from: Db, to: Db, runId: number): number | null {
  const r = from.prepare('SELECT * FROM runs WHERE id = ?').get(runId) as Record<string, unknown> | undefined;
  if (!r) return null;
  const { id: _id, ...rest } = r;
  return insertRow(to, 'runs', rest);
}

/**
 * The per-neuron rows of a shard's explanation run (explain_neurons, explanations, their scores) into the project's
 * run `explainRunId`, pointing at provenance `runId`. Returns how many neurons the shard finished.
 */
export function copyExplainRows(
  from: Db,
  to: Db,
  shardRunId: number,
  explainRunId: number,
  runId: number | null,
  /** Rewrites a neuron's details (ids of rows the merge renumbered). */
  details: (json: string) => string = (json) => json,
): number {
  const neurons = from
    .prepare('SELECT neuron, dead, details_json FROM explain_neurons WHERE explain_run_id = ? ORDER BY neuron')
    .all(shardRunId) as {
    neuron: number;
    dead: number;
    details_json: string;
  }[];
  const putNeuron = to.prepare('INSERT INTO explain_neurons(explain_run_id, neuron, dead, details_json) VALUES (?,?,?,?)');
  for (const n of neurons) putNeuron.run(explainRunId, n.neuron, n.dead, details(n.details_json));
  const exps = from.prepare('SELECT * FROM explanations WHERE explain_run_id = ? ORDER BY id').all(shardRunId) as Record<string, unknown>[];
  const scoresOf = from.prepare('SELECT * FROM scores WHERE explanation_id = ? ORDER BY id');
  for (const e of exps) {
    const { id, ...rest } = e;
    const newId = insertRow(to, 'explanations', { ...rest, run_id: runId, explain_run_id: explainRunId });
    for (const s of scoresOf.all(id) as Record<string, unknown>[]) {
      const { id: _sid, ...srest } = s;
      insertRow(to, 'scores', { ...srest, explanation_id: newId, run_id: runId });
    }
  }
  return neurons.length;
}

/**
 * The per-neuron rows of a shard's ablation or Top Impact run (ablation_neurons, and ablation.run's `scores` rows,
 * whose details name the run) into the project's run `ablationRunId`, pointing at provenance `runId`. Returns how
 * many neurons the shard finished.
 */
export function copyAblationRows(from: Db, to: Db, shardRunId: number, ablationRunId: number, runId: number | null): number {
  const neurons = from
    .prepare('SELECT neuron, details_json FROM ablation_neurons WHERE ablation_run_id = ? ORDER BY neuron')
    .all(shardRunId) as { neuron: number; details_json: string }[];
  const putNeuron = to.prepare('INSERT INTO ablation_neurons(ablation_run_id, neuron, details_json) VALUES (?,?,?)');
  for (const n of neurons) putNeuron.run(ablationRunId, n.neuron, n.details_json);
  const scores = from
    .prepare("SELECT * FROM scores WHERE json_extract(details_json, '$.ablationRunId') = ? ORDER BY id")
    .all(shardRunId) as Record<string, unknown>[];
  for (const s of scores) {
    const { id: _id, ...rest } = s;
    // Parsed and written again by JSON: numbers print the same shortest round-trip text, keys keep their order.
    const details = { ...(JSON.parse(rest.details_json as string) as Record<string, unknown>), ablationRunId };
    insertRow(to, 'scores', { ...rest, details_json: JSON.stringify(details), run_id: runId });
  }
  return neurons.length;
}

// Per-neuron intermediate results a shard hands to the merge when the final step needs every neuron at once
// (CLIP-Dissect's log P(t | B_j) rows: log P(t) is over all neurons). Only in shard files.
const SHARD_ROWS_DDL =
  'CREATE TABLE IF NOT EXISTS shard_rows (run_id INTEGER NOT NULL, neuron INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (run_id, neuron))';

/** Store float64 rows of run `runId` (in the caller's transaction). */
export function putShardRows(db: Db, runId: number, rows: { neuron: number; data: Float64Array }[]): void {
  db.exec(SHARD_ROWS_DDL);
  const put = db.prepare('INSERT OR REPLACE INTO shard_rows(run_id, neuron, data) VALUES (?, ?, ?)');
  for (const r of rows) put.run(runId, r.neuron, Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength));
}

/** The float64 rows of run `runId` by neuron (none when the file has no such table). */
export function readShardRows(db: Db, runId: number): Map<number, Float64Array> {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'shard_rows'").get();
  if (!has) return new Map();
  const rows = db.prepare('SELECT neuron, data FROM shard_rows WHERE run_id = ?').all(runId) as { neuron: number; data: Buffer }[];
  return new Map(
    rows.map((r) => [r.neuron, new Float64Array(r.data.buffer.slice(r.data.byteOffset, r.data.byteOffset + r.data.byteLength))]),
  );
}

/**
 * A shard's model-call caches (captions, completions, generated images, embeddings) into the project's, keeping a
 * row the project has already (the same key is the same content). Returns the project id of each shard gen_images id.
 */
export function copyGenerativeCaches(from: Db, to: Db): Map<number, number> {
  for (const table of ['gen_captions', 'gen_completions', 'embeddings']) {
    const rows = from.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[];
    if (!rows.length) continue;
    const cols = Object.keys(rows[0]);
    const put = to.prepare(`INSERT OR IGNORE INTO ${table}(${cols.join(', ')}) VALUES (${cols.map((c) => '@' + c).join(', ')})`);
    for (const r of rows) put.run(r);
  }
  const ids = new Map<number, number>();
  const put = to.prepare(
    `INSERT INTO gen_images(generator_sha, request_sha, seed, request, width, height, png, seconds, created_at)
     VALUES (@generator_sha, @request_sha, @seed, @request, @width, @height, @png, @seconds, @created_at)
     ON CONFLICT (generator_sha, request_sha, seed) DO NOTHING`,
  );
  const idOf = to.prepare('SELECT id FROM gen_images WHERE generator_sha = ? AND request_sha = ? AND seed = ?');
  for (const r of from.prepare('SELECT * FROM gen_images ORDER BY id').all() as Record<string, unknown>[]) {
    put.run(r);
    ids.set(r.id as number, (idOf.get(r.generator_sha, r.request_sha, r.seed) as { id: number }).id);
  }
  return ids;
}
