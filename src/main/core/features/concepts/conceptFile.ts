import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { AppError } from '../../../../shared/errors';
import { CsvSyntaxError, parseCsv } from '../../platform/files/csv';
import { fsError } from '../../platform/files/fsErrors';
import { decodeUtf8Text } from '../../platform/files/textEncoding';

// Concept lists from files (docs/methods.md "Concept sets and concept files": CR, LF or CRLF line ends; blank lines are not concepts).
// .txt: one concept per line. .csv: the column named "concept" (or "concepts", "text", "label"), else the
// first column; RFC 4180 quoting. Concepts are trimmed; duplicates keep their first occurrence (the order
// of a concept list matters to users who compare with the reference lists).

export interface ConceptList {
  concepts: string[];
  blank: number;
  duplicates: number;
}

const MAX_CONCEPT_LENGTH = 500;
const MAX_CONCEPTS = 200_000;

export function dedupe(texts: readonly string[]): { concepts: string[]; blank: number; duplicates: number } {
  const seen = new Set<string>();
  const concepts: string[] = [];
  let blank = 0;
  let duplicates = 0;
  for (const raw of texts) {
    const t = raw.trim();
    if (!t) blank++;
    else if (seen.has(t)) duplicates++;
    else {
      seen.add(t);
      concepts.push(t);
    }
  }
  return { concepts, blank, duplicates };
}

export function parseConceptText(text: string, kind: 'txt' | 'csv', file: string): ConceptList {
  const body = text.replace(/^\uFEFF/, '');
  let cells: string[];
  if (kind === 'txt') {
    cells = body.split(/\r\n|\r|\n/);
  } else {
    let records;
    try {
      records = parseCsv(body);
    } catch (e) {
      if (e instanceof CsvSyntaxError)
        throw new AppError('bad_input', `${file}, ${e.message}. Fix the quoting or save it as a .txt list, one concept per line.`);
      throw e;
    }
    const header = records[0]?.fields.map((f) => f.trim().toLowerCase()) ?? [];
    const named = header.findIndex((h) => ['concept', 'concepts', 'text', 'label'].includes(h));
    const col = named >= 0 ? named : 0;
    cells = records.slice(named >= 0 ? 1 : 0).map((r) => r.fields[col] ?? '');
  }
  const long = cells.findIndex((c) => c.trim().length > MAX_CONCEPT_LENGTH);
  if (long >= 0)
    throw new AppError(
      'bad_input',
      `${file}: concept ${long + 1} is longer than ${MAX_CONCEPT_LENGTH} characters. Is this a concept list (one concept per line)?`,
    );
  const out = dedupe(cells);
  // A trailing newline is not a blank concept line.
  if (kind === 'txt' && /(\r\n|\r|\n)$/.test(body) && out.blank > 0) out.blank--;
  if (out.concepts.length === 0) throw new AppError('bad_input', `${file} holds no concepts (only blank lines). Put one concept per line.`);
  if (out.concepts.length > MAX_CONCEPTS)
    throw new AppError('bad_input', `${file} holds ${out.concepts.length} concepts; at most ${MAX_CONCEPTS} are supported.`);
  return out;
}

export async function readConceptFile(path: string): Promise<ConceptList> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.txt' && ext !== '.csv')
    throw new AppError('bad_input', `${path}: concept lists must be .txt (one per line) or .csv files.`);
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError('not_found', `Cannot read concept list ${path}: no such file.`, { path });
    const coded = fsError(e, path, 'read');
    if (coded instanceof AppError) throw coded;
    throw new AppError('bad_input', `Cannot read concept list ${path}: ${(e as Error).message}.`, { path });
  }
  return parseConceptText(decodeUtf8Text(buf, `Concept list ${path}`), ext === '.txt' ? 'txt' : 'csv', path);
}
