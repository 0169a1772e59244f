import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { ProjectInfo } from '../../shared/contract';
import { AppError, toErrorData, type ErrorData } from '../../shared/errors';
import type { BackendOptions } from '../core/app/backend';
import type { FromWorker, ToWorker, WorkerInit } from './messages';

// Starts the backend in a worker thread and hands out channels to it. Two ways to start the worker:
// - from TypeScript sources (tsx, vitest; this file's URL ends in .ts): tsx's loader does not reach worker
//   threads, so a tiny .mjs bootstrap registers tsx there and imports backendWorker.ts;
// - bundled (electron-vite output, .js): the bundled worker entry out/main/backendWorker.js runs directly.

export interface BackendThreadOptions extends BackendOptions {
  openProject?: string;
  /** Bundled worker entry; by default found next to this module (or one folder up, from a chunk). */
  workerEntry?: string | URL;
  /** How long a graceful shutdown may take before the thread is terminated (ms). */
  shutdownTimeoutMs?: number;
}

export interface BackendThread {
  /** A new channel to the backend: the returned port is the client end; close it to disconnect. */
  connect(): MessagePort;
  /** The project opened at start (`openProject`), or why it could not be opened. */
  project?: ProjectInfo;
  projectError?: ErrorData;
  /** Called once if the worker stops unexpectedly (crash); connections are dead afterwards. */
  onExit(listener: (code: number) => void): void;
  /** Close the project database and end the thread. */
  terminate(): Promise<void>;
}

function workerSpec(entry: string | URL | undefined): { file: URL; entryUrl?: string } {
  const here = import.meta.url;
  if (!entry && here.endsWith('.ts')) {
    return { file: new URL('./tsxBootstrap.mjs', here), entryUrl: new URL('./backendWorker.ts', here).href };
  }
  if (entry) return { file: typeof entry === 'string' ? pathToFileURL(entry) : entry };
  const candidates = [new URL('./backendWorker.js', here), new URL('../backendWorker.js', here)];
  const found = candidates.find((u) => existsSync(fileURLToPath(u)));
  if (!found) throw new Error(`Bundled backend worker not found next to ${fileURLToPath(here)}; run \`npm run build\`.`);
  return { file: found };
}

export function startBackendThread(opts: BackendThreadOptions): Promise<BackendThread> {
  // A function cannot cross to the worker: the worker asks for prints with messages instead.
  const { openProject, workerEntry, shutdownTimeoutMs = 5000, printPdf, ...backend } = opts;
  const spec = workerSpec(workerEntry);
  const init: WorkerInit & { entryUrl?: string } = { backend, openProject, entryUrl: spec.entryUrl, hostPrinter: !!printPdf };
  const worker = new Worker(spec.file, { workerData: init, name: 'nwb-backend' });
  const send = (m: ToWorker, transfer: MessagePort[] = []) => worker.postMessage(m, transfer);

  let stopping = false;
  const exitListeners: ((code: number) => void)[] = [];
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  void exited.then((code) => {
    if (!stopping) exitListeners.forEach((l) => l(code));
  });

  return new Promise((resolve, reject) => {
    const fail = (e: unknown) => {
      stopping = true;
      void worker.terminate();
      reject(e);
    };
    worker.once('error', fail);
    void exited.then((code) => reject(new Error(`The backend thread exited during start-up (code ${code}).`)));
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'print' && printPdf) {
        printPdf(msg.html).then(
          (pdf) => send({ type: 'printed', id: msg.id, pdf }),
          (e: unknown) => send({ type: 'printed', id: msg.id, error: toErrorData(e) }),
        );
        return;
      }
      if (msg.type === 'fatal') fail(AppError.from(msg.error));
      if (msg.type !== 'ready') return;
      worker.off('error', fail);
      // After start-up an uncaught error ends the worker: the exit listeners report it.
      worker.on('error', (e) => console.error('[backend thread]', e));
      resolve({
        project: msg.project,
        projectError: msg.projectError,
        connect() {
          const { port1, port2 } = new MessageChannel();
          send({ type: 'connect', port: port2 }, [port2]);
          return port1;
        },
        onExit: (l) => void exitListeners.push(l),
        async terminate() {
          if (stopping) return void (await exited);
          stopping = true;
          send({ type: 'shutdown' });
          const timer = setTimeout(() => void worker.terminate(), shutdownTimeoutMs);
          await exited;
          clearTimeout(timer);
        },
      });
    });
  });
}
