import { join } from 'node:path';
import { contract, type Contract, type MethodName } from '../../src/shared/contract';
import type { CallContext, InputOf, OutputOf, Progress } from '../../src/shared/define';
import { createBackend, type Backend } from '../../src/main/core/app/backend';
import { cleanupLater } from './tempDir';

// Drive the real backend in-process the way the protocol server does: the input is parsed by the contract
// (defaults applied), the handler runs with a CallContext, and the output must match the contract.

export function ctx(opts: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {}): CallContext {
  return { signal: opts.signal ?? new AbortController().signal, progress: opts.onProgress ?? (() => undefined) };
}

export async function call<K extends MethodName>(
  backend: Backend,
  method: K,
  input: InputOf<Contract, K>,
  c: CallContext = ctx(),
): Promise<OutputOf<Contract, K>> {
  const def = contract[method];
  const handler = backend.handlers[method] as (input: unknown, c: CallContext) => unknown;
  const output = await handler(def.input.parse(input), c);
  return def.output.parse(output) as OutputOf<Contract, K>;
}

/** A backend with its own user-data folder under `dir`, disposed when the test (or, outside a test, the file) ends. */
export function testBackend(dir: string): Backend {
  const backend = createBackend({ userDataDir: join(dir, 'user-data'), mode: 'test' });
  cleanupLater(() => backend.dispose());
  return backend;
}

/** A backend with a new project `<dir>/<name>.nwb` open. */
export async function withProject(dir: string, name = 'project'): Promise<{ backend: Backend; projectPath: string }> {
  const backend = testBackend(dir);
  const info = await call(backend, 'project.create', { path: join(dir, `${name}.nwb`) });
  return { backend, projectPath: info.path };
}
