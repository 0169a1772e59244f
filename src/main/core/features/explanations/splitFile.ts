import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { SplitInfo } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { CsvSyntaxError, csvLine, parseCsv } from '../../platform/files/csv';
import { onPath } from '../../platform/files/fsErrors';
import { writeFileSafely, type WriteTarget } from '../../platform/files/safeWrite';
import { decodeUtf8Text } from '../../platform/files/textEncoding';
import { imageIdsByPath, probeImages } from '../../platform/store/imageRepo';
import type { Db } from '../../platform/store/open';
import { getProbeSet } from '../../platform/store/probeRepo';
import { getSplit, insertSplit, listSplits, type SplitRow } from '../../platform/store/splitRepo';
import { MIN_IMAGES_PER_SPLIT, splitInfo } from './context';

// split.import / split.export: a train/val/test assignment given by the user (to compare with another tool
// image for image) and the stored one written out. The file: CSV with a header naming a relative-path column
// (rel_path or path) and a split column (split); one row per image of the probe set, each exactly once; split
// values train / val / test (validation and valid read as val; case ignored). Index lists: 0-based positions
// in the images sorted by relative path (SQLite byte order, the order split.export writes). Stored like a
// seeded split: one byte per image in image-id order (0 train, 1 val, 2 test), source 'imported'.

const CODE: Record<string, number> = { train: 0, training: 0, val: 1, valid: 1, validation: 1, test: 2, testing: 2 };
const NAMES = ['train', 'val', 'test'] as const;
const SHOW = 5;

const list = (xs: readonly (string | number)[]) => xs.slice(0, SHOW).join(', ') + (xs.length > SHOW ? `, ... (${xs.length} in all)` : '');
const normPath = (p: string) => p.trim().replace(/\\/g, '/').replace(/^\.\//, '');

function completeProbe(db: Db, probeSetId: number) {
  const probe = getProbeSet(db, probeSetId);
  if (!probe) throw new AppError('not_found', `Probe set ${probeSetId} does not exist.`);
  if (!probe.complete || !probe.manifestHash)
    throw new AppError('bad_input', `Probe set "${probe.name}" is not completely imported. Finish or resume its import first.`);
  return { ...probe, manifestHash: probe.manifestHash };
}

/** Split codes per image in rel_path order, from the CSV text. */
function codesFromCsv(text: string, file: string, byPath: readonly string[]): Uint8Array {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new AppError('bad_input', `Split file ${file}, line ${e.line}: ${e.problem}.`);
    throw e;
  }
  if (!records.length)
    throw new AppError('bad_input', `Split file ${file} is empty: it needs a header (rel_path,split) and one row per image.`);
  const head = records[0].fields.map((h) => h.trim().toLowerCase());
  const pathCol = head.findIndex((h) => h === 'rel_path' || h === 'path' || h === 'relpath' || h === 'file');
  const splitCol = head.indexOf('split');
  if (pathCol < 0 || splitCol < 0)
    throw new AppError(
      'bad_input',
      `Split file ${file}: the header (${records[0].fields.join(', ')}) needs a relative-path column (rel_path or path) and a split column (split), e.g. "rel_path,split".`,
    );
  const position = new Map(byPath.map((p, i) => [p, i]));
  const codes = new Uint8Array(byPath.length).fill(255);
  const firstLine = new Map<string, number>();
  const unknown: string[] = [];
  const dupes: string[] = [];
  const badNames: string[] = [];
  for (const r of records.slice(1)) {
    const rel = normPath(r.fields[pathCol] ?? '');
    const name = (r.fields[splitCol] ?? '').trim();
    const code = CODE[name.toLowerCase()];
    if (code === undefined) badNames.push(`line ${r.line}: "${name}"`);
    const i = position.get(rel);
    if (i === undefined) {
      unknown.push(`line ${r.line}: ${rel || '(empty)'}`);
      continue;
    }
    const seen = firstLine.get(rel);
    if (seen !== undefined) {
      dupes.push(`${rel} (lines ${seen} and ${r.line})`);
      continue;
    }
    firstLine.set(rel, r.line);
    if (code !== undefined) codes[i] = code;
  }
  if (badNames.length)
    throw new AppError(
      'bad_input',
      `Split file ${file}: ${badNames.length} row(s) name no split (use train, val or test): ${list(badNames)}.`,
      { badNames },
    );
  if (dupes.length)
    throw new AppError(
      'bad_input',
      `Split file ${file}: ${dupes.length} image(s) are listed twice: ${list(dupes)}. Keep one row per image.`,
      {
        duplicates: dupes,
      },
    );
  if (unknown.length)
    throw new AppError(
      'bad_input',
      `Split file ${file}: ${unknown.length} path(s) are not images of this probe set: ${list(unknown)}. Paths are relative to the probe set's folder, with '/' separators (split.export shows them).`,
      { unknown },
    );
  const missing = byPath.filter((_, i) => codes[i] === 255);
  if (missing.length)
    throw new AppError(
      'bad_input',
      `Split file ${file}: ${missing.length} of the probe set's ${byPath.length} images have no row: ${list(missing)}. Every image needs a split.`,
      { missing },
    );
  return codes;
}

