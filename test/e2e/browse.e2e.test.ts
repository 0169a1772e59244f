import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createBackend } from '../../src/main/core/app/backend';
import { call } from '../helpers/backend';
import { writeFashionMnistTree } from '../helpers/fashionMnist';
import { CNN, CNN_POOLED, FIX } from '../integration/explain.helpers';
import { CHROMIUM, shot, useWebSpec, watchErrors } from './support';
import { waitReady, openProjectByPath } from './scenario';

// Browsing units end to end, browser mode (issue #17): on a project with an LE run of the fixture CNN's pooled layer
// and a calibrated CLIP-style encoder (built through the real backend before the server starts), the neuron page's
// "Similar units" panel lists the units the backend ranks (neuron.similar) and opens them; the explanations
// screen's search box finds units by meaning ("shoe" -> units explained by footwear concepts) and opens them.

const haveChromium = existsSync(CHROMIUM);
const FOOTWEAR = ['Sneaker', 'Sandal', 'Ankle_boot', 'footwear'];
const NEURON = 3;

interface Fixture {
  project: string;
  runId: number;
  correlated: number[];
  shared: number[];
  basis: string;
}

describe.skipIf(!haveChromium)('similar units and search by meaning (browser mode)', () => {
  const fx = {} as Fixture;
  const spec = useWebSpec('nwb-browse-e2e', async (dir) => {
    const root = join(dir, 'fmnist-probes');
    await writeFashionMnistTree(root, { perClass: 10, split: 'test' });
    const backend = createBackend({ userDataDir: join(dir, 'user-data-build'), mode: 'test' });
    try {
      fx.project = (await call(backend, 'project.create', { path: join(dir, 'browse.nwb') })).path;
      const probeSetId = (await call(backend, 'probe.import', { root })).probeSetId;
      const m = await call(backend, 'model.add', { path: CNN });
      await call(backend, 'model.setPreprocessing', { modelId: m.id, preset: 'fashion-mnist' });
      const set = await call(backend, 'activations.extract', { modelId: m.id, layer: CNN_POOLED, probeSetId, summary: 'identity' });
      fx.runId = (await call(backend, 'explain.run', { activationSetId: set.activationSet.id })).run.id;
      const enc = await call(backend, 'encoder.add', { path: join(FIX, 'encoders/fmnist_clip_b') });
      await call(backend, 'calibration.run', { encoderId: enc.id, probeSetId });
      const similar = await call(backend, 'neuron.similar', {
        activationSetId: set.activationSet.id,
        neuron: NEURON,
        runId: fx.runId,
        limit: 8,
      });
      fx.correlated = similar.correlated.map((u) => u.neuron);
      fx.shared = similar.shared!.units.map((u) => u.neuron);
      fx.basis = similar.basis.text;
      await call(backend, 'project.close', {});
    } finally {
      backend.dispose();
    }
  });

  const openProject = (page: Page) => openProjectByPath(page, fx.project);

  const go = (page: Page, hash: string) => page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
  const neuronShown = (page: Page, n: number) =>
    page.waitForSelector(`[data-testid=neuron-page][data-neuron="${n}"][data-loaded=true]`, { timeout: 30_000 });

  it('lists similar units on the neuron page and opens them; finds units by meaning and opens them', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1280, height: 960 }, colorScheme: 'light' });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await openProject(page);

    // The neuron page of unit 3: its similar units, as the backend ranks them, with the basis named.
    await go(page, `#/explanations/run/${fx.runId}/neuron/${NEURON}`);
    await neuronShown(page, NEURON);
    const panel = page.locator('[data-testid=similar-units][data-loaded=true]');
    await panel.waitFor({ timeout: 30_000 });
    expect(await page.textContent('[data-testid=similar-basis]')).toContain(`Pearson r of activations over ${fx.basis}`);
    const listed = await page
      .locator('[data-testid=similar-correlated] li')
      .evaluateAll((li) => li.map((x) => Number(x.getAttribute('data-neuron'))));
    expect(listed).toEqual(fx.correlated);
    expect(await page.locator('[data-testid=similar-correlated] li').first().textContent()).toMatch(/^unit \d+ r = 0\.\d{3}$/);
    const shared = await page
      .locator('[data-testid=similar-shared] li')
      .evaluateAll((li) => li.map((x) => Number(x.getAttribute('data-neuron'))));
    expect(shared).toEqual(fx.shared);
    await panel.scrollIntoViewIfNeeded();
    await shot(page, 'browse-similar-units');
    // A similar unit's link opens its page.
    await page.locator('[data-testid=similar-correlated] [data-testid=similar-link]').first().click();
    await neuronShown(page, fx.correlated[0]);

    // Search by meaning on the explanations screen: "shoe" finds units explained by footwear concepts first.
    await go(page, `#/explanations/run/${fx.runId}`);
    await page.fill('[data-testid=unit-search-input]', 'shoe');
    const rows = page.locator('[data-testid=unit-search-results] tbody tr');
    await rows.first().waitFor({ timeout: 30_000 });
    expect(await page.textContent('[data-testid=unit-search-summary]')).toMatch(
      /match “shoe” among \d+ explanations .*text tower of fmnist_clip_b/,
    );
    const concepts = await rows.evaluateAll((tr) => tr.map((x) => x.getAttribute('data-concept')));
    expect(concepts.length).toBeGreaterThan(0);
    expect(concepts.every((c) => FOOTWEAR.includes(c!))).toBe(true);
    expect(await rows.first().getAttribute('data-reason')).toBe('meaning');
    expect(await rows.first().textContent()).toMatch(/meaning \(cos 0\.\d\d\)/);
    await shot(page, 'browse-search-shoe');
    // An exact concept comes first, and says so.
    await page.fill('[data-testid=unit-search-input]', 'Sandal');
    await expect.poll(() => rows.first().getAttribute('data-reason'), { timeout: 30_000 }).toBe('exact');
    expect(await rows.first().getAttribute('data-concept')).toBe('Sandal');
    // A hit opens its unit's page.
    const n = Number(await rows.first().getAttribute('data-neuron'));
    await rows.first().locator('[data-testid=unit-search-link]').click();
    await neuronShown(page, n);
    expect(errors).toEqual([]);
    await page.close();
  });
});
