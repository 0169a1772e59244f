import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AppError } from '../../../../shared/errors';
import { classMatcher, type FolderKind } from './labelRules';
import { CsvSyntaxError, parseCsv, type CsvRecord } from '../../platform/files/csv';
import { fsError } from '../../platform/files/fsErrors';
import { decodeUtf8Text } from '../../platform/files/textEncoding';

// Optional labels CSV of an import. Format: one row per image, `path,label[,label...]`, path relative to the
// imported folder ('/' or '\' separators), an optional header row whose first cell is "path", RFC 4180
// quoting. Semantics (decided here; docs/probe-import.md has the whole import):
// - a label equal to a class (its folder path "footwear/Sandal", or its folder name "Sandal" when that is
//   unique) OVERRIDES the image's class: the image gets that class and the class's superclasses instead
//   of the ones from its own folder;
// - any other label is added as a 'csv' label (the image keeps its folder labels);
// - several rows for one path merge; two different classes for one image is an error.
// The whole file is validated before the import writes anything; every problem names the file and line.

export interface CsvRow {
  line: number;
  labels: string[];
}

export interface LabelsCsv {
  path: string;
  sha256: string;
  /** NFC rel_path -> NFC labels, in file order, without duplicates. */
  rows: Map<string, CsvRow>;
}

interface Problem {
  line: number;
  problem: string;
}

/** The path as the labels see it: '/'-separated, NFC (like the folder names, see reconcileLabels.ts). */
function normalizePath(raw: string): string | null {
  const p = raw
    .trim()
    .normalize('NFC')
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '');
  if (p === '' || p.startsWith('/') || /^[a-zA-Z]:/.test(p) || p.split('/').some((s) => s === '..' || s === '.' || s === '')) return null;
  return p;
}

/**
 * Read and validate a labels CSV against the files found under the root (`files`, NFC paths) and the folder
 * tree they form (`kinds`, NFC paths). Rows are keyed by NFC path; labels are NFC too. Throws AppError bad_input listing the problems (file + line) or not_found.
 */
export async function readLabelsCsv(path: string, files: ReadonlySet<string>, kinds: ReadonlyMap<string, FolderKind>): Promise<LabelsCsv> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('not_found', `Labels CSV ${path} does not exist.`);
    throw fsError(e, path, 'read');
  }
  const text = decodeUtf8Text(bytes, `Labels CSV ${path}`);
  const problems: Problem[] = [];
  let records: CsvRecord[] = [];
  try {
    records = parseCsv(text);
  } catch (e) {
    if (!(e instanceof CsvSyntaxError)) throw e;
    problems.push({ line: e.line, problem: e.problem });
  }
  if (records.length > 0 && records[0].fields[0].trim().toLowerCase() === 'path') records = records.slice(1);

  const matchClass = classMatcher(kinds);
  const rows = new Map<string, CsvRow>();
  const classOf = new Map<string, string>();
  for (const { line, fields: cells } of records) {
    const rel = normalizePath(cells[0]);
    const labels = cells
      .slice(1)
      .map((c) => c.trim().normalize('NFC'))
      .filter((c) => c !== '');
    if (rel === null) problems.push({ line, problem: `"${cells[0].trim()}" is not a path relative to the imported folder` });
    else if (!files.has(rel)) problems.push({ line, problem: `${rel} is not a file in the imported folder` });
    if (labels.length === 0) problems.push({ line, problem: 'a row needs a path and at least one label' });
    if (rel === null || !files.has(rel) || labels.length === 0) continue;
    for (const label of labels) {
      const m = matchClass(label);
      if (m && 'ambiguous' in m) {
        problems.push({
          line,
          problem: `label "${label}" matches several classes (${m.ambiguous.join(', ')}); write the class's folder path instead`,
        });
      } else if (m) {
        const before = classOf.get(rel);
        if (before && before !== m.path)
          problems.push({ line, problem: `${rel} is given two classes (${before} and ${m.path}); an image has one class` });
        else classOf.set(rel, m.path);
      }
    }
    const row = rows.get(rel) ?? { line, labels: [] };
    for (const l of labels) if (!row.labels.includes(l)) row.labels.push(l);
    rows.set(rel, row);
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.line - b.line);
    const shown = problems.slice(0, 5).map((p) => `line ${p.line}: ${p.problem}`);
    const more = problems.length > 5 ? `; and ${problems.length - 5} more` : '';
    throw new AppError(
      'bad_input',
      `Labels CSV ${path} has ${problems.length} problem(s), nothing was imported: ${shown.join('; ')}${more}.`,
      {
        file: path,
        problems,
      },
    );
  }
  return { path, sha256: createHash('sha256').update(bytes).digest('hex'), rows };
}
