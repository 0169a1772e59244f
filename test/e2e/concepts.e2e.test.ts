import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { writeFashionMnistTree } from '../helpers/fashionMnist';
import { CHROMIUM, clearToasts, elementShot, REPO, useWebSpec, watchErrors } from './support';
import { addModelAndExtract, createProject, startImport, waitImportDone, waitReady } from './scenario';

// Image-text concepts end to end, browser mode: the Concepts screen (add two fixture encoders, an invalid
// folder's error, the tokenizer probe, the calibration wizard with BCE before/after and the reliability
// diagram, a concept set from the labels), an LE(SigLIP) run with the first encoder on that set, scoring it
// with the second encoder as simulator (means table: label + encoder rows, per-neuron column), and typing
// any text on the neuron page under the image-text simulator.

const PER_CLASS = 30;
const LONG = 180_000;
const MODEL = join(REPO, 'resources/fixtures/models/fmnist_cnn.onnx');
const POOLED = '/Flatten_output_0';
const ENCODER_A = join(REPO, 'resources/fixtures/encoders/fmnist_siglip_a');
const ENCODER_B = join(REPO, 'resources/fixtures/encoders/fmnist_clip_b');
const haveChromium = existsSync(CHROMIUM);
const haveEncoders = existsSync(ENCODER_A) && existsSync(ENCODER_B);

/** The screen scrolls inside .screen, not the document: shoot one element of it, tall enough to fit. */
const shotOf = (page: Page, selector: string, name: string) => elementShot(page, selector, `concepts-${name}`);

async function addEncoder(page: Page, path: string, name: string): Promise<number> {
  await page.fill('[data-testid=encoder-path]', path);
  await page.fill('[data-testid=encoder-name]', name);
  await page.click('[data-testid=encoder-add-submit]');
  const row = page.locator(`[data-testid=encoder-row][data-name="${name}"]`);
  await row.waitFor({ timeout: LONG });
  return Number(await row.getAttribute('data-id'));
}

/** Select an encoder on the Concepts screen and run the calibration wizard on the (only) probe set. */
async function calibrate(page: Page, name: string): Promise<{ before: number; after: number }> {
  await page.click(`[data-testid=encoder-row][data-name="${name}"] button.link`);
  await page.waitForSelector(`[data-testid=encoder-detail][data-name="${name}"]`);
  await page.click('[data-testid=cal-start]');
  await page.waitForSelector('[data-testid=calibration-report]', { timeout: LONG });
  await page.waitForSelector(`[data-testid=encoder-row][data-name="${name}"][data-calibrated=true]`);
  return {
    before: Number(await page.getAttribute('[data-testid=bce-before]', 'data-value')),
    after: Number(await page.getAttribute('[data-testid=bce-after]', 'data-value')),
  };
}

