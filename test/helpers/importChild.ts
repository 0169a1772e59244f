// A separate process that imports a folder into an existing project, for the kill + resume test:
//   node --import tsx test/helpers/importChild.ts <userDataDir> <projectPath> <root> [pauseMsPerBatch]
// (not the tsx binary, which runs the script in a grandchild process that a kill of the child would miss)
// pauseMsPerBatch blocks the process after each committed batch, so a test can kill it mid-import reliably.
import { createBackend } from '../../src/main/core/app/backend';

const [userDataDir, projectPath, root, pause] = process.argv.slice(2);
const pauseMs = Number(pause ?? 0);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const backend = createBackend({ userDataDir, mode: 'test' });
const signal = new AbortController().signal;
await backend.handlers['project.open']({ path: projectPath, readOnly: false }, { signal, progress: () => undefined });
const result = await backend.handlers['probe.import'](
  { root },
  {
    signal,
    progress: (p) => {
      if (pauseMs > 0 && p.done > 0) Atomics.wait(sleeper, 0, 0, pauseMs);
    },
  },
);
process.stdout.write(`${JSON.stringify(result)}\n`);
backend.dispose();
