import { app, BrowserWindow, dialog, Menu, session } from 'electron';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBackendThread, type BackendThread } from './transport/backendThread';
import { registerAppScheme, serveRenderer } from './electron/appProtocol';
import { registerPickHandler } from './electron/dialogs';
import { buildMenu } from './electron/menu';
import { printHtmlToPdf } from './electron/print';
import { electronNativeBinding } from './electron/nativeBinding';
import { attachContractPort } from './electron/ports';
import { guardWebContents, hardenSession } from './electron/security';
import { createMainWindow, isOurPage } from './electron/window';

// Electron app lifecycle only. The backend runs in a worker thread; this process shows windows, menus and
// dialogs and relays the contract port. This file is bundled to out/main/index.js by electron-vite.

const outMain = fileURLToPath(new URL('.', import.meta.url)); // out/main/
const projectArg = (() => {
  const i = process.argv.indexOf('--project');
  return i > 0 && process.argv[i + 1] ? resolve(process.argv[i + 1]) : undefined;
})();

// Before ready (synchronous top-level code runs before the ready event even in ESM).
registerAppScheme();
app.enableSandbox();
guardWebContents();

let win: BrowserWindow | null = null;
let backend: BackendThread | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (win?.isMinimized()) win.restore();
    win?.focus();
  });
  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => fatal(e));
}

async function start(): Promise<void> {
  hardenSession(session.defaultSession);
  serveRenderer(join(outMain, '../renderer'));
  const native = electronNativeBinding({ isPackaged: app.isPackaged, appPath: app.getAppPath(), resourcesPath: process.resourcesPath });
  if (!native.exists) {
    return fatal(
      new Error(
        `better-sqlite3 for Electron ${process.versions.electron} is missing at ${native.path}.\nRun \`node scripts/electron-native.mjs\` (npm start does), or use \`npm run web\`.`,
      ),
    );
  }
  backend = await startBackendThread({
    userDataDir: app.getPath('userData'),
    mode: 'electron',
    nativeBinding: native.path,
    openProject: projectArg,
    workerEntry: join(outMain, 'backendWorker.js'),
    printPdf: printHtmlToPdf,
  });
  backend.onExit((code) => fatal(new Error(`The backend stopped unexpectedly (code ${code}).`)));
  if (backend.projectError) dialog.showErrorBox('Could not open the project', backend.projectError.message);

  registerPickHandler(() => win, isOurPage);
  Menu.setApplicationMenu(buildMenu(() => win));
  openWindow(backend);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0 && backend) openWindow(backend);
  });
}

function openWindow(b: BackendThread): void {
  win = createMainWindow(join(outMain, '../preload/index.cjs'));
  attachContractPort(win, b);
  win.on('closed', () => (win = null));
}

function fatal(e: unknown): void {
  dialog.showErrorBox('Neuron Workbench cannot start', e instanceof Error ? e.message : String(e));
  app.exit(1);
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Close the project database cleanly before exiting: hold the quit until the backend thread has stopped.
let backendStopped = false;
app.on('will-quit', (event) => {
  if (backendStopped || !backend) return;
  event.preventDefault();
  void backend.terminate().finally(() => {
    backendStopped = true;
    app.quit();
  });
});
