import type { MessagePort } from 'node:worker_threads';
import type { ClientMessage, Port, ServerMessage, ServerPort } from '../../shared/protocol';

// Adapts a worker_threads MessagePort to the protocol's Port. Messages cross by structured clone, which
// carries every JSON value the protocol sends unchanged.

/** A Port that can also be closed (closing tells the other end, which stops serving it). */
export type ClosablePort<In, Out> = Port<In, Out> & { close(): void };

export function nodePort<In, Out>(port: MessagePort): ClosablePort<In, Out> {
  return {
    send: (message) => port.postMessage(message),
    onMessage: (listener) => {
      const h = (m: unknown) => listener(m as In);
      port.on('message', h); // also starts the port
      return () => void port.off('message', h);
    },
    close: () => port.close(),
  };
}

export const nodeServerPort = (port: MessagePort): ServerPort & { close(): void } => nodePort<ClientMessage, ServerMessage>(port);
export const nodeClientPort = (port: MessagePort): ClosablePort<ServerMessage, ClientMessage> =>
  nodePort<ServerMessage, ClientMessage>(port);
