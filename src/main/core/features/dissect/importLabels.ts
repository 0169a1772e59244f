import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { LabelFormat } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { ensureSplit, labelWeights, readColumns, resolveSet, runInfo, skippedDetails } from '../explanations';
import { CsvSyntaxError, parseCsv, type CsvRecord } from '../../platform/files/csv';
import { readImportFile } from '../../platform/files/importFile';
import { getStats, nonFiniteNeurons } from '../../platform/store/activationRepo';
import * as repo from '../../platform/store/explanationRepo';
import type { Db } from '../../platform/store/open';
import { insertRun } from '../../platform/store/runRepo';
import { APP_VERSION } from '../../platform/version';
import { labelScoring, storeLabels } from './runStore';

// labels.import: another tool's labels, in the file that tool writes, become an explain run of that tool's method,
// so they sit in the same tables, scores and exports as our own runs (docs/dissect.md "Importing other tools' labels"):
// - NetDissect tally.csv: `unit, category, label, score` + per-category columns, one layer per file. NetDissect-Lite's
//   writer (feature_operation.py, tally()) writes `'unit': unit + 1`, rows sorted by score: its units count from 1,
//   ours from 0, so unit u here is neuron u - 1.
// - MILAN: `layer, unit, description` (the reference writes str(sample.unit), 0-based, with Python's CRLF rows).
// - CLIP-Dissect descriptions.csv: `layer, unit, description, similarity` (0-based; our dissect.export writes it too).
// - DnD final_results.csv: `Neuron ID, Label 1, Label 2, Label 3`, no layer column: the activation set's layer.

export interface LabelImportInput {
  activationSetId: number;
  path: string;
  format?: LabelFormat;
  layer?: string;
  allowLayerMismatch?: boolean;
  splitSeed: number;
}

interface LabelRow {
  line: number;
  layer: string | null;
  neuron: number;
  labels: string[];
  details: Record<string, unknown>;
}

interface FormatSpec {
  /** Required columns (normalised header names), in the order a message lists them. */
  need: string[];
  /** Units in the file count from this (NetDissect: 1). */
  base: 0 | 1;
  row: (get: (col: string) => string | undefined, num: (col: string) => number) => { labels: string[]; details: Record<string, unknown> };
}

const FORMATS: Record<LabelFormat, FormatSpec> = {
  netdissect: {
    need: ['unit', 'category', 'label', 'score'],
    base: 1,
    row: (get, num) => ({ labels: [get('label')!], details: { category: get('category')!, score: num('score') } }),
  },
  milan: { need: ['layer', 'unit', 'description'], base: 0, row: (get) => ({ labels: [get('description')!], details: {} }) },
  clip_dissect: {
    need: ['layer', 'unit', 'description', 'similarity'],
    base: 0,
    row: (get, num) => ({ labels: [get('description')!], details: { similarity: num('similarity') } }),
  },
  dnd: {
    need: ['neuron id', 'label 1'],
    base: 0,
    // Empty trailing labels are how DnD writes a neuron with fewer than 3 labels.
    row: (get) => ({ labels: ['label 1', 'label 2', 'label 3'].map((c) => get(c) ?? '').filter((l) => l !== ''), details: {} }),
  },
};

/** Header variants: case, spaces, '_' ("Neuron_ID", "label1", " Label 2"); MILAN's "neuron" / "caption". */
function normHeader(h: string): string {
  const s = h
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, ' ')
    .replace(/([a-z])(\d+)$/, '$1 $2');
  return ({ neuron: 'unit', caption: 'description', neuronid: 'neuron id' } as Record<string, string>)[s] ?? s;
}

function detect(header: string[]): LabelFormat | null {
  const has = (...cols: string[]) => cols.every((c) => header.includes(c));
  if (has('neuron id', 'label 1')) return 'dnd';
  if (has('unit', 'category', 'label', 'score')) return 'netdissect';
  if (has('unit', 'description', 'similarity')) return 'clip_dissect';
  if (has('unit', 'description')) return 'milan';
  return null;
}

const bad = (file: string, line: number, what: string) => new AppError('bad_input', `${file}, line ${line}: ${what}`, { path: file, line });

