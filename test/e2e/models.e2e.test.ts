import { existsSync, readFileSync } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { writeFashionMnistTree } from '../helpers/fashionMnist';
import { CHROMIUM, clearToasts, REPO, shotPath, useWebSpec, watchErrors } from './support';
import { createProject, startImport, waitImportDone, waitReady } from './scenario';

// The Models page end to end, browser mode: the real renderer against the real backend, a real ONNX
// fixture (fmnist_cnn) and real Fashion-MNIST probe images. Add the model by path, find the suggested
// pooled layer, set preprocessing and see the preview, extract the layer, read the neuron stats.

const PER_CLASS = 10; // 10 classes -> 100 images
const BIG_COUNT = 3000; // enough that Cancel lands mid-extraction
const LONG = 120_000;
const MODEL = join(REPO, 'resources/fixtures/models/fmnist_cnn.onnx');

interface FixtureLayer {
  name: string;
  tensor: string;
}
const fixtures = JSON.parse(readFileSync(join(REPO, 'resources/fixtures/models.json'), 'utf8')) as {
  models: Array<{ id: string; interesting_layers: FixtureLayer[] }>;
};
const POOLED =
  fixtures.models.find((m) => m.id === 'fmnist_cnn')?.interesting_layers.find((l) => l.name === 'pooled')?.tensor ?? '/Flatten_output_0';

const PRE_RELU = '/layer3/conv1/Conv_output_0';

const haveChromium = existsSync(CHROMIUM);

/** Screenshots of this spec go to test-results/screenshots/models-<name>.png. */
async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: shotPath(`models-${name}`) });
}

/** Close the toasts so screenshots show the page under them. */
/**
 * From inside the page: the moment the extraction reports progress, read the bar's text and click Cancel
 * (no test-runner round trip in between, so the click lands mid-run even on a loaded machine).
 */
