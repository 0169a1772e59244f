import { AppError } from '../../../../shared/errors';
import { BASIS_SEED, MAX_BASIS, basisRows, profileInto } from '../../numeric/similar';
import * as acts from '../../platform/store/activationRepo';
import * as cols from '../../platform/store/columnRepo';
import type { Db } from '../../platform/store/open';

// One neuron without the whole matrix (docs/browse.md). Extraction stores N x K row blocks; when a set completes,
// the same float32 values are copied column by column into `neuron_columns` (one row per neuron) together with
// the similar-units profiles, in the transaction that marks the set complete. Sets completed before migration 006
// get their copy the first time a neuron is read (a few seconds for 50k x 2048, once). A project opened
// read-only, or one whose copy cannot be written now (another process holds the write lock), is read through
// the row blocks: slower, the same bytes.

export interface SetShape {
  id: number;
  nImages: number;
  nNeurons: number;
}

/** Floats held in memory per pass while building the copy (128 MB); a 50k x 2048 set takes 4 passes. */
const PASS_FLOATS = 32 * 1024 * 1024;

/**
 * One pass per block of columns over the stored row blocks: each column goes to `onColumn` and into the
 * similar-units profiles, which are returned.
 */
function transpose(db: Db, set: SetShape, passFloats: number, onColumn?: (neuron: number, col: Float32Array) => void): cols.NeuronProfile {
  const n = set.nImages;
  const k = set.nNeurons;
  const rows = basisRows(n, MAX_BASIS, BASIS_SEED);
  const s = rows.length;
  const profiles = new Float32Array(k * s);
  const usable = new Uint8Array(k);
  const width = Math.max(1, Math.min(k, Math.floor(passFloats / Math.max(1, n))));
  for (let j0 = 0; j0 < k; j0 += width) {
    const w = Math.min(width, k - j0);
    const block = new Float32Array(w * n);
    let row = 0;
    for (const c of acts.readChunks(db, set.id, 'act')) {
      const d = c.data;
      for (let r = 0; r < c.nRows; r++, row++) {
        const src = r * k + j0;
        for (let j = 0; j < w; j++) block[j * n + row] = d[src + j];
      }
    }
    if (row !== n) throw new AppError('internal', `Activation set ${set.id}: ${row} stored rows, expected ${n}.`);
    for (let j = 0; j < w; j++) {
      const col = block.subarray(j * n, (j + 1) * n);
      onColumn?.(j0 + j, col);
      usable[j0 + j] = profileInto(col, rows, profiles.subarray((j0 + j) * s, (j0 + j + 1) * s)) ? 1 : 0;
    }
  }
  return { seed: BASIS_SEED, nSample: s, rows, data: profiles, usable };
}

/**
 * Write the column copy and the profiles of a set from its stored row blocks, inside the caller's transaction
 * (or one of its own). Replaces any earlier copy.
 */
export function writeColumns(db: Db, set: SetShape, passFloats = PASS_FLOATS): void {
  db.transaction(() => {
    cols.deleteColumns(db, set.id);
    const p = transpose(db, set, passFloats, (j, col) => cols.putColumn(db, set.id, j, col));
    cols.putProfile(db, set.id, p);
  })();
}

/** SQLite refusing a write now (read-only file, another writer): the copy waits, the row path answers. */
function cannotWriteNow(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_BUSY'));
}

/** Whether single-neuron reads of this set can use the column copy; builds it on first need where writes are allowed. */
export function ensureColumns(db: Db, set: SetShape): boolean {
  if (cols.hasColumns(db, set.id)) return true;
  if (db.readonly) return false;
  const row = acts.getSetRow(db, set.id);
  if (!row?.complete) return false;
  try {
    writeColumns(db, set);
    return true;
  } catch (e) {
    if (cannotWriteNow(e)) return false;
    throw e;
  }
}

/** Selected columns through the row blocks (one pass over every chunk): N x cols.length, row-major. */
export function readColumnsByRows(db: Db, set: SetShape, want: readonly number[]): Float32Array {
  const k = set.nNeurons;
  const c = want.length;
  const out = new Float32Array(set.nImages * c);
  let row = 0;
  for (const chunk of acts.readChunks(db, set.id, 'act')) {
    for (let r = 0; r < chunk.nRows; r++, row++) {
      const src = r * k;
      const dst = row * c;
      for (let j = 0; j < c; j++) out[dst + j] = chunk.data[src + want[j]];
    }
  }
  if (row !== set.nImages) throw new AppError('internal', `Activation set ${set.id}: ${row} stored rows, expected ${set.nImages}.`);
  return out;
}

/**
 * Selected neuron columns as an N x want.length row-major matrix: from the column copy when it exists (or can be
 * built), else through the row blocks. Both give the same float32 values.
 */
export function readNeuronColumns(db: Db, set: SetShape, want: readonly number[]): Float32Array {
  // Many columns at once (an explain block) read the row blocks once either way; the copy pays off for a few.
  if (want.length === 0 || !ensureColumns(db, set)) return readColumnsByRows(db, set, want);
  const n = set.nImages;
  const c = want.length;
  if (c === 1) {
    const col = cols.readColumn(db, set.id, want[0]);
    if (col && col.length === n) return col;
    return readColumnsByRows(db, set, want);
  }
  const out = new Float32Array(n * c);
  for (let j = 0; j < c; j++) {
    const col = cols.readColumn(db, set.id, want[j]);
    if (!col || col.length !== n) return readColumnsByRows(db, set, want);
    for (let i = 0; i < n; i++) out[i * c + j] = col[i];
  }
  return out;
}

// The last set's profiles stay in this worker (32 MB for 2,048 x 4,096), so paging through a layer's neurons does not
// re-read them; where they cannot be stored (read-only projects) they are computed from the row blocks once.
let transient: { key: string; value: cols.NeuronProfile } | null = null;

/** The similar-units profiles of a set: stored (building the copy first where allowed), else computed in memory. */
export function neuronProfiles(db: Db, set: SetShape): cols.NeuronProfile {
  // A complete set's rows never change, so neither do its profiles: the set's creation time tells a re-used id apart.
  const key = `${db.name}\n${set.id}\n${set.nImages}x${set.nNeurons}\n${acts.getSetInfo(db, set.id)?.createdAt ?? ''}`;
  if (transient?.key === key) return transient.value;
  const stored = ensureColumns(db, set) ? cols.readProfile(db, set.id) : null;
  transient = { key, value: stored ?? transpose(db, set, PASS_FLOATS) };
  return transient.value;
}
