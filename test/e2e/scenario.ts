import { expect } from 'vitest';
import type { Page } from 'playwright-core';

// UI steps shared by the browser and Electron specs. They drive the app only through what a person sees
// and the data-testid hooks; nothing here talks to the backend directly.

const LONG = 60_000;

export async function waitReady(page: Page): Promise<void> {
  await page.waitForSelector('body[data-ready=true]', { timeout: 30_000 });
}

export async function createProject(page: Page, path: string): Promise<void> {
  await page.click('[data-testid=nav-project]');
  await page.fill('[data-testid=create-path]', path);
  await page.click('[data-testid=create-submit]');
  await expect.poll(() => page.textContent('[data-testid=current-project-path]')).toBe(path);
  expect(await page.textContent('[data-testid=header-project]')).toBe(
    path
      .split('/')
      .pop()
      ?.replace(/\.nwb$/, ''),
  );
}

/** Open an existing project by typing its path on the Project screen (the screen the app starts on). */
export async function openProjectByPath(page: Page, path: string): Promise<void> {
  await page.fill('[data-testid=open-path]', path);
  await page.click('[data-testid=open-submit]');
  await expect.poll(() => page.textContent('[data-testid=current-project-path]')).toBe(path);
}

/** Fill the import form and start the job (does not wait for it to finish). */
export async function startImport(page: Page, root: string): Promise<void> {
  await page.click('[data-testid=nav-probes]');
  await page.click('[data-testid=probeset-add]');
  await page.fill('[data-testid=import-root]', root);
  await page.click('[data-testid=import-start]');
}

export interface ImportNumbers {
  images: number;
  added: number;
  skipped: number;
}

const num = (s: string | null) => Number((s ?? '').replace(/[^0-9.]/g, ''));

export async function waitImportDone(page: Page): Promise<ImportNumbers> {
  await page.waitForSelector('[data-testid=import-result]', { timeout: LONG });
  return {
    images: num(await page.textContent('[data-testid=import-result-images]')),
    added: num(await page.textContent('[data-testid=import-result-added]')),
    skipped: num(await page.textContent('[data-testid=import-result-skipped]')),
  };
}

export async function classCount(page: Page, name: string): Promise<number> {
  return num(await page.textContent(`[data-testid="class-count-${name}"]`));
}

/** Thumbnails that really rendered: <img> with a data: URL that the browser decoded. */
export async function renderedThumbnails(page: Page): Promise<number> {
  // Typed structurally: the test tsconfig has no DOM lib.
  type Img = { src: string; naturalWidth: number };
  return page.$$eval(
    'img[data-testid=thumb]',
    (imgs) => imgs.filter((i) => (i as unknown as Img).src.startsWith('data:image/') && (i as unknown as Img).naturalWidth > 0).length,
  );
}

export async function selectProbeSet(page: Page, name: string): Promise<void> {
  await page.click('[data-testid=nav-probes]');
  await page.click(`[data-testid=probeset-item][data-name="${name}"]`);
  await page.waitForSelector(`[data-testid=probeset-view][data-name="${name}"]`);
}

/** The id of the newest job whose row shows `status`. */
export async function jobWithStatus(page: Page, status: string): Promise<number> {
  await page.click('[data-testid=nav-jobs]');
  const row = page.locator(`[data-testid^=job-row-][data-status=${status}]`).first();
  await row.waitFor({ timeout: LONG });
  return Number((await row.getAttribute('data-testid'))?.replace('job-row-', ''));
}

/**
 * Click Cancel from inside the page the moment the first progress arrives (no test-runner round trip in
 * between, so the click lands mid-import even on a loaded machine). Resolves with the count it saw.
 */
export async function cancelOnFirstProgress(page: Page): Promise<number> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const bar = document.querySelector('[data-testid=import-progress]');
      const done = Number(bar ? bar.getAttribute('data-done') : 0);
      const cancel = document.querySelector('[data-testid=import-cancel]');
      if (done > 0 && cancel) { cancel.click(); resolve(done); return; }
      if (Date.now() - started > 30000) { reject(new Error('no import progress within 30 s')); return; }
      requestAnimationFrame(tick);
    };
    tick();
  })`);
}

/**
 * Models page: add the ONNX file by path, open its activations tab and extract `layer` (optionally with a
 * given summary), waiting until the extraction is done.
 */
export async function addModelAndExtract(
  page: Page,
  modelPath: string,
  modelName: string,
  layer: string,
  opts: { summary?: string; timeout?: number } = {},
): Promise<void> {
  const timeout = opts.timeout ?? 120_000;
  await page.click('[data-testid=nav-models]');
  await page.fill('[data-testid=model-path]', modelPath);
  await page.click('[data-testid=model-add-submit]');
  await page.waitForSelector(`[data-testid=model-view][data-name=${modelName}]`, { timeout });
  await page.click('[data-testid=model-tab-activations]');
  await page.selectOption('[data-testid=extract-layer]', layer);
  if (opts.summary) await page.selectOption('[data-testid=extract-summary]', opts.summary);
  await page.click('[data-testid=extract-start]');
  await page.waitForSelector('[data-testid=extract-status][data-status=done]', { timeout });
}
