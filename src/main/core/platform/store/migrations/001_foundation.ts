// Migration 1: the foundation schema. Never edit once shipped: add a new numbered migration instead
// (the hash of this text is recorded in schema_migrations and checked on open).
export const sql = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Provenance: one row per run of anything that computes (import, extraction, explanation, scoring).
CREATE TABLE runs (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL,
  app_version  TEXT NOT NULL,
  params_json  TEXT NOT NULL,   -- every parameter the run used, defaults included
  hashes_json  TEXT NOT NULL,   -- content hashes of the files it read (model, manifest, concept set)
  seeds_json   TEXT NOT NULL DEFAULT '{}',
  created_at   TEXT NOT NULL
);

-- Long work. A job row is written before work starts and updated as batches commit, so a killed
-- process leaves a 'running' row whose owner is gone: on open it becomes 'interrupted' (resumable).
CREATE TABLE jobs (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL,
  title        TEXT NOT NULL,
  params_json  TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('running','done','failed','cancelled','interrupted')),
  done         REAL NOT NULL DEFAULT 0,
  total        REAL NOT NULL DEFAULT 0,
  message      TEXT,
  error        TEXT,
  result_json  TEXT,
  owner        TEXT,            -- process instance that runs it
  run_id       INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);

CREATE TABLE probe_sets (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL,
  root_path       TEXT NOT NULL UNIQUE,
  labels_csv_path TEXT,
  manifest_hash   TEXT,        -- sha256 over sorted (rel_path, sha256) of the images; null until complete
  complete        INTEGER NOT NULL DEFAULT 0,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);

-- Labels: folder-tree nodes (a leaf folder is a class, its ancestors superclasses) and CSV labels.
CREATE TABLE labels (
  id           INTEGER PRIMARY KEY,
  probe_set_id INTEGER NOT NULL REFERENCES probe_sets(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  path         TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('class','superclass','csv')),
  parent_id    INTEGER REFERENCES labels(id) ON DELETE CASCADE,
  depth        INTEGER NOT NULL,
  UNIQUE (probe_set_id, kind, path)
);

CREATE TABLE images (
  id           INTEGER PRIMARY KEY,
  probe_set_id INTEGER NOT NULL REFERENCES probe_sets(id) ON DELETE CASCADE,
  rel_path     TEXT NOT NULL,
  bytes        INTEGER NOT NULL,
  mtime_ms     REAL NOT NULL,
  sha256       TEXT NOT NULL,
  width        INTEGER NOT NULL,
  height       INTEGER NOT NULL,
  format       TEXT NOT NULL,
  class_id     INTEGER REFERENCES labels(id) ON DELETE SET NULL,
  UNIQUE (probe_set_id, rel_path)
);
CREATE INDEX images_by_class ON images(probe_set_id, class_id);
CREATE INDEX images_by_hash ON images(sha256);

-- Every label an image carries: its class, all ancestor superclasses, CSV labels.
CREATE TABLE image_labels (
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  label_id INTEGER NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
  source   TEXT NOT NULL CHECK (source IN ('folder','csv')),
  PRIMARY KEY (image_id, label_id)
) WITHOUT ROWID;
CREATE INDEX image_labels_by_label ON image_labels(label_id);

CREATE TABLE skipped_files (
  probe_set_id INTEGER NOT NULL REFERENCES probe_sets(id) ON DELETE CASCADE,
  rel_path     TEXT NOT NULL,
  reason       TEXT NOT NULL,
  bytes        INTEGER,
  PRIMARY KEY (probe_set_id, rel_path)
) WITHOUT ROWID;

-- Seeded train/val/test splits, stored so every run on a probe set can reuse the same one.
CREATE TABLE splits (
  id           INTEGER PRIMARY KEY,
  probe_set_id INTEGER NOT NULL REFERENCES probe_sets(id) ON DELETE CASCADE,
  seed         INTEGER NOT NULL,
  fractions    TEXT NOT NULL,   -- JSON [train, val, test]
  manifest_hash TEXT NOT NULL,
  assignment   BLOB NOT NULL,   -- one byte per image in image-id order: 0 train, 1 val, 2 test
  created_at   TEXT NOT NULL
);

-- Models and their layers (capability: ONNX inference).
CREATE TABLE models (
  id                 INTEGER PRIMARY KEY,
  name               TEXT NOT NULL,
  path               TEXT NOT NULL,
  sha256             TEXT NOT NULL,
  bytes              INTEGER NOT NULL,
  mtime_ms           REAL NOT NULL,  -- a cheap change check; the sha is recomputed only when size/mtime differ
  info_json          TEXT NOT NULL,  -- inputs, outputs, opset, producer
  preprocessing_json TEXT NOT NULL,
  created_at         TEXT NOT NULL
);

CREATE TABLE layers (
  id          INTEGER PRIMARY KEY,
  model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  tensor_name TEXT NOT NULL,
  position    INTEGER NOT NULL,   -- order of the producing node in the graph
  friendly    TEXT,
  op_type     TEXT,
  node_name   TEXT,
  shape_json  TEXT NOT NULL,      -- concrete shape measured on one dummy batch
  suggested   INTEGER NOT NULL DEFAULT 0,
  reason      TEXT,               -- why it is suggested
  UNIQUE (model_id, tensor_name)
);

