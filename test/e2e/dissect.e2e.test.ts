import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createBackend } from '../../src/main/core/app/backend';
import { call } from '../helpers/backend';
import { CHROMIUM, clearToasts, elementShot, REPO, useWebSpec, watchErrors } from './support';
import { openProjectByPath, waitReady } from './scenario';

// The Describe-and-Dissect screen end to end, browser mode, with the committed fixture models run by the real
// runtimes. A project is built through the backend (the demo probe set of 600 Fashion-MNIST images, the fixture CNN's
// logits extracted, the fixture encoder, a concept set of the labels) and the three generative fixtures are added to
// the library the web server reads. In the browser: the DnD wizard is filled for three logit neurons (Sneaker, Bag,
// Ankle boot) with the fixtures' own settings (their prompt form typed into the Advanced fields, 10 steps, guidance 1.5),
// run to the end; its results table opens a neuron page whose chain shows captions, candidates, generated images and
// labels. CLIP-Dissect runs from its form; both runs are listed and exported in the reference formats.

const LONG = 600_000;
const FIX = join(REPO, 'resources/fixtures');
const DESCRIBERS = join(FIX, 'describers');
const GENERATOR = join(process.env.NWB_GENERATOR_FIXTURES ?? DESCRIBERS, 'generator');
const GGUF = join(DESCRIBERS, 'language_model/fmnist-concepts.gguf');
const haveFixtures =
  existsSync(CHROMIUM) &&
  existsSync(join(DESCRIBERS, 'captioner/config.json')) &&
  existsSync(GGUF) &&
  existsSync(join(GENERATOR, 'model_index.json'));
/** The prompt form the fixture language model was trained on (docs/language-model.md). */
const SUMMARISE = 'captions: {captions}\njson:';
const SIMPLIFY = 'captions: {caption}\njson:';
/** Logit neurons: neuron k is class k (7 Sneaker, 8 Bag, 9 Ankle_boot). */
const NEURONS = [7, 8, 9];

const shotOf = (page: Page, selector: string, name: string, height?: number) => elementShot(page, selector, `dissect-${name}`, height);

