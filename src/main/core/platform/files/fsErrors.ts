import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../../../../shared/errors';

// One place that turns an operating-system error on a path into a coded error a person can act on.
// Every reader and writer of user files goes through here, so EACCES never reaches the user as "internal".

export type FsAction = 'read' | 'write' | 'create' | 'list' | 'open' | 'remove';

function errnoOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Free bytes on the file system holding `path` (or its nearest existing parent), if it can be read. */
export function freeBytes(path: string): number | undefined {
  for (let p = path; ; p = dirname(p)) {
    try {
      const s = statfsSync(p);
      return Number(s.bavail) * Number(s.bsize);
    } catch {
      if (dirname(p) === p) return undefined;
    }
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/**
 * An errno error on `path` as an AppError with a stable code; anything already coded passes through, and an
 * error that is not an OS error is returned unchanged (the caller rethrows it).
 */
export function fsError(e: unknown, path: string, action: FsAction): unknown {
  if (e instanceof AppError) return e;
  const code = errnoOf(e);
  const verb = { read: 'read', write: 'write', create: 'create', list: 'list', open: 'open', remove: 'remove' }[action];
  switch (code) {
    case 'ENOENT':
      return action === 'write' || action === 'create'
        ? new AppError(
            'not_found',
            `Cannot ${verb} ${path}: the folder ${dirname(path)} does not exist. Create it first or choose another folder.`,
            { path },
          )
        : new AppError('not_found', `${path} does not exist. Check the path.`, { path });
    case 'EACCES':
    case 'EPERM':
      return new AppError(
        'permission_denied',
        `Cannot ${verb} ${path}: permission denied. Check the permissions of ${path} and its folder, or choose another location.`,
        { path },
      );
    case 'EROFS':
      return new AppError('read_only', `Cannot ${verb} ${path}: the file system is read-only. Choose a location on a writable disk.`, {
        path,
      });
    case 'ENOSPC':
    case 'EDQUOT': {
      const free = freeBytes(path);
      return new AppError(
        'disk_full',
        `Cannot ${verb} ${path}: the disk is full${free !== undefined ? ` (${formatBytes(free)} free)` : ''}. Free some space or choose another location, then try again.`,
        { path, freeBytes: free },
      );
    }
    case 'ENOTDIR':
      return new AppError('bad_input', `Cannot ${verb} ${path}: part of the path is a file, not a folder.`, { path });
    case 'EISDIR':
      return new AppError('bad_input', `Cannot ${verb} ${path}: it is a folder, not a file.`, { path });
    case 'EEXIST':
      return new AppError('file_exists', `${path} already exists.`, { path });
    case 'ENAMETOOLONG':
      return new AppError('bad_input', `Cannot ${verb} ${path.slice(0, 200)}...: the path is too long for the file system.`, { path });
    case 'EMFILE':
    case 'ENFILE':
      return new AppError('busy', `Cannot ${verb} ${path}: too many open files. Close other programs and try again.`, { path });
    default:
      return e;
  }
}

/** Run `fn`, translating OS errors on `path` into coded errors. */
export async function onPath<T>(path: string, action: FsAction, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fsError(e, path, action);
  }
}
