import type { ActivationSetInfo, Histogram, NeuronStat, ResolvedSummary } from '../../../../shared/contract';
import type { Db } from './open';
import { stmt } from './statements';

// Tables `activation_sets`, `activation_chunks` (little-endian float32 row blocks) and `neuron_stats`.

export type ChunkKind = 'act' | 'logits' | 'pred';

export interface NewSet {
  modelId: number;
  layerId: number;
  probeSetId: number;
  summary: ResolvedSummary;
  nImages: number;
  nNeurons: number;
  nLogits: number;
  chunkRows: number;
  manifestHash: string | null;
  paramsJson: string;
  provider: string | null;
}

export interface SetRow extends NewSet {
  id: number;
  complete: boolean;
}

// rows_done of a complete set is n_images (it completes only with every row stored); counting its chunks would walk
// every chunk's overflow pages (hundreds of ms for a 400 MB set), so only incomplete sets are counted.
const SELECT_INFO = `SELECT s.*, l.tensor_name,
  CASE WHEN s.complete = 1 THEN s.n_images
    ELSE (SELECT coalesce(sum(n_rows), 0) FROM activation_chunks c WHERE c.activation_set_id = s.id AND c.kind = 'act') END AS rows_done,
  (SELECT json_group_array(neuron) FROM neuron_stats ns WHERE ns.activation_set_id = s.id AND ns.non_finite > 0) AS non_finite_neurons
  FROM activation_sets s JOIN layers l ON l.id = s.layer_id`;

interface RawSet {
  id: number;
  model_id: number;
  layer_id: number;
  probe_set_id: number;
  summary: ResolvedSummary;
  n_images: number;
  n_neurons: number;
  n_logits: number;
  chunk_rows: number;
  manifest_hash: string | null;
  params_json: string;
  provider: string | null;
  complete: number;
  created_at: string;
  tensor_name: string;
  rows_done: number;
  non_finite_neurons: string;
  non_finite_logits: number;
}

const toRow = (r: RawSet): SetRow => ({
  id: r.id,
  modelId: r.model_id,
  layerId: r.layer_id,
  probeSetId: r.probe_set_id,
  summary: r.summary,
  nImages: r.n_images,
  nNeurons: r.n_neurons,
  nLogits: r.n_logits,
  chunkRows: r.chunk_rows,
  manifestHash: r.manifest_hash,
  paramsJson: r.params_json,
  provider: r.provider,
  complete: r.complete === 1,
});

const toInfo = (r: RawSet): ActivationSetInfo => ({
  id: r.id,
  modelId: r.model_id,
  layerId: r.layer_id,
  tensorName: r.tensor_name,
  probeSetId: r.probe_set_id,
  summary: r.summary,
  nImages: r.n_images,
  nNeurons: r.n_neurons,
  nLogits: r.n_logits,
  rowsDone: r.rows_done,
  complete: r.complete === 1,
  provider: r.provider,
  nonFiniteNeurons: (JSON.parse(r.non_finite_neurons) as number[]).sort((a, b) => a - b),
  nonFiniteLogits: r.non_finite_logits,
  createdAt: r.created_at,
});

export function createSet(db: Db, s: NewSet): number {
  return Number(
    db
      .prepare(
        `INSERT INTO activation_sets(model_id, layer_id, probe_set_id, summary, n_images, n_neurons, n_logits, chunk_rows,
        manifest_hash, params_json, provider, complete, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,0,?)`,
      )
      .run(
        s.modelId,
        s.layerId,
        s.probeSetId,
        s.summary,
        s.nImages,
        s.nNeurons,
        s.nLogits,
        s.chunkRows,
        s.manifestHash,
        s.paramsJson,
        s.provider,
        new Date().toISOString(),
      ).lastInsertRowid,
  );
}

/** The newest set computed with exactly these parameters (complete or resumable). */
export function findSet(db: Db, s: Pick<NewSet, 'modelId' | 'layerId' | 'probeSetId' | 'summary' | 'paramsJson'>): SetRow | null {
  const r = db
    .prepare(
      `${SELECT_INFO} WHERE s.model_id = ? AND s.layer_id = ? AND s.probe_set_id = ? AND s.summary = ? AND s.params_json = ? ORDER BY s.id DESC LIMIT 1`,
    )
    .get(s.modelId, s.layerId, s.probeSetId, s.summary, s.paramsJson) as RawSet | undefined;
  return r ? toRow(r) : null;
}

export function getSetRow(db: Db, id: number): SetRow | null {
  const r = db.prepare(`${SELECT_INFO} WHERE s.id = ?`).get(id) as RawSet | undefined;
  return r ? toRow(r) : null;
}

export function getSetInfo(db: Db, id: number): ActivationSetInfo | null {
  const r = db.prepare(`${SELECT_INFO} WHERE s.id = ?`).get(id) as RawSet | undefined;
  return r ? toInfo(r) : null;
}