describe.skipIf(!haveChromium || !haveEncoders)('concepts: encoders, calibration, LE(SigLIP), image-text simulator (browser mode)', () => {
  const spec = useWebSpec('nwb-concepts-e2e', async (dir) => {
    await writeFashionMnistTree(join(dir, 'fmnist-probes'), { perClass: PER_CLASS, split: 'test' });
  });
  const probes = () => join(spec.dir, 'fmnist-probes');

  it('adds encoders, calibrates, explains with an encoder, scores with another and scores typed text', { timeout: 900_000 }, async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await createProject(page, join(spec.dir, 'concepts.nwb'));
    await startImport(page, probes());
    expect((await waitImportDone(page)).images).toBe(PER_CLASS * 10);
    await addModelAndExtract(page, MODEL, 'fmnist_cnn', POOLED, { timeout: LONG });
    await clearToasts(page);

    // Concepts screen: an invalid folder shows the backend's message; the two fixture encoders are added.
    await page.click('[data-testid=nav-concepts]');
    await page.waitForSelector('[data-testid=encoders-panel]');
    await page.fill('[data-testid=encoder-path]', probes());
    await page.click('[data-testid=encoder-add-submit]');
    await page.waitForSelector('[data-testid=encoder-add-error]', { timeout: LONG });
    expect(((await page.textContent('[data-testid=encoder-add-error] p')) ?? '').length).toBeGreaterThan(0);
    const idA = await addEncoder(page, ENCODER_A, 'siglip_a');
    const idB = await addEncoder(page, ENCODER_B, 'clip_b');
    expect(idB).not.toBe(idA);
    expect(await page.textContent(`[data-testid=encoder-row][data-name=siglip_a] [data-testid=encoder-status]`)).toBe('ok');
    expect(await page.getAttribute('[data-testid=encoder-row][data-name=siglip_a]', 'data-calibrated')).toBe('false');

    // Tokenizer probe of the selected encoder.
    await page.click('[data-testid=encoder-row][data-name=siglip_a] button.link');
    await page.fill('[data-testid=tokenize-input]', 'open toe sandal');
    await page.click('[data-testid=tokenize-submit]');
    await page.waitForSelector('[data-testid=tokenize-result]');
    expect(await page.locator('[data-testid=tokenize-result] .token').count()).toBeGreaterThan(0);

    // Calibration wizard: BCE after < BCE before is shown, with the reliability diagram and the AUROC table.
    const a = await calibrate(page, 'siglip_a');
    expect(a.after).toBeLessThan(a.before);
    expect(await page.textContent('[data-testid=bce-verdict]')).toContain('<');
    expect(Number(await page.getAttribute('[data-testid=reliability-chart]', 'data-points-after'))).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=auroc-row]').count()).toBeGreaterThan(0);
    await page.waitForSelector('[data-testid=cal-history-row][data-source=fitted]');
    await clearToasts(page);
    await shotOf(page, '[data-testid=calibration-wizard]', 'calibration');
    const b = await calibrate(page, 'clip_b');
    expect(b.after).toBeLessThan(b.before);
    await clearToasts(page);
    await shotOf(page, '[data-testid=concepts-screen]', 'encoders');

    // Concept set from the probe set's labels.
    await page.click('[data-testid=concepts-tab-sets]');
    await page.click('[data-testid=cs-from-labels]');
    const labelsRow = page.locator('[data-testid=conceptset-row][data-source=labels]').first();
    await labelsRow.waitFor();
    const labelsSetId = Number(await labelsRow.getAttribute('data-id'));
    await page.waitForSelector('[data-testid=conceptset-view] [data-testid=conceptset-concepts] .chip');
    expect(await page.textContent('[data-testid=conceptset-concepts]')).toContain('Sandal');
    const labelsTotal = Number(await page.getAttribute('[data-testid=conceptset-view]', 'data-total'));
    expect(labelsTotal).toBeGreaterThanOrEqual(12);
    // The top-5 filter of that set under siglip_a: kept count and the dropped table (may be empty).
    await page.selectOption('[data-testid=filter-encoder]', String(idA));
    await page.click('[data-testid=filter-start]');
    const kept = page.locator('[data-testid=filter-result]');
    await kept.waitFor({ timeout: LONG });
    expect(Number(await kept.getAttribute('data-kept')) + Number(await kept.getAttribute('data-dropped'))).toBe(labelsTotal);
    await page.waitForSelector('[data-testid=conceptset-row][data-source=filtered]');
    await clearToasts(page);
    await shotOf(page, '[data-testid=concepts-screen]', 'concept-sets');

    // Explain wizard with the image-text concept source: encoder A on the labels set, top-5 filter on.
    await page.click('[data-testid=nav-explanations]');
    await page.waitForSelector('[data-testid=explain-wizard][data-step="0"]');
    const setRadio = page.locator(`[data-testid=wiz-set][data-tensor="${POOLED}"] input`);
    await setRadio.waitFor();
    await setRadio.check();
    await page.click('[data-testid=wizard-next]');
    await page.check('[data-testid=wiz-source-encoder]');
    await page.selectOption('[data-testid=wiz-encoder]', String(idA));
    await page.selectOption('[data-testid=wiz-conceptset]', String(labelsSetId));
    expect(await page.isChecked('[data-testid=wiz-filter]')).toBe(true);
    await shotOf(page, '[data-testid=explain-wizard]', 'wizard-source');
    await page.click('[data-testid=wizard-next]');
    await page.waitForSelector('[data-testid=wiz-split]');
    await page.click('[data-testid=wizard-next]');
    await page.waitForSelector('[data-testid=wiz-review]');
    expect(await page.textContent('[data-testid=wiz-source]')).toContain('siglip_a');
    await page.click('[data-testid=wiz-start]');
    await page.waitForSelector('[data-testid=results][data-total="64"][data-loading=false]', { timeout: LONG });
    expect(await page.textContent('[data-testid=run-item][data-status=done]')).toContain('LE(SigLIP)');
    await clearToasts(page);

    // Simulator scoring: the explainer encoder is warned about; encoder B scores the run.
    await page.waitForSelector('[data-testid=simulator-panel]');
    await page.selectOption('[data-testid=sim-encoder]', String(idA));
    await page.waitForSelector('[data-testid=sim-same-warning]');
    await page.selectOption('[data-testid=sim-encoder]', String(idB));
    expect(await page.locator('[data-testid=sim-same-warning]').count()).toBe(0);
    await page.click('[data-testid=sim-start]');
    // An LE(SigLIP) run is scored by its explainer (marked) and now by clip_b, side by side.
    await page.waitForSelector('[data-testid=sim-means-row][data-simulator=encoder][data-name=clip_b]', { timeout: LONG });
    expect(await page.getAttribute('[data-testid=sim-means-row][data-name=siglip_a]', 'data-explainer')).toBe('true');
    const encMean = Number(
      await page.getAttribute('[data-testid=sim-means-row][data-name=clip_b] td[data-method=le_siglip]', 'data-value'),
    );
    expect(Number.isFinite(encMean)).toBe(true);
    await page.waitForSelector('[data-testid=result-row][data-dead=false] [data-testid=result-sim][data-simulator=clip_b]', {
      timeout: LONG,
    });
    await clearToasts(page);
    await shotOf(page, '[data-testid=explanations-main]', 'results');

    // Neuron page: any text under the image-text simulator gets a numeric test correlation.
    // The unit's number (the row's middle is now the explanation's more/less button).
    await page.locator('[data-testid=result-row][data-dead=false]').first().locator('[role=cell]').first().click();
    await page.waitForSelector('[data-testid=neuron-page][data-loaded=true]');
    await page.selectOption('[data-testid=score-text-simulator]', String(idB));
    await page.fill('[data-testid=score-text-input]', 'open toe sandal');
    await page.click('[data-testid=score-text-submit]');
    await page.waitForSelector('[data-testid=score-text-result]', { timeout: LONG });
    const r = Number(await page.getAttribute('[data-testid=score-text-result]', 'data-value'));
    expect(Number.isFinite(r)).toBe(true);
    expect(r).toBeGreaterThanOrEqual(-1);
    expect(r).toBeLessThanOrEqual(1);
    await page.fill('[data-testid=score-text-input]', 'a shoe with laces');
    await page.click('[data-testid=score-text-submit]');
    await page.waitForSelector('[data-testid=score-text-history]');
    expect(await page.locator('[data-testid=score-text-history] tbody tr').count()).toBe(2);
    // "a" and "with" are not in clip_b's vocabulary: said under the score. Nonsense: none of its words are known.
    await expect.poll(() => page.getAttribute('[data-testid=score-text-unknown]', 'data-words')).toBe('a with');
    await page.fill('[data-testid=score-text-input]', 'xyzzy plugh');
    await page.click('[data-testid=score-text-submit]');
    await expect.poll(() => page.getAttribute('[data-testid=score-text-unknown]', 'data-words')).toBe('xyzzy plugh');
    expect(await page.textContent('[data-testid=score-text-unknown]')).toMatch(/^None of the words of "xyzzy plugh" are known/);
    await shotOf(page, '[data-testid=score-text]', 'score-text');

    // A label LE run of the same layer, scored with clip_b: the label simulator's row first, the encoder's next to it.
    await page.click('[data-testid=nav-explanations]');
    await page.click('[data-testid=explain-new]');
    await page.waitForSelector('[data-testid=explain-wizard][data-step="0"]');
    await page.locator(`[data-testid=wiz-set][data-tensor="${POOLED}"] input`).check();
    await page.click('[data-testid=wizard-next]');
    await page.waitForSelector('[data-testid=wiz-concepts]');
    await page.click('[data-testid=wizard-next]');
    await page.waitForSelector('[data-testid=wiz-split]');
    await page.click('[data-testid=wizard-next]');
    await page.click('[data-testid=wiz-start]');
    await page.waitForSelector('[data-testid=run-item][data-id="2"][data-status=done]', { timeout: LONG });
    await page.waitForSelector('[data-testid=results][data-total="64"][data-loading=false]', { timeout: LONG });
    await clearToasts(page);
    await page.selectOption('[data-testid=sim-encoder]', String(idB));
    await page.click('[data-testid=sim-start]');
    await page.waitForSelector('[data-testid=sim-means-row][data-simulator=encoder][data-name=clip_b]', { timeout: LONG });
    expect(await page.locator('[data-testid=sim-means-row]').first().getAttribute('data-simulator')).toBe('label');
    const labelMean = Number(
      await page.getAttribute('[data-testid=sim-means-row][data-simulator=label] td[data-method=le_label]', 'data-value'),
    );
    const clipMean = Number(
      await page.getAttribute('[data-testid=sim-means-row][data-name=clip_b] td[data-method=le_label]', 'data-value'),
    );
    expect(Number.isFinite(labelMean) && Number.isFinite(clipMean)).toBe(true);
    await page.waitForSelector('[data-testid=result-row][data-dead=false] [data-testid=result-sim][data-simulator=clip_b]', {
      timeout: LONG,
    });
    await clearToasts(page);
    await shotOf(page, '[data-testid=simulator-panel]', 'means-label-run');

    // Ablation scores of the label run's explanations under clip_b (Norm only, to keep it short).
    await page.click('[data-testid=nav-ablation]');
    await page.waitForSelector('[data-testid=abl-wizard][data-step="0"]');
    await page.locator('[data-testid=abl-run] input').first().waitFor();
    await page.click('[data-testid=abl-next]');
    await page.waitForSelector('[data-testid=abl-mapping]', { timeout: LONG });
    await page.click('[data-testid=abl-next]');
    await page.waitForSelector('[data-testid=abl-score-step]');
    await page.selectOption('[data-testid=abl-simulator-select]', String(idB));
    await page.uncheck('[data-testid=abl-mode-optim]');
    await page.click('[data-testid=abl-start]');
    await page.waitForSelector('[data-testid=abl-results][data-loaded=true]', { timeout: LONG });
    await page.waitForSelector('[data-testid=abl-method-row][data-method=le_label]');
    expect(await page.textContent('[data-testid=abl-simulator-name]')).toBe('clip_b');
    const norm = Number(await page.getAttribute('[data-testid=abl-method-row][data-method=le_label]', 'data-norm'));
    expect(Number.isFinite(norm) && norm <= 1).toBe(true);
    await clearToasts(page);
    await shotOf(page, '[data-testid=abl-results]', 'ablation-clip-b');

    expect(errors).toEqual([]);
    await page.close();
  });
});
