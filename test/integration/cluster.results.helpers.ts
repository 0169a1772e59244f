import Database from 'better-sqlite3';

// The stored rows of an explanation run, for comparing a merged sharded run with the single run (docs/cluster.md).

type Db = Database.Database;

/** The run row, its neuron rows, and every explanation with its scores (ids aside). */
export function explainRunRows(db: Db, explainRunId: number) {
  const exps = db
    .prepare('SELECT id, neuron, method, terms_json, bias FROM explanations WHERE explain_run_id = ? ORDER BY id')
    .all(explainRunId) as { id: number }[];
  const scores = db.prepare('SELECT simulator, metric, split, value, details_json FROM scores WHERE explanation_id = ? ORDER BY id');
  const neurons = db
    .prepare('SELECT neuron, dead, details_json FROM explain_neurons WHERE explain_run_id = ? ORDER BY neuron')
    .all(explainRunId);
  const run = db
    .prepare('SELECT method, key, concept_set_id, params_json, neurons_json, complete FROM explain_runs WHERE id = ?')
    .get(explainRunId);
  return { run, neurons, exps: exps.map(({ id, ...e }) => ({ ...e, scores: scores.all(id) as { simulator: string }[] })) };
}

/** A DnD run's rows: a chain's stage timings (seconds) aside, and each generated image by its PNG rather than its id. */
export function dndRunRows(db: Db, explainRunId: number) {
  const png = db.prepare('SELECT png FROM gen_images WHERE id = ?');
  const { neurons, exps } = explainRunRows(db, explainRunId);
  return {
    exps,
    neurons: (neurons as { details_json: string }[]).map((n) => {
      const d = JSON.parse(n.details_json) as { chain?: { seconds?: unknown; selection: { images: { generatedId: number }[] }[] } };
      const images = d.chain?.selection.flatMap((c) =>
        c.images.map((im) => (png.get(im.generatedId) as { png: Buffer }).png.toString('base64')),
      );
      if (d.chain) delete d.chain.seconds;
      return { ...n, details_json: d, images };
    }),
  };
}

/** One run's rows (by `read`), from a project file opened read-only. */
export function rowsIn<T>(path: string, read: (db: Db, id: number) => T, explainRunId: number): T {
  const db = new Database(path, { readonly: true });
  try {
    return read(db, explainRunId);
  } finally {
    db.close();
  }
}
