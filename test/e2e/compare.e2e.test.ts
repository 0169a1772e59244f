import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createBackend } from '../../src/main/core/app/backend';
import { call } from '../helpers/backend';
import { CLASS_NAMES, FASHION_MNIST_DIR, writeFashionMnistTree } from '../helpers/fashionMnist';
import { CHROMIUM, clearToasts, elementShot, REPO, useWebSpec, watchErrors } from './support';
import { openProjectByPath, waitReady } from './scenario';

// The Compare methods screen's two forms end to end, browser mode, with the committed fixture CNN and encoder run by
// the real runtimes. A project is built through the backend: the demo probe set (600 Fashion-MNIST test images), the
// CNN's logits extracted on it, LE(Label) and CLIP-Dissect runs of them, and a SECOND probe set (12 Fashion-MNIST
// *train* images per class, none in the demo set) with the logits extracted on it too. In the browser: a DnD
// final_results.csv written here is imported through the form (format detected from its header; the new run becomes a
// row of the table), and classifier finding runs for the LE and CLIP-Dissect runs. Planted truth: logit k is class k,
// so where a run's picked label is the class name itself, the picked neuron must be k.

const LONG = 300_000;
const FIX = join(REPO, 'resources/fixtures');
const haveFixtures = existsSync(CHROMIUM) && existsSync(join(FIX, 'encoders/fmnist_siglip_a')) && existsSync(FASHION_MNIST_DIR);

const shotOf = (page: Page, selector: string, name: string, height?: number) => elementShot(page, selector, `compare-${name}`, height);
const norm = (s: string) => s.toLowerCase().replace(/_/g, ' ').trim();

