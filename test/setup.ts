import { afterAll } from 'vitest';
import { runSuiteCleanups } from './helpers/tempDir';

// Runs before every test file: what was made outside tests is undone once the file is done.
afterAll(runSuiteCleanups);
