import type { Db } from './open';
import { nowIso, stmt } from './statements';

// Tables `neuron_columns` and `neuron_profiles` (migration 006): the column-major copy of an activation set's
// 'act' matrix, one row per neuron, and each neuron standardised over a seeded basis of images (similar units).
// The profile row is written last in the copy's transaction, so it marks the copy complete.

const asBlob = (a: Float32Array | Int32Array | Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** An aligned copy of a blob (better-sqlite3 Buffers may share an unaligned pool). */
function bytes(b: Buffer): ArrayBuffer {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return copy.buffer;
}

export interface NeuronProfile {
  seed: number;
  nSample: number;
  /** The basis rows (image-id order indices), ascending. */
  rows: Int32Array;
  /** nNeurons x nSample: (x - mean) / sqrt(sum (x - mean)^2) per neuron, 0 where not usable. */
  data: Float32Array;
  /** 1 = finite and not constant on the basis. */
  usable: Uint8Array;
}

/** True when the set's column copy is complete (its profile row exists). */
export function hasColumns(db: Db, setId: number): boolean {
  return stmt(db, 'SELECT 1 FROM neuron_profiles WHERE activation_set_id = ?').get(setId) !== undefined;
}

/** Forget a set's copy (a rebuild starts from nothing). */
export function deleteColumns(db: Db, setId: number): void {
  stmt(db, 'DELETE FROM neuron_columns WHERE activation_set_id = ?').run(setId);
  stmt(db, 'DELETE FROM neuron_profiles WHERE activation_set_id = ?').run(setId);
}

export function putColumn(db: Db, setId: number, neuron: number, data: Float32Array): void {
  stmt(db, 'INSERT OR REPLACE INTO neuron_columns(activation_set_id, neuron, data) VALUES (?,?,?)').run(setId, neuron, asBlob(data));
}

/** One neuron's values (a copy, aligned), or null when the copy has no such column. */
export function readColumn(db: Db, setId: number, neuron: number): Float32Array | null {
  const r = stmt(db, 'SELECT data FROM neuron_columns WHERE activation_set_id = ? AND neuron = ?').get(setId, neuron) as
    { data: Buffer } | undefined;
  return r ? new Float32Array(bytes(r.data)) : null;
}

export function putProfile(db: Db, setId: number, p: NeuronProfile): void {
  stmt(
    db,
    'INSERT OR REPLACE INTO neuron_profiles(activation_set_id, seed, n_sample, rows, data, usable, created_at) VALUES (?,?,?,?,?,?,?)',
  ).run(setId, p.seed, p.nSample, asBlob(p.rows), asBlob(p.data), asBlob(p.usable), nowIso());
}

export function readProfile(db: Db, setId: number): NeuronProfile | null {
  const r = stmt(db, 'SELECT seed, n_sample, rows, data, usable FROM neuron_profiles WHERE activation_set_id = ?').get(setId) as
    { seed: number; n_sample: number; rows: Buffer; data: Buffer; usable: Buffer } | undefined;
  if (!r) return null;
  return {
    seed: r.seed,
    nSample: r.n_sample,
    rows: new Int32Array(bytes(r.rows)),
    data: new Float32Array(bytes(r.data)),
    usable: new Uint8Array(bytes(r.usable)),
  };
}
