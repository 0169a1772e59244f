import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { writeFashionMnistTree } from '../helpers/fashionMnist';
import { CHROMIUM, clearToasts, elementShot, REPO, shotPath, useWebSpec, watchErrors } from './support';
import { addModelAndExtract, createProject, startImport, waitImportDone, waitReady } from './scenario';

// The Explanations page end to end, browser mode: real renderer, real backend, the fmnist_cnn fixture and
// 300 Fashion-MNIST probe images (10 classes x 30: enough for a 70/10/20 split). The pooled layer is extracted
// on the Models page, then the wizard runs Linear Explanations from labels; the results table, concept
// search, the neuron page (scatter, range chart, examples, prev/next, typed explanation) and export are checked.

const PER_CLASS = 30;
const LONG = 120_000;
const MODEL = join(REPO, 'resources/fixtures/models/fmnist_cnn.onnx');
const POOLED = '/Flatten_output_0';
const LAYER3 = '/layer3/relu_1/Relu_output_0'; // 64 x 7 x 7: 3,136 neurons with the identity summary
const haveChromium = existsSync(CHROMIUM);

/**
 * From inside the page: the moment the explanation job reports progress, read the bar and click Cancel (no
 * test-runner round trip in between, so the click lands mid-run).
 */
function cancelExplainOnFirstProgress(page: Page): Promise<{ done: number; total: number; text: string }> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const bar = document.querySelector('[data-testid=explain-progress]');
      const done = Number(bar ? bar.getAttribute('data-done') : 0);
      const cancel = document.querySelector('[data-testid=explain-cancel]');
      if (done > 0 && cancel) {
        const text = bar.querySelector('.progress-text').textContent;
        cancel.click();
        resolve({ done, total: Number(bar.getAttribute('data-total')), text });
        return;
      }
      if (Date.now() - started > 60000) { reject(new Error('no explanation progress within 60 s')); return; }
      requestAnimationFrame(tick);
    };
    tick();
  })`);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: shotPath(`explain-${name}`), fullPage: true });
}

/** The screen scrolls inside .screen, not the document: shoot one element of it. */
const shotOf = (page: Page, selector: string, name: string) => elementShot(page, selector, `explain-${name}`);

type Img = { src: string; naturalWidth: number };
function renderedExamples(page: Page): Promise<number> {
  return page.$$eval(
    'img[data-testid=example-img]',
    (imgs) => imgs.filter((i) => (i as unknown as Img).src.startsWith('data:image/') && (i as unknown as Img).naturalWidth > 0).length,
  );
}

describe.skipIf(!haveChromium)('explanations page (browser mode)', () => {
  const spec = useWebSpec('nwb-explain-e2e', async (dir) => {
    await writeFashionMnistTree(join(dir, 'fmnist-probes'), { perClass: PER_CLASS, split: 'test' });
  });
  const probes = () => join(spec.dir, 'fmnist-probes');

  it('runs the wizard, shows results, searches by concept, opens neuron pages, scores typed text and exports', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await createProject(page, join(spec.dir, 'explain.nwb'));
    await startImport(page, probes());
    expect((await waitImportDone(page)).images).toBe(PER_CLASS * 10);

    // Model + extraction of the pooled layer on the Models page.
    await addModelAndExtract(page, MODEL, 'fmnist_cnn', POOLED, { timeout: LONG });
    expect(await page.textContent('[data-testid=extract-result]')).toContain('300 images × 64 neurons');
    await clearToasts(page);

    // Wizard, step 1: the model and its complete activation set are preselected.
    await page.click('[data-testid=nav-explanations]');
    await page.waitForSelector('[data-testid=explain-wizard][data-step="0"]');
    const setRadio = page.locator(`[data-testid=wiz-set][data-tensor="${POOLED}"] input`);
    await setRadio.waitFor();
    await setRadio.check();
    await shot(page, 'wizard-1');
    await page.click('[data-testid=wizard-next]');

    // Step 2: concepts from labels: 10 classes + 2 superclasses with more than one class.
    await page.waitForSelector('[data-testid=wiz-concepts]');
    const nConcepts = Number(await page.getAttribute('[data-testid=wiz-concepts]', 'data-count'));
    expect(nConcepts).toBeGreaterThanOrEqual(12);
    expect(await page.textContent('[data-testid=wiz-concepts]')).toContain('footwear');
    await shot(page, 'wizard-2');
    await page.click('[data-testid=wizard-next]');

    // Step 3: the stored seeded split (70/10/20 of 300) and the hyperparameters with defaults.
    await page.waitForSelector('[data-testid=wiz-split]');
    const splitText = (await page.textContent('[data-testid=wiz-split]')) ?? '';
    expect(splitText).toMatch(/train 210 · val 30 · test 60/);
    expect(splitText).toContain('reused');
    expect(await page.inputValue('[data-testid=wiz-param-eta]')).toBe('0.99');
    expect(await page.inputValue('[data-testid=wiz-param-eps]')).toBe('0.02');
    await page.fill('[data-testid=wiz-param-eta]', '2');
    await expect.poll(() => page.isDisabled('[data-testid=wizard-next]')).toBe(true);
    await page.fill('[data-testid=wiz-param-eta]', '0.99');
    // Another tool's split: export the seeded one, plant an assignment (per class folder: 21 train, 3 val, 6 test, by
    // path), import it and pick it; then back to the seeded split for the run below.
    await page.click('[data-testid=split-files] summary');
    const seededCsv = join(spec.dir, 'seeded_split.csv');
    await page.fill('[data-testid=split-export-path]', seededCsv);
    await page.click('[data-testid=split-export]');
    await page.waitForSelector('[data-testid=split-files-done]');
    const exported = readFileSync(seededCsv, 'utf8').trim().split('\n');
    expect(exported[0]).toBe('index,rel_path,split');
    expect(exported).toHaveLength(301);
    const perClass = new Map<string, number>();
    const planted = exported.slice(1).map((line) => {
      const rel = line.split(',')[1];
      const cls = rel.split('/').slice(-2)[0];
      const k = perClass.get(cls) ?? 0;
      perClass.set(cls, k + 1);
      return `${rel},${k < 21 ? 'train' : k < 24 ? 'val' : 'test'}`;
    });
    writeFileSync(join(spec.dir, 'other_tool.csv'), ['rel_path,split', ...planted].join('\n'));
    await page.fill('[data-testid=split-import-path]', join(spec.dir, 'other_tool.csv'));
    await page.click('[data-testid=split-import]');
    await page.waitForSelector('[data-testid=split-files-done]:has-text("Imported")');
    await expect.poll(() => page.inputValue('[data-testid=wiz-split-choice]')).not.toBe('');
    await expect.poll(() => page.textContent('[data-testid=wiz-split]')).toContain('As given in other_tool.csv');
    expect(await page.textContent('[data-testid=wiz-split]')).toMatch(/train 210 · val 30 · test 60/);
    // The export path follows the shown split (not the file typed for the seeded one); the seed does not apply.
    expect(await page.inputValue('[data-testid=split-export-path]')).toMatch(/split_\d+\.csv$/);
    expect(await page.isDisabled('[data-testid=wiz-seed]')).toBe(true);
    await shot(page, 'wizard-3-imported-split');
    await page.selectOption('[data-testid=wiz-split-choice]', '');
    await expect.poll(() => page.textContent('[data-testid=wiz-split]')).toContain('reused');
    await shot(page, 'wizard-3');
    await page.click('[data-testid=wizard-next]');

    // Step 4: review and start; the job reports "n / N" and lands on the run's results.
    await page.waitForSelector('[data-testid=wiz-review]');
    expect(await page.textContent('[data-testid=wiz-size]')).toContain(`64 × ${nConcepts}`);
    expect(await page.textContent('[data-testid=wiz-estimate]')).toContain('a few seconds');
    expect(await page.locator('[data-testid=wiz-expensive]').count()).toBe(0);
    await page.click('[data-testid=wiz-start]');
    await page.waitForSelector('[data-testid=results][data-total="64"][data-loading=false]', { timeout: LONG });

    // Results: 64 neurons, LE texts with " x ", test correlations as numbers, means at the top.
    await page.waitForSelector('[data-testid=result-row]');
    const texts = await page.locator('[data-testid=result-row][data-dead=false] [data-testid=result-text]').allTextContents();
    expect(texts.length).toBeGreaterThan(0);
    expect(texts.some((t) => t.includes(' x '))).toBe(true);
    const tests = await page
      .locator('[data-testid=result-row][data-dead=false] [data-testid=result-test]')
      .evaluateAll((els) => els.map((e) => Number((e as unknown as { dataset: { value: string } }).dataset.value)));
    expect(tests.every((v) => Number.isFinite(v) && v >= -1 && v <= 1)).toBe(true);
    expect(Number(await page.textContent('[data-testid=mean-le]'))).toBeGreaterThan(0);
    expect(Number.isFinite(Number(await page.textContent('[data-testid=mean-best]')))).toBe(true);
    await page.locator('[data-testid=run-item]').first().waitFor();
    await clearToasts(page);
    await shot(page, 'results');

    // Sort by test correlation: the best first.
    await page.click('[data-testid=rsort-testCorrelation]');
    await page.waitForSelector('[data-testid=results][data-loading=false]');
    // (only the rows in view are in the DOM: the first sorted one is at least every neuron seen before)
    await page.waitForSelector('[data-testid=results][data-query="testCorrelation:desc|||all"]');
    const sorted = await page
      .locator('[data-testid=result-row] [data-testid=result-test]')
      .evaluateAll((els) => els.map((e) => Number((e as unknown as { dataset: { value: string } }).dataset.value)));
    expect(sorted[0]).toBeGreaterThanOrEqual(Math.max(...tests));
    expect(sorted.slice(1).every((v, i) => v <= sorted[i])).toBe(true);

    // "Which neurons use 'footwear'?" narrows the rows; every remaining text mentions it.
    await page.fill('[data-testid=results-concept]', 'footwear');
    await page.waitForSelector('[data-testid=results][data-query="testCorrelation:desc|footwear||all"]');
    const narrowed = Number(await page.getAttribute('[data-testid=results]', 'data-total'));
    expect(narrowed).toBeGreaterThan(0);
    expect(narrowed).toBeLessThan(64);
    expect(Number(await page.getAttribute('[data-testid=concept-hits]', 'data-count'))).toBe(narrowed);
    const footTexts = await page.locator('[data-testid=result-text]').allTextContents();
    expect(footTexts.every((t) => t.includes('footwear'))).toBe(true);
    await shot(page, 'search-footwear');
    await page.fill('[data-testid=results-concept]', '');
    await page.waitForSelector('[data-testid=results][data-query="testCorrelation:desc|||all"][data-total="64"]');

    // Neuron page of the first live neuron.
    await page.click('[data-testid=rsort-neuron]');
    await page.waitForSelector('[data-testid=results][data-query="neuron:asc|||all"]');
    const first = page.locator('[data-testid=result-row][data-dead=false]').first();
    const n0 = Number(await first.getAttribute('data-neuron'));
    await first.click();
    await page.waitForSelector(`[data-testid=neuron-page][data-neuron="${n0}"][data-loaded=true]`, { timeout: LONG });
    expect(await page.locator('[data-testid=explanation]').count()).toBe(3); // LE + both baselines
    expect(await page.textContent('[data-testid=explanation][data-method=le_label] [data-testid=explanation-text]')).toContain(' x ');
    await expect.poll(() => page.locator('[data-testid=neuron-scatter] .recharts-scatter-symbol').count(), { timeout: 10_000 }).toBe(60);
    await expect.poll(() => page.locator('[data-testid=range-chart] .recharts-area-area').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(Number(await page.getAttribute('[data-testid=range-chart]', 'data-series'))).toBe(10);
    await expect.poll(() => page.locator('[data-testid=neuron-histogram] .recharts-bar-rectangle').count()).toBeGreaterThan(0);
    await expect.poll(() => renderedExamples(page), { timeout: 20_000 }).toBeGreaterThan(12);
    await page.click('[data-testid=range-kind-superclass]');
    await expect.poll(() => page.getAttribute('[data-testid=range-chart]', 'data-series')).toBe('2');
    await page.click('[data-testid=range-kind-class]');

    // Typed explanations: a label scores, free text gets a clear message.
    await page.fill('[data-testid=score-text-input]', 'Sandal');
    await page.click('[data-testid=score-text-submit]');
    await page.waitForSelector('[data-testid=score-text-result]');
    const sandal = Number(await page.getAttribute('[data-testid=score-text-result]', 'data-value'));
    expect(sandal).toBeGreaterThanOrEqual(-1);
    expect(sandal).toBeLessThanOrEqual(1);
    await page.fill('[data-testid=score-text-input]', 'stripes on a zebra');
    await page.click('[data-testid=score-text-submit]');
    await page.waitForSelector('[data-testid=score-text-error]');
    expect(await page.textContent('[data-testid=score-text-error]')).toContain('Not a label concept');
    await page.fill('[data-testid=score-text-input]', 'Sandal');
    await page.click('[data-testid=score-text-submit]');
    await page.waitForSelector('[data-testid=score-text-result]');
    await clearToasts(page);
    await shot(page, 'neuron');
    await shotOf(page, '[data-testid=range-section]', 'range');
    await shotOf(page, '[data-testid=examples]', 'examples');

    // Next neuron: button, then the arrow keys.
    await page.click('[data-testid=neuron-next]');
    await page.waitForSelector(`[data-testid=neuron-page][data-neuron="${n0 + 1}"][data-loaded=true]`, { timeout: LONG });
    await page.locator('[data-testid=neuron-nav] .mono').click();
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector(`[data-testid=neuron-page][data-neuron="${n0 + 2}"][data-loaded=true]`, { timeout: LONG });
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector(`[data-testid=neuron-page][data-neuron="${n0 + 1}"][data-loaded=true]`, { timeout: LONG });
    await page.fill('[data-testid=neuron-jump]', String(n0));
    await page.press('[data-testid=neuron-jump]', 'Enter');
    await page.waitForSelector(`[data-testid=neuron-page][data-neuron="${n0}"][data-loaded=true]`, { timeout: LONG });
    await page.waitForSelector('[data-testid=neuron-scatter] .recharts-scatter-symbol');
    await expect.poll(() => renderedExamples(page), { timeout: 20_000 }).toBeGreaterThan(12);

    await page.selectOption('[data-testid=theme-select]', 'dark');
    await shot(page, 'neuron-dark');
    await shotOf(page, '[data-testid=range-section]', 'range-dark');
    await shotOf(page, '[data-testid=examples]', 'examples-dark');

    // Export the run as CSV, import it back as a new (imported) run.
    await page.click('[data-testid=neuron-back]');
    await page.waitForSelector('[data-testid=results][data-total="64"]');
    await shot(page, 'results-dark');
    const csv = join(spec.dir, 'run.csv');
    await page.fill('[data-testid=export-path]', csv);
    await page.click('[data-testid=export-submit]');
    await page.waitForSelector('[data-testid=export-import-done]');
    expect(await page.textContent('[data-testid=export-import-done]')).toContain('64 rows');
    expect(existsSync(csv)).toBe(true);
    await page.fill('[data-testid=import-path]', csv);
    await page.click('[data-testid=import-submit]');
    await page.waitForSelector('[data-testid=run-item][data-id="2"]', { timeout: LONG });
    await page.waitForSelector('[data-testid=run-summary] h3:has-text("Run #2")');
    await page.waitForSelector('[data-testid=results][data-total="64"][data-loading=false]');
    // Run #2 is shown: the export path names it (the folder kept), not run #1's file.
    await expect.poll(() => page.inputValue('[data-testid=export-path]')).toBe(join(spec.dir, 'explanations_run2.csv'));

    // JSON too.
    const json = join(spec.dir, 'run2.json');
    await page.selectOption('[data-testid=export-format]', 'json');
    expect(await page.inputValue('[data-testid=export-path]')).toMatch(/\.json$/);
    await page.fill('[data-testid=export-path]', json);
    await page.click('[data-testid=export-submit]');
    await page.waitForSelector('[data-testid=export-import-done]');
    expect(existsSync(json)).toBe(true);

    // The same path again: the app asks before replacing; over the project file itself it refuses.
    const project = join(spec.dir, 'explain.nwb');
    const projectBytes = readFileSync(project);
    await page.click('[data-testid=export-submit]');
    await page.waitForSelector('[data-testid=export-confirm-replace]');
    await shotOf(page, '[data-testid=export-import]', 'export-confirm-replace');
    await page.click('[data-testid=export-replace]');
    await page.waitForSelector('[data-testid=export-import-done]');
    expect(JSON.parse(readFileSync(json, 'utf8')).neurons).toHaveLength(64);
    await page.fill('[data-testid=export-path]', project);
    await page.click('[data-testid=export-submit]');
    await page.waitForSelector('[data-testid=export-import-error]');
    expect(await page.textContent('[data-testid=export-import-error]')).toContain('Refusing to write');
    // Another run picked from the list: the path names that run (not the file typed for run #2), and the old error goes.
    await page.click('[data-testid=run-item][data-id="1"]');
    await page.waitForSelector('[data-testid=run-summary] h3:has-text("Run #1")');
    await expect.poll(() => page.inputValue('[data-testid=export-path]')).toBe(join(spec.dir, 'explanations_run1.json'));
    expect(await page.locator('[data-testid=export-import-error]').count()).toBe(0);
    await page.click('[data-testid=run-item][data-id="2"]');
    await page.waitForSelector('[data-testid=run-summary] h3:has-text("Run #2")');
    expect(readFileSync(project).equals(projectBytes)).toBe(true);

    // The imported run's neuron next to the LE run's: compare two runs side by side.
    await page.locator(`[data-testid=result-row][data-neuron="${n0}"]`).click();
    await page.waitForSelector(`[data-testid=neuron-page][data-neuron="${n0}"][data-loaded=true]`, { timeout: LONG });
    expect(await page.getAttribute('[data-testid=explanation]', 'data-method')).toBe('imported');
    await page.selectOption('[data-testid=compare-run-select]', '1');
    await page.waitForSelector('[data-testid=compare-run-explanations][data-run="1"] [data-testid=explanation][data-method=le_label]');
    const importedText = await page.textContent('[data-testid=explanation][data-method=imported] [data-testid=explanation-text]');
    const leText = await page.textContent(
      '[data-testid=compare-run-explanations] [data-testid=explanation][data-method=le_label] [data-testid=explanation-text]',
    );
    expect(importedText?.split(',')[0]).toBe(leText?.split(',')[0]); // same terms after a CSV round trip
    await clearToasts(page);
    await shot(page, 'compare-dark');
    await page.selectOption('[data-testid=theme-select]', 'system');

    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('warns before a large run, shows n / N with ETA, cancels, and resumes from the Jobs screen', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'dark' });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await createProject(page, join(spec.dir, 'resume.nwb'));
    await startImport(page, probes());
    expect((await waitImportDone(page)).images).toBe(PER_CLASS * 10);
    await addModelAndExtract(page, MODEL, 'fmnist_cnn', LAYER3, { summary: 'identity', timeout: LONG });
    await clearToasts(page);

    // This fixture run takes seconds: lower the warning threshold (normally about a minute of work).
    await page.evaluate(`window.localStorage.setItem('nwb:explain-warn-units', '50000000')`);
    await page.click('[data-testid=nav-explanations]');
    await page.locator(`[data-testid=wiz-set][data-tensor="${LAYER3}"] input`).check();
    for (let i = 0; i < 3; i++) {
      await page.waitForSelector('[data-testid=wizard-next]:not([disabled])');
      await page.click('[data-testid=wizard-next]');
    }
    await page.waitForSelector('[data-testid=wiz-review]');
    await page.waitForSelector('[data-testid=wiz-expensive]');
    expect(await page.isDisabled('[data-testid=wiz-start]')).toBe(true);
    await page.check('[data-testid=wiz-confirm]');
    await shot(page, 'wizard-warning');
    await page.click('[data-testid=wiz-start]');
    const seen = await cancelExplainOnFirstProgress(page);
    expect(seen.total).toBe(3136);
    expect(seen.done).toBeLessThan(3136);
    expect(seen.text).toMatch(/^[\d,]+ \/ 3,136/);
    expect(seen.text).toMatch(/left|estimating/);
    await page.waitForSelector('[data-testid=explain-status][data-status=cancelled]', { timeout: 30_000 });
    await clearToasts(page);
    await shot(page, 'cancelled');

    // Resume from the Jobs screen; the finished run has every neuron.
    await page.click('[data-testid=nav-jobs]');
    const row = page.locator('[data-testid^=job-row-][data-status=cancelled]').first();
    await row.waitFor({ timeout: LONG });
    const jobId = Number((await row.getAttribute('data-testid'))?.replace('job-row-', ''));
    await page.click(`[data-testid=job-resume-${jobId}]`);
    await page.waitForSelector(`[data-testid=job-row-${jobId}][data-status=done]`, { timeout: LONG });
    await page.click('[data-testid=nav-explanations]');
    await page.waitForSelector('[data-testid=run-item][data-status=done]', { timeout: LONG });
    await page.click('[data-testid=run-item][data-status=done]');
    await page.waitForSelector('[data-testid=results][data-total="3136"][data-loading=false]', { timeout: LONG });
    expect(await page.locator('[data-testid=result-row]').count()).toBeLessThan(100); // virtualised
    // Paged: scrolling to the end fetches the last page (rows come 500 at a time).
    await page.$eval('[data-testid=results-scroll]', (el) => {
      (el as unknown as { scrollTop: number; scrollHeight: number }).scrollTop = (el as unknown as { scrollHeight: number }).scrollHeight;
    });
    await page.waitForSelector('[data-testid=result-row][data-neuron="3135"]', { timeout: 20_000 });
    await clearToasts(page);
    await shot(page, 'resumed');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
