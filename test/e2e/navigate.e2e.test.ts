import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createBackend } from '../../src/main/core/app/backend';
import { call } from '../helpers/backend';
import { writeFashionMnistTree } from '../helpers/fashionMnist';
import { CNN, CNN_POOLED, FIX } from '../integration/explain.helpers';
import { CHROMIUM, shotPath, useWebSpec, watchErrors } from './support';
import { waitReady, openProjectByPath } from './scenario';

// The neuron browser end to end, browser mode (issue #17): a unit's own address (model / layer / unit) that survives
// a reload and Back / Forward, the Ctrl+G jump box (layer:unit, out-of-range message, recent units, bookmarks), the
// arrow keys, two units side by side, two methods over a layer (agreement numbers checked against a computation from
// explain.results here), an ablation scatter point that opens its unit, and every score naming its simulator on an
// LE(SigLIP) run. The project is built through the real backend before the server starts.

const PER_CLASS = 10;
const LAYER_B = '/layer3/relu_1/Relu_output_0';
const ENC_A = join(FIX, 'encoders/fmnist_siglip_a');
const NOTE = 'shoes? check the sandals';
const LONG = 60_000;
const haveChromium = existsSync(CHROMIUM);

type Results = Awaited<ReturnType<typeof resultsOf>>;
async function resultsOf(backend: ReturnType<typeof createBackend>, runId: number) {
  return (await call(backend, 'explain.results', { runId, limit: 5000 })).rows;
}

/** The agreement of two runs, computed here from their results rows (independent of the backend's explain.agreement). */
function handAgreement(a: Results, b: Results) {
  const top = (terms: { concept: string; weight: number }[]) =>
    terms.length ? terms.reduce((best, t) => (Math.abs(t.weight) > Math.abs(best.weight) ? t : best)).concept : null;
  let n = 0;
  let same = 0;
  let jSum = 0;
  let jN = 0;
  let diff = 0;
  for (const ra of a) {
    const rb = b.find((x) => x.neuron === ra.neuron);
    if (!rb || ra.dead || rb.dead || ra.testCorrelation === null || rb.testCorrelation === null) continue;
    n++;
    const ta = top(ra.terms);
    if (ta !== null && ta === top(rb.terms)) same++;
    const A = ra.terms.map((t) => t.concept);
    const B = rb.terms.map((t) => t.concept);
    const union = new Set([...A, ...B]);
    if (union.size) {
      jSum += A.filter((c, i) => B.includes(c) && A.indexOf(c) === i).length / union.size;
      jN++;
    }
    diff += ra.testCorrelation - rb.testCorrelation;
  }
  return { n, same, meanJaccard: jSum / jN, meanDiff: diff / n };
}