describe.skipIf(!haveFixtures)('Compare methods: label import and classifier finding (browser mode)', () => {
  const fx = {} as { project: string; logits: number; second: number; le: number; cd: number };
  const spec = useWebSpec('nwb-compare-e2e', async (dir) => {
    const backend = createBackend({ userDataDir: join(dir, 'user-data'), mode: 'test' });
    try {
      fx.project = (await call(backend, 'project.create', { path: join(dir, 'compare.nwb') })).path;
      const { probeSetId } = await call(backend, 'probe.import', { root: join(REPO, 'resources/demo/probe') });
      const model = await call(backend, 'model.add', { path: join(FIX, 'models/fmnist_cnn.onnx') });
      await call(backend, 'model.setPreprocessing', { modelId: model.id, preset: 'fashion-mnist' });
      const extract = async (probe: number) =>
        (await call(backend, 'activations.extract', { modelId: model.id, probeSetId: probe, layer: 'logits', summary: 'auto' }))
          .activationSet.id;
      fx.logits = await extract(probeSetId);
      const encoder = await call(backend, 'encoder.add', { path: join(FIX, 'encoders/fmnist_siglip_a') });
      await call(backend, 'calibration.run', { encoderId: encoder.id, probeSetId });
      const labels = await call(backend, 'conceptSet.fromLabels', { probeSetId });
      fx.le = (await call(backend, 'explain.run', { activationSetId: fx.logits })).run.id;
      fx.cd = (
        await call(backend, 'clipDissect.run', { activationSetId: fx.logits, encoderId: encoder.id, conceptSetId: labels.id })
      ).run.id;
      const root = join(dir, 'unseen');
      await writeFashionMnistTree(root, { split: 'train', perClass: 12 });
      fx.second = await extract((await call(backend, 'probe.import', { root })).probeSetId);
      // The fixture sentence model, in the library of the user-data folder the web server reads.
      await call(backend, 'describer.add', { role: 'text_embedder', path: join(FIX, 'describers/text_embedder') });
      await call(backend, 'project.close', {});
    } finally {
      backend.dispose();
    }
  });
  let page: Page;
  let errors: string[];

  it('imports a DnD final_results.csv through the form: detected format, and a new row in the table', { timeout: LONG }, async () => {
    page = await spec.browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
    errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await openProjectByPath(page, fx.project);
    await page.click('[data-testid=nav-compare]');
    // The screen opens the first layer listed (the newest, here the second probe set's): choose the demo set's.
    await page.waitForSelector('[data-testid=compare-layer]');
    await page.selectOption('[data-testid=compare-layer]', String(fx.logits));
    await page.waitForSelector(`[data-testid=compare-screen][data-set="${fx.logits}"]`);
    await page.waitForSelector('[data-testid=compare-row]');
    const before = await page.locator('[data-testid=compare-row]').count();

    // A broken file first: the error names the file.
    const bad = join(spec.dir, 'broken.csv');
    await writeFile(bad, 'what,is,this\n1,2,3\n');
    await page.fill('[data-testid=labels-import-path]', bad);
    await page.click('[data-testid=labels-import-submit]');
    await page.waitForSelector('[data-testid=labels-import-error]');
    expect(await page.textContent('[data-testid=labels-import-error]')).toContain('broken.csv');

    // DnD's reference output: neuron 7 is Sneaker, 8 Bag, 9 Ankle boot (logit k = class k).
    const file = join(spec.dir, 'final_results.csv');
    await writeFile(file, 'Neuron ID,Label 1,Label 2,Label 3\n7,Sneaker,footwear,\n8,Bag,,\n9,Ankle_boot,footwear,\n');
    await page.fill('[data-testid=labels-import-path]', file);
    expect(await page.inputValue('[data-testid=labels-import-format]')).toBe('');
    await page.click('[data-testid=labels-import-submit]');
    const done = page.locator('[data-testid=labels-import-done]');
    await done.waitFor();
    expect(await done.getAttribute('data-format')).toBe('dnd');
    const text = await done.textContent();
    expect(text).toContain('detected format Describe-and-Dissect final_results.csv');
    expect(text).toContain('3 rows');
    const run = Number(await done.getAttribute('data-run'));
    await page.waitForSelector(`[data-testid=compare-row][data-run="${run}"]`);
    expect(await page.locator('[data-testid=compare-row]').count()).toBeGreaterThan(before);
    await clearToasts(page);
    await shotOf(page, '[data-testid=labels-import]', 'import');
  });

  it('finds a classifier for each unseen class with the LE and CLIP-Dissect runs', { timeout: LONG }, async () => {
    await page.check(`[data-testid=cf-run][data-run="${fx.le}"]`);
    await page.check(`[data-testid=cf-run][data-run="${fx.cd}"]`);
    expect(await page.inputValue('[data-testid=cf-second]')).toBe(String(fx.second));
    await page.click('[data-testid=cf-submit]');
    await page.waitForSelector('[data-testid=cf-result]', { timeout: LONG - 30_000 });
    expect(await page.locator('[data-testid=cf-run-row]').count()).toBe(2);
    expect(await page.locator('[data-testid=cf-class-row]').count()).toBe(10);
    for (const runId of [fx.le, fx.cd]) {
      const cells = await page.locator(`[data-testid=cf-neuron][data-run="${runId}"]`).evaluateAll((els) =>
        els.map((e) => ({
          className: e.closest('tr')!.getAttribute('data-class')!,
          neuron: Number(e.getAttribute('data-neuron')),
          label: e.getAttribute('data-label')!,
        })),
      );
      expect(cells).toHaveLength(10);
      // Where the picked label is the class name itself, the picked neuron is that class's logit.
      const named = cells.filter((c) => norm(c.label) === norm(c.className));
      console.log(`run #${runId}: label = class name for ${named.length}/10`);
      expect(named.length).toBeGreaterThan(0);
      for (const c of named)
        expect(c.neuron, `run #${runId}, ${c.className}`).toBe(CLASS_NAMES.indexOf(c.className as (typeof CLASS_NAMES)[number]));
    }
    // Neuron links open the neuron's page in that run.
    const href = await page.locator(`[data-testid=cf-neuron][data-run="${fx.le}"] a`).first().getAttribute('href');
    expect(href).toMatch(new RegExp(`#/explanations/run/${fx.le}/neuron/\\d+$`));
    // Another of a run's label methods: the LE run's best single concept (a baseline it stores per neuron).
    await page.selectOption(`[data-testid=cf-run-method][data-run="${fx.le}"]`, 'best_concept');
    await page.click('[data-testid=cf-submit]');
    await page.waitForSelector(`[data-testid=cf-run-row][data-run="${fx.le}"] >> text=Best single concept`);
    await clearToasts(page);
    await shotOf(page, '[data-testid=classifier-finding]', 'classifier-finding', 3000);
    await shotOf(page, '[data-testid=compare-screen]', 'screen', 5000);
  });

  it('compares final-layer labels with the class names under the encoder and the sentence model', { timeout: LONG }, async () => {
    await page.check(`[data-testid=ls-run][data-run="${fx.le}"]`);
    await page.check(`[data-testid=ls-run][data-run="${fx.cd}"]`);
    // The model's class order (the fixture's models.json, as ablation.mapping reads it), not the folders' sorted order.
    await page.click('[data-testid=ls-classes-from-model]');
    expect(await page.inputValue('[data-testid=ls-classes]')).toBe(CLASS_NAMES.join(', '));
    await page.click('[data-testid=ls-submit]');
    await page.waitForSelector('[data-testid=ls-result]', { timeout: LONG - 30_000 });
    expect(await page.locator('[data-testid=ls-run-row]').count()).toBe(2);
    expect(await page.locator('[data-testid=ls-neuron-row]').count()).toBe(10);
    // A label that is the class name itself has cosine 1 under the sentence model.
    const cells = await page
      .locator(`[data-testid=ls-label][data-run="${fx.le}"]`)
      .evaluateAll((els) => els.map((e) => ({ label: e.textContent!, row: [...e.closest('tr')!.children].map((c) => c.textContent!) })));
    expect(cells).toHaveLength(10);
    const same = cells.filter((c) => norm(c.label) === norm(c.row[1]));
    expect(same.length).toBeGreaterThan(0);
    // Columns: neuron, class, then per run (in the run table's order) label, encoder, sentence.
    const order = await page.locator('[data-testid=ls-run-row]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-run'))));
    const sentenceCol = 2 + 3 * order.indexOf(fx.le) + 2;
    for (const c of same) expect(c.row[sentenceCol], c.label).toBe('1.000');
    const href = await page.locator(`[data-testid=ls-label][data-run="${fx.le}"] a`).first().getAttribute('href');
    expect(href).toMatch(new RegExp(`#/explanations/run/${fx.le}/neuron/0$`));
    expect(await page.locator('[data-testid=ls-run-table] th').allTextContents()).toEqual(
      expect.arrayContaining(['fmnist_siglip_a (encoder) ± SE', 'text_embedder (sentence) ± SE']),
    );
    await clearToasts(page);
    await shotOf(page, '[data-testid=label-similarity]', 'label-similarity', 3000);
  });

  it('ends without page errors', () => {
    expect(errors).toEqual([]);
  });
});
