#!/usr/bin/env node
// `npm start`: the desktop app. Steps, each failing with a plain message (no stack trace):
//   1. the Electron binary (electron's own installer, when it is missing: the package is installed without it)
//   2. better-sqlite3 for Electron's ABI (scripts/electron-native.mjs)
//   3. electron-vite build, then `electron .` (extra arguments such as `--project PATH` are passed on)
// Where Electron cannot be had (offline machines), `npm run web` runs the same app in a browser.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureElectronNative } from './electron-native.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(repo, 'package.json'));
const electronDir = dirname(require.resolve('electron/package.json'));
const WEB_HINT = 'Run the same app in your browser instead:  npm run web';

function stop(title, details) {
  console.error(`\n✖ ${title}\n${details ? `  ${details.split('\n').join('\n  ')}\n` : ''}\n  ${WEB_HINT}\n`);
  // Exit code 3 = "Electron cannot start on this machine": `npm run demo` then falls back to browser mode.
  process.exit(3);
}

function electronBinary() {
  const pathFile = join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

function ensureElectron() {
  const found = electronBinary();
  if (found) return found;
  console.log("The Electron binary is not installed yet; running electron's installer…");
  const env = { ...process.env };
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD; // installing it is the point here
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { cwd: electronDir, env, encoding: 'utf8' });
  const bin = electronBinary();
  if (r.status === 0 && bin) return bin;
  const out = `${r.stderr ?? ''}\n${r.stdout ?? ''}`;
  const dns = /getaddrinfo (ENOTFOUND|EAI_AGAIN) (\S+)/.exec(out);
  const why = dns
    ? `cannot reach ${dns[2]} (no network)`
    : (out
        .split('\n')
        .find((l) => l.trim())
        ?.trim() ?? `installer exited with ${r.status}`);
  stop('Electron could not be installed, so the desktop app cannot start here.', `Electron's installer: ${why}.`);
}

async function main() {
  const electron = ensureElectron();
  const native = await ensureElectronNative();
  if (!native.ok) stop('The database module for Electron is missing, so the desktop app cannot start here.', native.message);

  console.log('Building (electron-vite build)…');
  const viteBin = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
  const build = spawnSync(process.execPath, [viteBin, 'build'], { cwd: repo, stdio: 'inherit' });
  if (build.status !== 0) stop('The build failed (see above).');

  const child = spawn(electron, ['.', ...process.argv.slice(2)], { cwd: repo, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
}

await main();
