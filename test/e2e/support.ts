import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startWebServer, type WebServer } from '../../src/main/web/server';
import { QUIET_CHROMIUM_ARGS } from '../../src/main/core/platform/print/pdf';

// Shared by the browser and Electron e2e specs: where things are, how to start them, and the screenshots.

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const WEB_DIR = join(REPO, 'out/web');
export const CHROMIUM = process.env.NWB_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [...QUIET_CHROMIUM_ARGS, '--no-sandbox', '--disable-quic'];

/** Build the renderer once when out/web is missing (`npm test` builds it before vitest). */
export function ensureRendererBuilt(): void {
  if (existsSync(join(WEB_DIR, 'index.html'))) return;
  const vite = join(REPO, 'node_modules/.bin/vite');
  const r = spawnSync(vite, ['build', '--config', 'vite.web.config.ts', '--logLevel', 'warn'], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** A temp folder for a whole spec file; `cleanup` removes it unless KEEP_TEST_DIRS=1. */
export async function specDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return { dir, cleanup: () => (process.env.KEEP_TEST_DIRS ? Promise.resolve() : rm(dir, { recursive: true, force: true })) };
}

/** Screenshots go to test-results/screenshots/ in the repository (ignored by git), so a person can look at them after a run. */
export const SHOTS_DIR = join(REPO, 'test-results', 'screenshots');

/** Where a screenshot named `name` goes. */
export function shotPath(name: string): string {
  mkdirSync(SHOTS_DIR, { recursive: true });
  return join(SHOTS_DIR, `${name}.png`);
}

export async function shot(page: Page, name: string): Promise<string> {
  const path = shotPath(`e2e-${name}`);
  await page.screenshot({ path });
  return path;
}

/** Collect page errors and console errors; a spec asserts the list is empty at the end. */
/** Screenshot of one element (the first match), in a viewport tall enough for the whole element. */
export async function elementShot(page: Page, selector: string, name: string, height = 2400): Promise<void> {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 1440, height });
  await page
    .locator(selector)
    .first()
    .screenshot({ path: shotPath(name) });
  if (size) await page.setViewportSize(size);
}

/** Close every toast, so they do not cover what a screenshot or a click needs. */
export async function clearToasts(page: Page): Promise<void> {
  const close = page.locator('.toast button[aria-label=Dismiss]');
  while ((await close.count()) > 0) await close.first().click();
}

export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

export interface WebSpec {
  server: WebServer;
  browser: Browser;
  /** The spec's own temp folder (probe folders, project files). */
  dir: string;
}

/**
 * A browser-mode spec file's fixture: registers beforeAll/afterAll that make a temp folder (filled by
 * `prepare`), start the real web server on it and launch Chromium, and tear all three down. The returned
 * object is filled in before the first test runs.
 */
export function useWebSpec(prefix: string, prepare: (dir: string) => Promise<void> = async () => {}): WebSpec {
  const spec = {} as WebSpec;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ensureRendererBuilt();
    const made = await specDir(prefix);
    cleanup = made.cleanup;
    spec.dir = made.dir;
    await prepare(made.dir);
    spec.server = await startWebServer({ port: 0, userDataDir: join(made.dir, 'user-data'), staticDir: WEB_DIR });
    spec.browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await spec.browser?.close();
    await spec.server?.close();
    await cleanup?.();
  });
  return spec;
}
