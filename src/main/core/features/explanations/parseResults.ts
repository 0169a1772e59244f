import { z } from 'zod';
import { AppError } from '../../../../shared/errors';
import type { StoredTerm } from '../../platform/store/explanationRepo';
import { CsvSyntaxError, parseCsv } from '../../platform/files/csv';
import { JSON_FORMAT } from './exportRun';

// Reading an LE results file (CSV or our JSON) into rows, with every problem a bad_input that names the
// file and the line (CSV) or the JSON path, so a user can fix the file.

export interface ImportedRow {
  line: number;
  layer: string;
  unit: number;
  terms: StoredTerm[];
  bias: number;
  valCorrelation: number | null;
  simCorrelation: number | null;
}

const bad = (file: string, where: string, what: string) => new AppError('bad_input', `${file}, ${where}: ${what}`);

function number(file: string, line: number, col: string, raw: string, opts: { optional?: boolean } = {}): number | null {
  const s = raw.trim();
  if (s === '' && opts.optional) return null;
  const v = s === '' ? NaN : Number(s);
  if (!Number.isFinite(v)) throw bad(file, `line ${line}`, `column "${col}" must be a number, found "${raw}".`);
  return v;
}

export function parseResultsCsv(file: string, text: string): ImportedRow[] {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw bad(file, `line ${e.line}`, e.problem);
    throw e;
  }
  if (!records.length)
    throw bad(file, 'line 1', 'the file is empty; expected the header "layer,unit,val correlation,weight0,concept0,...,bias".');
  const header = records[0].fields.map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  for (const need of ['layer', 'unit', 'bias', 'weight0', 'concept0']) {
    if (col(need) < 0) throw bad(file, 'line 1', `the header has no "${need}" column (found: ${header.join(', ')}).`);
  }
  let slots = 0;
  while (col(`weight${slots}`) >= 0 && col(`concept${slots}`) >= 0) slots++;
  const rows: ImportedRow[] = [];
  for (const { line, fields } of records.slice(1)) {
    if (fields.length !== header.length)
      throw bad(file, `line ${line}`, `expected ${header.length} fields like the header, found ${fields.length}.`);
    const unitRaw = fields[col('unit')].trim();
    if (!/^\d+$/.test(unitRaw)) throw bad(file, `line ${line}`, `column "unit" must be a neuron index (0, 1, ...), found "${unitRaw}".`);
    const terms: StoredTerm[] = [];
    for (let i = 0; i < slots; i++) {
      const w = number(file, line, `weight${i}`, fields[col(`weight${i}`)])!;
      const concept = fields[col(`concept${i}`)].trim();
      // An empty slot is weight 0 (the reference writes 0 for its concept too).
      if (w === 0) continue;
      if (concept === '') throw bad(file, `line ${line}`, `weight${i} is ${w} but concept${i} is empty.`);
      terms.push({ concept, weight: w });
    }
    const opt = (name: string) => (col(name) < 0 ? null : number(file, line, name, fields[col(name)], { optional: true }));
    rows.push({
      line,
      layer: fields[col('layer')].trim(),
      unit: Number(unitRaw),
      terms,
      bias: number(file, line, 'bias', fields[col('bias')])!,
      valCorrelation: opt('val correlation'),
      simCorrelation: opt('sim correlation'),
    });
  }
  return rows;
}

const JsonDoc = z.object({
  format: z.literal(JSON_FORMAT),
  version: z.literal(1),
  layer: z.string(),
  neurons: z.array(
    z.object({
      unit: z.number().int().min(0),
      terms: z.array(z.object({ concept: z.string().min(1), weight: z.number() })),
      bias: z.number(),
      valCorrelation: z.number().nullable().optional(),
      testCorrelation: z.number().nullable().optional(),
    }),
  ),
});

function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

export function parseResultsJson(file: string, text: string): ImportedRow[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    throw bad(file, pos ? `line ${lineOf(text, Number(pos[1]))}` : 'JSON', `not valid JSON (${msg}).`);
  }
  const r = JsonDoc.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '');
    throw bad(file, `at ${path || 'the top level'}`, issue.message);
  }
  return r.data.neurons.map((n, i) => ({
    line: i + 1,
    layer: r.data.layer,
    unit: n.unit,
    terms: n.terms.filter((t) => t.weight !== 0),
    bias: n.bias,
    valCorrelation: n.valCorrelation ?? null,
    simCorrelation: n.testCorrelation ?? null,
  }));
}