describe.skipIf(!haveFixtures)('Describe-and-Dissect and CLIP-Dissect (browser mode)', () => {
  const fx = {} as { project: string; logits: number };
  const spec = useWebSpec('nwb-dissect-e2e', async (dir) => {
    // The same user-data folder as the web server: the generative library is app-wide, kept there.
    const backend = createBackend({ userDataDir: join(dir, 'user-data'), mode: 'test' });
    try {
      fx.project = (await call(backend, 'project.create', { path: join(dir, 'dissect.nwb') })).path;
      const { probeSetId } = await call(backend, 'probe.import', { root: join(REPO, 'resources/demo/probe') });
      const model = await call(backend, 'model.add', { path: join(FIX, 'models/fmnist_cnn.onnx') });
      await call(backend, 'model.setPreprocessing', { modelId: model.id, preset: 'fashion-mnist' });
      fx.logits = (
        await call(backend, 'activations.extract', { modelId: model.id, probeSetId, layer: 'logits', summary: 'auto' })
      ).activationSet.id;
      const encoder = await call(backend, 'encoder.add', { path: join(FIX, 'encoders/fmnist_siglip_a') });
      // DnD and CLIP-Dissect only compare embeddings, but the neuron page of a run that names an encoder reads its
      // calibration (explain.neuron), as the integration tests' project has it.
      await call(backend, 'calibration.run', { encoderId: encoder.id, probeSetId });
      await call(backend, 'conceptSet.fromLabels', { probeSetId });
      await call(backend, 'describer.add', { role: 'captioner', path: join(DESCRIBERS, 'captioner') });
      await call(backend, 'describer.add', { role: 'language_model', path: GGUF });
      await call(backend, 'describer.add', { role: 'image_generator', path: GENERATOR });
      await call(backend, 'project.close', {});
    } finally {
      backend.dispose();
    }
  });
  let page: Page;
  let errors: string[];
  let dndRun = 0;

  it('fills the DnD wizard for three logit neurons with the fixture settings and runs it to the end', { timeout: LONG }, async () => {
    page = await spec.browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
    errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await openProjectByPath(page, fx.project);
    await page.click('[data-testid=nav-dissect]');
    await page.waitForSelector(`[data-testid=dissect-screen][data-set="${fx.logits}"]`);
    await page.waitForSelector('[data-testid=dnd-wizard]');

    // The library's fixtures are preselected, one per role.
    for (const role of ['captioner', 'language_model', 'image_generator'])
      expect(await page.inputValue(`[data-testid=dnd-model-${role}-select]`)).not.toBe('');
    await page.check('[data-testid=dnd-neurons-list]');
    await page.fill('[data-testid=dnd-neurons-text]', NEURONS.join(', '));
    expect(await page.getAttribute('[data-testid=dnd-neurons-count]', 'data-count')).toBe('3');
    // The project's one encoder is preselected (DnD compares embeddings: no calibration needed).
    expect(await page.inputValue('[data-testid=dnd-encoder]')).not.toBe('');
    await page.fill('[data-testid=dnd-steps]', '10');
    await page.fill('[data-testid=dnd-guidance]', '1.5');

    // One-click ablations switch stages (and back).
    await page.click('[data-testid=dnd-preset-no-selection]');
    expect(await page.isChecked('[data-testid=dnd-stage-select]')).toBe(false);
    expect(await page.getAttribute('[data-testid=dnd-model-image_generator]', 'data-disabled')).toBe('true');
    await page.click('[data-testid=dnd-preset-full]');
    expect(await page.isChecked('[data-testid=dnd-stage-select]')).toBe(true);

    // The fixture language model's prompt form, typed into the Advanced fields (the defaults are their placeholders).
    await page.click('[data-testid=dnd-advanced] summary');
    expect(await page.getAttribute('[data-testid=dnd-summarisePrompt]', 'placeholder')).toContain('{captions}');
    await page.fill('[data-testid=dnd-summarisePrompt]', SUMMARISE);
    await page.fill('[data-testid=dnd-simplifyPrompt]', SIMPLIFY);
    // A template without {concept} is refused by the contract's own check, and the Run button waits.
    await page.fill('[data-testid=dnd-promptTemplate]', 'an image');
    expect(await page.textContent('[data-testid=dnd-wizard]')).toContain('{concept}');
    expect(await page.isDisabled('[data-testid=dnd-run]')).toBe(true);
    await page.fill('[data-testid=dnd-promptTemplate]', '');
    expect(await page.isDisabled('[data-testid=dnd-run]')).toBe(false);
    await shotOf(page, '[data-testid=dnd-wizard]', 'wizard');

    await page.click('[data-testid=dnd-run]');
    await page.waitForSelector('[data-testid=dnd-status][data-status=running]');
    await page.waitForSelector('[data-testid=dnd-done]', { timeout: LONG - 60_000 });
    dndRun = Number(await page.getAttribute('[data-testid=dnd-done]', 'data-run'));
    expect(dndRun).toBeGreaterThan(0);
    expect(await page.textContent('[data-testid=dnd-done]')).toContain('3 of 3');
    await clearToasts(page);
    await page.waitForSelector(`[data-testid=dissect-run][data-run="${dndRun}"][data-method=dnd]`);
  });

  it('opens the results table and a neuron page with the whole chain', { timeout: LONG }, async () => {
    await page.click('[data-testid=dnd-open-results]');
    await page.waitForSelector('[data-testid=result-row]');
    expect(await page.locator('[data-testid=result-row]').count()).toBe(3);
    await shotOf(page, '[data-testid=explanations-main]', 'results', 1400);
    await page.click('[data-testid=result-row][data-neuron="7"]');
    await page.waitForSelector('[data-testid=neuron-page][data-neuron="7"][data-loaded=true]');
    const chain = page.locator('[data-testid=dnd-chain][data-status=done]');
    await chain.waitFor({ timeout: 60_000 });
    // Top images (logits have no spatial map: no crop boxes), captions, answers, candidates, generated images, labels.
    expect(await page.locator('[data-testid=dnd-probe-image]').count()).toBe(10);
    expect(await page.locator('[data-testid=dnd-caption]').count()).toBeGreaterThan(0);
    const captions = await page.locator('[data-testid=dnd-caption-text]').allTextContents();
    expect(captions.every((c) => c.trim().length > 0)).toBe(true);
    expect(await page.locator('[data-testid=dnd-answer]').count()).toBe(5);
    const candidates = await page.locator('[data-testid=dnd-candidate-chip]').allTextContents();
    expect(candidates.length).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=dnd-candidate]').count()).toBe(candidates.length);
    await expect
      .poll(() => page.locator('[data-testid=dnd-gen-image][data-loaded=true]').count(), { timeout: 60_000 })
      .toBe(10 * candidates.length);
    expect(await page.locator('[data-testid=dnd-gen-image][data-in-top=true]').count()).toBe(10);
    expect(await page.locator('[data-testid=dnd-selection-row]').count()).toBe(candidates.length);
    const labels = await page.locator('[data-testid=dnd-label] strong').allTextContents();
    expect(labels.length).toBeGreaterThan(0);
    expect(candidates).toContain(labels[0]);
    // The first label is the explanation the page scores (method DnD).
    expect(await page.textContent('[data-testid=neuron-page]')).toContain(labels[0]);
    console.log('neuron 7 (Sneaker): labels', labels, 'candidates', candidates, 'captions', captions.slice(0, 3));
    await clearToasts(page);
    await shotOf(page, '[data-testid=dnd-chain]', 'chain', 3200);
    await shotOf(page, '[data-testid=neuron-page]', 'neuron-page', 4000);
  });

  it('runs CLIP-Dissect from its form, lists both runs and exports them in the reference formats', { timeout: LONG }, async () => {
    await page.click('[data-testid=nav-dissect]');
    await page.waitForSelector('[data-testid=clip-dissect-form]');
    expect(await page.textContent('[data-testid=clip-dissect-note]')).toContain('neurons are scored together');
    await page.check('[data-testid=cd-variant-soft_wpmi]');
    await page.click('[data-testid=cd-run]');
    await page.waitForSelector('[data-testid=cd-done]', { timeout: LONG - 60_000 });
    const cdRun = Number(await page.getAttribute('[data-testid=cd-done]', 'data-run'));
    await page.waitForSelector(`[data-testid=dissect-run][data-run="${cdRun}"][data-method=clip_dissect]`);
    expect(await page.locator('[data-testid=dissect-run]').count()).toBe(2);
    await clearToasts(page);
    await shotOf(page, '[data-testid=clip-dissect-form]', 'clip-form');

    // DnD labels in the reference format; the second export into the same file asks before replacing it.
    const labelsCsv = join(spec.dir, 'dnd_labels.csv');
    await page.click(`[data-testid=dissect-run][data-run="${dndRun}"] [data-testid=dissect-run-export]`);
    await page.fill('[data-testid=dissect-export-path]', labelsCsv);
    await page.click('[data-testid=dissect-export-submit]');
    await page.waitForSelector('[data-testid=dissect-export-done]');
    const lines = readFileSync(labelsCsv, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toBe('Neuron ID,Label 1,Label 2,Label 3');
    expect(lines.length).toBe(4);
    await page.click('[data-testid=dissect-export-submit]');
    await page.waitForSelector('[data-testid=dissect-export-confirm-replace]');
    await page.click('[data-testid=dissect-export-replace]');
    await page.waitForSelector('[data-testid=dissect-export-done]');

    // CLIP-Dissect's descriptions.csv.
    const descriptions = join(spec.dir, 'descriptions.csv');
    await page.click(`[data-testid=dissect-run][data-run="${cdRun}"] [data-testid=dissect-run-export]`);
    await page.fill('[data-testid=dissect-export-path]', descriptions);
    await page.click('[data-testid=dissect-export-submit]');
    await page.waitForSelector('[data-testid=dissect-export-done]');
    const rows = readFileSync(descriptions, 'utf8').trim().split(/\r?\n/);
    expect(rows[0]).toBe('layer,unit,description,similarity');
    expect(rows.length).toBe(11);
    await clearToasts(page);
    await shotOf(page, '[data-testid=dissect-runs]', 'runs');
    await shotOf(page, '[data-testid=dissect-screen]', 'screen', 3000);
  });

  it('ends without page errors', () => {
    expect(errors).toEqual([]);
  });
});
