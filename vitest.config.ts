import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/globalSetup.ts'],
    setupFiles: ['./test/setup.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Native modules (better-sqlite3, sharp, onnxruntime) and worker threads: forks isolate them cleanly.
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