export function listSets(db: Db, f: { modelId?: number; probeSetId?: number }): ActivationSetInfo[] {
  const rows = db
    .prepare(`${SELECT_INFO} WHERE (@m IS NULL OR s.model_id = @m) AND (@p IS NULL OR s.probe_set_id = @p) ORDER BY s.id DESC`)
    .all({ m: f.modelId ?? null, p: f.probeSetId ?? null }) as RawSet[];
  return rows.map(toInfo);
}

/** Number of committed chunks of a kind; chunks are written in order, so this is where a resume starts. */
export function committedChunks(db: Db, setId: number, kind: ChunkKind = 'act'): number {
  return (
    db.prepare('SELECT count(*) AS n FROM activation_chunks WHERE activation_set_id = ? AND kind = ?').get(setId, kind) as { n: number }
  ).n;
}

const asBlob = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

export function putChunk(db: Db, setId: number, kind: ChunkKind, chunk: number, nRows: number, data: Float32Array): void {
  db.prepare('INSERT OR REPLACE INTO activation_chunks(activation_set_id, kind, chunk, n_rows, data) VALUES (?,?,?,?,?)').run(
    setId,
    kind,
    chunk,
    nRows,
    asBlob(data),
  );
}

/** Chunks of a kind in row order; each blob is copied into an aligned Float32Array. */
export function* readChunks(
  db: Db,
  setId: number,
  kind: ChunkKind = 'act',
): Generator<{ chunk: number; nRows: number; data: Float32Array }> {
  const it = db
    .prepare('SELECT chunk, n_rows, data FROM activation_chunks WHERE activation_set_id = ? AND kind = ? ORDER BY chunk')
    .iterate(setId, kind) as IterableIterator<{ chunk: number; n_rows: number; data: Buffer }>;
  for (const r of it) {
    const copy = new Uint8Array(r.data.byteLength);
    copy.set(r.data);
    yield { chunk: r.chunk, nRows: r.n_rows, data: new Float32Array(copy.buffer) };
  }
}

/** The whole matrix of a kind (N x cols), for tests and exports of modest size. */
export function readMatrix(db: Db, setId: number, kind: ChunkKind = 'act'): Float32Array {
  const parts = [...readChunks(db, setId, kind)];
  const out = new Float32Array(parts.reduce((a, p) => a + p.data.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p.data, o);
    o += p.data.length;
  }
  return out;
}

/** Stats (finite values only; `nonFinite` counts the rest), histograms and the logits' non-finite count, then complete. */
export function finishSet(db: Db, setId: number, stats: NeuronStat[], hists: Histogram[], nonFiniteLogits = 0): void {
  db.transaction(() => {
    db.prepare('DELETE FROM neuron_stats WHERE activation_set_id = ?').run(setId);
    const put = db.prepare(
      'INSERT INTO neuron_stats(activation_set_id, neuron, min, max, mean, std, zero_share, dead, histogram, non_finite) VALUES (?,?,?,?,?,?,?,?,?,?)',
    );
    stats.forEach((s, j) =>
      put.run(setId, s.neuron, s.min, s.max, s.mean, s.std, s.zeroShare, s.dead ? 1 : 0, JSON.stringify(hists[j]), s.nonFinite),
    );
    db.prepare('UPDATE activation_sets SET complete = 1, non_finite_logits = ? WHERE id = ?').run(nonFiniteLogits, setId);
  })();
}

interface RawStat {
  neuron: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  zero_share: number;
  dead: number;
  histogram: string;
  non_finite: number;
}

const toStat = (r: RawStat): NeuronStat => ({
  neuron: r.neuron,
  min: r.min,
  max: r.max,
  mean: r.mean,
  std: r.std,
  zeroShare: r.zero_share,
  dead: r.dead === 1,
  nonFinite: r.non_finite,
});

/** Flagged neurons of a set (non-finite values stored) with how many values each, ascending. */
export function nonFiniteNeurons(db: Db, setId: number): Map<number, number> {
  const rows = db
    .prepare('SELECT neuron, non_finite FROM neuron_stats WHERE activation_set_id = ? AND non_finite > 0 ORDER BY neuron')
    .all(setId) as { neuron: number; non_finite: number }[];
  return new Map(rows.map((r) => [r.neuron, r.non_finite]));
}

export function getStats(db: Db, setId: number): NeuronStat[] {
  return (
    db
      .prepare(
        'SELECT neuron, min, max, mean, std, zero_share, dead, histogram, non_finite FROM neuron_stats WHERE activation_set_id = ? ORDER BY neuron',
      )
      .all(setId) as RawStat[]
  ).map(toStat);
}

export function getNeuron(db: Db, setId: number, neuron: number): { stat: NeuronStat; histogram: Histogram } | null {
  const r = db.prepare('SELECT * FROM neuron_stats WHERE activation_set_id = ? AND neuron = ?').get(setId, neuron) as RawStat | undefined;
  return r ? { stat: toStat(r), histogram: JSON.parse(r.histogram) as Histogram } : null;
}

/** The model of an activation set, or null when the set does not exist. */
export function activationSetModelId(db: Db, setId: number): number | null {
  const r = stmt(db, 'SELECT model_id AS m FROM activation_sets WHERE id = ?').get(setId) as { m: number } | undefined;
  return r?.m ?? null;
}