function codesFromIndices(idx: { train: number[]; val: number[]; test: number[] }, byPath: readonly string[]): Uint8Array {
  const n = byPath.length;
  const codes = new Uint8Array(n).fill(255);
  const out: string[] = [];
  const dupes: string[] = [];
  NAMES.forEach((name, code) => {
    for (const i of idx[name]) {
      if (i >= n) out.push(`${name} ${i}`);
      else if (codes[i] !== 255) dupes.push(`${i} (${NAMES[codes[i]]} and ${name})`);
      else codes[i] = code;
    }
  });
  if (out.length)
    throw new AppError(
      'bad_input',
      `Index lists: ${out.length} index(es) out of range: ${list(out)}; the probe set has ${n} images (0..${n - 1}).`,
    );
  if (dupes.length) throw new AppError('bad_input', `Index lists: ${dupes.length} image index(es) appear twice: ${list(dupes)}.`);
  const missing = [...codes.keys()].filter((i) => codes[i] === 255);
  if (missing.length)
    throw new AppError(
      'bad_input',
      `Index lists: ${missing.length} of the probe set's ${n} images are in no list: ${list(missing.map((i) => `${i} (${byPath[i]})`))}. Every image needs a split.`,
    );
  return codes;
}

/** Store a given assignment (CSV or index lists) of the probe set's images as an imported split. */
export async function importSplit(
  db: Db,
  p: { probeSetId: number; path?: string; indices?: { train: number[]; val: number[]; test: number[] }; name?: string },
): Promise<SplitInfo & { created: boolean }> {
  if ((p.path === undefined) === (p.indices === undefined))
    throw new AppError(
      'bad_input',
      'Give either a split CSV (--path) or index lists (--indices {"train":[...],"val":[...],"test":[...]}), not both.',
    );
  const probe = completeProbe(db, p.probeSetId);
  const ids = imageIdsByPath(db, probe.id);
  const rel = new Map(probeImages(db, probe.id).map((r) => [r.id, r.relPath]));
  const byPath = ids.map((id) => rel.get(id)!);
  let codes: Uint8Array;
  if (p.path !== undefined) {
    const file = p.path;
    const buf = await onPath(file, 'read', () => readFile(file));
    codes = codesFromCsv(decodeUtf8Text(buf, `Split file ${file}`), file, byPath);
  } else codes = codesFromIndices(p.indices!, byPath);
  const code = new Map(ids.map((id, i) => [id, codes[i]]));
  const assignment = Uint8Array.from(probeImages(db, probe.id), (r) => code.get(r.id)!);
  const counts = [0, 0, 0];
  for (const c of assignment) counts[c]++;
  const n = assignment.length;
  const name = p.name ?? (p.path !== undefined ? basename(p.path) : 'index lists');
  // The same assignment imported again is the same split.
  const same = listSplits(db, probe.id).find(
    (s) =>
      s.source === 'imported' &&
      s.manifestHash === probe.manifestHash &&
      Buffer.compare(Buffer.from(s.assignment), Buffer.from(assignment)) === 0,
  );
  if (same) return { ...splitInfo(same), created: false };
  const id = insertSplit(db, {
    probeSetId: probe.id,
    seed: 0,
    fractions: [counts[0] / n, counts[1] / n, counts[2] / n],
    manifestHash: probe.manifestHash,
    assignment,
    source: 'imported',
    name,
  });
  return { ...splitInfo(getSplit(db, id)!), created: true };
}

/** CSV index, rel_path, split of a stored split (images sorted by rel_path). */
export async function exportSplit(db: Db, splitId: number, target: WriteTarget): Promise<{ path: string; rows: number; bytes: number }> {
  const s = getSplit(db, splitId);
  if (!s) throw new AppError('not_found', `Split ${splitId} does not exist.`);
  const probe = completeProbe(db, s.probeSetId);
  if (probe.manifestHash !== s.manifestHash)
    throw new AppError(
      'bad_input',
      `Split ${splitId} was made for an earlier import of probe set "${probe.name}" (its images changed since).`,
    );
  const images = probeImages(db, s.probeSetId);
  const code = new Map(images.map((r, i) => [r.id, s.assignment[i]]));
  const rel = new Map(images.map((r) => [r.id, r.relPath]));
  const lines = [
    csvLine(['index', 'rel_path', 'split']),
    ...imageIdsByPath(db, s.probeSetId).map((id, i) => csvLine([i, rel.get(id)!, NAMES[code.get(id)!]])),
  ];
  const w = await writeFileSafely(target, async (out) => out.write(lines.join('\n') + '\n'));
  return { path: w.path, rows: images.length, bytes: w.bytes };
}

/**
 * The split an explain run uses: a stored one by id (checked: same probe set, same images, every part big
 * enough), else the seeded one.
 */
export function requireGivenSplit(db: Db, probe: { id: number; name: string }, splitId: number): SplitRow {
  const s = getSplit(db, splitId);
  if (!s) throw new AppError('not_found', `Split ${splitId} does not exist (split.list shows the stored ones).`);
  if (s.probeSetId !== probe.id)
    throw new AppError(
      'bad_input',
      `Split ${splitId} belongs to another probe set (${s.probeSetId}), not to "${probe.name}" (${probe.id}).`,
    );
  const current = completeProbe(db, probe.id);
  if (current.manifestHash !== s.manifestHash)
    throw new AppError(
      'bad_input',
      `Split ${splitId} was made for an earlier import of probe set "${probe.name}": its images changed since. Import the split again.`,
    );
  const counts = [0, 0, 0];
  for (const c of s.assignment) counts[c]++;
  const small = NAMES.filter((_, i) => counts[i] < MIN_IMAGES_PER_SPLIT);
  if (small.length)
    throw new AppError(
      'bad_input',
      `Split ${splitId} has too few images in ${small.join(', ')} (train/val/test: ${counts.join('/')}); explaining needs at least ${MIN_IMAGES_PER_SPLIT} in each part.`,
    );
  return s;
}

export function listProbeSplits(db: Db, probeSetId: number): SplitInfo[] {
  if (!getProbeSet(db, probeSetId)) throw new AppError('not_found', `Probe set ${probeSetId} does not exist.`);
  return listSplits(db, probeSetId).map(splitInfo);
}
