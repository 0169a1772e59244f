import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { secureWebPreferences } from '../../src/main/electron/webPreferences';
import { assertLoopbackHost, checkUpgrade, newToken, tokenMatches } from '../../src/main/web/guard';
import { isMenuAction, isPickKind } from '../../src/shared/bridge';
import { CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_META } from '../../src/shared/csp';

// Security properties that must hold without an Electron binary: the renderer's webPreferences, the CSP,
// the loopback guard, and the rule that core/shared/web/CLI code never imports electron.

const repo = join(__dirname, '..', '..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : /\.(ts|tsx|mts|cts|js|mjs)$/.test(name) ? [full] : [];
  });
}

describe('BrowserWindow webPreferences', () => {
  it('isolates the page: sandbox, context isolation, no Node, web security on', () => {
    const p = secureWebPreferences('/app/out/preload/index.cjs');
    expect(p).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
    });
    expect(p).not.toHaveProperty('enableRemoteModule');
  });

  it('uses a CommonJS preload (sandboxed preloads cannot be ESM)', () => {
    const main = readFileSync(join(repo, 'src/main/index.ts'), 'utf8');
    expect(main).toContain("'../preload/index.cjs'");
  });
});

describe('Content-Security-Policy', () => {
  const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));

  it('allows only our own scripts and no eval or inline script', () => {
    expect(directives.get('default-src')).toBe("'self'");
    expect(directives.get('script-src')).toBe("'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|unsafe-inline|https?:/);
    const sources = [...directives.values()].flatMap((v) => v.split(' '));
    expect(sources).not.toContain('*'); // no wildcard source anywhere
    expect(directives.get('object-src')).toBe("'none'");
    expect(directives.get('base-uri')).toBe("'none'");
    expect(directives.get('frame-ancestors')).toBe("'none'");
  });

  it('lets sockets reach loopback only and images come from data:/blob:', () => {
    expect(directives.get('connect-src')).toBe("'self' ws://127.0.0.1:* ws://localhost:*");
    expect(directives.get('img-src')).toBe("'self' data: blob:");
  });

  it('has a <meta> variant without frame-ancestors (ignored in meta tags)', () => {
    expect(CONTENT_SECURITY_POLICY_META).toBe(CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", ''));
  });
});

describe('loopback guard', () => {
  const port = 4321;
  const token = newToken();
  const req = (url: string, headers: Record<string, string>) => ({ url, headers }) as unknown as IncomingMessage;
  const good = { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` };

  it('makes 32-byte base64url tokens and compares them exactly', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(token);
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(`${token}x`, token)).toBe(false);
    expect(tokenMatches('', token)).toBe(false);
    expect(tokenMatches(null, token)).toBe(false);
  });

  it('decides upgrades by path, host, origin and token', () => {
    const q = `?token=${token}`;
    expect(checkUpgrade(req(`/rpc${q}`, good), port, token)).toEqual({ ok: true });
    expect(checkUpgrade(req(`/rpc${q}`, { host: `localhost:${port}`, origin: `http://localhost:${port}` }), port, token)).toEqual({
      ok: true,
    });
    expect(checkUpgrade(req(`/x${q}`, good), port, token)).toMatchObject({ ok: false, status: 404 });
    expect(checkUpgrade(req('/rpc', good), port, token)).toMatchObject({ ok: false, status: 401 });
    expect(checkUpgrade(req(`/rpc${q}`, { ...good, origin: 'http://evil.example' }), port, token)).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(checkUpgrade(req(`/rpc${q}`, { host: good.host }), port, token)).toMatchObject({ ok: false, status: 403 });
    expect(checkUpgrade(req(`/rpc${q}`, { ...good, host: 'evil.example' }), port, token)).toMatchObject({ ok: false, status: 403 });
  });

  it('accepts only loopback hosts', () => {
    expect(assertLoopbackHost('127.0.0.1')).toBe('127.0.0.1');
    expect(assertLoopbackHost('localhost')).toBe('127.0.0.1');
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'my-laptop.local']) expect(() => assertLoopbackHost(h)).toThrow();
  });
});

describe('Electron bridge allowlists', () => {
  it('accepts only known pick kinds and menu actions', () => {
    expect(isPickKind('open-project')).toBe(true);
    expect(isPickKind('anything')).toBe(false);
    expect(isPickKind({ toString: () => 'open-project' })).toBe(false);
    expect(isMenuAction('new-project')).toBe(true);
    expect(isMenuAction('rm -rf')).toBe(false);
  });

  it('the preload exposes one object and never ipcRenderer itself', () => {
    const preload = readFileSync(join(repo, 'src/preload/index.ts'), 'utf8');
    expect(preload.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer\s*[,)]/);
    expect(preload).not.toMatch(/ipcRenderer\.(send|sendSync|on)\s*\(\s*[a-z]+\s*[,)]/i); // no caller-chosen channels
  });
});

describe('electron stays out of code that runs in plain Node or the page', () => {
  const importsElectron = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]electron(?:\/[^'"]*)?['"]/;
  const dirs = ['src/main/core', 'src/shared', 'src/main/cli', 'src/main/web', 'src/main/transport', 'src/renderer'];
  const single = ['src/main/cli.ts', 'src/main/web.ts'];

  it.each(dirs)('%s never imports electron', (dir) => {
    const offenders = filesUnder(join(repo, dir)).filter((f) => importsElectron.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(repo, f))).toEqual([]);
  });

  it.each(single)('%s never imports electron', (file) => {
    let text = '';
    try {
      text = readFileSync(join(repo, file), 'utf8');
    } catch {
      return; // not written yet
    }
    expect(importsElectron.test(text)).toBe(false);
  });

  it('the pattern does catch electron imports', () => {
    for (const s of [
      "import { app } from 'electron';",
      'const e = require("electron")',
      "await import('electron')",
      "import type { X } from 'electron/main'",
    ]) {
      expect(importsElectron.test(s), s).toBe(true);
    }
    expect(importsElectron.test("import x from 'electron-vite'")).toBe(false);
  });
});
