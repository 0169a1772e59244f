import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDirSync } from '../helpers/tempDir';
import { WebSocket } from 'ws';
import { contract } from '../../src/shared/contract';
import { CONTENT_SECURITY_POLICY } from '../../src/shared/csp';
import { AppError } from '../../src/shared/errors';
import { createClient, type ClientPort, type ServerMessage } from '../../src/shared/protocol';
import { startWebServer, type WebServer, type WebServerOptions } from '../../src/main/web/server';

// Browser mode's server end to end: the contract over a real WebSocket to the real backend thread, who may
// connect, and what the static file server will and will not hand out.

const SECRET = 'top-secret-outside-root';

const tempDir = () => tempDirSync('nwb-web');

/** A small "built renderer" next to a secret file that must never be served. */
function staticFixture(): string {
  const base = tempDir();
  const root = join(base, 'web');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>nwb</title>');
  writeFileSync(join(root, 'assets', 'app-abc123.js'), 'console.log(1)');
  writeFileSync(join(root, '.env'), SECRET);
  writeFileSync(join(base, 'secret.txt'), SECRET);
  symlinkSync(join(base, 'secret.txt'), join(root, 'link.txt'));
  return root;
}

async function start(opts: Partial<WebServerOptions> = {}): Promise<{ server: WebServer; dataDir: string }> {
  const dataDir = tempDir();
  const server = await startWebServer({ userDataDir: join(dataDir, 'user'), staticDir: staticFixture(), ...opts });
  return { server, dataDir };
}

