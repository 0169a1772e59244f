import { contract, type ProjectInfo } from '../../shared/contract';
import { toErrorData, type ErrorData } from '../../shared/errors';
import { createMemoryChannel, serve, type ClientMessage, type ServerMessage } from '../../shared/protocol';
import { createBackend, type BackendOptions } from '../core/app/backend';
import { startBackendThread } from '../transport/backendThread';
import { nodeClientPort, type ClosablePort } from '../transport/nodePort';

// The web server's view of the backend: a factory of per-connection channels. 'thread' (default) runs the
// backend in a worker thread so the HTTP/WebSocket event loop never blocks; 'inline' runs it in-process
// (quick tests, debugging with one stack).

export type ChannelEnd = ClosablePort<ServerMessage, ClientMessage>;

export interface BackendLink {
  connect(): ChannelEnd;
  project?: ProjectInfo;
  projectError?: ErrorData;
  onExit(listener: (code: number) => void): void;
  close(): Promise<void>;
}

export interface LinkOptions extends BackendOptions {
  openProject?: string;
}

export async function startBackendLink(kind: 'thread' | 'inline', opts: LinkOptions): Promise<BackendLink> {
  const { openProject, ...backendOpts } = opts;
  if (kind === 'thread') {
    const t = await startBackendThread({ ...backendOpts, openProject });
    return {
      connect: () => nodeClientPort(t.connect()),
      project: t.project,
      projectError: t.projectError,
      onExit: t.onExit,
      close: t.terminate,
    };
  }
  const backend = createBackend(backendOpts);
  const link: BackendLink = {
    connect() {
      const { server, client } = createMemoryChannel();
      const stop = serve(contract, backend.handlers, server);
      return { ...client, close: stop };
    },
    onExit: () => {},
    close: async () => backend.dispose(),
  };
  if (openProject) {
    try {
      link.project = await backend.handlers['project.open'](
        { path: openProject, readOnly: false },
        { signal: new AbortController().signal, progress: () => {} },
      );
    } catch (e) {
      link.projectError = toErrorData(e);
    }
  }
  return link;
}
