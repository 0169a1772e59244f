import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirSync } from '../helpers/tempDir';
import { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { contract } from '../../src/shared/contract';
import { job, method } from '../../src/shared/define';
import { AppError } from '../../src/shared/errors';
import { createClient, createMemoryChannel, serve, type ClientPort, type ServerMessage } from '../../src/shared/protocol';
import { startBackendThread, type BackendThread } from '../../src/main/transport/backendThread';
import { nodeClientPort } from '../../src/main/transport/nodePort';
import { parseClientMessage, relaySocket } from '../../src/main/web/rpcSocket';

// The backend worker thread (real contract, real SQLite) and the WebSocket relay (cancel over a real socket).

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const tempDir = () => tempDirSync('nwb-transport');

async function thread(opts: { openProject?: string } = {}): Promise<{ t: BackendThread; dir: string }> {
  const dir = tempDir();
  const t = await startBackendThread({ userDataDir: join(dir, 'user'), mode: 'test', ...opts });
  cleanups.push(() => t.terminate());
  return { t, dir };
}

function client(t: BackendThread) {
  const port = nodeClientPort(t.connect());
  const api = createClient(contract, port);
  cleanups.push(() => port.close());
  return { api, port };
}

describe('backend worker thread', () => {
  it('serves the contract: app.info, project.create, project.current', async () => {
    const { t, dir } = await thread();
    const { api } = client(t);
    await expect(api.call('app.info', {})).resolves.toMatchObject({ name: 'Neuron Workbench', mode: 'test' });
    const created = await api.call('project.create', { path: join(dir, 'p.nwb') });
    expect(created).toMatchObject({ path: join(dir, 'p.nwb'), name: 'p', probeSets: 0 });
    await expect(api.call('project.current', {})).resolves.toEqual(created);
  });

  it('carries error codes across the thread boundary', async () => {
    const { t, dir } = await thread();
    const { api } = client(t);
    const err = await api.call('project.open', { path: join(dir, 'missing.nwb') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('not_found');
    const bad = await api.call('project.create', { path: '' }).catch((e: unknown) => e);
    expect((bad as AppError).code).toBe('bad_input');
  });

  it('gives every connection its own channel to one backend; closing one leaves the others working', async () => {
    const { t, dir } = await thread();
    const a = client(t);
    const b = client(t);
    await a.api.call('project.create', { path: join(dir, 'shared.nwb') });
    a.port.close();
    await expect(b.api.call('project.current', {})).resolves.toMatchObject({ name: 'shared' });
    const c = client(t);
    await expect(c.api.call('app.info', {})).resolves.toMatchObject({ mode: 'test' });
  });

  it('opens a project at start, or reports why it could not', async () => {
    const first = await thread();
    const { api } = client(first.t);
    const path = join(first.dir, 'demo.nwb');
    await api.call('project.create', { path });
    await first.t.terminate();

    const { t } = await thread({ openProject: path });
    expect(t.project).toMatchObject({ path, name: 'demo' });
    await expect(client(t).api.call('project.current', {})).resolves.toMatchObject({ path });

    const broken = await thread({ openProject: join(first.dir, 'nope.nwb') });
    expect(broken.t.project).toBeUndefined();
    expect(broken.t.projectError?.code).toBe('not_found');
  });

  it('closes the project database on terminate (WAL checkpointed, -wal file gone)', async () => {
    const { t, dir } = await thread();
    const { api } = client(t);
    const path = join(dir, 'w.nwb');
    await api.call('project.create', { path });
    expect(existsSync(`${path}-wal`)).toBe(true);
    await t.terminate();
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});

// A slow job lets the test cancel mid-flight over a real WebSocket through relaySocket.
const demo = {
  'demo.echo': method('echo', z.object({ text: z.string() }), z.object({ text: z.string() })),
  'demo.slow': job('counts slowly', z.object({ n: z.number().int() }), z.object({ counted: z.number() })),
};

async function demoSocketServer(): Promise<{ url: string; server: Server }> {
  const server = createServer();
  const wss = new WebSocketServer({ server, path: '/rpc' });
  wss.on('connection', (ws) => {
    const { server: sp, client: cp } = createMemoryChannel();
    const stop = serve(
      demo,
      {
        'demo.echo': ({ text }) => ({ text }),
        'demo.slow': async ({ n }, ctx) => {
          for (let i = 1; i <= n; i++) {
            if (ctx.signal.aborted) throw new AppError('cancelled', 'stopped');
            ctx.progress({ done: i, total: n });
            await new Promise((r) => setTimeout(r, 10));
          }
          return { counted: n };
        },
      },
      sp,
    );
    relaySocket(ws, { ...cp, close: stop });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => (wss.close(), server.closeAllConnections(), server.close(() => r()))));
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/rpc`, server };
}

/** The renderer's WebSocket port (src/renderer/src/api.ts): one JSON message per text frame. */
function wsPort(ws: WebSocket): ClientPort {
  return {
    send: (m) => ws.send(JSON.stringify(m)),
    onMessage: (l) => {
      const h = (d: Buffer) => l(JSON.parse(d.toString()) as ServerMessage);
      ws.on('message', h);
      return () => void ws.off('message', h);
    },
  };
}

async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  cleanups.push(() => ws.terminate());
  return ws;
}

describe('WebSocket relay', () => {
  it('streams progress and cancels a running job over a real socket', async () => {
    const { url } = await demoSocketServer();
    const api = createClient(demo, wsPort(await open(url)));
    const controller = new AbortController();
    const seen: number[] = [];
    const run = api.call(
      'demo.slow',
      { n: 1000 },
      {
        signal: controller.signal,
        onProgress: (p) => {
          seen.push(p.done);
          if (p.done === 3) controller.abort();
        },
      },
    );
    const err = await run.catch((e: unknown) => e);
    expect((err as AppError).code).toBe('cancelled');
    expect(seen.slice(0, 3)).toEqual([1, 2, 3]);
    await expect(api.call('demo.echo', { text: 'still here' })).resolves.toEqual({ text: 'still here' });
  });

  it('answers malformed frames with bad_input and keeps the connection', async () => {
    const { url } = await demoSocketServer();
    const ws = await open(url);
    const replies: ServerMessage[] = [];
    ws.on('message', (d: Buffer) => replies.push(JSON.parse(d.toString()) as ServerMessage));
    ws.send('{not json');
    ws.send(JSON.stringify({ type: 'call', id: 7 })); // no method
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    ws.send(JSON.stringify({ type: 'call', id: 8, method: 'demo.echo', input: { text: 'ok' } }));
    await expect.poll(() => replies.length).toBe(4);
    expect(replies.slice(0, 3).map((r) => (r.type === 'error' ? [r.id, r.error.code] : r.type))).toEqual([
      [0, 'bad_input'],
      [7, 'bad_input'],
      [0, 'bad_input'],
    ]);
    expect(replies[3]).toEqual({ type: 'result', id: 8, output: { text: 'ok' } });
  });
});

describe('parseClientMessage', () => {
  it('accepts calls and cancels and rejects everything else', () => {
    expect(parseClientMessage('{"type":"call","id":1,"method":"app.info","input":{}}').ok).toBe(true);
    expect(parseClientMessage('{"type":"cancel","id":1}').ok).toBe(true);
    for (const bad of [
      'null',
      '[]',
      '"x"',
      '{"type":"call","id":-1,"method":"a"}',
      '{"type":"call","id":1.5,"method":"a"}',
      '{"type":"nope","id":1}',
    ]) {
      expect(parseClientMessage(bad).ok, bad).toBe(false);
    }
  });
});
