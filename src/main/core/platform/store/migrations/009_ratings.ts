// Migration 9: blind rating studies (issue #15; docs/compare.md). Never edit once shipped.
// A study freezes, for some neurons of an activation set, the labels several explain runs gave them: the labels are
// copied (items), so a study stays readable after a run is deleted or re-run. A label text that two methods gave the
// same neuron is one item shown once, with both sources (a rater cannot tell methods apart by a repeat, and the
// rating counts for each). Raters are names within a study; a rating is saved the moment it is given.
export const sql = `
CREATE TABLE rating_studies (
  id                INTEGER PRIMARY KEY,
  activation_set_id INTEGER NOT NULL REFERENCES activation_sets(id) ON DELETE CASCADE,
  name              TEXT NOT NULL,
  seed              INTEGER NOT NULL,
  params            TEXT NOT NULL,        -- JSON: the runs and methods compared, top images shown
  created_at        TEXT NOT NULL
);

CREATE TABLE rating_items (
  id        INTEGER PRIMARY KEY,
  study_id  INTEGER NOT NULL REFERENCES rating_studies(id) ON DELETE CASCADE,
  neuron    INTEGER NOT NULL CHECK (neuron >= 0),
  ord       INTEGER NOT NULL,             -- neuron's place in the study (shuffled by the seed)
  position  INTEGER NOT NULL,             -- the label's place among the neuron's labels (shuffled by the seed)
  label     TEXT NOT NULL,
  UNIQUE (study_id, neuron, position),
  UNIQUE (study_id, neuron, label)
);

CREATE TABLE rating_item_sources (
  item_id        INTEGER NOT NULL REFERENCES rating_items(id) ON DELETE CASCADE,
  explain_run_id INTEGER NOT NULL,        -- no foreign key: the study outlives the run
  method         TEXT NOT NULL,
  PRIMARY KEY (item_id, explain_run_id, method)
) WITHOUT ROWID;

CREATE TABLE rating_raters (
  id         INTEGER PRIMARY KEY,
  study_id   INTEGER NOT NULL REFERENCES rating_studies(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (study_id, name)
);

CREATE TABLE ratings (
  rater_id INTEGER NOT NULL REFERENCES rating_raters(id) ON DELETE CASCADE,
  item_id  INTEGER NOT NULL REFERENCES rating_items(id) ON DELETE CASCADE,
  score    INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
  rated_at TEXT NOT NULL,
  PRIMARY KEY (rater_id, item_id)
) WITHOUT ROWID;
`;
