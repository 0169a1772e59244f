import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { link, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { AppError } from '../../../../shared/errors';
import { fsError } from './fsErrors';

// Every file the workbench writes at a path the user chose (exports, reports, figures) goes through
// writeFileSafely. It never writes over a project: not the open one, not its -wal/-shm/-journal, not its
// cache folder, and not any other project file on disk (recognised by its SQLite header and application
// id, so projects open in another process are safe too). The bytes go to a temporary file in the target
// folder first and are renamed into place, so a failed or cancelled export never leaves half a file, and an
// existing file is replaced only when the caller says so.

/** 'NWBK', PRAGMA application_id of every project file (duplicated from store/open to keep this module leaf-level). */
const APPLICATION_ID = 0x4e57424b;
const SIDECARS = ['-wal', '-shm', '-journal'];

export interface WriteTarget {
  path: string;
  /** Replace an existing file (the user confirmed it); otherwise an existing file is refused with file_exists. */
  overwrite?: boolean;
  /** Project files open in this process, protected even before anything identifies them on disk. */
  protectedProjects?: readonly string[];
}

/** A writer gets a handle opened on the temporary file; what it writes becomes the target only if it returns. */
export interface Sink {
  write(chunk: Buffer | string): Promise<void>;
  readonly bytes: number;
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Is `path` a Neuron Workbench project file (SQLite header + our application id at byte 68)? */
function isProjectFile(path: string): boolean {
  let fd: number | undefined;
  try {
    const st = statSync(path);
    if (!st.isFile() || st.size < 100) return false;
    fd = openSync(path, 'r');
    const head = Buffer.alloc(100);
    if (readSync(fd, head, 0, 100, 0) < 100) return false;
    return head.toString('latin1', 0, 16) === 'SQLite format 3\u0000' && head.readUInt32BE(68) === APPLICATION_ID;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/** Cache folder of a project file: `<dir>/<name>.cache` (see probe/thumbnails.ts). */
export function projectCacheDir(projectPath: string): string {
  return join(dirname(projectPath), `${basename(projectPath).replace(/\.nwb$/i, '')}.cache`);
}

/** Why `target` belongs to a project, or null when it is free to write. */
export function projectOwning(target: string, openProjects: readonly string[] = []): string | null {
  const full = realOrResolved(target);
  const candidates = new Set<string>();
  for (const p of openProjects) candidates.add(realOrResolved(p));
  // The file itself, a sidecar of a project beside it, or anything inside a project's cache folder.
  candidates.add(full);
  for (const s of SIDECARS) if (full.endsWith(s)) candidates.add(full.slice(0, -s.length));
  for (let d = dirname(full); d !== dirname(d); d = dirname(d)) {
    if (d.endsWith('.cache')) candidates.add(join(dirname(d), `${basename(d).slice(0, -'.cache'.length)}.nwb`));
  }
  for (const project of candidates) {
    const isOpen = openProjects.some((p) => realOrResolved(p) === project);
    if (!isOpen && !isProjectFile(project)) continue;
    const files = [project, ...SIDECARS.map((s) => project + s)];
    if (files.some((f) => f === full || sameFile(f, full))) return project;
    const cache = projectCacheDir(project);
    if (full === cache || full.startsWith(cache + sep)) return project;
  }
  // A hard link to an open project under another name.
  for (const p of openProjects) if (existsSync(full) && sameFile(p, full)) return realOrResolved(p);
  return null;
}

/** Refuse a target that would write over a project or (without overwrite) an existing file. */
export function checkWriteTarget(t: WriteTarget): string {
  const full = resolve(t.path);
  const owner = projectOwning(full, t.protectedProjects);
  if (owner) {
    const what = owner === realOrResolved(full) ? 'is a Neuron Workbench project' : `belongs to the project ${owner}`;
    throw new AppError(
      'protected_path',
      `Refusing to write ${full}: it ${what}. Exports never write over a project file, its -wal/-shm journal or its cache folder; choose another file name.`,
      { path: full, project: owner },
    );
  }
  let st;
  try {
    st = statSync(full);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(e, full, 'write');
  }
  if (st?.isDirectory())
    throw new AppError('bad_input', `${full} is a folder. Give a file name inside it, e.g. ${join(full, 'export.csv')}.`, { path: full });
  if (st && !t.overwrite) {
    throw new AppError(
      'file_exists',
      `${full} already exists. Choose another name, or pass --overwrite (in the app: confirm the replacement) to replace it.`,
      { path: full },
    );
  }
  return full;
}

/**
 * Write a file at a user-chosen path through a temporary file in the same folder, renamed into place.
 * Returns the absolute path and the number of bytes written. The temporary file is removed on any failure.
 */
export async function writeFileSafely(t: WriteTarget, write: (sink: Sink) => Promise<void>): Promise<{ path: string; bytes: number }> {
  const full = checkWriteTarget(t);
  const tmp = join(dirname(full), `.${basename(full)}.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
  let fh: FileHandle;
  try {
    fh = await open(tmp, 'wx');
  } catch (e) {
    throw fsError(e, full, 'write');
  }
  let bytes = 0;
  let open_ = true;
  const sink: Sink = {
    async write(chunk) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      for (let off = 0; off < b.length;) off += (await fh.write(b, off, b.length - off)).bytesWritten;
      bytes += b.length;
    },
    get bytes() {
      return bytes;
    },
  };
  try {
    await write(sink);
    await fh.sync();
    await fh.close();
    open_ = false;
    if (t.overwrite) await rename(tmp, full);
    else {
      // link() fails if the name appeared since the check: no existing file is ever replaced by surprise.
      await link(tmp, full).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'EEXIST')
          throw new AppError(
            'file_exists',
            `${full} was created by something else while exporting; nothing was replaced. Choose another name, or pass --overwrite.`,
            { path: full },
          );
        if (e.code === 'EPERM' || e.code === 'ENOTSUP' || e.code === 'EXDEV') return rename(tmp, full); // file systems without hard links
        throw e;
      });
      await unlink(tmp).catch(() => undefined);
    }
    return { path: full, bytes };
  } catch (e) {
    if (open_) await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw fsError(e, full, 'write');
  }
}
