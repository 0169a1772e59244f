import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// All SQL lives in the repositories (src/main/core/platform/store/*Repo.ts): one place to read and change a
// table's queries, so a column rename, a new index or a changed ORDER BY (activation rows follow images in id
// order) is checked in one file instead of being hunted across features. Features call a named repository
// function; they may group those calls in db.transaction(...), which is not SQL.
//
// Flagged outside platform/store: any db.prepare(...) / stmt(...) (both only ever take SQL), any .pragma(...),
// and .exec(...) whose argument is a string that starts with an SQL keyword (RegExp#exec is not flagged).

const ROOT = join(__dirname, '../../src/main/core');
const STORE = join(ROOT, 'platform/store');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return p === STORE ? [] : tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

const SQL_KEYWORD = '(?:SELECT|INSERT|UPDATE|DELETE|REPLACE|WITH|CREATE|DROP|ALTER|PRAGMA|BEGIN|COMMIT|ROLLBACK|VACUUM|ATTACH|ANALYZE)\\b';
const PATTERNS: readonly RegExp[] = [
  /\.prepare\s*\(/g,
  /(?<![\w$.])stmt\s*\(/g,
  /\.pragma\s*\(/g,
  new RegExp(`\\.exec\\s*\\(\\s*[\`'"]\\s*${SQL_KEYWORD}`, 'gi'),
];

/** "file:line: text" of every SQL call site in `text`. */
function sqlSites(file: string, text: string): string[] {
  const lines = new Set<number>();
  for (const re of PATTERNS) for (const m of text.matchAll(re)) lines.add(text.slice(0, m.index).split('\n').length);
  const all = text.split('\n');
  return [...lines].sort((a, b) => a - b).map((n) => `${file}:${n}: ${all[n - 1].trim().slice(0, 120)}`);
}

describe('SQL only in repositories (platform/store)', () => {
  it('the scanner finds each kind of SQL call and ignores RegExp#exec', () => {
    const sample = [
      "const a = db.prepare('SELECT 1').get();",
      'const b = stmt(db, `UPDATE t SET x = 1`).run();',
      "const c = state.db().prepare('SELECT 1');",
      'db.exec(`DELETE FROM t`);',
      "const v = db.pragma('user_version', { simple: true });",
      'const m = /^(\\d+)$/.exec(owner);',
      'const n = myStmt(1) + re.exec(text);',
    ].join('\n');
    expect(sqlSites('x.ts', sample).map((s) => s.split(':')[1])).toEqual(['1', '2', '3', '4', '5']);
  });

  it('src/main/core outside platform/store runs no SQL: move each statement into the repository of its table', () => {
    const sites = tsFiles(ROOT).flatMap((f) => sqlSites(relative(join(ROOT, '../../..'), f), readFileSync(f, 'utf8')));
    expect(sites, `SQL outside src/main/core/platform/store:\n${sites.join('\n')}`).toEqual([]);
  });
});