function parseRows(file: string, records: CsvRecord[], format: LabelFormat, headerRaw: string[]): LabelRow[] {
  const header = headerRaw.map(normHeader);
  const spec = FORMATS[format];
  const missing = spec.need.filter((c) => !header.includes(c));
  if (missing.length)
    throw bad(
      file,
      records[0].line,
      `a ${format} file needs the column(s) ${missing.map((c) => `"${c}"`).join(', ')}; the header has: ${headerRaw.map((h) => h.trim()).join(', ')}.`,
    );
  const unitCol = format === 'dnd' ? 'neuron id' : 'unit';
  return records.slice(1).map(({ line, fields }) => {
    if (fields.length !== header.length)
      throw bad(
        file,
        line,
        `expected ${header.length} fields like the header, found ${fields.length} (a description with a comma must be quoted).`,
      );
    const get = (col: string) => (header.includes(col) ? fields[header.indexOf(col)].trim() : undefined);
    const num = (col: string) => {
      const raw = get(col) ?? '';
      const v = raw === '' ? NaN : Number(raw);
      if (!Number.isFinite(v)) throw bad(file, line, `column "${col}" must be a number, found "${raw}".`);
      return v;
    };
    const unitRaw = get(unitCol)!;
    if (!/^\d+$/.test(unitRaw) || Number(unitRaw) < spec.base)
      throw bad(
        file,
        line,
        `column "${unitCol}" must be a unit number (${spec.base === 1 ? '1, 2, ...: NetDissect counts units from 1' : '0, 1, ...'}), found "${unitRaw}".`,
      );
    const { labels, details } = spec.row(get, num);
    if (format !== 'dnd' && labels[0] === '') throw bad(file, line, `the ${format === 'netdissect' ? 'label' : 'description'} is empty.`);
    return { line, layer: get('layer') ?? null, neuron: Number(unitRaw) - spec.base, labels, details };
  });
}

/** Rows of one layer: `layer` picks it; a file of several layers needs it. Files without a layer column: all rows. */
function pickLayer(file: string, rows: LabelRow[], layer: string | undefined): LabelRow[] {
  const layers = [...new Set(rows.map((r) => r.layer).filter((l) => l !== null))];
  if (!layers.length) return rows;
  if (layer !== undefined) {
    const kept = rows.filter((r) => r.layer === layer);
    if (!kept.length)
      throw new AppError('bad_input', `${file} has no rows of layer "${layer}" (layers: ${layers.join(', ')}).`, { path: file });
    return kept;
  }
  if (layers.length > 1)
    throw new AppError('bad_input', `${file} holds several layers (${layers.join(', ')}); choose one with "layer" (CLI: --layer).`, {
      path: file,
    });
  return rows;
}

