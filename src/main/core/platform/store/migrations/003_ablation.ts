// Migration 3: ablation scoring and Top Impact runs. Never edit once shipped (its hash is recorded, see 001).
// Why tables of their own: like explain_runs, one logical run spans several job executions (a resume is a new
// `runs` row), and the resume point is per neuron. Ablation scores themselves live in `scores` (metric
// ablation_optim / ablation_norm, split test) next to the correlations; Top Impact has no explanation to hang
// on, so its per-neuron values (TI at the betas and the full curve) live in ablation_neurons.details_json.
export const sql = `
CREATE TABLE ablation_runs (
  id                INTEGER PRIMARY KEY,
  kind              TEXT NOT NULL CHECK (kind IN ('ablation','topimpact')),
  activation_set_id INTEGER NOT NULL REFERENCES activation_sets(id) ON DELETE CASCADE,
  explain_run_id    INTEGER REFERENCES explain_runs(id) ON DELETE CASCADE,
  run_id            INTEGER REFERENCES runs(id) ON DELETE SET NULL,   -- provenance of the first execution
  job_id            INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
  key               TEXT NOT NULL,            -- canonical parameters: the same key is the same result
  params_json       TEXT NOT NULL,            -- temperature (and its source), mapping, modes, head check
  neurons_json      TEXT NOT NULL,
  complete          INTEGER NOT NULL DEFAULT 0,
  created_at        TEXT NOT NULL
);
CREATE INDEX ablation_runs_by_set ON ablation_runs(activation_set_id, kind, key);

CREATE TABLE ablation_neurons (
  ablation_run_id INTEGER NOT NULL REFERENCES ablation_runs(id) ON DELETE CASCADE,
  neuron          INTEGER NOT NULL,
  details_json    TEXT NOT NULL,
  PRIMARY KEY (ablation_run_id, neuron)
) WITHOUT ROWID;

-- Temperatures fitted on a stored split's val images (one per activation set, split and class mapping).
CREATE TABLE temperature_fits (
  id                INTEGER PRIMARY KEY,
  activation_set_id INTEGER NOT NULL REFERENCES activation_sets(id) ON DELETE CASCADE,
  split_id          INTEGER NOT NULL REFERENCES splits(id) ON DELETE CASCADE,
  mapping_key       TEXT NOT NULL,
  temperature       REAL NOT NULL,
  nll               REAL NOT NULL,
  nll_at_one        REAL NOT NULL,
  val_images        INTEGER NOT NULL,
  at_bound          INTEGER NOT NULL,
  created_at        TEXT NOT NULL,
  UNIQUE (activation_set_id, split_id, mapping_key)
);
`;