-- Activation matrices: N images x K neurons of float32, stored as BLOB chunks inside the project so
-- that the matrix and its metadata commit in one transaction (see docs/store.md for why not a sidecar).
CREATE TABLE activation_sets (
  id            INTEGER PRIMARY KEY,
  model_id      INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  layer_id      INTEGER NOT NULL REFERENCES layers(id) ON DELETE CASCADE,
  probe_set_id  INTEGER NOT NULL REFERENCES probe_sets(id) ON DELETE CASCADE,
  summary       TEXT NOT NULL,       -- mean | max | cls | token_mean | identity
  n_images      INTEGER NOT NULL,
  n_neurons     INTEGER NOT NULL,
  n_logits      INTEGER NOT NULL DEFAULT 0,
  chunk_rows    INTEGER NOT NULL,
  manifest_hash TEXT,                -- probe set manifest the rows were computed from
  params_json   TEXT NOT NULL DEFAULT '{}',  -- model sha, preprocessing, batch size: a resume must match them
  provider      TEXT,
  complete      INTEGER NOT NULL DEFAULT 0,
  run_id        INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  created_at    TEXT NOT NULL
);
CREATE TABLE activation_chunks (
  activation_set_id INTEGER NOT NULL REFERENCES activation_sets(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL,          -- 'act' (N x K), 'logits' (N x classes), 'pred' (N x 1 argmax class)
  chunk       INTEGER NOT NULL,       -- rows [chunk*chunk_rows, ...) in image order
  n_rows      INTEGER NOT NULL,
  data        BLOB NOT NULL,          -- little-endian float32, row-major
  PRIMARY KEY (activation_set_id, kind, chunk)
) WITHOUT ROWID;
CREATE TABLE neuron_stats (
  activation_set_id INTEGER NOT NULL REFERENCES activation_sets(id) ON DELETE CASCADE,
  neuron     INTEGER NOT NULL,
  min REAL NOT NULL, max REAL NOT NULL, mean REAL NOT NULL, std REAL NOT NULL,
  zero_share REAL NOT NULL,
  dead       INTEGER NOT NULL,
  histogram  TEXT NOT NULL,          -- JSON {edges, counts}
  PRIMARY KEY (activation_set_id, neuron)
) WITHOUT ROWID;

-- Concepts, image-text encoders and their calibrations (capabilities: explanations, concept scorer).
CREATE TABLE concept_sets (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  source     TEXT NOT NULL,
  sha256     TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE concepts (
  concept_set_id INTEGER NOT NULL REFERENCES concept_sets(id) ON DELETE CASCADE,
  idx            INTEGER NOT NULL,
  text           TEXT NOT NULL,
  PRIMARY KEY (concept_set_id, idx)
) WITHOUT ROWID;
CREATE TABLE encoders (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  path       TEXT NOT NULL,
  sha256     TEXT NOT NULL,
  info_json  TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE calibrations (
  id          INTEGER PRIMARY KEY,
  encoder_id  INTEGER NOT NULL REFERENCES encoders(id) ON DELETE CASCADE,
  a REAL NOT NULL, b REAL NOT NULL,
  bce_before REAL, bce_after REAL,
  details_json TEXT NOT NULL,
  run_id      INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  created_at  TEXT NOT NULL
);
-- Embedding cache keyed by encoder hash + image hash (or text), so re-runs cost only what changed.
CREATE TABLE embeddings (
  encoder_sha TEXT NOT NULL,
  key_kind    TEXT NOT NULL CHECK (key_kind IN ('image','text')),
  key         TEXT NOT NULL,
  vector      BLOB NOT NULL,
  PRIMARY KEY (encoder_sha, key_kind, key)
) WITHOUT ROWID;

-- Explanations of neurons and the scores of any explanation under any simulator.
CREATE TABLE explanations (
  id                INTEGER PRIMARY KEY,
  activation_set_id INTEGER NOT NULL REFERENCES activation_sets(id) ON DELETE CASCADE,
  neuron            INTEGER NOT NULL,
  method            TEXT NOT NULL,   -- le_label | le_siglip | best_concept | top5 | clip_dissect | typed | imported
  terms_json        TEXT NOT NULL,   -- [{concept, weight}]
  bias              REAL NOT NULL DEFAULT 0,
  run_id            INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  created_at        TEXT NOT NULL
);
CREATE INDEX explanations_by_neuron ON explanations(activation_set_id, neuron);
CREATE TABLE scores (
  id             INTEGER PRIMARY KEY,
  explanation_id INTEGER NOT NULL REFERENCES explanations(id) ON DELETE CASCADE,
  simulator      TEXT NOT NULL,     -- 'label' or an encoder sha
  metric         TEXT NOT NULL,     -- correlation | ablation_optim | ablation_norm
  split          TEXT NOT NULL,     -- train | val | test
  value          REAL NOT NULL,
  details_json   TEXT,
  run_id         INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  created_at     TEXT NOT NULL
);
CREATE INDEX scores_by_explanation ON scores(explanation_id);
`;
