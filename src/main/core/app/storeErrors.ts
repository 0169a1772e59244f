import type { Handlers } from '../../../shared/define';
import type { Contract } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { formatBytes, freeBytes } from '../platform/files/fsErrors';
import type { BackendState } from './backend';

// SQLite reports conditions a user can cause (a read-only file, a full disk, another process holding the
// write lock) as raw driver errors. Every handler runs through this wrapper, which names the project file
// and says what to do; anything else passes through unchanged.

function sqliteCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

export function storeError(e: unknown, projectPath: string | undefined, readOnly: boolean): unknown {
  const code = sqliteCode(e);
  if (!code || !projectPath) return e;
  const base = code.replace(/^(SQLITE_[A-Z]+).*$/, '$1');
  if (base === 'SQLITE_READONLY') {
    return new AppError(
      'read_only',
      readOnly
        ? `The project ${projectPath} is open read-only, so nothing can be changed. Open it normally (or a copy of it) to do this.`
        : `The project ${projectPath} cannot be written (the file or its folder became read-only). Open it read-only to browse it, or copy it to a writable folder to work on it.`,
      { path: projectPath },
    );
  }
  if (base === 'SQLITE_FULL' || (base === 'SQLITE_IOERR' && (freeBytes(projectPath) ?? Infinity) < 1024 * 1024)) {
    const free = freeBytes(projectPath);
    return new AppError(
      'disk_full',
      `The disk holding ${projectPath} is full${free !== undefined ? ` (${formatBytes(free)} free)` : ''}; nothing of the failed step was saved. Free some space, then try again (a job resumes where it stopped).`,
      { path: projectPath, freeBytes: free },
    );
  }
  if (base === 'SQLITE_BUSY' || base === 'SQLITE_LOCKED') {
    return new AppError('busy', `Another process is writing to ${projectPath} and did not finish within 5 s. Try again when it is done.`, {
      path: projectPath,
    });
  }
  if (base === 'SQLITE_CORRUPT' || base === 'SQLITE_NOTADB') {
    return new AppError('corrupt_project', `${projectPath} is damaged (${(e as Error).message}). Restore it from a backup.`, {
      path: projectPath,
    });
  }
  return e;
}

export function withStoreErrors(handlers: Handlers<Contract>, state: BackendState): Handlers<Contract> {
  const wrapped: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries(handlers) as [string, (input: unknown, ctx: unknown) => unknown][]) {
    wrapped[name] = async (input: unknown, ctx: unknown) => {
      try {
        return await handler(input, ctx);
      } catch (e) {
        throw storeError(e, state.project?.path, state.project?.readOnly ?? false);
      }
    };
  }
  return wrapped as Handlers<Contract>;
}