function cancelExtractOnFirstProgress(page: Page): Promise<{ done: number; total: number; text: string }> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const bar = document.querySelector('[data-testid=extract-progress]');
      const done = Number(bar ? bar.getAttribute('data-done') : 0);
      const cancel = document.querySelector('[data-testid=extract-cancel]');
      if (done > 0 && cancel) {
        const text = bar.querySelector('.progress-text').textContent;
        cancel.click();
        resolve({ done, total: Number(bar.getAttribute('data-total')), text });
        return;
      }
      if (Date.now() - started > 60000) { reject(new Error('no extraction progress within 60 s')); return; }
      requestAnimationFrame(tick);
    };
    tick();
  })`);
}

const num = (s: string | null) => Number((s ?? '').replace(/[^0-9.eE+-]/g, ''));

describe.skipIf(!haveChromium)('models page (browser mode)', () => {
  const spec = useWebSpec('nwb-models-e2e', async (dir) => {
    await writeFashionMnistTree(join(dir, 'fmnist-probes'), { perClass: PER_CLASS, split: 'test' });
    await writeFashionMnistTree(join(dir, 'fmnist-big'), { count: BIG_COUNT, split: 'train' });
  });
  const probes = () => join(spec.dir, 'fmnist-probes');
  const big = () => join(spec.dir, 'fmnist-big');

  it('adds an ONNX model by path, shows its layers and preview, extracts the pooled layer and shows neuron stats', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await createProject(page, join(spec.dir, 'models.nwb'));
    await startImport(page, probes());
    expect((await waitImportDone(page)).images).toBe(PER_CLASS * 10);

    // Add the model by its absolute path (no models yet: the add form is shown).
    await page.click('[data-testid=nav-models]');
    await page.fill('[data-testid=model-path]', MODEL);
    await page.click('[data-testid=model-add-submit]');
    await page.waitForSelector('[data-testid=model-view][data-name=fmnist_cnn]', { timeout: LONG });
    expect(await page.getAttribute('[data-testid=model-item][data-name=fmnist_cnn]', 'data-status')).toBe('ok');
    expect(await page.textContent('[data-testid=model-opset]')).toBe('17');
    expect(await page.textContent('[data-testid="io-input"][data-name=input] [data-testid=io-dims]')).toMatch(/1, 28, 28\]$/);
    await page.waitForSelector('[data-testid=provider-used]');
    expect(await page.textContent('[data-testid=provider-used]')).toBeTruthy();
    await clearToasts(page);
    await shot(page, 'overview');

    // Layers: the pooled features are suggested, with the reason; the search box narrows the table.
    await page.click('[data-testid=model-tab-layers]');
    const pooled = page.locator(`[data-testid=layer-row][data-tensor="${POOLED}"]`);
    await pooled.waitFor();
    expect(await pooled.getAttribute('data-suggested')).toBe('true');
    expect(((await pooled.locator('[data-testid=layer-reason]').textContent()) ?? '').length).toBeGreaterThan(10);
    const allRows = await page.locator('[data-testid=layer-row]').count();
    expect(allRows).toBeGreaterThan(5);
    await clearToasts(page);
    await shot(page, 'layers');
    await page.fill('[data-testid=layers-search]', 'Flatten');
    await expect.poll(() => page.locator('[data-testid=layer-row]').count()).toBeLessThan(allRows);
    expect(await pooled.isVisible()).toBe(true);
    await page.fill('[data-testid=layers-search]', '');

    // The file does not say how to preprocess: the page says the values are a guess.
    expect(await page.getAttribute('[data-testid=model-pre-kind]', 'data-kind')).toBe('guess');
    expect(await page.textContent('[data-testid=model-pre-guess]')).toMatch(/Preprocessing is a guess: .*Fashion-MNIST/);
    // Preprocessing: apply the Fashion-MNIST preset and see a probe image as the model gets it.
    await page.click('[data-testid=model-tab-preprocessing]');
    // Input statistics over probe images (the guess is Fashion-MNIST's normalisation: mean near 0, std near 1).
    await page.waitForSelector('[data-testid=input-stats-row]', { timeout: LONG });
    expect(await page.locator('[data-testid=input-stats-row]').count()).toBe(1);
    expect(Math.abs(Number(await page.getAttribute('[data-testid=input-stats-row]', 'data-mean')))).toBeLessThan(1);
    expect(await page.getAttribute('[data-testid=input-stats]', 'data-warning')).toBe('false');
    await page.selectOption('[data-testid=pre-preset]', 'fashion-mnist');
    await page.click('[data-testid=pre-apply-preset]');
    await expect.poll(() => page.inputValue('[data-testid=pre-mean]')).toBe('0.286');
    await page.waitForSelector('[data-testid=model-pre-kind][data-kind=set]', { timeout: LONG });
    expect(await page.locator('[data-testid=model-pre-guess]').count()).toBe(0);
    expect(await page.inputValue('[data-testid=pre-std]')).toBe('0.353');
    expect(await page.getAttribute('[data-testid=preprocess-editor]', 'data-dirty')).toBe('false');
    await page.waitForSelector('[data-testid=preview-img]', { timeout: LONG });
    type Img = { src: string; naturalWidth: number; complete: boolean };
    await expect
      .poll(() => page.$eval('[data-testid=preview-img]', (i) => (i as unknown as Img).complete && (i as unknown as Img).naturalWidth))
      .toBe(28);
    expect(await page.textContent('[data-testid=preview-shape]')).toBe('[1, 1, 28, 28]');
    await page.click('[data-testid=preview-next]');
    await expect.poll(() => page.textContent('[data-testid=preview-index]')).toBe('2 / 100');
    await clearToasts(page);
    await shot(page, 'preprocessing');

    // Extract the pooled layer (chosen from the layers table).
    await page.click('[data-testid=model-tab-layers]');
    await pooled.locator('[data-testid=layer-extract]').click();
    expect(await page.inputValue('[data-testid=extract-layer]')).toBe(POOLED);
    await page.fill('[data-testid=extract-batch]', '16');
    await page.click('[data-testid=extract-start]');
    await page.waitForSelector('[data-testid=extract-status]');
    await page.waitForSelector('[data-testid=extract-status][data-status=done]', { timeout: LONG });
    expect(await page.textContent('[data-testid=extract-result]')).toContain('100 images × 64 neurons');

    // The new activation set is selected: every neuron's stats, dead count at the top.
    const row0 = page.locator('[data-testid=neuron-stats-0]');
    await row0.waitFor({ timeout: LONG });
    const max0 = Number(await row0.locator('[data-testid=stat-max]').getAttribute('data-value'));
    expect(max0).toBeGreaterThan(0);
    const dead = page.locator('[data-testid=dead-count]');
    const deadCount = Number(await dead.getAttribute('data-value'));
    expect(Number.isInteger(deadCount)).toBe(true);
    expect(deadCount).toBeGreaterThanOrEqual(0);
    expect(deadCount).toBeLessThan(64);
    expect(num(await dead.textContent())).toBe(deadCount);
    // Virtualised: not all 64 rows are in the DOM.
    expect(await page.locator('[data-testid^=neuron-stats-]').count()).toBeLessThan(64);

    // Each row's number opens that unit's page (model / layer / unit address).
    expect(await row0.locator('[data-testid=stats-unit-link]').getAttribute('href')).toMatch(
      /^#\/explanations\/model\/\d+\/layer\/\d+\/unit\/0$/,
    );

    // Neuron 0's histogram: a recharts bar chart whose bars really rendered.
    await row0.click();
    await page.waitForSelector('[data-testid=neuron-detail][data-neuron="0"] [data-testid=neuron-max]');
    expect(num(await page.textContent('[data-testid=neuron-max]'))).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('[data-testid=neuron-hist] .recharts-bar-rectangle').count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
    await page.$eval('[data-testid=actsets]', (el) => el.scrollIntoView({ block: 'start' }));
    await clearToasts(page);
    await shot(page, 'neurons');

    // Sorting by max puts the strongest neuron first.
    await page.click('[data-testid=sort-max]');
    const firstMax = Number(
      await page.locator('[data-testid=neuron-scroll] [role=row]').first().locator('[data-testid=stat-max]').getAttribute('data-value'),
    );
    expect(firstMax).toBeGreaterThanOrEqual(max0);

    await page.selectOption('[data-testid=theme-select]', 'dark');
    await shot(page, 'neurons-dark');
    await page.selectOption('[data-testid=theme-select]', 'system');

    // A conv output before its ReLU, mean over space: channels whose mean never exceeds 0.01 are flagged dead.
    await page.selectOption('[data-testid=extract-layer]', PRE_RELU);
    await page.selectOption('[data-testid=extract-summary]', 'mean');
    await page.click('[data-testid=extract-start]');
    await page.waitForSelector('[data-testid=extract-status][data-status=done]', { timeout: LONG });
    await page.waitForSelector(`[data-testid=neurons][data-set]`);
    await expect.poll(() => page.locator('[data-testid=actset-row]').count()).toBe(2);
    await page.waitForSelector(`[data-testid=actset-row][data-tensor="${PRE_RELU}"][aria-selected=true]`);
    const preDead = Number(await page.locator('[data-testid=dead-count]').getAttribute('data-value'));
    await page.click('[data-testid=sort-dead]'); // dead first
    const top = page.locator('[data-testid=neuron-scroll] [role=row]').first();
    expect(preDead).toBeGreaterThan(0); // fmnist_cnn has such a channel in layer3.conv1 on these probes
    expect(await top.getAttribute('data-dead')).toBe('true');
    expect(await top.getAttribute('class')).toContain('dead');
    expect(await top.locator('.badge-dead').textContent()).toBe('dead');
    await clearToasts(page);
    await page.$eval('[data-testid=neurons]', (el) => el.scrollIntoView({ block: 'start' }));
    await shot(page, 'dead');

    expect(errors).toEqual([]);
    await page.close();
  });

  it('flags a model whose file went missing, with a hint, and removes it', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await createProject(page, join(spec.dir, 'missing.nwb'));
    const copy = join(spec.dir, 'copy_of_cnn.onnx');
    await copyFile(MODEL, copy);
    await page.click('[data-testid=nav-models]');
    await page.fill('[data-testid=model-path]', copy);
    await page.click('[data-testid=model-add-submit]');
    await page.waitForSelector('[data-testid=model-view][data-name=copy_of_cnn]', { timeout: LONG });
    await rm(copy);

    // Leave and come back: the list re-checks the files.
    await page.click('[data-testid=nav-project]');
    await page.click('[data-testid=nav-models]');
    await page.waitForSelector('[data-testid=model-item][data-name=copy_of_cnn][data-status=missing]');
    await page.waitForSelector('[data-testid=model-view][data-status=missing]');
    expect(await page.textContent('[data-testid=model-status-hint]')).toContain('no longer at this path');
    await clearToasts(page);
    await shot(page, 'missing');

    await page.click('[data-testid=model-remove]');
    await page.click('[data-testid=model-remove]'); // confirm
    await page.waitForSelector('[data-testid=model-item]', { state: 'detached' });
    await page.waitForSelector('[data-testid=model-add-form]');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows determinate progress with Cancel while extracting, and continues the cancelled run when started again', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'dark' });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await createProject(page, join(spec.dir, 'cancel.nwb'));
    await startImport(page, big());
    expect((await waitImportDone(page)).images).toBe(BIG_COUNT);
    await page.click('[data-testid=nav-models]');
    await page.fill('[data-testid=model-path]', MODEL);
    await page.click('[data-testid=model-add-submit]');
    await page.waitForSelector('[data-testid=model-view][data-name=fmnist_cnn]', { timeout: LONG });

    // A conv stage (4-D, mean over space): 64 channels.
    await page.click('[data-testid=model-tab-activations]');
    await page.selectOption('[data-testid=extract-layer]', '/layer3/relu_1/Relu_output_0');
    await page.selectOption('[data-testid=extract-summary]', 'mean');
    await page.fill('[data-testid=extract-batch]', '8');
    await page.click('[data-testid=extract-start]');
    const seen = await cancelExtractOnFirstProgress(page);
    expect(seen.total).toBe(BIG_COUNT);
    expect(seen.done).toBeLessThan(BIG_COUNT);
    expect(seen.text).toMatch(/^[\d,]+ \/ 3,000/);
    expect(seen.text).toMatch(/left|estimating/); // the ETA beside "n / N"
    await page.waitForSelector('[data-testid=extract-status][data-status=cancelled]', { timeout: 30_000 });
    await page.waitForSelector('[data-testid=actset-row][data-complete=false]');
    await clearToasts(page);
    await shot(page, 'cancelled');

    // Same settings again: it continues and completes the same set.
    await page.click('[data-testid=extract-start]');
    await page.waitForSelector('[data-testid=extract-status][data-status=done]', { timeout: LONG });
    expect(await page.textContent('[data-testid=extract-result]')).toContain('3,000 images × 64 neurons (mean)');
    await page.waitForSelector('[data-testid=actset-row][data-complete=true]');
    expect(await page.locator('[data-testid=actset-row]').count()).toBe(1);
    await page.locator('[data-testid=neuron-stats-0]').waitFor({ timeout: LONG });
    await page.click('[data-testid=sort-dead]');
    await page.click('[data-testid=neuron-stats-0]');
    await page.waitForSelector('[data-testid=neuron-detail][data-neuron="0"] .recharts-bar-rectangle');
    await clearToasts(page);
    await page.$eval('[data-testid=actsets]', (el) => el.scrollIntoView({ block: 'start' }));
    await shot(page, 'conv-neurons-dark');
    expect(errors).toEqual([]);
    await page.close();
  });
});
