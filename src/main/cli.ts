#!/usr/bin/env node
import { runCli } from './cli/run';
import { watchParent } from './parentWatch';

// The headless workbench's entry point: argv in, JSON on stdout, progress and messages on stderr, the exit
// code out (0 ok, 2 a coded error, 70 internal). The commands themselves live in cli/run.ts.

const controller = new AbortController();
const onSigint = (): void => {
  process.stderr.write('\ncancelling...\n');
  controller.abort();
};
process.once('SIGINT', onSigint);
// Started by a launcher (tsx, npm) that was killed outright: cancel like Ctrl+C (the job stays resumable).
watchParent(() => {
  process.stderr.write('\nthe launching process exited: ');
  onSigint();
});

void runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  signal: controller.signal,
}).then((code) => {
  process.off('SIGINT', onSigint);
  if (code === 0) return;
  // Let stdout/stderr drain before exiting; exit anyway if something still holds the event loop.
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1000).unref();
});
