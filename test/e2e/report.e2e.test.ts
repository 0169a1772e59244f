import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createBackend } from '../../src/main/core/app/backend';
import { call } from '../helpers/backend';
import { writeFashionMnistTree } from '../helpers/fashionMnist';
import { CNN, CNN_POOLED } from '../integration/explain.helpers';
import { CHROMIUM, shotPath, useWebSpec, watchErrors } from './support';
import { waitReady, openProjectByPath } from './scenario';

// The Report screen end to end, browser mode: a project with a finished LE run (Fashion-MNIST CNN, pooled layer,
// built through the real backend before the server starts), opened in the real renderer through a deep link that
// survives a reload; its sections, the A4 preview in a shadow root (page count = the backend's, the run's mean test
// correlation printed on it), and HTML / PDF exports written from the UI (replace confirmation, the "Export HTML
// instead" offer when the PDF printer is missing).

const PER_CLASS = 20;
const haveChromium = existsSync(CHROMIUM);
const NEURONS = 'top:3';
const TITLE = 'Pooled layer of the CNN';

interface Fixture {
  project: string;
  runId: number;
  meanTest: number;
  pages: number;
}

describe.skipIf(!haveChromium)('report screen (browser mode)', () => {
  const fx = {} as Fixture;
  const spec = useWebSpec('nwb-report-e2e', async (dir) => {
    // The project, made by the backend itself (the explanation screens have their own e2e specs).
    const root = join(dir, 'fmnist-probes');
    await writeFashionMnistTree(root, { perClass: PER_CLASS, split: 'test' });
    const backend = createBackend({ userDataDir: join(dir, 'user-data-build'), mode: 'test' });
    try {
      fx.project = (await call(backend, 'project.create', { path: join(dir, 'report.nwb') })).path;
      const probeSetId = (await call(backend, 'probe.import', { root })).probeSetId;
      const m = await call(backend, 'model.add', { path: CNN });
      await call(backend, 'model.setPreprocessing', { modelId: m.id, preset: 'fashion-mnist' });
      const set = await call(backend, 'activations.extract', { modelId: m.id, layer: CNN_POOLED, probeSetId, summary: 'identity' });
      const run = await call(backend, 'explain.run', { activationSetId: set.activationSet.id });
      fx.runId = run.run.id;
      const listed = (await call(backend, 'explain.runs', {})).find((r) => r.id === fx.runId);
      fx.meanTest = listed!.means.testCorrelation!;
      const preview = await call(backend, 'report.preview', {
        run: fx.runId,
        sections: ['summary', 'neurons'],
        neurons: NEURONS,
        title: TITLE,
      });
      fx.pages = preview.pages.length;
      await call(backend, 'project.close', {});
    } finally {
      backend.dispose();
    }
  });

  const openProject = (page: Page) => openProjectByPath(page, fx.project);

  /** What the user sees (the preview is as tall as the window, beside the choices). */
  async function shotOf(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: shotPath(name) });
  }

  const previewReady = (page: Page) =>
    page.waitForSelector('[data-testid=report-preview][data-loading=false][data-pages]:not([data-pages=""])', { timeout: 30_000 });

  it('previews a run as its printed pages and exports HTML and PDF', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1440, height: 960 }, colorScheme: 'light' });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await openProject(page);

    // A deep link preselects the run, the sections, the neurons and the title; a reload keeps all of it.
    const link = `#/report?run=${fx.runId}&sections=summary,neurons&neurons=${NEURONS}&title=${encodeURIComponent(TITLE)}`;
    await page.evaluate(`window.location.hash = ${JSON.stringify(link)}`);
    await page.waitForSelector(`[data-testid=report-screen][data-run="${fx.runId}"]`);
    await page.reload();
    await waitReady(page);
    expect(await page.evaluate('window.location.hash')).toBe(link);
    await page.waitForSelector(`[data-testid=report-screen][data-run="${fx.runId}"]`);

    // Sections: the run has scores and neurons; no ablation, Top Impact or fitted calibration (each says why).
    await page.waitForSelector('[data-testid=report-section-summary]');
    expect(await page.isChecked('[data-testid=report-section-summary]')).toBe(true);
    expect(await page.isChecked('[data-testid=report-section-neurons]')).toBe(true);
    for (const id of ['ablation', 'topimpact', 'calibration']) {
      expect(await page.isDisabled(`[data-testid=report-section-${id}]`)).toBe(true);
      expect(await page.textContent(`[data-testid=report-section-${id}-about]`)).toMatch(/^Not available: .{10,}/);
    }
    expect(await page.textContent('[data-testid=report-section-summary-about]')).toContain(`explain run ${fx.runId}`);
    expect(await page.getAttribute('[data-testid=report-neurons]', 'data-mode')).toBe('top');
    expect(await page.inputValue('[data-testid=report-neurons-n]')).toBe('3');
    expect(await page.inputValue('[data-testid=report-title]')).toBe(TITLE);

    // The preview: as many pages as the backend lays out, the run's mean test correlation printed on them.
    await previewReady(page);
    expect(Number(await page.getAttribute('[data-testid=report-page-count]', 'data-value'))).toBe(fx.pages);
    expect(await page.locator('[data-testid=report-pages] section.page').count()).toBe(fx.pages);
    expect(await page.locator('[data-testid=report-pages] .nwb-report').textContent()).toContain(fx.meanTest.toFixed(3));
    expect(await page.locator('[data-testid=report-pages] .nwb-report h1').first().textContent()).toBe(TITLE);
    await shotOf(page, 'report-setup');
    // The page list scrolls the pane to a page.
    await page.click(`[data-testid=report-page-${fx.pages}]`);
    await expect.poll(() => page.getAttribute(`[data-testid=report-page-${fx.pages}]`, 'aria-current')).toBe('page');
    // So do the contents' own links inside the pages, without leaving the Report screen.
    await page.click('[data-testid=report-page-2]');
    await page.locator('[data-testid=report-pages] a[href="#page-3"]').first().click();
    await expect.poll(() => page.getAttribute('[data-testid=report-page-3]', 'aria-current')).toBe('page');
    expect(new URL(page.url()).hash).toMatch(/^#\/report/);
    await shotOf(page, 'report-preview');

    // Fewer neurons: the preview follows (one page per neuron), and so does the address.
    await page.fill('[data-testid=report-neurons-n]', '1');
    await expect
      .poll(() => page.getAttribute('[data-testid=report-page-count]', 'data-value'), { timeout: 30_000 })
      .toBe(String(fx.pages - 2));
    expect(await page.evaluate('window.location.hash')).toContain('neurons=top:1');

    // HTML export to a temp folder, then PDF (the path follows the format).
    const out = join(spec.dir, 'out');
    await mkdir(out);
    const htmlPath = join(out, 'report.html');
    await page.selectOption('[data-testid=report-format]', 'html');
    await page.fill('[data-testid=report-path]', htmlPath);
    await page.click('[data-testid=report-export-submit]');
    await page.waitForSelector('[data-testid=report-result][data-format=html]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid=report-result-path]')).toBe(htmlPath);
    expect(await page.textContent('[data-testid=report-result-pages]')).toBe(String(fx.pages - 2));
    expect(await readFile(htmlPath, 'utf8')).toContain(TITLE);

    await page.selectOption('[data-testid=report-format]', 'pdf');
    const pdfPath = join(out, 'report.pdf');
    expect(await page.inputValue('[data-testid=report-path]')).toBe(pdfPath);
    await page.click('[data-testid=report-export-submit]');
    await page.waitForSelector('[data-testid=report-result][data-format=pdf]', { timeout: 60_000 });
    expect((await readFile(pdfPath)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(await page.textContent('[data-testid=report-result-printer]')).toBeTruthy();
    await shotOf(page, 'report-exported');

    // The same file again: replaced only after the user confirms.
    await page.click('[data-testid=report-export-submit]');
    await page.waitForSelector('[data-testid=report-confirm-replace]', { timeout: 30_000 });
    await page.click('[data-testid=report-replace]');
    await page.waitForSelector('[data-testid=report-result][data-format=pdf]', { timeout: 60_000 });

    // No browser at the given path: the panel offers the same report as HTML.
    await page.click('[data-testid=report-printer] summary');
    await page.fill('[data-testid=report-chromium]', join(spec.dir, 'no-such-chromium'));
    await page.fill('[data-testid=report-path]', join(out, 'offer.pdf'));
    await page.click('[data-testid=report-export-submit]');
    await page.waitForSelector('[data-testid=report-offer-html]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid=report-offer-html]')).toContain('no-such-chromium');
    await shotOf(page, 'report-offer-html');
    await page.click('[data-testid=report-export-html-instead]');
    await page.waitForSelector('[data-testid=report-result][data-format=html]', { timeout: 30_000 });
    expect(await readFile(join(out, 'offer.html'), 'utf8')).toContain(TITLE);

    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens from the run view and from the navigation (run picker), in the dark theme', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1440, height: 960 }, colorScheme: 'dark' });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await page.waitForSelector('[data-testid=current-project-path]');

    // The explanation run's "Report…" opens the report of that run with its default sections.
    await page.evaluate(`window.location.hash = '#/explanations/run/${fx.runId}'`);
    await page.click('[data-testid=run-report]');
    await expect.poll(() => page.evaluate('window.location.hash')).toBe(`#/report?run=${fx.runId}`);
    await previewReady(page);
    expect(await page.isChecked('[data-testid=report-section-summary]')).toBe(true);
    await shotOf(page, 'report-preview-dark');
    // Without the Neurons section there are no neuron pages: the neuron choice is off, and the address says so.
    await page.uncheck('[data-testid=report-section-neurons]');
    await expect.poll(() => page.getAttribute('[data-testid=report-neuron-count]', 'data-value'), { timeout: 30_000 }).toBe('0');
    expect(await page.isDisabled('[data-testid=report-neurons-n]')).toBe(true);
    expect(await page.evaluate('window.location.hash')).toBe(`#/report?run=${fx.runId}&sections=summary`);

    // The navigation entry without a run lists the runs with their layer and method.
    await page.evaluate(`window.location.hash = '#/report'`);
    const row = page.locator(`[data-testid=report-run-row][data-id="${fx.runId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(CNN_POOLED);
    expect(await row.textContent()).toContain('LE (labels)');
    await page.click(`[data-testid=report-pick-${fx.runId}]`);
    await page.waitForSelector(`[data-testid=report-screen][data-run="${fx.runId}"]`);

    expect(errors).toEqual([]);
    await page.close();
  });
});
