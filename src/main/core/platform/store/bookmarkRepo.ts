import type { Bookmark } from '../../../../shared/contract';
import type { Db } from './open';
import { nowIso, stmt } from './statements';

// Table `bookmarks` (migration 005): neurons of an activation set the user marked, with a note. One row per
// (activation set, neuron); deleting the activation set deletes its bookmarks.

interface Raw {
  activation_set_id: number;
  neuron: number;
  note: string;
  created_at: string;
}

const toBookmark = (r: Raw): Bookmark => ({
  activationSetId: r.activation_set_id,
  neuron: r.neuron,
  note: r.note,
  createdAt: r.created_at,
});

// Newest first; bookmarks made in the same millisecond in a fixed order.
const ORDER = 'ORDER BY created_at DESC, activation_set_id, neuron';

/** Every bookmark, or those of one activation set; newest first. */
export function listBookmarks(db: Db, activationSetId?: number): Bookmark[] {
  const rows = (
    activationSetId === undefined
      ? stmt(db, `SELECT * FROM bookmarks ${ORDER}`).all()
      : stmt(db, `SELECT * FROM bookmarks WHERE activation_set_id = ? ${ORDER}`).all(activationSetId)
  ) as Raw[];
  return rows.map(toBookmark);
}

/** The bookmarked neurons of one activation set, ascending. */
export function bookmarkedNeurons(db: Db, activationSetId: number): number[] {
  return (
    stmt(db, 'SELECT neuron FROM bookmarks WHERE activation_set_id = ? ORDER BY neuron').all(activationSetId) as { neuron: number }[]
  ).map((r) => r.neuron);
}

/** Bookmark a neuron, or change the note of its bookmark (its creation time stays). Returns the stored row. */
export function upsertBookmark(db: Db, b: { activationSetId: number; neuron: number; note: string }): Bookmark {
  const r = stmt(
    db,
    `INSERT INTO bookmarks(activation_set_id, neuron, note, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (activation_set_id, neuron) DO UPDATE SET note = excluded.note
     RETURNING *`,
  ).get(b.activationSetId, b.neuron, b.note, nowIso()) as Raw;
  return toBookmark(r);
}

/** Remove a bookmark; false when there was none. */
export function deleteBookmark(db: Db, activationSetId: number, neuron: number): boolean {
  return stmt(db, 'DELETE FROM bookmarks WHERE activation_set_id = ? AND neuron = ?').run(activationSetId, neuron).changes > 0;
}
