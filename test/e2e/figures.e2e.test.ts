import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/main/core/app/backend';
import { call } from '../helpers/backend';
import { writeFashionMnistTree } from '../helpers/fashionMnist';
import { CHROMIUM, REPO, shotPath, useWebSpec, watchErrors } from './support';
import { waitReady, openProjectByPath } from './scenario';

// Figures (#16), browser mode: the project (Fashion-MNIST probe images, fmnist_cnn, the pooled layer explained by
// LE from labels) is prepared through the real backend in-process, then opened in the real renderer. On a neuron
// page the histogram is exported as SVG with the Export button and the scatter as PNG from the right-click menu;
// the files are checked against what explain.neuron answers (bars, caption, 2x pixels).

const PER_CLASS = 30;
const MODEL = join(REPO, 'resources/fixtures/models/fmnist_cnn.onnx');
const POOLED = '/Flatten_output_0';
const haveChromium = existsSync(CHROMIUM);

interface Prepared {
  project: string;
  runId: number;
  neuron: number;
  nonZeroBins: number;
  scatterPoints: number;
}

/** The PNG's IHDR: width and height (bytes 16..23 after the signature and the chunk header). */
function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe.skipIf(!haveChromium)('figures (browser mode)', () => {
  const prepared = {} as Prepared;
  const spec = useWebSpec('nwb-figures-e2e', async (dir) => {
    const probes = join(dir, 'probes');
    await writeFashionMnistTree(probes, { perClass: PER_CLASS, split: 'test' });
    const backend = createBackend({ userDataDir: join(dir, 'prep-data'), mode: 'test' });
    try {
      const project = (await call(backend, 'project.create', { path: join(dir, 'figures.nwb') })).path;
      const { probeSetId } = await call(backend, 'probe.import', { root: probes });
      const model = await call(backend, 'model.add', { path: MODEL });
      await call(backend, 'model.setPreprocessing', { modelId: model.id, preset: 'fashion-mnist' });
      const ex = await call(backend, 'activations.extract', { modelId: model.id, layer: POOLED, probeSetId, summary: 'identity' });
      const run = await call(backend, 'explain.run', {
        activationSetId: ex.activationSet.id,
        neurons: Array.from({ length: 8 }, (_, i) => i),
      });
      const rows = await call(backend, 'explain.results', { runId: run.run.id, sort: { by: 'neuron', dir: 'asc' } });
      const live = rows.rows.find((r) => !r.dead);
      if (!live) throw new Error('no live neuron among the first 8');
      const view = await call(backend, 'explain.neuron', { runId: run.run.id, neuron: live.neuron });
      Object.assign(prepared, {
        project,
        runId: run.run.id,
        neuron: live.neuron,
        nonZeroBins: view.histogram.counts.filter((c) => c > 0).length,
        scatterPoints: view.scatter?.simulated.length ?? 0,
      });
      await call(backend, 'project.close', {});
    } finally {
      backend.dispose();
    }
  });

  it('saves the histogram as SVG (Export button) and the scatter as PNG (right-click), each with its caption', async () => {
    const out = join(spec.dir, 'figures out'); // a space in the path, as people's folders have
    await mkdir(out);
    const page = await spec.browser.newPage({ viewport: { width: 1440, height: 1100 }, colorScheme: 'light' });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    await page.click('[data-testid=nav-project]');
    await openProjectByPath(page, prepared.project);
    const { runId, neuron } = prepared;
    await page.evaluate(`window.location.hash = '#/explanations/run/${runId}/neuron/${neuron}'`);
    await page.waitForSelector(`[data-testid=neuron-page][data-neuron="${neuron}"][data-loaded=true]`, { timeout: 30_000 });
    const hist = page.locator('[data-testid=neuron-histogram]');
    const scatter = page.locator('[data-testid=neuron-scatter]');
    await expect.poll(() => hist.locator('.recharts-bar-rectangle').count()).toBeGreaterThan(0);
    await expect.poll(() => scatter.locator('.recharts-scatter-symbol').count()).toBe(prepared.scatterPoints);

    // Histogram: Export -> SVG; the path is offered as <project folder>/run<id>-neuron-<n>-histogram.svg.
    await hist.locator('[data-testid=figure-export]').click();
    const histMenu = hist.locator('[data-testid=figure-menu]');
    expect(await histMenu.getAttribute('data-opened-by')).toBe('button');
    expect(await histMenu.locator('[role=menuitem]').allTextContents()).toEqual(['Save as SVG…', 'Save as PNG (2×)…']);
    await histMenu.locator('[data-testid=figure-menu-svg]').click();
    const histPath = hist.locator('[data-testid=figure-path]');
    expect(await histPath.inputValue()).toBe(join(spec.dir, `run${runId}-neuron-${neuron}-histogram.svg`));
    const svgFile = join(out, `run${runId}-neuron-${neuron}-histogram.svg`);
    await histPath.fill(svgFile);
    await hist.locator('[data-testid=figure-save]').click();
    await hist.locator('[data-testid=figure-done]').waitFor();
    expect(await hist.locator('[data-testid=figure-done]').textContent()).toContain(svgFile);

    const svg = await readFile(svgFile, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain(`Neuron ${neuron}: activation histogram`);
    expect(svg).toContain(`Run #${runId} LE (labels) · fmnist_cnn ${POOLED}`);
    expect(svg).not.toMatch(/var\(--/); // theme variables resolved to colours
    const bars = svg.match(/<path[^>]*class="recharts-rectangle[^"]*"[^>]*>/g) ?? [];
    expect(bars.length).toBeGreaterThanOrEqual(prepared.nonZeroBins);
    expect(bars.every((b) => /fill="rgb\(/.test(b))).toBe(true);
    // A real SVG renderer (librsvg) reads it at the size it says.
    const meta = await sharp(Buffer.from(svg)).metadata();
    expect(meta.format).toBe('svg');
    expect(meta.width).toBe(Math.round((await hist.locator('.recharts-wrapper > svg.recharts-surface').boundingBox())!.width));

    // Saving again asks before replacing.
    await hist.locator('[data-testid=figure-save]').click();
    await hist.locator('[data-testid=figure-confirm-replace]').waitFor();
    await hist.locator('[data-testid=figure-replace]').click();
    await hist.locator('[data-testid=figure-done]').waitFor();
    await hist.locator('[data-testid=figure-close]').click();

    // Scatter: right-click on the chart opens the same menu at the pointer; PNG, offered in the folder used last.
    const surface = scatter.locator('.recharts-wrapper > svg.recharts-surface');
    const box = (await surface.boundingBox())!;
    await surface.click({ button: 'right', position: { x: box.width / 2, y: box.height / 2 } });
    const scatterMenu = scatter.locator('[data-testid=figure-menu]');
    expect(await scatterMenu.getAttribute('data-opened-by')).toBe('contextmenu');
    expect(await scatterMenu.locator('[role=menuitem]').allTextContents()).toEqual(['Save as SVG…', 'Save as PNG (2×)…']);
    await page.screenshot({ path: shotPath('figure-export') });
    await scatterMenu.locator('[data-testid=figure-menu-png]').click();
    const pngFile = join(out, `run${runId}-neuron-${neuron}-scatter.png`);
    expect(await scatter.locator('[data-testid=figure-path]').inputValue()).toBe(pngFile);
    await scatter.locator('[data-testid=figure-save]').click();
    await scatter.locator('[data-testid=figure-done]').waitFor({ timeout: 15_000 });

    const png = await readFile(pngFile);
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    const size = pngSize(png);
    expect(size.width).toBe(2 * Math.round(box.width));
    expect(size.height).toBeGreaterThan(2 * Math.round(box.height)); // the plot plus its caption
    expect(size.height).toBeLessThan(2 * (Math.round(box.height) + 200)); // a caption of a few lines
    // Not blank: the plot's pixels vary.
    const stats = await sharp(png).stats();
    expect(stats.channels[0].stdev).toBeGreaterThan(5);

    // The range chart's HTML legend is folded into its SVG: one entry per class, next to its swatch.
    const ranges = page.locator('[data-testid=range-chart]');
    await ranges.locator('.recharts-wrapper > svg.recharts-surface').click({ button: 'right' });
    await ranges.locator('[data-testid=figure-menu-svg]').click();
    const rangeFile = join(out, `run${runId}-neuron-${neuron}-ranges-class.svg`);
    expect(await ranges.locator('[data-testid=figure-path]').inputValue()).toBe(rangeFile);
    await ranges.locator('[data-testid=figure-save]').click();
    await ranges.locator('[data-testid=figure-done]').waitFor();
    const rangeSvg = await readFile(rangeFile, 'utf8');
    expect(rangeSvg).toContain(`Neuron ${neuron}: share of each class per activation range`);
    for (const cls of ['Ankle_boot', 'Sandal', 'Trouser']) expect(rangeSvg).toContain(`>${cls}</text>`);
    expect(rangeSvg.match(/class="[^"]*\brecharts-area-area\b/g)?.length).toBe(10);
    expect((await sharp(Buffer.from(rangeSvg)).metadata()).format).toBe('svg');

    expect(errors).toEqual([]);
    await page.close();
  });
});
