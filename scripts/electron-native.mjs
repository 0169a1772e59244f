#!/usr/bin/env node
// better-sqlite3 for Electron's ABI, kept apart from the Node build in node_modules (which tests, the CLI
// and web mode use; see docs/environment.md "Two ABIs").
//
// Result: .cache/electron-native/<platform>-<arch>/better_sqlite3.node (+ stamp.json). The desktop app opens
// its databases with better-sqlite3's `nativeBinding` pointing there; packaging copies it as
// resources/native/better_sqlite3.node.
//
// How: 1) prebuild-install (a dependency of better-sqlite3) downloads the project's prebuilt binary for
// Electron into a temporary copy of the package; 2) else @electron/rebuild compiles a temporary copy against
// Electron's headers. Every result is checked for Electron's ABI (node_register_module_v<ABI>): npm's
// `nodedir` setting can make node-gyp silently build against Node's headers instead.
//
// Usage: node scripts/electron-native.mjs [--force]      Exit 0 when the binding is ready, 1 with a message.

import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(repo, 'package.json'));

export const cacheDir = (platform = process.platform, arch = process.arch) =>
  join(repo, '.cache', 'electron-native', `${platform}-${arch}`);

function versions() {
  const electron = require('electron/package.json').version;
  const betterSqlite3 = require('better-sqlite3/package.json').version;
  const nodeAbi = createRequire(require.resolve('prebuild-install/package.json'))('node-abi');
  return { electron, betterSqlite3, abi: nodeAbi.getAbi(electron, 'electron') };
}

/** True when the addon registers itself for `abi` (the symbol NODE_MODULE_INIT emits). */
function builtForAbi(file, abi) {
  return existsSync(file) && readFileSync(file).includes(Buffer.from(`node_register_module_v${abi}\0`));
}

function viaPrebuild(work, v) {
  const pkgDir = join(work, 'prebuild');
  mkdirSync(pkgDir, { recursive: true });
  copyFileSync(require.resolve('better-sqlite3/package.json'), join(pkgDir, 'package.json'));
  const bin = require.resolve('prebuild-install/bin.js');
  const r = spawnSync(
    process.execPath,
    [bin, '--runtime', 'electron', '--target', v.electron, '--arch', process.arch, '--platform', process.platform, '--verbose'],
    {
      cwd: pkgDir,
      encoding: 'utf8',
    },
  );
  const out = join(pkgDir, 'build', 'Release', 'better_sqlite3.node');
  if (r.status === 0 && existsSync(out)) return { file: out };
  return { error: lastLine(`${r.stderr}\n${r.stdout}`) || `prebuild-install exited with ${r.status}` };
}

function viaRebuild(work, v) {
  const project = join(work, 'rebuild');
  const pkgDir = join(project, 'node_modules', 'better-sqlite3');
  const buildDir = join('better-sqlite3', 'build');
  cpSync(dirname(require.resolve('better-sqlite3/package.json')), pkgDir, { recursive: true, filter: (s) => !s.includes(buildDir) });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'nwb-native', version: '0.0.0', dependencies: { 'better-sqlite3': v.betterSqlite3 } }),
  );
  // npm's nodedir would make node-gyp use Node's headers whatever target it is given.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.toLowerCase() !== 'npm_config_nodedir'));
  // In a child process with captured output: node-gyp prints long stacks we summarise instead.
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--rebuild-child', project, v.electron], {
    env,
    encoding: 'utf8',
  });
  const out = join(pkgDir, 'build', 'Release', 'better_sqlite3.node');
  if (r.status === 0 && existsSync(out)) return { file: out };
  return { error: lastLine(`${r.stdout}\n${r.stderr}`) || `@electron/rebuild exited with ${r.status}` };
}

async function rebuildChild(project, electronVersion) {
  const { rebuild } = await import(pathToFileURL(require.resolve('@electron/rebuild')).href);
  await rebuild({
    buildPath: project,
    electronVersion,
    arch: process.arch,
    onlyModules: ['better-sqlite3'],
    force: true,
    buildFromSource: true,
  });
}

/** One line a person can act on, from a tool's noisy output. */
function lastLine(text) {
  const t = String(text);
  const dns = /getaddrinfo (ENOTFOUND|EAI_AGAIN) (\S+)/.exec(t);
  if (dns) return `cannot reach ${dns[2]} (no network: ${dns[1]})`;
  if (/network connectivity/i.test(t)) return 'cannot download the Electron headers (no network)';
  const lines = t
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.find((l) => l.startsWith('Error:')) ?? lines.at(-1) ?? '').slice(0, 300);
}

/** Make sure the Electron-ABI binding exists. Returns { ok, path, message }. Never throws. */
export async function ensureElectronNative({ force = false, log = console.log } = {}) {
  const v = versions();
  const dir = cacheDir();
  const target = join(dir, 'better_sqlite3.node');
  const stampFile = join(dir, 'stamp.json');
  const stamp = JSON.stringify({ electron: v.electron, abi: v.abi, betterSqlite3: v.betterSqlite3 });
  if (!force && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && builtForAbi(target, v.abi)) {
    return { ok: true, path: target, message: `better-sqlite3 for Electron ${v.electron} (ABI ${v.abi}) is ready.` };
  }
  log(`Getting better-sqlite3 ${v.betterSqlite3} for Electron ${v.electron} (ABI ${v.abi}, ${process.platform}-${process.arch})…`);
  const work = mkdtempSync(join(tmpdir(), 'nwb-native-'));
  const problems = [];
  try {
    for (const [name, attempt] of [
      ['prebuilt download', viaPrebuild],
      ['build from source', viaRebuild],
    ]) {
      const r = await attempt(work, v);
      if (r.file && builtForAbi(r.file, v.abi)) {
        mkdirSync(dir, { recursive: true });
        copyFileSync(r.file, `${target}.tmp`);
        renameSync(`${target}.tmp`, target);
        writeFileSync(stampFile, stamp);
        return { ok: true, path: target, message: `better-sqlite3 for Electron ${v.electron} ready (${name}): ${target}` };
      }
      problems.push(`${name}: ${r.file ? `result is not built for ABI ${v.abi}` : r.error}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return {
    ok: false,
    path: target,
    message: [
      `Could not get better-sqlite3 built for Electron ${v.electron} (ABI ${v.abi}).`,
      ...problems.map((p) => `  - ${p}`),
      'This needs the internet (GitHub release downloads or Electron headers). The Node build used by tests,',
      'the CLI and `npm run web` is untouched.',
    ].join('\n'),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv[2] === '--rebuild-child') {
  await rebuildChild(process.argv[3], process.argv[4]);
} else if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await ensureElectronNative({ force: process.argv.includes('--force') });
  (r.ok ? console.log : console.error)(r.message);
  process.exit(r.ok ? 0 : 1);
}
