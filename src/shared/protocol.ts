import type { z } from 'zod';
import type { CallContext, ContractShape, Handlers, InputOf, OutputOf, Progress } from './define';
import { AppError, toErrorData, type ErrorData } from './errors';
import { formatIssues, pathText } from './inputErrors';

// One transport-free request/response protocol with progress and cancel messages. Ports adapt it to an
// in-memory channel (tests), Electron MessagePorts and a loopback WebSocket; messages are plain JSON values.

export type ClientMessage = { type: 'call'; id: number; method: string; input: unknown } | { type: 'cancel'; id: number };

export type ServerMessage =
  | { type: 'result'; id: number; output: unknown }
  | { type: 'error'; id: number; error: ErrorData }
  | { type: 'progress'; id: number; progress: Progress };

export interface Port<In, Out> {
  send(message: Out): void;
  /** Subscribe to incoming messages; returns an unsubscribe function. */
  onMessage(listener: (message: In) => void): () => void;
}

export type ServerPort = Port<ClientMessage, ServerMessage>;
export type ClientPort = Port<ServerMessage, ClientMessage>;

/** Serve `handlers` on `port`: validates input, one AbortController per call, errors as data. */
export function serve<C extends ContractShape>(contract: C, handlers: Handlers<C>, port: ServerPort): () => void {
  const running = new Map<number, AbortController>();
  const unsubscribe = port.onMessage((msg) => {
    if (msg.type === 'cancel') {
      running.get(msg.id)?.abort();
      return;
    }
    if (msg.type !== 'call') return;
    void handleCall(msg.id, msg.method, msg.input);
  });

  async function handleCall(id: number, method: string, rawInput: unknown): Promise<void> {
    const def = Object.prototype.hasOwnProperty.call(contract, method) ? contract[method] : undefined;
    if (!def) {
      port.send({ type: 'error', id, error: { code: 'bad_input', message: `Unknown method '${method}'.` } });
      return;
    }
    const parsed = def.input.safeParse(rawInput ?? {}, { reportInput: true });
    if (!parsed.success) {
      // "neuron: must be an integer >= 0 (got -1)": the same words the CLI uses, long values cut.
      const issues = formatIssues(parsed.error, def.input, rawInput ?? {}, (path) => pathText(path) || 'input', 'label');
      port.send({
        type: 'error',
        id,
        error: { code: 'bad_input', message: `Invalid input for ${method}: ${issues.join('; ')}`, data: issues },
      });
      return;
    }
    const controller = new AbortController();
    running.set(id, controller);
    const ctx: CallContext = {
      signal: controller.signal,
      progress: (progress) => {
        if (!controller.signal.aborted) port.send({ type: 'progress', id, progress });
      },
    };
    try {
      const handler = handlers[method] as (input: unknown, ctx: CallContext) => unknown;
      const output = await handler(parsed.data, ctx);
      if (controller.signal.aborted) throw new AppError('cancelled', `${method} was cancelled.`);
      const checked = def.output.safeParse(output);
      if (!checked.success) {
        throw new AppError('internal', `${method} produced output that does not match the contract: ${checked.error.message}`);
      }
      port.send({ type: 'result', id, output: checked.data });
    } catch (e) {
      const error = controller.signal.aborted ? { code: 'cancelled' as const, message: `${method} was cancelled.` } : toErrorData(e);
      port.send({ type: 'error', id, error });
    } finally {
      running.delete(id);
    }
  }

  return () => {
    unsubscribe();
    for (const c of running.values()) c.abort();
    running.clear();
  };
}

export interface CallOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

export interface Client<C extends ContractShape> {
  call<K extends keyof C & string>(method: K, input: InputOf<C, K>, options?: CallOptions): Promise<OutputOf<C, K>>;
  close(): void;
}

/** The typed client: one generic `call`, no per-method code. Rejects with AppError. */
export function createClient<C extends ContractShape>(_contract: C, port: ClientPort): Client<C> {
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; onProgress?: (p: Progress) => void }>();
  const unsubscribe = port.onMessage((msg) => {
    const p = pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'progress') {
      p.onProgress?.(msg.progress);
      return;
    }
    pending.delete(msg.id);
    if (msg.type === 'result') p.resolve(msg.output);
    else p.reject(AppError.from(msg.error));
  });
  return {
    call(method, input, options = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        if (options.signal?.aborted) {
          reject(new AppError('cancelled', `${method} was cancelled.`));
          return;
        }
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress: options.onProgress });
        options.signal?.addEventListener('abort', () => port.send({ type: 'cancel', id }), { once: true });
        port.send({ type: 'call', id, method, input });
      });
    },
    close() {
      unsubscribe();
      for (const p of pending.values()) p.reject(new AppError('cancelled', 'Connection closed.'));
      pending.clear();
    },
  };
}

/** Two connected in-memory ports (tests, and the CLI which runs the backend in-process). */
export function createMemoryChannel(): { server: ServerPort; client: ClientPort } {
  const toServer = new Set<(m: ClientMessage) => void>();
  const toClient = new Set<(m: ServerMessage) => void>();
  // Round-trip through JSON so in-memory tests see exactly what a real transport carries.
  const copy = <T>(m: T): T => JSON.parse(JSON.stringify(m)) as T;
  return {
    server: {
      send: (m) => queueMicrotask(() => toClient.forEach((l) => l(copy(m)))),
      onMessage: (l) => (toServer.add(l), () => toServer.delete(l)),
    },
    client: {
      send: (m) => queueMicrotask(() => toServer.forEach((l) => l(copy(m)))),
      onMessage: (l) => (toClient.add(l), () => toClient.delete(l)),
    },
  };
}

export type SchemaOf<T extends z.ZodType> = z.infer<T>;
