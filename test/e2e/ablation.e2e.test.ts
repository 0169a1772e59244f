import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CLASS_NAMES, writeFashionMnistTree } from '../helpers/fashionMnist';
import { CHROMIUM, clearToasts, elementShot, REPO, shotPath, useWebSpec, watchErrors } from './support';
import { addModelAndExtract, createProject, startImport, waitImportDone, waitReady } from './scenario';

// The Ablation page end to end, browser mode: real renderer, real backend, the fmnist_cnn fixture and 300
// Fashion-MNIST probe images. The pooled layer is extracted and explained (LE from labels) through the UI, then the
// ablation wizard: run -> label mapping (class names from the fixtures' models.json; a wrong mapping typed in the editor
// makes the accuracy check warn, then it is reset) -> head status -> temperature -> scoring job
// (Optim + Norm); results with mean ± SE per method, the correlation-vs-ablation scatter, the per-neuron table, and
// Top Impact (five TI values and the curve).

const PER_CLASS = 30;
const LONG = 60_000;
const MODEL = join(REPO, 'resources/fixtures/models/fmnist_cnn.onnx');
const POOLED = '/Flatten_output_0';
const LAYER2 = '/layer2/relu_1/Relu_output_0'; // 32 x 14 x 14, spatial mean: layer3 follows, so no linear head (the tail graph)
const haveChromium = existsSync(CHROMIUM);

/** The screen scrolls inside .screen, not the document: shoot one element of it, tall enough to fit whole. */
const shotOf = (page: Page, selector: string, name: string) => elementShot(page, selector, `ablation-${name}`, 3200);

/**
 * From inside the page: the moment the ablation job shows a determinate bar ("0 / N"), read it and click Cancel (no
 * test-runner round trip in between).
 */