async function readText(file: string): Promise<{ text: string; sha256: string }> {
  const { bytes, text } = await readImportFile(file);
  return { text, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export async function importLabels(db: Db, input: LabelImportInput) {
  const src = resolveSet(db, input.activationSetId);
  const file = resolve(input.path);
  const { text, sha256 } = await readText(file);
  let records: CsvRecord[];
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw bad(file, e.line, e.problem);
    throw e;
  }
  if (!records.length)
    throw bad(file, 1, 'the file is empty; expected a header (NetDissect tally.csv, MILAN, CLIP-Dissect descriptions.csv or DnD labels).');
  const headerRaw = records[0].fields;
  const format = input.format ?? detect(headerRaw.map(normHeader));
  if (!format)
    throw bad(
      file,
      records[0].line,
      `cannot tell the format from the header (${headerRaw.map((h) => h.trim()).join(', ')}); expected NetDissect "unit, category, label, score", ` +
        `MILAN "layer, unit, description", CLIP-Dissect "layer, unit, description, similarity" or DnD "Neuron ID, Label 1, Label 2, Label 3", or give format.`,
    );
  const warnings: string[] = [];
  const rows = pickLayer(file, parseRows(file, records, format, headerRaw), input.layer);
  if (!rows.length) throw bad(file, records[0].line, 'the file has a header but no rows.');
  if (input.layer !== undefined && rows[0].layer === null)
    warnings.push(`${file} has no layer column (a ${format} file describes one layer); "layer" was ignored.`);

  // A file written for another layer must not be matched silently to this one: its units would name other neurons.
  const fileLayer = rows[0].layer;
  const mismatch = fileLayer !== null && fileLayer !== src.set.tensorName;
  if (mismatch) {
    const what = `${file} holds labels of layer "${fileLayer}", but activation set ${src.set.id} is layer "${src.set.tensorName}"`;
    if (!input.allowLayerMismatch)
      throw new AppError(
        'bad_input',
        `${what}; its units would be matched to the wrong neurons. Import it into an activation set of layer "${fileLayer}", ` +
          `or, if both names mean the same layer, import again with allowLayerMismatch (CLI: --allowLayerMismatch).`,
        { path: file, fileLayer, setLayer: src.set.tensorName },
      );
    warnings.push(`${what}; imported anyway because allowLayerMismatch was given.`);
  }
  const n = src.set.nNeurons;
  const seen = new Map<number, number>();
  for (const r of rows) {
    const unit = r.neuron + FORMATS[format].base;
    if (r.neuron >= n)
      throw bad(
        file,
        r.line,
        `unit ${unit} is out of range: the layer has ${n} neurons${format === 'netdissect' ? ` (NetDissect units 1..${n})` : ` (0..${n - 1})`}.`,
      );
    const first = seen.get(r.neuron);
    if (first !== undefined) throw bad(file, r.line, `unit ${unit} appears again (first at line ${first}).`);
    seen.set(r.neuron, r.line);
  }
  rows.sort((a, b) => a.neuron - b.neuron);

  const { split } = ensureSplit(db, src.probe.id, input.splitSeed);
  const key = JSON.stringify({ method: format, imported: sha256, format, layer: input.layer ?? null, splitId: split.id });
  const existing = repo.findExplainRun(db, src.set.id, key);
  if (existing?.complete)
    return { run: runInfo(db, existing), format, rows: rows.length, scored: Number(existing.params.scored ?? 0), warnings };

  const scoring = labelScoring(db, src.probe.id, split.assignment);
  const flagged = nonFiniteNeurons(db, src.set.id);
  const dead = new Map(getStats(db, src.set.id).map((s) => [s.neuron, s.dead]));
  const act = readColumns(
    db,
    src.set,
    rows.map((r) => r.neuron),
  );
  // The explanations per neuron; dnd as dnd.run stores them: label 1, the second and third alone, and all together.
  const explanations = (r: LabelRow): Array<[repo.StoredMethod, string[]]> => {
    if (format !== 'dnd') return [[format, r.labels]];
    const [l1, l2, l3] = r.labels;
    const out: Array<[repo.StoredMethod, string[]]> = [];
    if (l1) out.push(['dnd', [l1]]);
    if (l2) out.push(['dnd_label2', [l2]]);
    if (l3) out.push(['dnd_label3', [l3]]);
    if (r.labels.length > 1) out.push(['dnd_labels', r.labels]);
    return out;
  };
  // What storeLabels scores: an explanation whose every label is a probe label, on a neuron with finite activations.
  const scored = rows
    .filter((r) => !flagged.has(r.neuron))
    .flatMap(explanations)
    .filter(
      ([, labels]) =>
        labelWeights(
          scoring.labels,
          labels.map((concept) => ({ concept, weight: 1 })),
        ) !== null,
    ).length;
  const id = db.transaction(() => {
    const imported = { path: file, sha256, format, layer: input.layer ?? null, ...(mismatch ? { fileLayer, layerMismatch: true } : {}) };
    const runId = insertRun(db, {
      kind: 'labels.import',
      appVersion: APP_VERSION,
      params: { ...imported, activationSetId: src.set.id, splitSeed: input.splitSeed },
      hashes: { file: sha256, model: src.modelSha, manifest: src.manifestHash },
      seeds: { split: input.splitSeed },
    });
    const er = repo.createExplainRun(db, {
      activationSetId: src.set.id,
      method: format,
      runId,
      jobId: null,
      conceptSetId: null,
      splitId: split.id,
      key,
      params: { imported, splitSeed: input.splitSeed, scored },
      neurons: rows.map((r) => r.neuron),
    });
    rows.forEach((r, j) => {
      const at = { explainRunId: er, activationSetId: src.set.id, neuron: r.neuron, runId };
      const column = Float32Array.from({ length: act.rows }, (_, i) => act.data[i * act.cols + j]);
      for (const [method, labels] of explanations(r)) {
        // A correlation over NaN / Infinity is undefined: a flagged neuron keeps its labels, unscored (as explain.import).
        if (flagged.has(r.neuron))
          repo.insertExplanation(db, { ...at, method, terms: labels.map((concept) => ({ concept, weight: 1 })), bias: 0 });
        else storeLabels(db, at, method, labels, column, scoring);
      }
      const skipped = flagged.has(r.neuron) ? skippedDetails(flagged.get(r.neuron)!, act.rows) : {};
      const details = {
        imported: { path: file, line: r.line },
        ...r.details,
        ...(format === 'dnd' ? { labels: r.labels } : {}),
        ...skipped,
      };
      repo.putNeuronState(db, er, r.neuron, dead.get(r.neuron) ?? false, details);
    });
    repo.completeExplainRun(db, er);
    return er;
  })();
  const unscored = rows.filter((r) => flagged.has(r.neuron)).map((r) => r.neuron);
  if (unscored.length)
    warnings.push(
      `${unscored.length} neuron(s) have NaN or +-Infinity activations (flagged at extraction) and were imported without a label-simulator score: ${unscored.slice(0, 10).join(', ')}${unscored.length > 10 ? ', ...' : ''}.`,
    );
  return { run: runInfo(db, repo.getExplainRun(db, id)!), format, rows: rows.length, scored, warnings };
}
