import type { MessagePort } from 'node:worker_threads';
import type { ErrorData } from '../../shared/errors';
import type { ProjectInfo } from '../../shared/contract';
import type { BackendOptions } from '../core/app/backend';

// Control messages between the thread that owns the backend worker and the worker itself (not the contract:
// contract traffic runs on the MessagePorts handed over with 'connect').

export interface WorkerInit {
  backend: BackendOptions;
  /** A project to open before reporting ready (`--project PATH`). */
  openProject?: string;
  /** The owning thread prints PDFs (Electron's printToPDF): the worker asks it with 'print' messages. */
  hostPrinter?: boolean;
}

export type ToWorker =
  { type: 'connect'; port: MessagePort } | { type: 'shutdown' } | { type: 'printed'; id: number; pdf?: Uint8Array; error?: ErrorData };

export type FromWorker =
  | { type: 'ready'; project?: ProjectInfo; projectError?: ErrorData }
  | { type: 'fatal'; error: ErrorData }
  | { type: 'closed' }
  | { type: 'print'; id: number; html: string };