function cancelAblationOnProgress(page: Page): Promise<{ total: number; text: string }> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const bar = document.querySelector('[data-testid=abl-progress]');
      const total = Number(bar ? bar.getAttribute('data-total') : 0);
      const cancel = document.querySelector('[data-testid=abl-cancel]');
      if (total > 0 && cancel) {
        const text = bar.querySelector('.progress-text').textContent;
        cancel.click();
        resolve({ total, text });
        return;
      }
      if (Date.now() - started > 60000) { reject(new Error('no ablation progress within 60 s')); return; }
      requestAnimationFrame(tick);
    };
    tick();
  })`);
}

const numAttr = async (page: Page, selector: string, attr: string) => Number(await page.getAttribute(selector, attr));

describe.skipIf(!haveChromium)('ablation page (browser mode)', () => {
  const spec = useWebSpec('nwb-ablation-e2e', async (dir) => {
    await writeFashionMnistTree(join(dir, 'fmnist-probes'), { perClass: PER_CLASS, split: 'test' });
  });
  const probes = () => join(spec.dir, 'fmnist-probes');

  it('checks the labels, scores explanations by ablation (Optim + Norm) and shows Top Impact', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await createProject(page, join(spec.dir, 'ablation.nwb'));
    await startImport(page, probes());
    expect((await waitImportDone(page)).images).toBe(PER_CLASS * 10);

    // Model, extraction of the pooled layer, LE from labels (the Explanations wizard with its defaults).
    await addModelAndExtract(page, MODEL, 'fmnist_cnn', POOLED, { timeout: LONG });
    await page.click('[data-testid=nav-explanations]');
    await page.locator(`[data-testid=wiz-set][data-tensor="${POOLED}"] input`).check();
    for (let i = 0; i < 3; i++) {
      await page.waitForSelector('[data-testid=wizard-next]:not([disabled])');
      await page.click('[data-testid=wizard-next]');
    }
    await page.click('[data-testid=wiz-start]');
    await page.waitForSelector('[data-testid=results][data-total="64"][data-loading=false]', { timeout: LONG });
    await clearToasts(page);

    // Ablation wizard, step 1: the explain run is preselected and names its layer.
    await page.click('[data-testid=nav-ablation]');
    await page.waitForSelector('[data-testid=abl-wizard][data-step="0"]');
    const runRadio = page.locator(`[data-testid=abl-run][data-tensor="${POOLED}"] input`);
    await runRadio.waitFor();
    expect(await runRadio.isChecked()).toBe(true);
    expect(await page.textContent('[data-testid=abl-run]')).toContain('fmnist_cnn');
    // Checked when chosen: this run can be scored (nothing to say against it).
    await page.waitForSelector('[data-testid=abl-run-check][data-ok=true]', { timeout: LONG });
    expect(await page.locator('[data-testid=abl-run-problem]').count()).toBe(0);
    await shotOf(page, '[data-testid=abl-wizard]', 'wizard-1');
    await page.click('[data-testid=abl-next]');

    // Step 2: the automatic mapping (class names from the fixtures' models.json) and the accuracy, before anything runs.
    await page.waitForSelector('[data-testid=abl-mapping]', { timeout: LONG });
    expect(await page.getAttribute('[data-testid=abl-mapping]', 'data-source')).toBe('metadata');
    expect(await page.textContent('[data-testid=abl-accuracy]')).toMatch(/^\d+(\.\d)?%$/);
    const autoAcc = await numAttr(page, '[data-testid=abl-accuracy]', 'data-value');
    expect(autoAcc).toBeGreaterThan(0.6);
    expect(await page.locator('[data-testid=abl-accuracy-warn]').count()).toBe(0);
    expect(await page.locator('[data-testid=abl-mapping-row]').count()).toBe(10);
    for (const [i, name] of CLASS_NAMES.entries())
      expect(await page.getAttribute(`[data-testid=abl-mapping-row][data-label="${name}"]`, 'data-class')).toBe(String(i));
    await page.waitForSelector('[data-testid=abl-head][data-linear=true]', { timeout: LONG });
    expect(await page.textContent('[data-testid=abl-head]')).toContain('closed-form linear head');
    expect(await page.getAttribute('[data-testid=abl-gradient]', 'data-method')).toBe('closed-form');
    await shotOf(page, '[data-testid=abl-wizard]', 'mapping');

    // A wrong mapping (every class shifted by one) in the editor: the accuracy drops and the warning appears.
    for (const [i, name] of CLASS_NAMES.entries()) {
      const j = (i + 1) % CLASS_NAMES.length;
      await page.locator(`[data-testid=abl-mapping-row][data-label="${name}"] select`).selectOption(String(j));
      await page.waitForSelector(`[data-testid=abl-mapping-row][data-label="${name}"][data-class="${j}"]`, { timeout: LONG });
    }
    await page.waitForSelector('[data-testid=abl-mapping][data-source=explicit]');
    await expect.poll(() => numAttr(page, '[data-testid=abl-accuracy]', 'data-value'), { timeout: 20_000 }).toBeLessThan(0.5);
    expect(await page.textContent('[data-testid=abl-accuracy-warn]')).toContain('labels probably do not match');
    expect(await numAttr(page, '[data-testid=abl-chance]', 'data-value')).toBeCloseTo(0.1, 9);
    await shotOf(page, '[data-testid=abl-wizard]', 'mapping-wrong');

    // The refusal: at the last step the start is blocked, saying why, until the mapping is fixed or confirmed.
    await page.click('[data-testid=abl-next]');
    await page.waitForSelector('[data-testid=abl-low-accuracy]', { timeout: LONG });
    expect(await page.textContent('[data-testid=abl-low-accuracy]')).toMatch(/only \d+\.\d% of the probe images \(chance is 10\.0%\)/);
    expect(await page.isDisabled('[data-testid=abl-start]')).toBe(true);
    await page.check('[data-testid=abl-confirm-low]');
    await expect.poll(() => page.isDisabled('[data-testid=abl-start]')).toBe(false);
    await shotOf(page, '[data-testid=abl-wizard]', 'mapping-refusal');
    // The fix: back to the labels step and the automatic mapping.
    await page.click('[data-testid=abl-back]');
    await page.click('[data-testid=abl-mapping-reset]');
    await page.waitForSelector('[data-testid=abl-mapping][data-source=metadata]', { timeout: LONG });
    expect(await numAttr(page, '[data-testid=abl-accuracy]', 'data-value')).toBe(autoAcc);
    expect(await page.locator('[data-testid=abl-accuracy-warn]').count()).toBe(0);
    await page.click('[data-testid=abl-next]');
    await page.waitForSelector('[data-testid=abl-score-step]');
    expect(await page.locator('[data-testid=abl-low-accuracy]').count()).toBe(0);

    // Step 3: the three methods of an LE run, both modes, the fitted temperature with its NLL.
    await page.waitForSelector('[data-testid=abl-score-step]');
    expect(await page.locator('[data-testid=abl-methods] [data-method]').count()).toBe(3);
    expect(await page.isChecked('[data-testid=abl-mode-optim]')).toBe(true);
    expect(await page.isChecked('[data-testid=abl-mode-norm]')).toBe(true);
    await page.waitForSelector('[data-testid=abl-temperature-value]', { timeout: LONG });
    const t = await numAttr(page, '[data-testid=abl-temperature]', 'data-value');
    expect(t).toBeGreaterThan(0);
    expect(await page.textContent('[data-testid=abl-temperature]')).toMatch(/NLL [\d.]+ at T vs [\d.]+ at T = 1/);
    await page.fill('[data-testid=abl-t-override]', '-1');
    expect(await page.isDisabled('[data-testid=abl-start]')).toBe(true);
    await page.fill('[data-testid=abl-t-override]', '');
    // Every method is ticked; unticking all of them blocks the start.
    for (const m of ['le_label', 'best_concept', 'top5']) expect(await page.isChecked(`[data-testid=abl-method-${m}]`)).toBe(true);
    for (const m of ['le_label', 'best_concept', 'top5']) await page.uncheck(`[data-testid=abl-method-${m}]`);
    expect(await page.isDisabled('[data-testid=abl-start]')).toBe(true);
    for (const m of ['le_label', 'best_concept', 'top5']) await page.check(`[data-testid=abl-method-${m}]`);
    await shotOf(page, '[data-testid=abl-wizard]', 'wizard-3');
    await page.click('[data-testid=abl-start]');

    // Results: mean ± SE per method (Optim and Norm), the scatter with points, the per-neuron table.
    await page.waitForSelector('[data-testid=abl-results][data-loaded=true]', { timeout: LONG });
    expect(await page.textContent('[data-testid=abl-gradient-used]')).toBe('closed-form');
    await page.waitForSelector('[data-testid=abl-method-row]');
    const methods = await page.locator('[data-testid=abl-method-row]').evaluateAll((els) => els.map((e) => e.getAttribute('data-method')));
    expect(methods.sort()).toEqual(['best_concept', 'le_label', 'top5']);
    const le = '[data-testid=abl-method-row][data-method=le_label]';
    expect(await page.textContent(`${le} [data-testid=abl-mean-optim]`)).toMatch(/^-?\d\.\d{4} ± \d\.\d{4}$/);
    expect(await page.textContent(`${le} [data-testid=abl-mean-norm]`)).toMatch(/^-?\d\.\d{4} ± \d\.\d{4}$/);
    const leOptim = await numAttr(page, le, 'data-optim');
    expect(leOptim).toBeGreaterThan(-1);
    expect(leOptim).toBeLessThanOrEqual(1);
    await expect
      .poll(() => page.locator('[data-testid=abl-scatter] .abl-scatter-points .recharts-scatter-symbol').count(), { timeout: 10_000 })
      .toBeGreaterThan(30);
    expect(await numAttr(page, '[data-testid=abl-scatter]', 'data-points')).toBeGreaterThan(30);
    expect(await page.locator('[data-testid=abl-scatter] .abl-fit-line .recharts-scatter-line').count()).toBeGreaterThan(0);
    expect(await numAttr(page, '[data-testid=abl-neuron-table]', 'data-rows')).toBe(64 * 3);
    await page.click('[data-testid=abl-sort-optim]');
    await page.waitForSelector('[data-testid=abl-neuron-table][data-sort="optim:desc"]');
    const optims = await page.locator('[data-testid=abl-neuron-row]').evaluateAll((els) =>
      els
        .slice(0, 20)
        .map((e) => e.getAttribute('data-optim'))
        .filter((v) => v !== '')
        .map(Number),
    );
    expect(optims.length).toBeGreaterThan(5);
    expect(optims.slice(1).every((v, i) => v <= optims[i])).toBe(true);
    await page.click('[data-testid=abl-scatter-mode-norm]');
    await expect
      .poll(() => page.locator('[data-testid=abl-scatter] .abl-scatter-points .recharts-scatter-symbol').count())
      .toBeGreaterThan(30);
    await clearToasts(page);

    // Top Impact of the layer: five TI values (layer mean) and the curve.
    await page.click('[data-testid=ti-start]');
    await page.waitForSelector('[data-testid=ti-results][data-loaded=true]', { timeout: LONG });
    const ti = await page.locator('[data-testid=ti-mean]').evaluateAll((els) => els.map((e) => e.getAttribute('data-value')));
    expect(ti).toHaveLength(5);
    const tiNums = ti.map(Number);
    expect(tiNums.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
    expect(tiNums.slice(1).every((v, i) => v >= tiNums[i] - 1e-9)).toBe(true); // cumulative
    expect(await page.locator('[data-testid=ti-row]').count()).toBe(64);
    await expect
      .poll(() => page.locator('[data-testid=ti-curve] .recharts-line-curve').count(), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(3);
    expect(await page.textContent('[data-testid=ti-why]')).toContain('lower and middle activation range');
    const second = page.locator('[data-testid=ti-row]').nth(1);
    const n1 = await second.getAttribute('data-neuron');
    await second.click();
    await page.waitForSelector(`[data-testid=ti-row][data-neuron="${n1}"].selected`);
    await clearToasts(page);
    await page.screenshot({ path: shotPath('ablation-screen') });
    await shotOf(page, '[data-testid=abl-results]', 'results');
    await shotOf(page, '[data-testid=ti-panel]', 'topimpact');

    await page.selectOption('[data-testid=theme-select]', 'dark');
    await page.screenshot({ path: shotPath('ablation-screen-dark') });
    await shotOf(page, '[data-testid=abl-results]', 'results-dark');
    await shotOf(page, '[data-testid=ti-panel]', 'topimpact-dark');
    await page.click('[data-testid=abl-new]');
    await page.click('[data-testid=abl-next]');
    await page.waitForSelector('[data-testid=abl-mapping]');
    await page.waitForSelector('[data-testid=abl-head]');
    await shotOf(page, '[data-testid=abl-wizard]', 'mapping-dark');
    await page.selectOption('[data-testid=theme-select]', 'system');

    expect(errors).toEqual([]);
    await page.close();
  }, 400_000);

  it('names the tail sub-graph for a spatial layer, and cancels a running ablation job', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'dark' });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await createProject(page, join(spec.dir, 'tail.nwb'));
    await startImport(page, probes());
    expect((await waitImportDone(page)).images).toBe(PER_CLASS * 10);
    await addModelAndExtract(page, MODEL, 'fmnist_cnn', LAYER2, { timeout: LONG });
    await page.click('[data-testid=nav-explanations]');
    await page.locator(`[data-testid=wiz-set][data-tensor="${LAYER2}"] input`).check();
    for (let i = 0; i < 3; i++) {
      await page.waitForSelector('[data-testid=wizard-next]:not([disabled])');
      await page.click('[data-testid=wizard-next]');
    }
    await page.click('[data-testid=wiz-start]');
    await page.waitForSelector('[data-testid=results][data-total="32"][data-loading=false]', { timeout: LONG });
    await clearToasts(page);

    await page.click('[data-testid=nav-ablation]');
    await page.locator(`[data-testid=abl-run][data-tensor="${LAYER2}"] input`).check();
    await page.click('[data-testid=abl-next]');
    await page.waitForSelector('[data-testid=abl-head][data-linear=false]', { timeout: LONG });
    expect(await page.textContent('[data-testid=abl-head]')).toContain('tail sub-graph');
    expect(await page.textContent('[data-testid=abl-head]')).toMatch(/Not a linear head: \S/);
    expect(await page.getAttribute('[data-testid=abl-gradient]', 'data-method')).toBe('forward-mode');
    await shotOf(page, '[data-testid=abl-wizard]', 'tail-head-dark');
    await page.click('[data-testid=abl-next]');
    await page.waitForSelector('[data-testid=abl-temperature-value]', { timeout: LONG });
    await page.click('[data-testid=abl-start]');
    const seen = await cancelAblationOnProgress(page);
    expect(seen.total).toBe(32);
    expect(seen.text).toMatch(/^\d+ \/ 32/);
    await page.waitForSelector('[data-testid=abl-status][data-status=cancelled]', { timeout: LONG });
    await clearToasts(page);
    await shotOf(page, '[data-testid=abl-wizard]', 'cancelled-dark');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
