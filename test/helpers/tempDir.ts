import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

// The one way tests make temporary folders (and other things to undo). Made inside a test, it is undone
// when that test finishes; made outside a test (beforeAll, a suite helper), after the test file
// (test/setup.ts). KEEP_TEST_DIRS=1 keeps the folders for a look after the run.

const suiteCleanups: (() => void)[] = [];

/** Undo `fn` when the current test finishes, or after the test file when not inside a test. */
export function cleanupLater(fn: () => void): void {
  try {
    onTestFinished(fn);
  } catch {
    suiteCleanups.push(fn); // not inside a test
  }
}

/** A fresh folder, removed automatically (see above). */
export function tempDirSync(prefix = 'nwb'): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  if (!process.env.KEEP_TEST_DIRS) cleanupLater(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The same, for async call sites. */
export async function tempDir(prefix = 'nwb'): Promise<string> {
  return tempDirSync(prefix);
}

/** Run what was registered outside tests, last first; test/setup.ts calls this after each test file. */
export function runSuiteCleanups(): void {
  while (suiteCleanups.length) (suiteCleanups.pop() as () => void)();
}
