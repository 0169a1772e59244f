// Migration 5: neuron bookmarks. Never edit once shipped (its hash is recorded, see 001).
// A bookmark is a neuron of an activation set the user wants to come back to (and report on: a report's
// `bookmarked` neuron selection), with a free-text note. Keyed by the activation set, not by an explain run:
// a neuron is the same column of the same matrix whichever run explains it, so a bookmark outlives re-runs and
// is gone with its activation set. Older projects gain the (empty) table when they are next opened for writing.
export const sql = `
CREATE TABLE bookmarks (
  activation_set_id INTEGER NOT NULL REFERENCES activation_sets(id) ON DELETE CASCADE,
  neuron            INTEGER NOT NULL CHECK (neuron >= 0),
  note              TEXT NOT NULL DEFAULT '',
  created_at        TEXT NOT NULL,
  PRIMARY KEY (activation_set_id, neuron)
) WITHOUT ROWID;
`;
