import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/main/cli/run';
import type { ErrorCode } from '../../src/shared/errors';
import { tempDirSync } from '../helpers/tempDir';

// The bad-input and fault campaign of issue #11 as data: each case is a CLI command line run against a copy of
// a real project, with the exit code, the error code and the words the user must see, and whether the
// project may change. Every case also checks that the project still passes integrity_check. The runner
// counts what it saw (clear errors, unclear ones, internal errors, projects lost) for the closing summary.

export interface Fixture {
  /** The base project; each case runs on its own copy. */
  project: string;
  dir: string;
  ids: Record<string, number | string>;
}

export interface CaseContext {
  /** The case's copy of the project. */
  P: string;
  /** A folder of the case's own. */
  D: string;
  ids: Record<string, number | string>;
}

export interface Case {
  cat: string;
  name: string;
  argv: (c: CaseContext) => string[];
  /** Runs before the command (write bad files, change the project...). */
  setup?: (c: CaseContext) => void | Promise<void>;
  exit: 0 | 2;
  code?: ErrorCode;
  /** Every pattern must match the message (error) or stdout (success). */
  says?: RegExp[];
  /** 'same': the project file must be byte-for-byte what it was. */
  project: 'same' | 'changed';
  /** Extra checks after the run. */
  after?: (c: CaseContext, out: { stdout: string; stderr: string }) => void | Promise<void>;
  /** The command opens no project (--project is not passed). */
  noProject?: boolean;
}

export interface Tally {
  cases: number;
  succeeded: number;
  clear: number;
  unclear: number;
  internal: number;
  lost: number;
}

export const newTally = (): Tally => ({ cases: 0, succeeded: 0, clear: 0, unclear: 0, internal: 0, lost: 0 });

const sha = (p: string): string => (existsSync(p) ? createHash('sha256').update(readFileSync(p)).digest('hex') : 'absent');

function integrity(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

/** Run one case; returns what went wrong (empty when the case behaved), so a table reports every miss at once. */
export async function runCase(f: Fixture, c: Case, tally: Tally): Promise<string[]> {
  const D = tempDirSync('nwb-case');
  const P = join(D, 'p.nwb');
  copyFileSync(f.project, P);
  const ctx: CaseContext = { P, D, ids: { ...f.ids } }; // a setup may add ids of its own
  await c.setup?.(ctx);
  const before = sha(P);
  const out = { stdout: '', stderr: '' };
  const argv = c.noProject ? c.argv(ctx) : [...c.argv(ctx), '--project', P];
  const code = await runCli([...argv, '--quiet'], {
    stdout: (s) => (out.stdout += s),
    stderr: (s) => (out.stderr += s),
    env: { ...process.env, NWB_DATA_DIR: join(D, 'user-data') },
  });
  const label = `[${c.cat}] ${c.name}`;
  const error =
    code === 0 ? null : (JSON.parse(out.stdout.trim().split('\n').pop() as string) as { error: { code: string; message: string } }).error;
  const problems: string[] = [];
  tally.cases++;
  if (code === 70) tally.internal++;
  else if (code === 0) tally.succeeded++;
  else if (error && error.code === c.code && (c.says ?? []).every((r) => r.test(error.message))) tally.clear++;
  else tally.unclear++;
  if (code !== c.exit) problems.push(`exit ${code}, expected ${c.exit}: ${out.stderr.slice(0, 400)}`);
  if (c.exit !== 0 && error) {
    if (error.code !== c.code) problems.push(`code ${error.code}, expected ${c.code}: ${error.message.slice(0, 400)}`);
    for (const r of c.says ?? []) if (!r.test(error.message)) problems.push(`message does not say ${r}: ${error.message.slice(0, 400)}`);
    if (error.message.length > 2000) problems.push(`message of ${error.message.length} characters`);
  } else if (code === 0) {
    for (const r of c.says ?? []) if (!r.test(out.stdout)) problems.push(`output does not say ${r}`);
  }
  const same = sha(P) === before;
  const ok = !existsSync(P) || integrity(P) === 'ok';
  if ((c.project === 'same' && !same) || !ok) tally.lost++;
  if (c.project === 'same' && !same) problems.push('the project changed');
  if (!ok) problems.push('integrity_check failed');
  if (!problems.length) {
    try {
      await c.after?.(ctx, out);
    } catch (e) {
      problems.push(`after: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return problems.map((p) => `${label} (${argv.join(' ').slice(0, 200)}): ${p}`);
}
