import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { AppError } from '../../../../shared/errors';
import { readImportFile } from '../../platform/files/importFile';
import { getStats, nonFiniteNeurons } from '../../platform/store/activationRepo';
import { ensureConceptSet } from '../../platform/store/conceptRepo';
import * as repo from '../../platform/store/explanationRepo';
import type { Db } from '../../platform/store/open';
import { insertRun } from '../../platform/store/runRepo';
import { APP_VERSION } from '../../platform/version';
import { ensureSplit, readColumns, resolveSet } from './context';
import { loadLabelConcepts } from './labelConcepts';
import { parseResultsCsv, parseResultsJson, type ImportedRow } from './parseResults';
import { skippedDetails } from './explainJob';
import { runInfo } from './runInfo';
import { labelWeights, scoreByLabels } from './scoring';
import { sortTerms } from './text';

// explain.import: an LE results CSV / JSON becomes a run of method 'imported'. The file's own numbers are
// kept as 'reported' scores; when every concept is a label of the probe set, the explanations are also
// scored here under the label simulator, so they compare with our runs on the same split.

export interface ImportInput {
  activationSetId: number;
  path: string;
  layer?: string;
  seed: number;
  /** Import even though the file's layer name is not the activation set's layer (recorded in the run). */
  allowLayerMismatch?: boolean;
}

/**
 * A file written for another layer must not be scored silently against this one: the unit numbers would
 * name other neurons. Refused unless the caller says the names mean the same layer (e.g. the reference
 * code's "layer4" for the ONNX tensor "/layer4/Relu_output_0"); then it is imported with a warning.
 */
function checkLayer(file: string, fileLayer: string, set: { id: number; tensorName: string }, allow: boolean): string[] {
  if (fileLayer === set.tensorName) return [];
  const what = `${file} holds explanations of layer "${fileLayer}", but activation set ${set.id} is layer "${set.tensorName}"`;
  if (!allow) {
    throw new AppError(
      'bad_input',
      `${what}; its units would be matched to the wrong neurons. Import it into an activation set of layer "${fileLayer}", ` +
        `or, if both names mean the same layer, import again with allowLayerMismatch (CLI: --allowLayerMismatch).`,
      { path: file, fileLayer, setLayer: set.tensorName },
    );
  }
  return [`${what}; imported anyway because allowLayerMismatch was given.`];
}

function pickLayer(file: string, rows: ImportedRow[], layer: string | undefined): ImportedRow[] {
  if (layer !== undefined) {
    const kept = rows.filter((r) => r.layer === layer);
    if (!kept.length)
      throw new AppError(
        'bad_input',
        `${file} has no rows of layer "${layer}" (layers: ${[...new Set(rows.map((r) => r.layer))].join(', ')}).`,
      );
    return kept;
  }
  const layers = [...new Set(rows.map((r) => r.layer))];
  if (layers.length > 1) throw new AppError('bad_input', `${file} holds several layers (${layers.join(', ')}); choose one with "layer".`);
  return rows;
}

