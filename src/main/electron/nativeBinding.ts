import { existsSync } from 'node:fs';
import { join } from 'node:path';

// better-sqlite3 for Electron's ABI (see docs: "Two ABIs"). node_modules keeps the Node build for tests,
// CLI and web mode; the desktop app opens its databases with `nativeBinding` pointing at an Electron build:
// - development: .cache/electron-native/<platform>-<arch>/better_sqlite3.node, made by
//   scripts/electron-native.mjs (which `npm start` runs first);
// - packaged: resources/native/better_sqlite3.node (electron-builder extraResources, same file).

export const NATIVE_CACHE_DIR = '.cache/electron-native';

export function electronNativeBinding(opts: { isPackaged: boolean; appPath: string; resourcesPath: string }): {
  path: string;
  exists: boolean;
} {
  const path = opts.isPackaged
    ? join(opts.resourcesPath, 'native', 'better_sqlite3.node')
    : join(opts.appPath, NATIVE_CACHE_DIR, `${process.platform}-${process.arch}`, 'better_sqlite3.node');
  return { path, exists: existsSync(path) };
}
