import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, existsSync, openSync, readSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppError } from '../../../../shared/errors';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations';

export type Db = Database.Database;

/** PRAGMA application_id of every project file: 'NWBK'. Tells our files from any other SQLite file. */
export const APPLICATION_ID = 0x4e57424b;
const SQLITE_MAGIC = 'SQLite format 3\u0000';

export interface OpenOptions {
  appVersion: string;
  /** better-sqlite3 native binding to use (Electron ABI build); default: the one in node_modules. */
  nativeBinding?: string;
}

function connect(path: string, opts: OpenOptions, extra: Database.Options = {}): Db {
  return new Database(path, { ...extra, ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}) });
}

function configure(db: Db): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
}

/** Create a new project file. Refuses to overwrite anything. */
export async function createProject(path: string, opts: OpenOptions): Promise<Db> {
  if (existsSync(path)) {
    throw new AppError('bad_input', `${path} already exists. Choose a new file name, or open it instead.`);
  }
  await mkdir(dirname(path), { recursive: true });
  const db = connect(path, opts);
  try {
    db.pragma(`application_id = ${APPLICATION_ID}`);
    configure(db);
    migrate(db, opts.appVersion);
    const now = new Date().toISOString();
    const put = db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)');
    put.run('created_with', opts.appVersion);
    put.run('created_at', now);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * Open an existing project. All checks run on a read-only connection first, so a file that is not a
 * project, is corrupt, or was written by a newer version is never modified (not even its journal mode).
 * With `readOnly`, the project is opened for browsing only: nothing is migrated or written.
 */
export function openProject(path: string, opts: OpenOptions & { readOnly?: boolean }): Db {
  const version = inspectProjectFile(path, opts);
  if (opts.readOnly) {
    if (version < SCHEMA_VERSION) {
      throw new AppError(
        'read_only',
        `${path} uses an older schema (${version}; this version works on ${SCHEMA_VERSION}) and must be upgraded before use, which writes to it. Open it normally once, or open a copy.`,
        { path },
      );
    }
    const ro = connect(path, opts, { readonly: true, fileMustExist: true });
    ro.pragma('busy_timeout = 5000');
    return ro;
  }
  requireWritable(path);
  const db = connect(path, opts, { fileMustExist: true });
  try {
    configure(db);
    migrate(db, opts.appVersion);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * A project is written in place and keeps its journal (-wal, -shm) beside it, so both the file and its
 * folder must be writable. Checked before any connection, so the refusal names the real cause.
 */
function requireWritable(path: string): void {
  const dir = dirname(path);
  for (const [p, what] of [
    [path, 'file'],
    [dir, 'folder'],
  ] as const) {
    try {
      accessSync(p, constants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EROFS') {
        throw new AppError(
          'read_only',
          `${path} is on a read-only file system. Copy it to a writable folder and open the copy (the workbench keeps a journal beside the project file, so it must be able to write there).`,
          { path },
        );
      }
      if (code === 'EACCES' || code === 'EPERM') {
        throw new AppError(
          'read_only',
          what === 'file'
            ? `${path} is read-only (you have no write permission on it). Open it read-only to browse it (project.open --readOnly, or "Open read-only" in the app), or copy it to a writable folder to work on it.`
            : `${path} cannot be opened for writing: its folder ${dir} is read-only for you, and the project keeps its journal there. Copy the project to a writable folder and open the copy.`,
          { path },
        );
      }
    }
  }
}

/** Read-only checks: exists, SQLite, ours, not newer, structurally sound. Returns the schema version. */
export function inspectProjectFile(path: string, opts: OpenOptions): number {
  if (!existsSync(path)) throw new AppError('not_found', `${path} does not exist. Check the path, or create a new project.`);
  const st = statSync(path);
  if (st.isDirectory()) throw new AppError('not_a_project', `${path} is a folder, not a project file (.nwb).`);
  const header = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (read < 16 || header.toString('latin1') !== SQLITE_MAGIC) {
    throw new AppError(
      'not_a_project',
      `${path} is not a Neuron Workbench project (it is not an SQLite database). Open a .nwb file created by the workbench.`,
    );
  }
  let ro: Db | undefined;
  try {
    ro = connect(path, opts, { readonly: true, fileMustExist: true });
    const appId = ro.pragma('application_id', { simple: true }) as number;
    if (appId !== APPLICATION_ID) {
      throw new AppError(
        'not_a_project',
        `${path} is an SQLite database but not a Neuron Workbench project. Open a .nwb file created by the workbench.`,
      );
    }
    const version = ro.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new AppError(
        'newer_version',
        `${path} was written by a newer version of Neuron Workbench (schema ${version}; this version reads up to ${SCHEMA_VERSION}). Update the app to open it; the file was not changed.`,
        { fileVersion: version, supported: SCHEMA_VERSION },
      );
    }
    const check = ro.pragma('quick_check', { simple: true }) as string;
    if (check !== 'ok')
      throw new AppError('corrupt_project', `${path} is damaged (${check}). Restore it from a backup; the file was not changed.`);
    if (version >= 1) verifyMigrationHashes(ro, path);
    if (version >= 1) verifySchema(ro, path, version);
    return version;
  } catch (e) {
    if (e instanceof AppError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    const code = (e as { code?: string }).code;
    // A healthy WAL-mode file on a read-only mount cannot even be read (SQLite must create the -shm beside it).
    if (code === 'SQLITE_CANTOPEN' && isReadOnlyFs(path)) {
      throw new AppError(
        'read_only',
        `${path} is on a read-only file system, and a project needs to keep its journal beside the file even to be read. Copy it to a writable folder and open the copy; the file was not changed.`,
        { path },
      );
    }
    throw new AppError(
      'corrupt_project',
      `${path} cannot be read as a project (${msg}). Restore it from a backup; the file was not changed.`,
    );
  } finally {
    ro?.close();
  }
}

function isReadOnlyFs(path: string): boolean {
  try {
    accessSync(dirname(path), constants.W_OK);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EROFS' || (e as NodeJS.ErrnoException).code === 'EACCES';
  }
}

/** The tables and indexes a file at schema `version` must have, from applying the shipped migrations to an empty database. */
const expectedObjects = new Map<number, { type: string; name: string }[]>();
function schemaAt(version: number): { type: string; name: string }[] {
  let objs = expectedObjects.get(version);
  if (!objs) {
    const mem = new Database(':memory:');
    try {
      migrate(
        mem,
        'schema-check',
        MIGRATIONS.filter((m) => m.version <= version),
      );
      objs = mem
        .prepare(`SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name`)
        .all() as { type: string; name: string }[];
    } finally {
      mem.close();
    }
    expectedObjects.set(version, objs);
  }
  return objs;
}

/**
 * A file whose recorded migrations run past its user_version (a lowered version), or that lacks a table or
 * index its version must have (a dropped table), is damaged: refused before anything (journal mode included)
 * is written, instead of failing half-way through a migration or a job.
 */
function verifySchema(db: Db, path: string, version: number): void {
  const damaged = (why: string) =>
    new AppError('corrupt_project', `${path} is damaged: ${why}. Restore it from a backup; the file was not changed.`, { path });
  const hasLog = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get();
  if (!hasLog) throw damaged(`its migration log (table schema_migrations) is missing`);
  const recorded = (db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  if (recorded !== version) throw damaged(`its schema version says ${version} but its migration log says ${recorded}`);
  const present = new Set((db.prepare(`SELECT type || ':' || name AS k FROM sqlite_master`).all() as { k: string }[]).map((r) => r.k));
  const missing = schemaAt(version).filter((o) => !present.has(`${o.type}:${o.name}`));
  if (missing.length)
    throw damaged(
      `${missing.length === 1 ? 'the' : `${missing.length}`} ${missing.map((o) => `${o.type} ${o.name}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`,
    );
}

/** A shipped migration must never change: a mismatch means the file and this build disagree on the schema. */
function verifyMigrationHashes(db: Db, path: string): void {
  const rows = db.prepare('SELECT version, sha256 FROM schema_migrations').all() as { version: number; sha256: string }[];
  for (const r of rows) {
    const m = MIGRATIONS.find((x) => x.version === r.version);
    if (m && m.sha256 !== r.sha256) {
      throw new AppError(
        'corrupt_project',
        `${path} was built with a different migration ${r.version} than this version ships. The file was not changed.`,
      );
    }
  }
}

/** Apply pending migrations, each in its own transaction, recording version, name and hash. */
export function migrate(db: Db, appVersion: string, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, app_version TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const current = db.pragma('user_version', { simple: true }) as number;
  const record = db.prepare('INSERT INTO schema_migrations(version, name, sha256, app_version, applied_at) VALUES (?, ?, ?, ?, ?)');
  let version = current;
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, m.sha256, appVersion, new Date().toISOString());
      db.pragma(`user_version = ${m.version}`);
    })();
    version = m.version;
  }
  return version;
}