export async function importRun(db: Db, input: ImportInput) {
  const src = resolveSet(db, input.activationSetId);
  const file = resolve(input.path);
  const { text } = await readImportFile(file);
  const isJson = /\.json$/i.test(file) || text.trimStart().startsWith('{');
  const where = (r: ImportedRow) => (isJson ? `neurons[${r.line - 1}]` : `line ${r.line}`);
  const rows = pickLayer(file, isJson ? parseResultsJson(file, text) : parseResultsCsv(file, text), input.layer);
  if (!rows.length) throw new AppError('bad_input', `${file} has a header but no rows.`);
  const fileLayer = rows[0].layer;
  const warnings = checkLayer(file, fileLayer, src.set, input.allowLayerMismatch === true);
  const seen = new Map<number, ImportedRow>();
  for (const r of rows) {
    if (r.unit >= src.set.nNeurons)
      throw new AppError('bad_input', `${file}, ${where(r)}: unit ${r.unit} is out of range; the layer has ${src.set.nNeurons} neurons.`);
    const first = seen.get(r.unit);
    if (first) throw new AppError('bad_input', `${file}, ${where(r)}: unit ${r.unit} appears again (first at ${where(first)}).`);
    seen.set(r.unit, r);
  }
  rows.sort((a, b) => a.unit - b.unit);

  const sha = createHash('sha256').update(text).digest('hex');
  const { split } = ensureSplit(db, src.probe.id, input.seed);
  const key = JSON.stringify({ method: 'imported', file: sha, layer: input.layer ?? null, splitId: split.id });
  const existing = repo.findExplainRun(db, src.set.id, key);
  if (existing?.complete) return { run: runInfo(db, existing), rows: rows.length, scored: existing.params.scored === true, warnings };

  const lc = loadLabelConcepts(db, src.probe.id);
  const weights = rows.map((r) => labelWeights(lc, r.terms));
  const scored = weights.every((w) => w !== null);
  const act = readColumns(
    db,
    src.set,
    rows.map((r) => r.unit),
  );
  const dead = new Map(getStats(db, src.set.id).map((s) => [s.neuron, s.dead]));
  const names = [...new Set(rows.flatMap((r) => r.terms.map((t) => t.concept)))];
  // Neurons flagged at extraction (NaN/Inf activations): the file's explanation is kept, but a correlation over
  // them is undefined, so they are not scored here; their state says why, as in explain.run.
  const flagged = nonFiniteNeurons(db, src.set.id);
  const unscored = rows.filter((r) => flagged.has(r.unit)).map((r) => r.unit);

  const id = db.transaction(() => {
    const params = {
      path: file,
      layer: input.layer ?? null,
      seed: input.seed,
      scored,
      ...(warnings.length ? { fileLayer, layerMismatch: true } : {}),
    };
    const runId = insertRun(db, {
      kind: 'explain.import',
      appVersion: APP_VERSION,
      params: { ...params, activationSetId: src.set.id },
      hashes: { file: sha, model: src.modelSha, manifest: src.manifestHash },
      seeds: { split: input.seed },
    });
    const cs = ensureConceptSet(db, { name: `concepts of ${file}`, source: 'imported', names });
    const er = repo.createExplainRun(db, {
      activationSetId: src.set.id,
      method: 'imported',
      runId,
      jobId: null,
      conceptSetId: cs.id,
      splitId: split.id,
      key,
      params,
      neurons: rows.map((r) => r.unit),
    });
    rows.forEach((r, i) => {
      const eid = repo.insertExplanation(db, {
        explainRunId: er,
        activationSetId: src.set.id,
        neuron: r.unit,
        method: 'imported',
        terms: sortTerms(r.terms),
        bias: r.bias,
        runId,
      });
      const score = (simulator: string, split: 'val' | 'test', value: number | null) =>
        value !== null && repo.insertScore(db, { explanationId: eid, simulator, metric: 'correlation', split, value, runId });
      score('reported', 'val', r.valCorrelation);
      score('reported', 'test', r.simCorrelation);
      const w = weights[i];
      if (scored && w && !flagged.has(r.unit)) {
        const column = Float32Array.from({ length: act.rows }, (_, n) => act.data[n * act.cols + i]);
        const s = scoreByLabels(lc, split.assignment, column, w, r.bias);
        score('label', 'val', s.valCorrelation);
        score('label', 'test', s.testCorrelation);
      }
      const skipped = flagged.has(r.unit) ? skippedDetails(flagged.get(r.unit) as number, act.rows) : {};
      repo.putNeuronState(db, er, r.unit, dead.get(r.unit) ?? false, { source: where(r), ...skipped });
    });
    repo.completeExplainRun(db, er);
    return er;
  })();
  if (unscored.length) {
    warnings.push(
      `${unscored.length} neuron(s) of the file have NaN or +-Infinity activations (flagged at extraction) and were imported without a label-simulator score: ${unscored.slice(0, 10).join(', ')}${unscored.length > 10 ? ', ...' : ''}.`,
    );
  }
  return { run: runInfo(db, repo.getExplainRun(db, id)!), rows: rows.length, scored, warnings };
}
