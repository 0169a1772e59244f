import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createBackend } from '../../src/main/core/app/backend';
import { call } from '../helpers/backend';
import { CHROMIUM, elementShot, REPO, useWebSpec, watchErrors } from './support';
import { openProjectByPath, waitReady } from './scenario';

// The blind rating study in the browser (browser mode, real backend and renderer): a study of the fixture CNN's
// logits is made on the Rate labels screen from two imported label files (DnD's final_results.csv, MILAN's
// descriptions); rater ana rates with the keyboard, the page is reloaded and she resumes where she stopped; bob
// rates under his own name; the results reveal the methods with the means computed here from the keys pressed.

const LONG = 300_000;
const FIX = join(REPO, 'resources/fixtures');
const haveFixtures = existsSync(CHROMIUM) && existsSync(join(FIX, 'models/fmnist_cnn.onnx'));

// Planted labels of neurons 5, 8 and 9 (Sandal, Bag, Ankle boot). 'Bag' is given by both: one item, two sources.
const DND: Record<number, string> = { 5: 'Sandal', 8: 'Bag', 9: 'Ankle boot' };
const MILAN: Record<number, string> = { 5: 'open shoes with straps', 8: 'bag', 9: 'high boots' };

describe.skipIf(!haveFixtures)('Blind rating study (browser mode)', () => {
  const fx = {} as { project: string; logits: number; dnd: number; milan: number };
  const spec = useWebSpec('nwb-ratings-e2e', async (dir) => {
    const backend = createBackend({ userDataDir: join(dir, 'user-data'), mode: 'test' });
    try {
      fx.project = (await call(backend, 'project.create', { path: join(dir, 'ratings.nwb') })).path;
      const { probeSetId } = await call(backend, 'probe.import', { root: join(REPO, 'resources/demo/probe') });
      const model = await call(backend, 'model.add', { path: join(FIX, 'models/fmnist_cnn.onnx') });
      await call(backend, 'model.setPreprocessing', { modelId: model.id, preset: 'fashion-mnist' });
      fx.logits = (
        await call(backend, 'activations.extract', { modelId: model.id, probeSetId, layer: 'logits', summary: 'auto' })
      ).activationSet.id;
      const imp = async (name: string, text: string) => {
        await writeFile(join(dir, name), text);
        return (await call(backend, 'labels.import', { activationSetId: fx.logits, path: join(dir, name) })).run.id;
      };
      const rows = (m: Record<number, string>, f: (k: string, v: string) => string) =>
        Object.entries(m)
          .map(([k, v]) => f(k, v))
          .join('\n');
      fx.dnd = await imp('final_results.csv', `Neuron ID,Label 1,Label 2,Label 3\n${rows(DND, (k, v) => `${k},${v},,`)}\n`);
      fx.milan = await imp('milan.csv', `layer,unit,description\n${rows(MILAN, (k, v) => `logits,${k},${v}`)}\n`);
      await call(backend, 'project.close', {});
    } finally {
      backend.dispose();
    }
  });
  let page: Page;
  let errors: string[];
  /** What each rater gave each label (read from the highlighted label when the key was pressed). */
  const given: Record<string, Map<string, number>> = { ana: new Map(), bob: new Map() };

  const focused = () => page.locator('[data-testid=ratings-item][data-focused=true] .rating-label').textContent();
  const rated = async () => Number(await page.getAttribute('[data-testid=ratings-sheet]', 'data-rated'));
  async function press(rater: string, key: string) {
    const label = (await focused())!;
    const before = await rated();
    await page.keyboard.press(key);
    await page.locator(`[data-testid=ratings-sheet]:not([data-rated="${before}"])`).waitFor();
    given[rater].set(label, Number(key));
  }

  it('makes a study on the Rate labels screen and rates with the keyboard; a reload resumes', { timeout: LONG }, async () => {
    page = await spec.browser.newPage({ viewport: { width: 1280, height: 1000 }, colorScheme: 'light' });
    errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await openProjectByPath(page, fx.project);
    await page.click('[data-testid=nav-ratings]');
    await page.waitForSelector('[data-testid=ratings-new] [data-testid=ratings-source]');
    await page.check(`[data-source="${fx.dnd}:dnd"]`);
    await page.check(`[data-source="${fx.milan}:milan"]`);
    await elementShot(page, '[data-testid=ratings-screen]', 'ratings-new');
    await page.click('[data-testid=ratings-create]');

    await page.fill('[data-testid=ratings-rater-name]', 'ana');
    await page.click('[data-testid=ratings-rater-start]');
    await page.waitForSelector('[data-testid=ratings-sheet]');
    expect(page.url()).toMatch(/#\/ratings\/study\/\d+/);
    expect(page.url()).toContain('rater=ana');
    // 3 neurons, 5 labels: 'Bag' / 'bag' is one. No method name anywhere on the sheet.
    expect(await page.getAttribute('[data-testid=ratings-sheet]', 'data-total')).toBe('5');
    const text = (await page.textContent('[data-testid=ratings-sheet]'))!;
    expect(text).not.toMatch(/DnD|MILAN|milan|final_results/);
    await page.waitForSelector('[data-testid=ratings-image] img');
    expect(await page.locator('[data-testid=ratings-image]').count()).toBe(8);

    // The first neuron's labels, then one of the second's: the highlight moves on by itself.
    const firstNeuron = await page.getAttribute('[data-testid=ratings-neuron]', 'data-neuron');
    const n1 = await page.locator('[data-testid=ratings-item]').count();
    for (let i = 0; i < n1; i++) await press('ana', i === 0 ? '5' : '2');
    await page.locator(`[data-testid=ratings-neuron]:not([data-neuron="${firstNeuron}"])`).waitFor();
    await press('ana', '4');
    await elementShot(page, '[data-testid=ratings-sheet]', 'ratings-sheet');
    const done = await rated();
    expect(done).toBe(n1 + 1);

    // Reload: the same rater (from the address) resumes at the first label she has not rated.
    await page.reload();
    await waitReady(page);
    await page.waitForSelector(`[data-testid=ratings-sheet][data-rated="${done}"]`);
    expect(await page.textContent('[data-testid=ratings-progress]')).toContain(`${done} of 5`);
    expect(await page.getAttribute('[data-testid=ratings-item][data-focused=true]', 'data-score')).toBe('');
    while ((await rated()) < 5) await press('ana', '3');
  });

  it('a second rater rates under his own name; the results reveal the methods with the right means', { timeout: LONG }, async () => {
    await page.click('text=change rater');
    await page.fill('[data-testid=ratings-rater-name]', 'bob');
    await page.click('[data-testid=ratings-rater-start]');
    await page.waitForSelector('[data-testid=ratings-sheet][data-rated="0"]');
    while ((await rated()) < 5) await press('bob', (await rated()) % 2 ? '4' : '5');

    await page.click('[data-testid=ratings-sheet] >> text=results');
    await page.waitForSelector('[data-testid=ratings-method-row]');
    // Expected means by hand: each label's mean over ana and bob, then the mean over the method's labels.
    const labelMean = (label: string) => {
      const v = ['ana', 'bob'].map((r) => [...given[r]].find(([l]) => l.toLowerCase() === label.toLowerCase())![1]);
      return (v[0] + v[1]) / 2;
    };
    const mean = (labels: string[]) => labels.map(labelMean).reduce((a, b) => a + b, 0) / labels.length;
    for (const [run, method, labels] of [
      [fx.dnd, 'dnd', Object.values(DND)],
      [fx.milan, 'milan', Object.values(MILAN)],
    ] as const) {
      const cell = await page.textContent(
        `[data-testid=ratings-method-row][data-run="${run}"][data-method="${method}"] [data-testid=ratings-mean]`,
      );
      expect(Number(cell!.split('±')[0])).toBeCloseTo(mean([...labels]), 2);
    }
    expect(await page.textContent('[data-testid=ratings-alpha]')).toMatch(/^-?\d\.\d{3}$|^—$/);
    await elementShot(page, '[data-testid=ratings-results]', 'ratings-results', 4000);

    // The Compare methods screen shows the ratings next to the other comparisons, with the same means.
    const means = await page.locator('[data-testid=ratings-mean]').allTextContents();
    await page.click('[data-testid=nav-compare]');
    await page.waitForSelector('[data-testid=compare-rating-row]');
    expect(await page.locator('[data-testid=compare-rating-row]').count()).toBe(2);
    const shown = await page.locator('[data-testid=compare-rating-row] td:nth-child(3)').allTextContents();
    expect(shown.sort()).toEqual(means.sort());
    await page.goBack();
    await page.waitForSelector('[data-testid=ratings-export-path]');

    // CSV export: 10 ratings, 'Bag' counted for both sources (2 more rows).
    const path = join(spec.dir, 'ratings.csv');
    await page.fill('[data-testid=ratings-export-path]', path);
    await page.click('[data-testid=ratings-export-submit]');
    await page.waitForSelector('[data-testid=ratings-export-done]');
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1 + 12);
    expect(new Set(lines.slice(1).map((l) => l.split(',').at(-3)))).toEqual(new Set(['ana', 'bob']));
  });

  it('ends without page errors', () => {
    expect(errors).toEqual([]);
  });
});
