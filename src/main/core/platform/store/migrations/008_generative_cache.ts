// Migration 8: what local generative models made, cached by content (docs/generative.md). Never edit once shipped.
// Keys are content hashes, not describer ids: the model library is app-wide and its ids differ between machines,
// while a model's files hash the same everywhere. A cached row is reused only for the exact same model files and
// inputs (decoding / sampling options are part of the key), so a copied project reproduces its descriptions.
export const sql = `
CREATE TABLE gen_captions (
  captioner_sha TEXT NOT NULL,
  image_sha     TEXT NOT NULL,
  box           TEXT NOT NULL,          -- 'x0,y0,x1,y1' in image pixels, '' for the whole image
  options       TEXT NOT NULL,          -- canonical JSON of the decoding options
  text          TEXT NOT NULL,
  token_ids     TEXT NOT NULL,          -- JSON array
  seconds       REAL NOT NULL,
  created_at    TEXT NOT NULL,
  PRIMARY KEY (captioner_sha, image_sha, box, options)
) WITHOUT ROWID;

CREATE TABLE gen_completions (
  model_sha         TEXT NOT NULL,      -- the GGUF's sha256, or the endpoint's (URL + model name)
  request_sha       TEXT NOT NULL,      -- sha256 of the canonical JSON in request
  request           TEXT NOT NULL,      -- prompt, system, schema, chat, sampling
  text              TEXT NOT NULL,
  json              TEXT,
  prompt_tokens     INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  attempts          INTEGER NOT NULL,
  seconds           REAL NOT NULL,
  created_at        TEXT NOT NULL,
  PRIMARY KEY (model_sha, request_sha)
) WITHOUT ROWID;

CREATE TABLE gen_images (
  id            INTEGER PRIMARY KEY,
  generator_sha TEXT NOT NULL,
  request_sha   TEXT NOT NULL,          -- sha256 of the canonical JSON in request (seed excluded)
  seed          INTEGER NOT NULL,
  request       TEXT NOT NULL,          -- prompt, negative prompt, steps, guidance, scheduler
  width         INTEGER NOT NULL,
  height        INTEGER NOT NULL,
  png           BLOB NOT NULL,
  seconds       REAL NOT NULL,
  created_at    TEXT NOT NULL,
  UNIQUE (generator_sha, request_sha, seed)
);
`;
