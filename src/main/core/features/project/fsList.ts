import { readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { AppError } from '../../../../shared/errors';

/** One folder's entries for the browser-mode folder picker; hidden entries are left out. */
export async function listDirectory(path?: string) {
  const dir = resolve(path ?? homedir());
  let dirents;
  try {
    dirents = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AppError('not_found', `Folder ${dir} does not exist.`);
    if (code === 'ENOTDIR') throw new AppError('bad_input', `${dir} is a file, not a folder.`);
    throw new AppError('bad_input', `Cannot list ${dir}: ${(e as Error).message}`);
  }
  const entries = dirents
    .filter((d) => !d.name.startsWith('.'))
    .map((d) => ({ name: d.name, path: join(dir, d.name), isDir: d.isDirectory() }))
    .sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.name.localeCompare(b.name));
  const parent = dirname(dir);
  return { path: dir, parent: parent === dir ? null : parent, entries };
}