function pearson(x: number[], y: number[]): number {
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  x.forEach((v, i) => {
    sxy += (v - mx) * (y[i] - my);
    sxx += (v - mx) ** 2;
    syy += (y[i] - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

interface Fixture {
  project: string;
  modelId: number;
  setA: number;
  setB: number;
  unitsA: number;
  unitsB: number;
  runLabel: number;
  runSig: number;
  runB: number;
  ablationRun: number;
  agreement: ReturnType<typeof handAgreement>;
  /** A unit of the LE(SigLIP) run scored under both its explainer and the label simulator. */
  sig: { neuron: number; explainer: number; label: number; scatterR: number };
}

const openProject = openProjectByPath;

const go = (page: Page, hash: string) => page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
const hashOf = (page: Page) => page.evaluate('window.location.hash') as Promise<string>;

async function unitLoaded(page: Page, neuron: number, set?: number): Promise<void> {
  await page.waitForSelector(`[data-testid=unit-page][data-neuron="${neuron}"]${set ? `[data-set="${set}"]` : ''}`, { timeout: LONG });
  await page.waitForSelector(`[data-testid=neuron-page][data-neuron="${neuron}"][data-loaded=true]`, { timeout: LONG });
}

describe.skipIf(!haveChromium)('neuron browser: addresses, jump box, side by side, simulators (browser mode)', () => {
  const fx = {} as Fixture;
  const spec = useWebSpec('nwb-navigate-e2e', async (dir) => {
    const root = join(dir, 'fmnist-probes');
    await writeFashionMnistTree(root, { perClass: PER_CLASS, split: 'test' });
    const backend = createBackend({ userDataDir: join(dir, 'user-data-build'), mode: 'test' });
    try {
      fx.project = (await call(backend, 'project.create', { path: join(dir, 'navigate.nwb') })).path;
      const probeSetId = (await call(backend, 'probe.import', { root })).probeSetId;
      const m = await call(backend, 'model.add', { path: CNN });
      fx.modelId = m.id;
      await call(backend, 'model.setPreprocessing', { modelId: m.id, preset: 'fashion-mnist' });
      const a = await call(backend, 'activations.extract', { modelId: m.id, layer: CNN_POOLED, probeSetId, summary: 'identity' });
      const b = await call(backend, 'activations.extract', { modelId: m.id, layer: LAYER_B, probeSetId, summary: 'mean' });
      fx.setA = a.activationSet.id;
      fx.setB = b.activationSet.id;
      fx.unitsA = a.activationSet.nNeurons;
      fx.unitsB = b.activationSet.nNeurons;
      fx.runLabel = (await call(backend, 'explain.run', { activationSetId: fx.setA })).run.id;
      fx.runB = (await call(backend, 'explain.run', { activationSetId: fx.setB })).run.id;
      const enc = await call(backend, 'encoder.add', { path: ENC_A });
      await call(backend, 'calibration.run', { encoderId: enc.id, probeSetId });
      const labels = await call(backend, 'conceptSet.fromLabels', { probeSetId });
      fx.runSig = (
        await call(backend, 'explain.run', {
          activationSetId: fx.setA,
          conceptSource: { kind: 'encoder', encoderId: enc.id, conceptSetId: labels.id },
        })
      ).run.id;
      fx.ablationRun = (await call(backend, 'ablation.run', { explainRunId: fx.runLabel })).run.id;
      await call(backend, 'bookmark.set', { activationSetId: fx.setA, neuron: 5, note: NOTE });
      const rl = await resultsOf(backend, fx.runLabel);
      const rs = await resultsOf(backend, fx.runSig);
      fx.agreement = handAgreement(rl, rs);
      // An LE(SigLIP) unit whose explanation (made of labels) is scored by the explainer and by the label simulator.
      const sha = enc.sha256;
      for (const r of rs.filter((x) => !x.dead)) {
        const view = await call(backend, 'explain.neuron', { runId: fx.runSig, neuron: r.neuron });
        const e = view.explanations.find((x) => x.method === 'le_siglip');
        const score = (sim: string) => e?.scores.find((s) => s.simulator === sim && s.split === 'test')?.value;
        const explainer = score(sha);
        const label = score('label');
        if (explainer === undefined || label === undefined || !view.scatter || Math.abs(explainer - label) < 0.01) continue;
        expect(r.testCorrelation).toBe(explainer); // the results table's test r is the explainer's
        fx.sig = { neuron: r.neuron, explainer, label, scatterR: pearson(view.scatter.simulated, view.scatter.actual) };
        break;
      }
      expect(fx.sig).toBeDefined();
      await call(backend, 'project.close', {});
    } finally {
      backend.dispose();
    }
  });

  const unitHash = (set: number, neuron: number, run?: number) =>
    `#/explanations/model/${fx.modelId}/layer/${set}/unit/${neuron}${run ? `?run=${run}` : ''}`;

  it('addresses a unit as model / layer / unit: deep link, reload, arrows, Back / Forward, the jump box, bookmarks', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1440, height: 960 }, colorScheme: 'light' });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await openProject(page, fx.project);

    // The deep link names model, layer, unit and run; a reload shows the same unit.
    await go(page, unitHash(fx.setA, 3, fx.runLabel));
    await unitLoaded(page, 3, fx.setA);
    await page.reload();
    await waitReady(page);
    await unitLoaded(page, 3, fx.setA);
    expect(await hashOf(page)).toBe(unitHash(fx.setA, 3, fx.runLabel));
    expect(await page.textContent('[data-testid=unit-title]')).toBe('fmnist_cnn / Flatten / unit 3');
    expect(await page.textContent('[data-testid=unit-counter]')).toBe(`4 of ${fx.unitsA}`);
    expect(await page.getAttribute('[data-testid=unit-run-tab][aria-selected=true]', 'data-run')).toBe(String(fx.runLabel));
    await page.screenshot({ path: shotPath('e2e-unit-page') });

    // Arrow keys step through the layer; Back and Forward step through the units seen.
    await page.locator('[data-testid=unit-title]').click();
    await page.keyboard.press('ArrowRight');
    await unitLoaded(page, 4);
    await page.keyboard.press('ArrowRight');
    await unitLoaded(page, 5);
    expect(await hashOf(page)).toBe(unitHash(fx.setA, 5, fx.runLabel));
    await page.goBack();
    await unitLoaded(page, 4);
    await page.goBack();
    await unitLoaded(page, 3);
    await page.goForward();
    await unitLoaded(page, 4);
    await page.keyboard.press('ArrowLeft');
    await unitLoaded(page, 3);

    // The `?` sheet lists the arrows and Ctrl+G.
    await page.keyboard.press('?');
    const sheet = await page.textContent('[data-testid=shortcut-sheet]');
    expect(sheet).toContain('Ctrl+G');
    expect(sheet).toContain('Previous / next unit');
    await page.keyboard.press('Escape');

    // The old address of a run's neuron becomes the unit's address.
    await go(page, `#/explanations/run/${fx.runLabel}/neuron/2`);
    await unitLoaded(page, 2);
    await expect.poll(() => hashOf(page)).toBe(unitHash(fx.setA, 2, fx.runLabel));

    // The jump field on the page says why a unit does not exist.
    await page.fill('[data-testid=neuron-jump]', String(fx.unitsA + 6));
    await page.press('[data-testid=neuron-jump]', 'Enter');
    expect(await page.textContent('[data-testid=neuron-jump-error]')).toContain(`Flatten has ${fx.unitsA} units (0-${fx.unitsA - 1})`);

    // Ctrl+G: out of range, then a unit of this layer, then layer:unit of another layer.
    await page.keyboard.press('Control+g');
    await page.waitForSelector('[data-testid=jump-box]');
    await page.fill('[data-testid=jump-input]', `Flatten:${fx.unitsA}`);
    await page.press('[data-testid=jump-input]', 'Enter');
    expect(await page.textContent('[data-testid=jump-error]')).toContain(`Flatten has ${fx.unitsA} units (0-${fx.unitsA - 1})`);
    await page.fill('[data-testid=jump-input]', 'nolayer:1');
    await page.press('[data-testid=jump-input]', 'Enter');
    expect(await page.textContent('[data-testid=jump-error]')).toContain('No layer is called "nolayer"');
    await page.screenshot({ path: shotPath('e2e-jump-box-error') });
    await page.fill('[data-testid=jump-input]', '12');
    await page.press('[data-testid=jump-input]', 'Enter');
    await unitLoaded(page, 12, fx.setA);
    expect(await page.isVisible('[data-testid=jump-box]')).toBe(false);
    await page.keyboard.press('Control+g');
    await page.fill('[data-testid=jump-input]', 'layer3:7');
    await page.press('[data-testid=jump-input]', 'Enter');
    await unitLoaded(page, 7, fx.setB);
    expect(await page.textContent('[data-testid=unit-title]')).toBe('fmnist_cnn / layer3/relu_1/Relu / unit 7');
    expect(await page.textContent('[data-testid=unit-counter]')).toBe(`8 of ${fx.unitsB}`);

    // The box lists recent units (newest first) and the bookmarks with their notes; a bookmark opens its unit.
    await page.keyboard.press('Control+g');
    await page.waitForSelector('[data-testid=jump-bookmark]');
    const recent = await page.$$eval('[data-testid=jump-recent-item]', (els) =>
      els.map((e) => `${e.getAttribute('data-set')}:${e.getAttribute('data-neuron')}`),
    );
    expect(recent.slice(0, 4)).toEqual([`${fx.setB}:7`, `${fx.setA}:12`, `${fx.setA}:2`, `${fx.setA}:3`]);
    expect(await page.textContent('[data-testid=jump-bookmarks]')).toContain(NOTE);
    await page.screenshot({ path: shotPath('e2e-jump-box') });
    await page.click(`[data-testid=jump-bookmark][data-set="${fx.setA}"][data-neuron="5"] button`);
    await unitLoaded(page, 5, fx.setA);
    expect(await page.getAttribute('[data-testid=bookmark]', 'data-bookmarked')).toBe('true');

    // The pickers: model, layer, unit (out of range says why).
    await page.keyboard.press('Control+g');
    await page.selectOption('[data-testid=jump-layer]', String(fx.setB));
    await page.fill('[data-testid=jump-unit]', String(fx.unitsB));
    await page.click('[data-testid=jump-pick-submit]');
    expect(await page.textContent('[data-testid=jump-error]')).toContain(`has ${fx.unitsB} units (0-${fx.unitsB - 1})`);
    await page.fill('[data-testid=jump-unit]', '1');
    await page.click('[data-testid=jump-pick-submit]');
    await unitLoaded(page, 1, fx.setB);

    // A deep link out of range says why instead of failing.
    await go(page, unitHash(fx.setA, 999));
    await page.waitForSelector('[data-testid=unit-range-error]');
    expect(await page.textContent('[data-testid=unit-range-error]')).toContain(`Flatten has ${fx.unitsA} units (0-${fx.unitsA - 1})`);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('puts two units of different layers side by side, and two methods over a layer with their agreement', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1440, height: 960 }, colorScheme: 'light' });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await openProject(page, fx.project);

    await go(page, `#/explanations/compare?a=${fx.setA}:3:${fx.runLabel}&b=${fx.setB}:7`);
    await page.waitForSelector('[data-testid=side-a] [data-testid=side-body][data-loaded=true]', { timeout: LONG });
    await page.waitForSelector('[data-testid=side-b] [data-testid=side-body][data-loaded=true]', { timeout: LONG });
    expect(await page.textContent('[data-testid=side-a-title]')).toBe('fmnist_cnn / Flatten / unit 3');
    expect(await page.textContent('[data-testid=side-b-title]')).toBe('fmnist_cnn / layer3/relu_1/Relu / unit 7');
    expect(await page.getAttribute('[data-testid=side-b]', 'data-run')).toBe(String(fx.runB));
    for (const side of ['a', 'b']) {
      expect(await page.locator(`[data-testid=side-${side}] [data-testid=explanation]`).count()).toBeGreaterThan(0);
      await page.waitForSelector(`[data-testid=side-${side}] [data-testid=neuron-histogram] .recharts-bar-rectangle`);
      await page.waitForSelector(`[data-testid=side-${side}] [data-testid=examples-top] [data-testid=example]`);
    }
    await page.waitForTimeout(300);
    await page.screenshot({ path: shotPath('e2e-compare-units') });
    // Another unit on side B through its field; the address follows.
    await page.fill('[data-testid=side-b-unit]', '2');
    await page.click('[data-testid=side-b-go]');
    await page.waitForSelector('[data-testid=side-b][data-neuron="2"] [data-testid=side-body][data-loaded=true]', { timeout: LONG });
    expect(await hashOf(page)).toBe(`#/explanations/compare?a=${fx.setA}:3:${fx.runLabel}&b=${fx.setB}:2`);

    // Two methods over the Flatten layer: LE (labels) vs LE(SigLIP).
    await go(page, `#/explanations/agree?a=${fx.runLabel}&b=${fx.runSig}`);
    await page.waitForSelector('[data-testid=agreement][data-loaded=true]', { timeout: LONG });
    const h = fx.agreement;
    expect(Number(await page.textContent('[data-testid=agree-neurons]'))).toBe(h.n);
    expect(Number(await page.textContent('[data-testid=agree-same]'))).toBe(h.same);
    expect(Number(await page.getAttribute('[data-testid=agree-share]', 'data-value'))).toBeCloseTo(h.same / h.n, 12);
    expect(Number(await page.getAttribute('[data-testid=agree-jaccard]', 'data-value'))).toBeCloseTo(h.meanJaccard, 12);
    expect(await page.textContent('[data-testid=agree-mean-diff]')).toBe(h.meanDiff.toFixed(3));
    expect(await page.locator('[data-testid=agree-row]').count()).toBe(h.n);
    expect(await page.textContent('[data-testid=agree-table] thead')).toContain('fmnist_siglip_a');
    // Sorted by the difference, largest first; a row opens its unit with run A.
    const diffs = await page.$$eval('[data-testid=agree-row]', (els) => els.map((e) => Number(e.getAttribute('data-diff'))));
    expect(diffs).toEqual([...diffs].sort((x, y) => y - x));
    await page.screenshot({ path: shotPath('e2e-agreement') });
    const first = page.locator('[data-testid=agree-row]').first();
    const n = Number(await first.getAttribute('data-neuron'));
    await first.locator('td').nth(2).click();
    await unitLoaded(page, n, fx.setA);
    expect(await hashOf(page)).toBe(unitHash(fx.setA, n, fx.runLabel));
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('opens the unit of an ablation scatter point, and names the simulator of every score on an LE(SigLIP) run', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1440, height: 960 }, colorScheme: 'light' });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await openProject(page, fx.project);

    // An ablation scatter point names its unit in the tooltip and opens it on click.
    await go(page, `#/ablation/run/${fx.ablationRun}`);
    const dot = page.locator('[data-testid=abl-scatter] .abl-scatter-points .recharts-scatter-symbol').first();
    await dot.waitFor({ timeout: LONG });
    await dot.hover();
    await page.waitForSelector('[data-testid=abl-scatter-tip]');
    const tip = (await page.textContent('[data-testid=abl-scatter-tip]')) ?? '';
    const n = Number(/Unit (\d+)/.exec(tip)?.[1]);
    expect(Number.isInteger(n)).toBe(true);
    await page.screenshot({ path: shotPath('e2e-ablation-scatter-tip') });
    await dot.click();
    await unitLoaded(page, n, fx.setA);
    expect(await hashOf(page)).toBe(unitHash(fx.setA, n, fx.runLabel));

    // The LE(SigLIP) run's results table: every score column names the explainer encoder as its simulator.
    await go(page, `#/explanations/run/${fx.runSig}`);
    await page.waitForSelector('[data-testid=results][data-total]:not([data-total=""])', { timeout: LONG });
    expect(await page.textContent('[data-testid=col-simulator]')).toBe('scored by: fmnist_siglip_a (explainer)');
    // The LE(SigLIP) explanations made of labels are scored by the label simulator too: a column of its own, named.
    expect(await page.locator('[data-testid=col-other-simulator]').allTextContents()).toEqual(['label simulator']);
    expect(await page.textContent('[data-testid=run-simulator]')).toBe('fmnist_siglip_a (explainer)');
    await page.fill('[data-testid=results-search]', String(fx.sig.neuron));
    await page.waitForSelector(`[data-testid=results][data-total="1"]`);
    expect(Number(await page.getAttribute('[data-testid=result-test]', 'data-value'))).toBe(fx.sig.explainer);
    await page.screenshot({ path: shotPath('e2e-siglip-results') });

    // Its unit page: both scores, each named; the scatter's r is that of its points, under the explainer.
    await page.locator(`[data-testid=result-row][data-neuron="${fx.sig.neuron}"]`).click();
    await unitLoaded(page, fx.sig.neuron, fx.setA);
    const card = '[data-testid=explanation][data-method=le_siglip]';
    expect(
      Number(
        await page.getAttribute(`${card} [data-testid=explanation-score][data-simulator="fmnist_siglip_a (explainer)"]`, 'data-value'),
      ),
    ).toBe(fx.sig.explainer);
    expect(Number(await page.getAttribute(`${card} [data-testid=explanation-score][data-simulator="label simulator"]`, 'data-value'))).toBe(
      fx.sig.label,
    );
    // The first score row is the run's own (the explainer's), the one the results table shows.
    expect(await page.textContent(`${card} [data-testid=explanation-test]`)).toBe(fx.sig.explainer.toFixed(3));
    expect(await page.getAttribute('[data-testid=neuron-scatter]', 'data-simulator')).toBe('fmnist_siglip_a (explainer)');
    expect(Number(await page.getAttribute('[data-testid=neuron-scatter]', 'data-r'))).toBeCloseTo(fx.sig.scatterR, 9);
    expect(await page.textContent('[data-testid=scatter-r]')).toContain(`r = ${fx.sig.scatterR.toFixed(3)} · fmnist_siglip_a (explainer)`);
    await page.waitForSelector('[data-testid=neuron-scatter] .recharts-scatter-symbol');
    await page.screenshot({ path: shotPath('e2e-siglip-unit'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('stays usable at 1100 px wide (screenshots of each screen)', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1100, height: 900 }, colorScheme: 'light' });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await openProject(page, fx.project);
    await go(page, `#/explanations/run/${fx.runSig}`);
    await page.waitForSelector('[data-testid=result-row]', { timeout: LONG });
    // The explanation column keeps a readable width; a long explanation expands in place.
    const w = await page
      .locator('.expl-cell')
      .first()
      .evaluate((e) => (e as unknown as { clientWidth: number }).clientWidth);
    expect(w).toBeGreaterThan(160);
    const more = page.locator('[data-testid=result-expand]').first();
    if (await more.count()) {
      await more.click();
      await page.waitForSelector('.results-row.expanded');
    }
    await page.screenshot({ path: shotPath('e2e-1100-results') });
    await go(page, unitHash(fx.setA, 3, fx.runSig));
    await unitLoaded(page, 3, fx.setA);
    await page.waitForSelector('[data-testid=neuron-scatter] .recharts-scatter-symbol');
    await page.screenshot({ path: shotPath('e2e-1100-unit') });
    await go(page, `#/explanations/compare?a=${fx.setA}:3&b=${fx.setB}:7`);
    await page.waitForSelector('[data-testid=side-b] [data-testid=side-body][data-loaded=true]', { timeout: LONG });
    await page.screenshot({ path: shotPath('e2e-1100-compare') });
    await go(page, `#/explanations/agree?a=${fx.runLabel}&b=${fx.runSig}`);
    await page.waitForSelector('[data-testid=agreement][data-loaded=true]', { timeout: LONG });
    await page.screenshot({ path: shotPath('e2e-1100-agreement') });
    await page.keyboard.press('Control+g');
    await page.waitForSelector('[data-testid=jump-bookmark]');
    await page.screenshot({ path: shotPath('e2e-1100-jump-box') });
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);
});
