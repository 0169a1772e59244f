// A separate process that runs one contract method in an existing project, for kill + resume tests of any job:
//   node --import tsx test/helpers/contractChild.ts <userDataDir> <projectPath> <method> <input JSON> [pauseMsPerProgress]
// (not the tsx binary, which runs the script in a grandchild process that a kill of the child would miss)
// pauseMsPerProgress blocks the process after each progress report with done > 0, so a test can kill it mid-job.
import { contract, type MethodName } from '../../src/shared/contract';
import { createBackend } from '../../src/main/core/app/backend';

const [userDataDir, projectPath, method, inputJson, pause] = process.argv.slice(2);
const pauseMs = Number(pause ?? 0);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const backend = createBackend({ userDataDir, mode: 'test' });
const signal = new AbortController().signal;
await backend.handlers['project.open']({ path: projectPath, readOnly: false }, { signal, progress: () => undefined });
const name = method as MethodName;
const handler = backend.handlers[name] as (input: unknown, c: unknown) => Promise<unknown>;
const result = await handler(contract[name].input.parse(JSON.parse(inputJson)), {
  signal,
  progress: (p: { done: number }) => {
    if (pauseMs > 0 && p.done > 0) Atomics.wait(sleeper, 0, 0, pauseMs);
  },
});
process.stdout.write(`${JSON.stringify(result)}\n`);
backend.dispose();
