import { parentPort, workerData } from 'node:worker_threads';
import { contract } from '../../shared/contract';
import { AppError, toErrorData } from '../../shared/errors';
import { serve } from '../../shared/protocol';
import { createBackend, type Backend } from '../core/app/backend';
import type { FromWorker, ToWorker, WorkerInit } from './messages';
import { nodeServerPort } from './nodePort';

// Entry of the backend worker thread: one backend (one open project, one SQLite connection) serving the
// contract on every MessagePort the owning thread hands over. Heavy work runs here, never on the Electron
// main thread or the web server's event loop.

const control = parentPort;
if (!control) throw new Error('backendWorker must run in a worker thread');
const init = workerData as WorkerInit;
const post = (m: FromWorker) => control.postMessage(m);

// PDFs printed by the owning thread (Electron): one pending promise per 'print' request.
const printing = new Map<number, { resolve: (pdf: Uint8Array) => void; reject: (e: unknown) => void }>();
let printId = 0;
function hostPrinter(html: string): Promise<Uint8Array> {
  const id = ++printId;
  return new Promise((resolve, reject) => {
    printing.set(id, { resolve, reject });
    post({ type: 'print', id, html });
  });
}

function start(): Backend | null {
  try {
    return createBackend({ ...init.backend, ...(init.hostPrinter ? { printPdf: hostPrinter } : {}) });
  } catch (e) {
    post({ type: 'fatal', error: toErrorData(e) });
    return null;
  }
}

const backend = start();
if (backend) {
  const connections = new Set<() => void>();
  control.on('message', (msg: ToWorker) => {
    if (msg.type === 'connect') {
      const port = msg.port;
      const stop = serve(contract, backend.handlers, nodeServerPort(port));
      connections.add(stop);
      // The client went away (window reloaded, socket closed): abort its running calls; jobs are resumable.
      port.once('close', () => {
        stop();
        connections.delete(stop);
      });
    } else if (msg.type === 'printed') {
      const p = printing.get(msg.id);
      printing.delete(msg.id);
      if (msg.pdf) p?.resolve(msg.pdf);
      else p?.reject(AppError.from(msg.error ?? { code: 'internal', message: 'The PDF printer gave no PDF.' }));
    } else if (msg.type === 'shutdown') {
      for (const stop of connections) stop();
      connections.clear();
      backend.dispose(); // closes the project database (checkpoints the WAL)
      post({ type: 'closed' });
      control.close();
      process.exit(0); // in a worker this ends the thread only
    }
  });
  void openInitialProject(backend).then((r) => post({ type: 'ready', ...r }));
}

async function openInitialProject(b: Backend): Promise<Omit<Extract<FromWorker, { type: 'ready' }>, 'type'>> {
  if (!init.openProject) return {};
  const ctx = { signal: new AbortController().signal, progress: () => {} };
  try {
    return { project: await b.handlers['project.open']({ path: init.openProject, readOnly: false }, ctx) };
  } catch (e) {
    return { projectError: toErrorData(e) };
  }
}
