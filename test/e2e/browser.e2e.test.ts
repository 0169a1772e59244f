import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startWebServer, type WebServer } from '../../src/main/web/server';
import { addBrokenFiles, writeFashionMnistTree } from '../helpers/fashionMnist';
import { CHROMIUM, ensureRendererBuilt, launchChromium, shot, specDir, watchErrors, WEB_DIR } from './support';
import {
  cancelOnFirstProgress,
  classCount,
  createProject,
  jobWithStatus,
  renderedThumbnails,
  selectProbeSet,
  startImport,
  waitImportDone,
  waitReady,
} from './scenario';

// Browser mode end to end: the real renderer (out/web) in Chromium against the real backend behind the
// loopback web server, on real Fashion-MNIST images. Each run gets its own user-data folder and project.

const SMALL_PER_CLASS = 20; // 10 classes -> 200 images
const BIG_COUNT = 5000; // enough that Cancel lands mid-import

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`[e2e] skipping browser specs: no Chromium at ${CHROMIUM} (apt-get install chromium, or set NWB_CHROMIUM).`);

describe.skipIf(!haveChromium)('browser mode', () => {
  let server: WebServer;
  let browser: Browser;
  let dir: string;
  let cleanup: () => Promise<void>;
  let small: string;
  let big: string;
  let brokenCount = 0;

  beforeAll(async () => {
    ensureRendererBuilt();
    ({ dir, cleanup } = await specDir('nwb-e2e'));
    small = join(dir, 'probes-small');
    big = join(dir, 'probes-big');
    await writeFashionMnistTree(small, { perClass: SMALL_PER_CLASS });
    brokenCount = (await addBrokenFiles(small)).length;
    await writeFashionMnistTree(big, { count: BIG_COUNT, split: 'train' });
    server = await startWebServer({ port: 0, userDataDir: join(dir, 'user-data'), staticDir: WEB_DIR });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await cleanup?.();
  });

  async function openApp(colorScheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, colorScheme });
    const errors = watchErrors(page);
    await page.goto(server.url);
    await waitReady(page);
    return { page, errors };
  }

  it('creates a project, imports a probe folder, shows counts, skipped files and thumbnails', async () => {
    const { page, errors } = await openApp('light');
    await createProject(page, join(dir, 'e2e-project.nwb'));

    await startImport(page, small);
    const result = await waitImportDone(page);
    expect(result).toEqual({ images: 200, added: 200, skipped: brokenCount });
    await page.click('[data-testid=import-show]');

    await page.waitForSelector('[data-testid=class-count-Sandal]');
    expect(await classCount(page, 'Sandal')).toBe(20);
    expect(await classCount(page, 'footwear')).toBe(60);
    expect(await classCount(page, 'upper_body')).toBe(80);
    expect(await classCount(page, 'all')).toBe(200);

    const rows = page.locator('[data-testid=skipped-row]');
    await expect.poll(() => rows.count()).toBe(brokenCount);
    const truncated = rows.filter({ hasText: 'truncated.png' });
    expect(await truncated.getAttribute('data-testid')).toBe('skipped-row');
    expect(await truncated.locator('[data-testid=skipped-reason]').getAttribute('data-code')).toBe('corrupt');
    expect((await truncated.locator('[data-testid=skipped-reason]').textContent())?.length).toBeGreaterThan(10);

    await expect.poll(() => renderedThumbnails(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(12);
    await shot(page, 'probe-set-light');

    // Filter the grid by a class: only Sandal images remain.
    await page.click('[data-testid="label-row-Sandal"]');
    await expect.poll(() => page.textContent('[data-testid=grid-total]')).toBe('20 images');
    await expect.poll(() => renderedThumbnails(page), { timeout: 30_000 }).toBe(20);
    const captions = await page.$$eval('[data-testid=thumb-cell] figcaption', (els) => [...new Set(els.map((e) => e.textContent))]);
    expect(captions).toEqual(['Sandal']);

    // A thumbnail enlarges: its path, class and size, a bigger image; Esc closes.
    await page.locator('[data-testid=thumb-cell] .thumb-open').first().click();
    await page.waitForSelector('[data-testid=probe-image-dialog] [data-testid=probe-image-big]');
    expect(await page.textContent('[data-testid=probe-image-dialog]')).toMatch(/Sandal[\s\S]*28×28 png/);
    expect(await page.$eval('[data-testid=probe-image-big]', (img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(384);
    await shot(page, 'probe-image-enlarged');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid=probe-image-dialog]').count()).toBe(0);

    // Manual dark mode override, and the same view in dark.
    await page.selectOption('[data-testid=theme-select]', 'dark');
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    await shot(page, 'probe-set-dark');
    await page.selectOption('[data-testid=theme-select]', 'system');

    // `?` opens the shortcut sheet, Escape closes it; Ctrl+O focuses the open field.
    await page.keyboard.press('?');
    await page.waitForSelector('[data-testid=shortcut-sheet]');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=shortcut-sheet]', { state: 'detached' });
    await page.keyboard.press('Control+o');
    await expect.poll(() => page.locator(':focus').getAttribute('data-testid')).toBe('open-path');

    // A folder dropped on the window: browsers hide its path, so the app says to type or browse it.
    await page.evaluate(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['x'], 'my-images'));
      for (const type of ['dragenter', 'dragover', 'drop']) window.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    })()`);
    const toast = page.locator('[data-testid=toast-info]').filter({ hasText: 'my-images' });
    await toast.waitFor();
    expect(await toast.textContent()).toContain('Browse');
    expect(await page.isVisible('[data-testid=import-form]')).toBe(true);

    expect(errors).toEqual([]);
    await page.close();
  });

  it('keeps a deep link across a reload, and Back / Forward step through views', async () => {
    const { page, errors } = await openApp('light');
    await createProject(page, join(dir, 'deep-link.nwb'));
    await startImport(page, small);
    await waitImportDone(page);
    await page.click('[data-testid=import-show]');
    await page.click('[data-testid="label-row-Sandal"]');
    await expect.poll(() => page.textContent('[data-testid=grid-total]')).toBe('20 images');

    // The view is the address: the probe set and its label filter, without the access token.
    const hash = String(await page.evaluate('window.location.hash'));
    expect(hash).toMatch(/^#\/probes\/\d+\/label\/\d+$/);
    await page.reload();
    await waitReady(page);
    expect(await page.evaluate('window.location.hash')).toBe(hash);
    await page.waitForSelector('[data-testid=probeset-view][data-name=probes-small]');
    await expect.poll(() => page.textContent('[data-testid=grid-total]')).toBe('20 images');
    expect(await page.textContent('[data-testid=grid-filter]')).toContain('Sandal');

    // Back: the unfiltered set; Forward: the filter again; Back from another screen returns to it.
    await page.goBack();
    await expect.poll(() => page.textContent('[data-testid=grid-total]')).toBe('200 images');
    expect(await page.locator('[data-testid=grid-filter]').count()).toBe(0);
    await page.goForward();
    await expect.poll(() => page.textContent('[data-testid=grid-total]')).toBe('20 images');
    await page.click('[data-testid=nav-jobs]');
    await page.waitForSelector('[data-testid=screen-jobs]');
    await page.goBack();
    await page.waitForSelector('[data-testid=probeset-view][data-name=probes-small]');
    await expect.poll(() => page.textContent('[data-testid=grid-total]')).toBe('20 images');
    // The navigation entry opens a screen where it was left.
    await page.click('[data-testid=nav-project]');
    await page.click('[data-testid=nav-probes]');
    await expect.poll(() => page.evaluate('window.location.hash')).toBe(hash);

    expect(errors).toEqual([]);
    await page.close();
  });

  it('cancels an import mid-way and resumes it to the full count from the Jobs screen', async () => {
    const { page, errors } = await openApp('dark');
    await createProject(page, join(dir, 'cancel-resume.nwb'));

    await startImport(page, big);
    const seen = await cancelOnFirstProgress(page);
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(BIG_COUNT);
    await page.waitForSelector('[data-testid=import-status]:not([data-status=running])', { timeout: 30_000 });
    expect(await page.getAttribute('[data-testid=import-status]', 'data-status')).toBe('cancelled');
    expect(await page.textContent('[data-testid=import-cancelled]')).toContain('resume');

    const jobId = await jobWithStatus(page, 'cancelled');
    const doneText = await page.textContent(`[data-testid=job-done-${jobId}]`);
    const doneBefore = Number(doneText?.split('/')[0].replace(/\D/g, ''));
    expect(doneBefore).toBeLessThan(BIG_COUNT);
    await shot(page, 'jobs-cancelled');

    await page.click(`[data-testid=job-resume-${jobId}]`);
    await page.waitForSelector(`[data-testid=job-row-${jobId}][data-status=done]`, { timeout: 60_000 });
    expect(await page.textContent(`[data-testid=job-done-${jobId}]`)).toBe('5,000 / 5,000');
    await shot(page, 'jobs-resumed');

    await selectProbeSet(page, 'probes-big');
    expect(await page.textContent('[data-testid=probeset-images]')).toBe('5,000');
    await expect.poll(() => renderedThumbnails(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(12);
    await shot(page, 'big-probe-set-dark');

    // Virtualised: a few rows in the DOM, not 5000 cells; after a fling to the end, thumbnails arrive.
    expect(await page.locator('[data-testid=thumb-cell]').count()).toBeLessThan(150);
    await page.$eval('[data-testid=thumb-grid]', (el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(() => page.locator('[data-testid=thumb-cell]').last().getAttribute('data-image-id')).not.toBeNull();
    await expect.poll(() => renderedThumbnails(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(12);
    expect(await page.locator('[data-testid=thumb-cell]').count()).toBeLessThan(150);

    expect(errors).toEqual([]);
    await page.close();
  });

  it('marks an import interrupted when the backend stops, and resumes it after a restart', async () => {
    // Its own user-data folder and server: this spec stops its backend mid-import.
    const userData = join(dir, 'user-data-restart');
    const project = join(dir, 'restart-project.nwb');
    let first: WebServer | null = await startWebServer({ port: 0, userDataDir: userData, staticDir: WEB_DIR });
    let second: WebServer | null = null;
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(first.url);
      await waitReady(page);
      await createProject(page, project);
      await startImport(page, big);
      const progress = page.locator('[data-testid=import-progress]');
      await expect.poll(async () => Number(await progress.getAttribute('data-done')), { timeout: 30_000, interval: 20 }).toBeGreaterThan(0);
      await first.close(); // the backend goes away mid-import, like a crash or a closed terminal
      first = null;
      await page.waitForSelector('[data-testid=connection-lost]');
      await page.waitForSelector('[data-testid=import-interrupted]');
      await shot(page, 'connection-lost');

      second = await startWebServer({ port: 0, userDataDir: userData, staticDir: WEB_DIR });
      await page.goto(second.url);
      await page.reload();
      await waitReady(page);
      await page.click(`[data-testid=recent-item][title="Open ${project}"]`);
      await page.waitForSelector('[data-testid=interrupted-banner]');
      expect(await page.textContent('[data-testid=interrupted-banner]')).toContain('1 interrupted job');
      await shot(page, 'interrupted-banner');
      await page.click('[data-testid=interrupted-banner] button');
      const jobId = await jobWithStatus(page, 'interrupted');
      await page.click(`[data-testid=job-resume-${jobId}]`);
      await page.waitForSelector(`[data-testid=job-row-${jobId}][data-status=done]`, { timeout: 60_000 });
      expect(await page.textContent(`[data-testid=job-done-${jobId}]`)).toBe('5,000 / 5,000');
    } finally {
      await page.close();
      await first?.close();
      await second?.close();
    }
  });

  it('explains project errors (not_a_project, newer_version) and greys out recent projects whose file is gone', async () => {
    const { page } = await openApp();
    const main = join(dir, 'errors-main.nwb');
    const newer = join(dir, 'newer.nwb');
    const gone = join(dir, 'gone.nwb');
    await createProject(page, main);
    await createProject(page, newer);
    await createProject(page, gone);
    await page.click(`[data-testid=recent-item][title="Open ${main}"]`); // closes gone.nwb in the backend
    await expect.poll(() => page.textContent('[data-testid=current-project-path]')).toBe(main);

    // newer.nwb as if written by a future version; gone.nwb deleted.
    const db = new Database(newer);
    db.pragma('user_version = 999');
    db.close();
    await rm(gone);
    await writeFile(join(dir, 'notes.txt'), 'not a project\n');

    await page.fill('[data-testid=open-path]', join(small, 'README.txt'));
    await page.click('[data-testid=open-submit]');
    const box = page.locator('[data-testid=open-error]');
    await expect.poll(() => box.getAttribute('data-code')).toBe('not_a_project');
    expect(await box.textContent()).toContain('not a Neuron Workbench project');

    // Pick the file with the server-side picker (fs.list): go to the folder, choose the .nwb file.
    await page.fill('[data-testid=open-path]', '');
    await page.click('[data-testid=open-path-browse]');
    await page.fill('[data-testid=picker-path]', dir);
    await page.press('[data-testid=picker-path]', 'Enter');
    await page.click('[data-testid="picker-entry-newer.nwb"]');
    expect(await page.isDisabled('[data-testid="picker-entry-notes.txt"]')).toBe(true); // not a .nwb file
    await page.click('[data-testid=picker-choose]');
    expect(await page.inputValue('[data-testid=open-path]')).toBe(newer);
    await page.click('[data-testid=open-submit]');
    await expect.poll(() => box.getAttribute('data-code')).toBe('newer_version');
    expect(await box.textContent()).toContain('newer version');
    expect(await box.textContent()).toContain('Update Neuron Workbench');

    await page.reload();
    await waitReady(page);
    const goneItem = page.locator(`[data-testid=recent-item][data-exists=false]`);
    await goneItem.waitFor();
    expect(await goneItem.textContent()).toContain('gone');
    expect(await goneItem.isDisabled()).toBe(true);
    await page.fill('[data-testid=open-path]', newer);
    await page.click('[data-testid=open-submit]');
    await box.waitFor();
    await shot(page, 'project-errors');

    // Open read-only: the project says so, and browsing it writes nothing.
    await page.fill('[data-testid=open-path]', main);
    await page.check('[data-testid=open-read-only]');
    await page.click('[data-testid=open-submit]');
    await page.waitForSelector('[data-testid=header-read-only]');
    const before = await readFile(main);
    expect(await page.textContent('[data-testid=current-project-read-only]')).toContain('nothing can be changed');
    await shot(page, 'project-read-only');
    await page.reload();
    await waitReady(page);
    await page.waitForSelector('[data-testid=header-read-only]');
    expect((await readFile(main)).equals(before)).toBe(true);
    await page.close();
  });

  it('without the token, the page says which link to open', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await page.waitForSelector('body[data-ready=error]');
    const text = await page.textContent('[data-testid=connect-error]');
    expect(text).toContain('npm run web');
    expect(text).toContain('access token');
    await shot(page, 'missing-token');

    await page.goto(`http://127.0.0.1:${server.port}/#token=wrong-token`);
    await page.reload();
    await page.waitForSelector('body[data-ready=error]');
    expect(await page.textContent('[data-testid=connect-error]')).toContain('earlier launch');
    await page.close();
  });
});
