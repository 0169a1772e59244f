import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withProject } from '../helpers/backend';
import { tempDir } from '../helpers/tempDir';

// Six real CLI processes import the same concept list into one project at the same moment. Creating a set
// checks and inserts in one IMMEDIATE transaction, so exactly one process creates it, the other five get
// that same set back, and --name is the name it has.

const repo = join(__dirname, '..', '..');
const cli = join(repo, 'src', 'main', 'cli.ts');

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // `node --import tsx` runs src/main/cli.ts exactly as `npx tsx src/main/cli.ts` does, without npx's start-up.
    const p = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('parallel conceptSet.import (separate processes)', () => {
  it('six processes, one set, named as --name says', async () => {
    const dir = await tempDir('parallel');
    const { backend, projectPath } = await withProject(dir);
    backend.dispose();
    const list = join(dir, 'footwear concepts.txt');
    // Many concepts, so each insert takes a while: the window in which a check outside the insert's
    // transaction would miss the other process's uncommitted set (how duplicates were made before).
    const N = 50_000;
    await writeFile(list, Array.from({ length: N }, (_, i) => `concept ${i}`).join('\n'));

    const runs = await Promise.all(
      Array.from({ length: 6 }, () => runCli(['conceptSet.import', '--project', projectPath, '--path', list, '--name', 'Footwear'])),
    );
    for (const r of runs) expect(r, r.stderr).toMatchObject({ code: 0 });
    const results = runs.map((r) => JSON.parse(r.stdout) as { set: { id: number; name: string; count: number }; created: boolean });
    expect(new Set(results.map((r) => r.set.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results[0].set).toMatchObject({ name: 'Footwear', count: N });

    const db = new Database(projectPath, { readonly: true });
    try {
      expect(
        db.prepare('SELECT name, (SELECT count(*) FROM concepts c WHERE c.concept_set_id = s.id) AS n FROM concept_sets s').all(),
      ).toEqual([{ name: 'Footwear', n: N }]);
    } finally {
      db.close();
    }
  }, 120_000);
});
