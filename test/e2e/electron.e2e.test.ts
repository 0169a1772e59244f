import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { addBrokenFiles, writeFashionMnistTree } from '../helpers/fashionMnist';
import { REPO, shot, specDir, watchErrors } from './support';
import {
  cancelOnFirstProgress,
  classCount,
  createProject,
  jobWithStatus,
  renderedThumbnails,
  startImport,
  waitImportDone,
  waitReady,
} from './scenario';

// Electron mode: the same renderer and the same UI steps as the browser spec, in the real desktop shell
// (contract over a MessagePort, native better-sqlite3 built for Electron's ABI). Runs where the Electron
// binary exists; elsewhere it is skipped and says why.

const ELECTRON_BIN = join(
  REPO,
  'node_modules/electron/dist',
  process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron',
);
const MAIN_JS = join(REPO, 'out/main/index.js');
const NATIVE = join(REPO, '.cache/electron-native', `${process.platform}-${process.arch}`, 'better_sqlite3.node');

function skipReason(): string | null {
  if (!existsSync(ELECTRON_BIN))
    return `no Electron binary at ${ELECTRON_BIN} (node node_modules/electron/install.js, or npm start, downloads it)`;
  if (!existsSync(MAIN_JS)) return `the desktop app is not built (${MAIN_JS} missing): run npm run build`;
  if (!existsSync(NATIVE)) return `better-sqlite3 for Electron is missing (${NATIVE}): run node scripts/electron-native.mjs`;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'no display: run under xvfb-run -a';
  return null;
}
const reason = skipReason();
if (reason) console.warn(`[e2e] skipping Electron specs: ${reason}`);

describe.skipIf(reason !== null)('electron mode', () => {
  let app: ElectronApplication;
  let page: Page;
  let errors: string[];
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await specDir('nwb-e2e-electron'));
    await writeFashionMnistTree(join(dir, 'probes-small'), { perClass: 20 });
    await addBrokenFiles(join(dir, 'probes-small'));
    await writeFashionMnistTree(join(dir, 'probes-big'), { count: 4000 });
    app = await electron.launch({
      executablePath: ELECTRON_BIN,
      // `.` runs package.json's main (out/main/index.js); --user-data-dir keeps recent projects etc. apart.
      args: ['.', `--user-data-dir=${join(dir, 'user-data')}`, '--no-sandbox', '--disable-gpu'],
      cwd: REPO,
    });
    page = await app.firstWindow();
    errors = watchErrors(page);
    await waitReady(page);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await cleanup?.();
  });

  it('runs in Electron with the bridge and no Node in the page', async () => {
    expect(await page.evaluate(() => (globalThis as unknown as { nwb?: { mode: string } }).nwb?.mode)).toBe('electron');
    expect(await page.evaluate(() => typeof (globalThis as unknown as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => typeof (globalThis as unknown as { process?: unknown }).process)).toBe('undefined');
  });

  it('imports a probe folder and shows counts, skipped files and thumbnails', async () => {
    await createProject(page, join(dir, 'electron-project.nwb'));
    await startImport(page, join(dir, 'probes-small'));
    const result = await waitImportDone(page);
    expect(result.images).toBe(200);
    await page.click('[data-testid=import-show]');
    await page.waitForSelector('[data-testid=class-count-Sandal]');
    expect(await classCount(page, 'Sandal')).toBe(20);
    expect(await classCount(page, 'footwear')).toBe(60);
    expect(await page.locator('[data-testid=skipped-row]').count()).toBeGreaterThan(0);
    await expect.poll(() => renderedThumbnails(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(12);
    await shot(page, 'electron-probe-set');
  });

  it('cancels and resumes an import', async () => {
    await startImport(page, join(dir, 'probes-big'));
    expect(await cancelOnFirstProgress(page)).toBeGreaterThan(0);
    await page.waitForSelector('[data-testid=import-status][data-status=cancelled]', { timeout: 30_000 });
    const jobId = await jobWithStatus(page, 'cancelled');
    await page.click(`[data-testid=job-resume-${jobId}]`);
    await page.waitForSelector(`[data-testid=job-row-${jobId}][data-status=done]`, { timeout: 60_000 });
    expect(await page.textContent(`[data-testid=job-done-${jobId}]`)).toBe('4,000 / 4,000');
    expect(errors).toEqual([]);
  });
});
