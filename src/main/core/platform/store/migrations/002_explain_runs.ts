// Migration 2: explanation runs. Never edit once shipped (its hash is recorded, see 001).
// Why a table of its own: the job runner writes one `runs` row per execution (a resume is a new run), but
// the explanations of one LE run must stay together across resumes, and the results table needs
// per-neuron state (dead, or done) that the explanations table cannot express (a dead neuron has none).
export const sql = `
CREATE TABLE explain_runs (
  id                INTEGER PRIMARY KEY,
  activation_set_id INTEGER NOT NULL REFERENCES activation_sets(id) ON DELETE CASCADE,
  method            TEXT NOT NULL,            -- le_label | imported
  run_id            INTEGER REFERENCES runs(id) ON DELETE SET NULL,  -- provenance of the first execution
  job_id            INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
  concept_set_id    INTEGER REFERENCES concept_sets(id) ON DELETE SET NULL,
  split_id          INTEGER REFERENCES splits(id) ON DELETE SET NULL,
  key               TEXT NOT NULL,            -- canonical parameters: the same key is the same result
  params_json       TEXT NOT NULL,
  neurons_json      TEXT NOT NULL,            -- the neurons this run covers, ascending
  complete          INTEGER NOT NULL DEFAULT 0,
  created_at        TEXT NOT NULL
);
CREATE INDEX explain_runs_by_set ON explain_runs(activation_set_id, key);

-- One row per neuron a run has finished (committed with its explanations): the resume point.
CREATE TABLE explain_neurons (
  explain_run_id INTEGER NOT NULL REFERENCES explain_runs(id) ON DELETE CASCADE,
  neuron         INTEGER NOT NULL,
  dead           INTEGER NOT NULL,
  details_json   TEXT NOT NULL,                -- lambda, elastic-net nonzeros, convergence
  PRIMARY KEY (explain_run_id, neuron)
) WITHOUT ROWID;

ALTER TABLE explanations ADD COLUMN explain_run_id INTEGER REFERENCES explain_runs(id) ON DELETE CASCADE;
CREATE INDEX explanations_by_run ON explanations(explain_run_id, neuron);
`;
