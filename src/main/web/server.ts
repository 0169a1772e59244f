import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ProjectInfo } from '../../shared/contract';
import type { ErrorData } from '../../shared/errors';
import { startBackendLink } from './backendLink';
import { assertLoopbackHost, checkUpgrade, hostAllowed, LOOPBACK_HOST, newToken } from './guard';
import { relaySocket } from './rpcSocket';
import { cacheControlFor, contentTypeFor, resolveStaticFile, securityHeaders } from './staticFiles';

// Browser mode: plain node:http serving the built renderer plus a `ws` server on /rpc, loopback only, with a
// per-launch token and an Origin check. Each socket gets its own channel to the backend (a worker thread).

export interface WebServerOptions {
  /** Only loopback is accepted: '127.0.0.1' (default) or 'localhost'. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  userDataDir: string;
  /** The built renderer (out/web). */
  staticDir: string;
  backend?: 'thread' | 'inline';
  /** A project the backend opens before the server starts (`--project PATH`). */
  openProject?: string;
  /** Largest accepted WebSocket message (bytes); contract inputs are small. */
  maxPayload?: number;
  /** Most simultaneous sockets (each is a backend channel). */
  maxConnections?: number;
}

export interface WebServer {
  /** http://127.0.0.1:PORT/#token=TOKEN (the fragment never reaches the server or a Referer). */
  url: string;
  token: string;
  port: number;
  project?: ProjectInfo;
  projectError?: ErrorData;
  close(): Promise<void>;
}

const MAX_PAYLOAD = 1024 * 1024;

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

function sendPlain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
  res.end(`${text}\n`);
}

async function serveStatic(req: IncomingMessage, res: ServerResponse, staticDir: string, port: number): Promise<void> {
  if (!hostAllowed(req, port)) return sendPlain(res, 403, 'Host not allowed');
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendPlain(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
  const pathname = new URL(req.url ?? '/', `http://${LOOPBACK_HOST}`).pathname;
  const found = await resolveStaticFile(staticDir, pathname);
  if (!found.ok) return sendPlain(res, found.status, found.status === 400 ? 'Bad request' : 'Not found');
  res.writeHead(200, {
    ...securityHeaders(),
    'Content-Type': contentTypeFor(found.file),
    'Content-Length': String(found.size),
    'Cache-Control': cacheControlFor(found.relPath),
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(found.file)
    .on('error', () => res.destroy())
    .pipe(res);
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = assertLoopbackHost(opts.host ?? LOOPBACK_HOST);
  const token = newToken();
  const link = await startBackendLink(opts.backend ?? 'thread', {
    userDataDir: opts.userDataDir,
    mode: 'web',
    openProject: opts.openProject,
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload ?? MAX_PAYLOAD, perMessageDeflate: false });
  let port = 0;
  let backendStopped = false;

  const http = createServer((req, res) => {
    serveStatic(req, res, opts.staticDir, port).catch(() => sendPlain(res, 500, 'Internal error'));
  });
  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const verdict = checkUpgrade(req, port, token);
    if (!verdict.ok) return refuseUpgrade(socket, verdict.status, verdict.reason);
    if (backendStopped) return refuseUpgrade(socket, 503, 'Backend stopped');
    if (wss.clients.size >= (opts.maxConnections ?? 32)) return refuseUpgrade(socket, 503, 'Too many connections');
    wss.handleUpgrade(req, socket, head, (ws) => relaySocket(ws, link.connect()));
  });
  // The backend thread died: sockets have nobody to talk to; closing them lets the page say so.
  link.onExit((code) => {
    backendStopped = true;
    console.error(`[web] backend thread stopped unexpectedly (code ${code}); closing connections.`);
    for (const ws of wss.clients) ws.close(1011, 'Backend stopped');
  });

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(opts.port ?? 0, host, () => resolve());
    });
  } catch (e) {
    await link.close();
    throw e;
  }
  const address = http.address();
  port = typeof address === 'object' && address ? address.port : 0;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${LOOPBACK_HOST}:${port}/#token=${token}`,
    token,
    port,
    project: link.project,
    projectError: link.projectError,
    close() {
      closing ??= (async () => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
        await link.close();
      })();
      return closing;
    },
  };
}
