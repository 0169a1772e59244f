import type { LayerInfo, ModelInfo, Preprocessing } from '../../../../shared/contract';
import type { Db } from './open';

// Tables `models` and `layers`.

export interface ModelRow {
  id: number;
  name: string;
  path: string;
  sha256: string;
  bytes: number;
  mtimeMs: number;
  info: ModelInfo;
  preprocessing: Preprocessing;
  /** Set with model.setPreprocessing (else read from the file's metadata or guessed at model.add). */
  preprocessingSetByUser: boolean;
  createdAt: string;
}

interface RawModel {
  id: number;
  name: string;
  path: string;
  sha256: string;
  bytes: number;
  mtime_ms: number;
  info_json: string;
  preprocessing_json: string;
  created_at: string;
}

const toModel = (r: RawModel): ModelRow => ({
  id: r.id,
  name: r.name,
  path: r.path,
  sha256: r.sha256,
  bytes: r.bytes,
  mtimeMs: r.mtime_ms,
  info: JSON.parse(r.info_json) as ModelInfo,
  ...readPreprocessing(r.preprocessing_json),
  createdAt: r.created_at,
});

/** A mark stored inside preprocessing_json: the values were set by the user (model.setPreprocessing), not read or guessed. */
const SET_MARK = '$setByUser';

function readPreprocessing(json: string): { preprocessing: Preprocessing; preprocessingSetByUser: boolean } {
  const { [SET_MARK]: mark, ...p } = JSON.parse(json) as Preprocessing & { [SET_MARK]?: boolean };
  return { preprocessing: p, preprocessingSetByUser: mark === true };
}

/** Insert a model and its layers; the same (path, sha256) added meanwhile by another process is returned instead. */
/** A layer as stored: one float tensor a node produces (onnx/layers.ts finds them), in graph order. */
export type LayerRow = Omit<LayerInfo, 'id' | 'neurons'> & { position: number };

export function insertModel(db: Db, m: Omit<ModelRow, 'id' | 'createdAt' | 'preprocessingSetByUser'>, layers: readonly LayerRow[]): number {
  const tx = db.transaction(() => {
    const same = db.prepare('SELECT id FROM models WHERE path = ? AND sha256 = ?').get(m.path, m.sha256) as { id: number } | undefined;
    if (same) return same.id;
    const id = Number(
      db
        .prepare(
          'INSERT INTO models(name, path, sha256, bytes, mtime_ms, info_json, preprocessing_json, created_at) VALUES (?,?,?,?,?,?,?,?)',
        )
        .run(
          m.name,
          m.path,
          m.sha256,
          m.bytes,
          m.mtimeMs,
          JSON.stringify(m.info),
          JSON.stringify(m.preprocessing),
          new Date().toISOString(),
        ).lastInsertRowid,
    );
    const put = db.prepare(
      'INSERT INTO layers(model_id, tensor_name, position, friendly, op_type, node_name, shape_json, suggested, reason) VALUES (?,?,?,?,?,?,?,?,?)',
    );
    for (const l of layers)
      put.run(id, l.tensorName, l.position, l.friendly, l.opType, l.nodeName, JSON.stringify(l.shape), l.suggested ? 1 : 0, l.reason);
    return id;
  });
  return tx.immediate(); // check and insert under one write lock: parallel `model.add` of one file make one model
}

export function getModel(db: Db, id: number): ModelRow | null {
  const r = db.prepare('SELECT * FROM models WHERE id = ?').get(id) as RawModel | undefined;
  return r ? toModel(r) : null;
}

export function listModels(db: Db): ModelRow[] {
  return (db.prepare('SELECT * FROM models ORDER BY id').all() as RawModel[]).map(toModel);
}

export function findModel(db: Db, path: string, sha256: string): ModelRow | null {
  const r = db.prepare('SELECT * FROM models WHERE path = ? AND sha256 = ?').get(path, sha256) as RawModel | undefined;
  return r ? toModel(r) : null;
}

export function touchModel(db: Db, id: number, mtimeMs: number): void {
  db.prepare('UPDATE models SET mtime_ms = ? WHERE id = ?').run(mtimeMs, id);
}

export function setPreprocessing(db: Db, id: number, p: Preprocessing): void {
  db.prepare('UPDATE models SET preprocessing_json = ? WHERE id = ?').run(JSON.stringify({ ...p, [SET_MARK]: true }), id);
}

export function deleteModel(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM models WHERE id = ?').run(id).changes > 0;
}

export function countLayers(db: Db, modelId: number): number {
  return (db.prepare('SELECT count(*) AS n FROM layers WHERE model_id = ?').get(modelId) as { n: number }).n;
}

interface RawLayer {
  id: number;
  tensor_name: string;
  friendly: string | null;
  op_type: string | null;
  node_name: string | null;
  shape_json: string;
  suggested: number;
  reason: string | null;
}

/** The stored layers of a model; `neurons` (a property of the shape and layout) is the caller's to add. */
export function listLayers(db: Db, modelId: number): Omit<LayerInfo, 'neurons'>[] {
  const rows = db.prepare('SELECT * FROM layers WHERE model_id = ? ORDER BY position, id').all(modelId) as RawLayer[];
  return rows.map((r) => ({
    id: r.id,
    tensorName: r.tensor_name,
    friendly: r.friendly ?? r.tensor_name,
    opType: r.op_type ?? '',
    nodeName: r.node_name ?? '',
    shape: JSON.parse(r.shape_json) as number[],
    suggested: r.suggested === 1,
    reason: r.reason,
  }));
}

export function findLayer(db: Db, modelId: number, tensorName: string): { id: number; shape: number[] } | null {
  const r = db.prepare('SELECT id, shape_json FROM layers WHERE model_id = ? AND tensor_name = ?').get(modelId, tensorName) as
    { id: number; shape_json: string } | undefined;
  return r ? { id: r.id, shape: JSON.parse(r.shape_json) as number[] } : null;
}
