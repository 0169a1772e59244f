import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// One temporary root per test run: every test process inherits TMPDIR pointing into it, so whatever a test,
// the app or a library puts in "the temp folder" lands here. At the end the run says what was left behind
// (each test should have removed its own folders) and removes the root, so runs never pile up in /tmp.

export default function setup(): () => void {
  if (process.env.KEEP_TEST_DIRS) return () => undefined;
  const root = mkdtempSync(join(tmpdir(), 'nwb-test-run-'));
  process.env.TMPDIR = root;
  return () => {
    // tsx keeps its compile cache (tsx-<uid>) in the temp folder of the processes tests spawn: a cache, not a leak.
    const left = readdirSync(root).filter((n) => !/^tsx-\d+$/.test(n));
    if (left.length)
      console.log(
        `test temp folder: ${left.length} entr${left.length === 1 ? 'y was' : 'ies were'} left behind by tests: ${left.slice(0, 10).join(', ')}`,
      );
    rmSync(root, { recursive: true, force: true });
  };
}
