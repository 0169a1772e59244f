import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPLICATION_ID, createProject, migrate, openProject } from '../../src/main/core/platform/store/open';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from '../../src/main/core/platform/store/migrations';
import { AppError } from '../../src/shared/errors';
import { tempDir } from '../helpers/tempDir';

// Migrations and the open-time checks, on real files in a temporary folder per test.

const opts = { appVersion: '9.9.9-test' };

function testMigration(version: number, name: string, sql: string): Migration {
  return { version, name, sql, sha256: createHash('sha256').update(sql).digest('hex') };
}

/** Content hash + size + mtime: "unchanged" means all three are. */
function fingerprint(path: string): { sha256: string; size: number; mtimeMs: number } {
  const st = statSync(path);
  return { sha256: createHash('sha256').update(readFileSync(path)).digest('hex'), size: st.size, mtimeMs: st.mtimeMs };
}

async function expectRefused(path: string, code: string): Promise<AppError> {
  const before = fingerprint(path);
  let err: unknown;
  try {
    openProject(path, opts).close();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  expect((err as AppError).message).toContain(path);
  expect(fingerprint(path)).toEqual(before);
  return err as AppError;
}

/** A real project with a little data in it, closed (WAL checkpointed into the main file). */
async function realProject(dir: string): Promise<string> {
  const path = join(dir, 'real.nwb');
  const db = await createProject(path, opts);
  const now = new Date().toISOString();
  const ps = db.prepare('INSERT INTO probe_sets(name, root_path, created_at, updated_at) VALUES (?, ?, ?, ?)').run('p', '/x', now, now);
  const put = db.prepare(
    'INSERT INTO images(probe_set_id, rel_path, bytes, mtime_ms, sha256, width, height, format) VALUES (?, ?, 1, 1, ?, 1, 1, ?)',
  );
  db.transaction(() => {
    for (let i = 0; i < 2000; i++) put.run(ps.lastInsertRowid, `img_${i}.png`, 'f'.repeat(64), 'png');
  })();
  db.close();
  return path;
}

describe('project store migrations', () => {
  it('creates a fresh project: every migration recorded, user_version, WAL, foreign keys, application id', async () => {
    const dir = await tempDir('store');
    const db = await createProject(join(dir, 'fresh.nwb'), opts);
    try {
      const rows = db.prepare('SELECT version, name, sha256, app_version FROM schema_migrations ORDER BY version').all();
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name, sha256: m.sha256, app_version: opts.appVersion })));
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    } finally {
      db.close();
    }
  });

  it('upgrades an older file: pending migrations run in order and are recorded with their hash', async () => {
    const dir = await tempDir('store');
    const path = join(dir, 'old.db');
    const m1 = testMigration(1, 'one', 'CREATE TABLE a (x INTEGER);');
    const m2 = testMigration(2, 'two', 'ALTER TABLE a ADD COLUMN y TEXT; CREATE TABLE b (z INTEGER);');
    const db = new Database(path);
    try {
      expect(migrate(db, '1.0.0', [m1])).toBe(1);
      db.prepare('INSERT INTO a(x) VALUES (1)').run();
      expect(migrate(db, '2.0.0', [m1, m2])).toBe(2);
      expect(db.pragma('user_version', { simple: true })).toBe(2);
      expect(db.prepare('SELECT x, y FROM a').all()).toEqual([{ x: 1, y: null }]);
      expect(db.prepare('SELECT version, name, sha256, app_version FROM schema_migrations ORDER BY version').all()).toEqual([
        { version: 1, name: 'one', sha256: m1.sha256, app_version: '1.0.0' },
        { version: 2, name: 'two', sha256: m2.sha256, app_version: '2.0.0' },
      ]);
      expect(migrate(db, '2.0.0', [m1, m2])).toBe(2); // idempotent
      expect((db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(2);
    } finally {
      db.close();
    }
  });

  it('rolls a failing migration back entirely: no half-applied schema, version and record unchanged', async () => {
    const dir = await tempDir('store');
    const db = new Database(join(dir, 'fail.db'));
    try {
      const m1 = testMigration(1, 'one', 'CREATE TABLE a (x INTEGER);');
      const bad = testMigration(
        2,
        'bad',
        'CREATE TABLE half (x INTEGER); INSERT INTO a(x) VALUES (7); INSERT INTO no_such_table VALUES (1);',
      );
      migrate(db, '1.0.0', [m1]);
      expect(() => migrate(db, '2.0.0', [m1, bad])).toThrow(/no_such_table/);
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'half'`).get()).toBeUndefined();
      expect(db.prepare('SELECT count(*) AS n FROM a').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual([{ version: 1 }]);
    } finally {
      db.close();
    }
  });

  it('refuses a project written by a newer version and leaves the file untouched', async () => {
    const dir = await tempDir('store');
    const path = await realProject(dir);
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const err = await expectRefused(path, 'newer_version');
    expect(err.data).toEqual({ fileVersion: SCHEMA_VERSION + 1, supported: SCHEMA_VERSION });
  });

  it('refuses files that are not projects, byte for byte untouched', async () => {
    const dir = await tempDir('store');
    const text = join(dir, 'notes.nwb');
    writeFileSync(text, 'just some text, not a database\n'.repeat(20));
    await expectRefused(text, 'not_a_project');

    const plain = join(dir, 'plain.sqlite');
    const other = new Database(plain);
    other.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1);');
    other.close();
    await expectRefused(plain, 'not_a_project');

    expect(() => openProject(dir, opts)).toThrow(expect.objectContaining({ code: 'not_a_project' })); // a folder
  });

  it('refuses a corrupt project with a clear code, byte for byte untouched', async () => {
    const dir = await tempDir('store');
    const path = await realProject(dir);
    const pageSize = 4096;
    const fd = openSync(path, 'r+');
    const garbage = Buffer.alloc(pageSize * 3);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) & 0xff;
    writeSync(fd, garbage, 0, garbage.length, pageSize * 2); // pages 3..5: schema / table b-tree pages
    closeSync(fd);
    const err = await expectRefused(path, 'corrupt_project');
    expect(err.message).toMatch(/damaged|cannot be read/);
  });

  it('reports a missing file as not_found', async () => {
    const dir = await tempDir('store');
    expect(() => openProject(join(dir, 'nope.nwb'), opts)).toThrow(expect.objectContaining({ code: 'not_found' }));
  });
});
