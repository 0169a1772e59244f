import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { AppError } from '../../../../shared/errors';
import { fsError } from '../../platform/files/fsErrors';
import { hexBytes, utf8OrNull } from '../../platform/files/textEncoding';
import { skip, unreadable, type Skip } from './skipReasons';

// The folder walk of an import: iterative (deep trees cannot overflow the stack), hidden entries (".name")
// ignored entirely, symlinks never lead out of the root, and symlinked folders are not followed at all
// (they cause cycles and count the same images twice). Names are read as bytes: a name that is not valid
// UTF-8 (e.g. Latin-1 from an old archive) cannot be stored or addressed as a text path, so it is skipped
// with that reason (shown with replacement characters and its bytes in hex), never "disappeared".
// Files come back in the import's canonical order, see comparePaths.

export interface WalkFile {
  /** Relative to the root, '/'-separated on every platform. */
  relPath: string;
  absPath: string;
}

export interface WalkSkip extends Skip {
  relPath: string;
}

export interface WalkResult {
  files: WalkFile[];
  skipped: WalkSkip[];
}

const toRel = (root: string, abs: string): string => relative(root, abs).split(sep).join('/');

/** `target` is the root itself or somewhere below it. */
function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * The import's one order of files, which fixes the order image ids are assigned in (so two imports of the
 * same folder give the same ids, in any project, on any machine): by Unicode code point of the NFC form of
 * the relative path, then by code point of the path as stored on disk (two spellings of one name, NFC and
 * NFD, stay distinct and ordered). Code point order is locale-independent and equals UTF-8 byte order;
 * it is NOT JavaScript's `<` (UTF-16 code units, which orders U+E000..U+FFFF after astral characters).
 */
export function comparePaths(a: string, b: string): number {
  return compareCodePoints(a.normalize('NFC'), b.normalize('NFC')) || compareCodePoints(a, b);
}

function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Sort by comparePaths, computing each key once (50,000 paths: no per-comparison encoding). */
export function sortByPath<T extends { relPath: string }>(items: T[]): T[] {
  const keyed = items.map((item) => ({
    item,
    nfc: Buffer.from(item.relPath.normalize('NFC'), 'utf8'),
    raw: Buffer.from(item.relPath, 'utf8'),
  }));
  keyed.sort((x, y) => Buffer.compare(x.nfc, y.nfc) || Buffer.compare(x.raw, y.raw));
  return keyed.map((k) => k.item);
}

/** A name that is not valid UTF-8, as a skip: shown with U+FFFD for the bad bytes, and its bytes in hex. */
function badName(raw: Buffer, isDir: boolean): Skip {
  const what = isDir ? 'folder name' : 'file name';
  const rest = isDir ? ' (nothing inside it was imported)' : '';
  return skip('bad_name', `the ${what} is not valid UTF-8 (bytes: ${hexBytes(raw, 64)}); rename it to UTF-8 to import it${rest}`);
}

/** `root` must already be a real (symlink-free) absolute path. */
export async function walkFolder(root: string, signal?: AbortSignal): Promise<WalkResult> {
  const files: WalkFile[] = [];
  const skipped: WalkSkip[] = [];
  const pending = [root];
  while (pending.length > 0) {
    if (signal?.aborted) throw new AppError('cancelled', 'The import was cancelled while scanning the folder.');
    const dir = pending.pop() as string;
    let entries: Dirent<Buffer>[];
    try {
      entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      if (dir === root) throw fsError(e, root, 'list');
      skipped.push({ relPath: `${toRel(root, dir)}/`, ...unreadable(e) });
      continue;
    }
    for (const d of entries) {
      const name = utf8OrNull(d.name);
      if (name === null) {
        const shown = d.name.toString('utf8'); // the bad bytes become U+FFFD
        if (shown.startsWith('.')) continue;
        const relPath = toRel(root, join(dir, shown));
        skipped.push(d.isDirectory() ? { relPath: `${relPath}/`, ...badName(d.name, true) } : { relPath, ...badName(d.name, false) });
        continue;
      }
      if (name.startsWith('.')) continue;
      const abs = join(dir, name);
      const relPath = toRel(root, abs);
      if (d.isDirectory()) pending.push(abs);
      else if (d.isFile()) files.push({ relPath, absPath: abs });
      else if (d.isSymbolicLink()) {
        const s = await classifySymlink(root, abs);
        if (s) skipped.push({ relPath, ...s });
        else files.push({ relPath, absPath: abs });
      } else skipped.push({ relPath, ...skip('not_a_file', 'not a regular file (pipe, socket or device)') });
    }
  }
  return { files: sortByPath(files), skipped: sortByPath(skipped) };
}

/** null: a link to a regular file inside the root (imported under the link's own path). */
async function classifySymlink(root: string, link: string): Promise<Skip | null> {
  let target: string;
  try {
    target = await realpath(link);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? skip('unreadable', 'broken symbolic link') : unreadable(e);
  }
  if (!isInside(root, target)) return skip('outside_root', `symbolic link to ${target}, outside the imported folder`);
  try {
    const st = await stat(target);
    if (st.isDirectory()) return skip('symlinked_folder', 'symbolic link to a folder (not followed)');
    if (!st.isFile()) return skip('not_a_file', 'symbolic link to something that is not a regular file');
  } catch (e) {
    return unreadable(e);
  }
  return null;
}