const originOf = (s: WebServer) => `http://127.0.0.1:${s.port}`;
const rpcUrl = (s: WebServer, token: string | null = s.token) =>
  `ws://127.0.0.1:${s.port}/rpc${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;

/** Open a socket; resolves with it, or with the HTTP status the upgrade was refused with. */
function openSocket(url: string, headers: Record<string, string> = {}, origin?: string): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, ...(origin === undefined ? {} : { origin }) });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

async function connected(s: WebServer): Promise<WebSocket> {
  const ws = await openSocket(rpcUrl(s), {}, originOf(s));
  if (typeof ws === 'number') throw new Error(`refused with ${ws}`);
  return ws;
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

/** Raw GET (the path is sent exactly as given, no client-side normalisation). */
function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('contract over a real WebSocket (backend in a worker thread)', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (stops.length) await stops.pop()?.();
  });

  it('round-trips app.info, project.create, project.current and error codes', async () => {
    const { server, dataDir } = await start();
    stops.push(() => server.close());
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    const ws = await connected(server);
    const api = createClient(contract, wsPort(ws));
    await expect(api.call('app.info', {})).resolves.toMatchObject({ mode: 'web', name: 'Neuron Workbench' });
    await expect(api.call('project.current', {})).resolves.toBeNull();
    const path = join(dataDir, 'projects', 'first.nwb');
    const created = await api.call('project.create', { path });
    expect(created).toMatchObject({ path, name: 'first' });
    await expect(api.call('project.current', {})).resolves.toEqual(created);

    const missing = await api.call('project.open', { path: join(dataDir, 'nope.nwb') }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(AppError);
    expect((missing as AppError).code).toBe('not_found');
    const dup = await api.call('project.create', { path }).catch((e: unknown) => e);
    expect((dup as AppError).code).toBe('bad_input');

    // A second socket is a second channel to the same backend.
    const other = createClient(contract, wsPort(await connected(server)));
    await expect(other.call('project.current', {})).resolves.toMatchObject({ path });
  });

  it('cancels a running job (probe.import) over the socket and stays usable', async () => {
    const { server, dataDir } = await start();
    stops.push(() => server.close());
    const images = join(dataDir, 'images', 'cls');
    mkdirSync(images, { recursive: true });
    for (let i = 0; i < 300; i++) {
      const channels = { r: i % 256, g: (i * 7) % 256, b: (i * 13) % 256 };
      await sharp({ create: { width: 24, height: 24, channels: 3, background: channels } })
        .png()
        .toFile(join(images, `${i}.png`));
    }
    const api = createClient(contract, wsPort(await connected(server)));
    await api.call('project.create', { path: join(dataDir, 'c.nwb') });
    const controller = new AbortController();
    const progress: number[] = [];
    const started = api.call(
      'probe.import',
      { root: join(dataDir, 'images') },
      {
        signal: controller.signal,
        onProgress: (p) => {
          progress.push(p.done);
          if (p.total > 0) controller.abort(); // mid-flight: the file count is known, files are being read
        },
      },
    );
    const err = await started.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('cancelled');
    expect(progress.length).toBeGreaterThan(0);
    await expect(api.call('project.current', {})).resolves.toMatchObject({ name: 'c' });
    // The backend really stopped part-way (not just the reply): the job is recorded as cancelled, resumable.
    await expect.poll(async () => (await api.call('jobs.list', {}))[0]?.status).toBe('cancelled');
    const [jobRow] = await api.call('jobs.list', {});
    expect(jobRow.done).toBeLessThan(jobRow.total);
  });

  it('opens the --project given at start', async () => {
    const first = await start({ backend: 'inline' });
    const path = join(first.dataDir, 'demo.nwb');
    await createClient(contract, wsPort(await connected(first.server))).call('project.create', { path });
    await first.server.close();
    const { server } = await start({ openProject: path });
    stops.push(() => server.close());
    expect(server.project).toMatchObject({ path });
    await expect(createClient(contract, wsPort(await connected(server))).call('project.current', {})).resolves.toMatchObject({ path });
  });

  it('closes a socket that sends more than maxPayload', async () => {
    const { server } = await start({ backend: 'inline', maxPayload: 1024 });
    stops.push(() => server.close());
    const ws = await connected(server);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send(JSON.stringify({ type: 'call', id: 1, method: 'app.info', input: { pad: 'x'.repeat(4096) } }));
    expect(await closed).toBe(1009);
  });
});

describe('who may connect', () => {
  let server: WebServer;
  beforeAll(async () => {
    ({ server } = await start({ backend: 'inline' }));
  });
  afterAll(() => server.close());

  it('accepts the right token from our own origin (127.0.0.1 or localhost)', async () => {
    const a = await openSocket(rpcUrl(server), {}, originOf(server));
    expect(a).toBeInstanceOf(WebSocket);
    (a as WebSocket).close();
    const b = await openSocket(`ws://localhost:${server.port}/rpc?token=${server.token}`, {}, `http://localhost:${server.port}`);
    expect(b).toBeInstanceOf(WebSocket);
    (b as WebSocket).close();
  });

  it('refuses a request without a token (401)', async () => {
    expect(await openSocket(rpcUrl(server, null), {}, originOf(server))).toBe(401);
  });

  it('refuses a wrong token (401), also one differing in one character or length', async () => {
    const t = server.token;
    const oneOff = `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`;
    for (const wrong of ['nope', oneOff, `${t}x`, '']) {
      expect(await openSocket(rpcUrl(server, wrong), {}, originOf(server)), wrong).toBe(401);
    }
  });

  it('refuses a foreign or missing Origin (403) even with the right token', async () => {
    for (const origin of ['http://evil.example', `http://127.0.0.1:${server.port + 1}`, `https://127.0.0.1:${server.port}`, 'null']) {
      expect(await openSocket(rpcUrl(server), {}, origin), origin).toBe(403);
    }
    expect(await openSocket(rpcUrl(server))).toBe(403); // ws sends no Origin unless asked
  });

  it('refuses a foreign Host header (DNS rebinding) on sockets and pages', async () => {
    expect(await openSocket(rpcUrl(server), { Host: `evil.example:${server.port}` }, originOf(server))).toBe(403);
    expect((await get(server.port, '/', { Host: `evil.example:${server.port}` })).status).toBe(403);
  });

  it('refuses upgrades on other paths (404)', async () => {
    expect(await openSocket(`ws://127.0.0.1:${server.port}/other?token=${server.token}`, {}, originOf(server))).toBe(404);
  });

  it('listens on 127.0.0.1 only', async () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal)
      .map((a) => a!.address);
    for (const host of [...others, '::1']) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = tcpConnect({ host, port: server.port, timeout: 2000 });
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
        s.once('timeout', () => (s.destroy(), resolve(false)));
      });
      expect(ok, host).toBe(false);
    }
  });

  it('refuses to start on a non-loopback host', async () => {
    const dir = tempDir();
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      await expect(startWebServer({ host, userDataDir: dir, staticDir: dir }), host).rejects.toThrow(/only on 127\.0\.0\.1/);
    }
  });
});

describe('static files', () => {
  let server: WebServer;
  beforeAll(async () => {
    ({ server } = await start({ backend: 'inline' }));
  });
  afterAll(() => server.close());

  it('serves index.html for / with the shared CSP, nosniff and no caching', async () => {
    const r = await get(server.port, '/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>nwb</title>');
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it('serves hashed assets with their content type', async () => {
    const r = await get(server.port, '/assets/app-abc123.js');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(r.headers['cache-control']).toContain('immutable');
    expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it('refuses path traversal, encoded or not, dotfiles and symlinks out of the root', async () => {
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/link.txt',
      '/.env',
      '/assets/%00.js',
      '/%E0%A4%A',
      '/assets',
    ]) {
      const r = await get(server.port, path);
      expect([400, 404], path).toContain(r.status);
      expect(r.body, path).not.toContain(SECRET);
    }
  });

  it('answers only GET and HEAD', async () => {
    expect((await get(server.port, '/', {}, 'POST')).status).toBe(405);
    const head = await get(server.port, '/', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });
});
