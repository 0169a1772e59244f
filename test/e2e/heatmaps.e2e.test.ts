import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createBackend } from '../../src/main/core/app/backend';
import { call } from '../helpers/backend';
import { CNN } from '../integration/explain.helpers';
import { CHROMIUM, shotPath, useWebSpec, watchErrors } from './support';
import { waitReady, openProjectByPath } from './scenario';

// Heatmap overlay pixels against maps from PyTorch, browser mode. A project over the 32 golden Fashion-MNIST
// PNGs, the fixture CNN's layer3 (7x7 conv map) summarised by spatial mean and explained, is opened on the neuron
// page of channel 17. Each example's overlay canvas holds the channel's map upsampled to the 28x28 input and
// coloured with viridis on one scale for the page; the expected colours are computed here from
// resources/fixtures/golden/heatmaps.json (PyTorch maps, F.interpolate upsampling, matplotlib's viridis bytes),
// not from the app's code. Then: the legend's scale, the remembered opacity, the same colours in the dark theme,
// click-to-enlarge (activation, class; Esc closes).

const FIX = join(process.cwd(), 'resources/fixtures');
const LAYER3 = '/layer3/relu_1/Relu_output_0';
const CHANNEL = 17;
/** Colour bytes may differ by one viridis step where float32 (onnxruntime) and PyTorch round a value across a bin edge. */
const RGB_TOL = 6;
const haveChromium = existsSync(CHROMIUM);

interface HeatGolden {
  images: string[];
  cnn: {
    layer3: { maps: Record<string, number[][][]> };
    upsampled: { channel: number; size: [number, number]; positions_yx: [number, number][]; values: number[][] };
  };
  colormap: { rgb: [number, number, number][] };
}
const G = JSON.parse(readFileSync(join(FIX, 'golden', 'heatmaps.json'), 'utf8')) as HeatGolden;

/** images/003_Trouser.png -> Trouser/003_Trouser.png: a class tree, so the probe set has labels. */
const treePath = (file: string) => {
  const name = file.replace(/^images\//, '');
  return `${name.replace(/^\d+_/, '').replace(/\.png$/, '')}/${name}`;
};

function viridisAt(t: number): [number, number, number] {
  const i = Math.min(255, Math.max(0, Math.floor(t * 256)));
  return G.colormap.rgb[i];
}

describe.skipIf(!haveChromium)('heatmap overlays (browser mode)', () => {
  const fx = {} as { project: string; runId: number; identitySetId: number; identityShape: number[] };
  const spec = useWebSpec('nwb-heatmaps-e2e', async (dir) => {
    const root = join(dir, 'golden-probes');
    for (const f of G.images) {
      await mkdir(join(root, treePath(f), '..'), { recursive: true });
      await copyFile(join(FIX, 'golden', f), join(root, treePath(f)));
    }
    const backend = createBackend({ userDataDir: join(dir, 'user-data-build'), mode: 'test' });
    try {
      fx.project = (await call(backend, 'project.create', { path: join(dir, 'heat.nwb') })).path;
      const probeSetId = (await call(backend, 'probe.import', { root })).probeSetId;
      const m = await call(backend, 'model.add', { path: CNN });
      await call(backend, 'model.setPreprocessing', { modelId: m.id, preset: 'fashion-mnist' });
      const set = await call(backend, 'activations.extract', { modelId: m.id, layer: LAYER3, probeSetId, summary: 'mean' });
      fx.runId = (await call(backend, 'explain.run', { activationSetId: set.activationSet.id })).run.id;
      // The same layer with every element a unit (channel / y / x), for addressing by position.
      const identity = await call(backend, 'activations.extract', { modelId: m.id, layer: LAYER3, probeSetId, summary: 'identity' });
      fx.identitySetId = identity.activationSet.id;
      fx.identityShape = (await call(backend, 'model.info', { modelId: m.id })).layers.find((l) => l.tensorName === LAYER3)!.shape;
      await call(backend, 'project.close', {});
    } finally {
      backend.dispose();
    }
  });

  async function openNeuron(page: Page): Promise<void> {
    await page.goto(spec.server.url);
    await waitReady(page);
    await openProjectByPath(page, fx.project);
    await page.evaluate(`window.location.hash = '#/explanations/run/${fx.runId}/neuron/${CHANNEL}'`);
    await page.waitForSelector(`[data-testid=neuron-page][data-neuron="${CHANNEL}"][data-loaded=true]`);
    await page.waitForSelector('[data-testid=heat-controls]', { timeout: 30_000 });
    await expect
      .poll(() => page.locator('[data-testid=examples] [data-testid=heat-canvas]').count(), { timeout: 30_000 })
      .toBeGreaterThan(5);
  }

  /** Golden index of every example shown (the image's alt is its relative path). */
  async function shownImages(page: Page): Promise<Map<number, number>> {
    const rows = (await page.$$eval('[data-testid=examples] [data-testid=example]', (els) =>
      els.map((e) => [Number(e.getAttribute('data-image-id')), e.querySelector('img')?.getAttribute('alt') ?? '']),
    )) as [number, string][];
    const byTree = new Map(G.images.map((f, i) => [treePath(f), i]));
    return new Map(rows.map(([id, rel]) => [id, byTree.get(rel)!]));
  }

  /** Canvas pixels (RGBA) at the golden positions, read back from the page. */
  async function canvasPixels(page: Page, imageId: number, sel = '[data-testid=examples] [data-testid=heat-canvas]'): Promise<number[][]> {
    const css = JSON.stringify(`${sel}[data-image-id="${imageId}"]`);
    const positions = JSON.stringify(G.cnn.upsampled.positions_yx);
    return (await page.evaluate(`(() => {
      const c = document.querySelector(${css});
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      return ${positions}.map(([y, x]) => Array.from(d.data.slice(4 * (y * c.width + x), 4 * (y * c.width + x) + 4)));
    })()`)) as number[][];
  }

  /** The opacity the canvas is drawn with (its style, set by the slider). */
  const opacityOf = async (page: Page) =>
    /opacity: ([\d.]+)/.exec((await page.getAttribute('[data-testid=examples] [data-testid=heat-canvas]', 'style')) ?? '')?.[1];

  it('overlay pixels equal the colormap of the PyTorch maps (golden), one scale per neuron, the same in the dark theme', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
    const errors = watchErrors(page);
    await openNeuron(page);
    const shown = await shownImages(page);
    expect(shown.size).toBeGreaterThan(5);
    // The scale: lowest and highest value of the channel's 7x7 maps over the images shown (PyTorch values).
    const maps = G.cnn.layer3.maps[String(CHANNEL)];
    const values = [...new Set(shown.values())].flatMap((i) => maps[i].flat());
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    expect(Number(await page.textContent('[data-testid=heat-lo]'))).toBeCloseTo(lo, 2);
    expect(Number(await page.textContent('[data-testid=heat-hi]'))).toBeCloseTo(hi, Math.max(0, 2 - Math.floor(Math.log10(hi))));
    expect(await page.textContent('[data-testid=heat-controls]')).toContain('one colour scale for all images on this page');

    const u = G.cnn.upsampled;
    expect(u.channel).toBe(CHANNEL);
    let checked = 0;
    let worst = 0;
    const light = new Map<number, number[][]>();
    for (const [imageId, gi] of shown) {
      if ((await page.locator(`[data-testid=examples] [data-testid=heat-canvas][data-image-id="${imageId}"]`).count()) === 0) continue;
      const px = await canvasPixels(page, imageId);
      const canvas = `[data-testid=examples] [data-testid=heat-canvas][data-image-id="${imageId}"]`;
      expect([Number(await page.getAttribute(canvas, 'height')), Number(await page.getAttribute(canvas, 'width'))]).toEqual(u.size);
      light.set(imageId, px);
      px.forEach((rgba, p) => {
        const want = viridisAt((u.values[gi][p] - lo) / (hi - lo));
        for (let k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(rgba[k] - want[k]));
        expect(rgba[3]).toBe(255);
        checked++;
      });
    }
    console.log(`heatmap pixels checked: ${checked} (${light.size} images), worst channel difference ${worst}`);
    expect(checked).toBeGreaterThanOrEqual(6 * u.positions_yx.length);
    expect(worst).toBeLessThanOrEqual(RGB_TOL);
    await page.locator('[data-testid=examples]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: shotPath('heatmaps') });

    // Opacity: the slider sets the canvas's opacity and is remembered across a reload.
    await page.locator('[data-testid=heat-opacity]').fill('30');
    await expect.poll(() => opacityOf(page)).toBe('0.3');
    await page.reload();
    await waitReady(page);
    await page.waitForSelector('[data-testid=examples] [data-testid=heat-canvas]', { timeout: 30_000 });
    expect(await page.inputValue('[data-testid=heat-opacity]')).toBe('30');
    expect(await opacityOf(page)).toBe('0.3');

    // Click to enlarge: the big image with its map, the activation and the class; Esc closes.
    const first = page.locator('[data-testid=examples-top] [data-testid=example]').first();
    const firstId = Number(await first.getAttribute('data-image-id'));
    const caption = (await first.locator('figcaption').textContent()) ?? '';
    await first.click();
    await page.waitForSelector('[data-testid=heat-dialog] [data-testid=heat-dialog-canvas]');
    const facts = (await page.textContent('[data-testid=heat-dialog]')) ?? '';
    expect(facts).toContain(`activation of unit ${CHANNEL}`);
    expect(facts).toContain(caption.trim().split(' ').slice(1).join(' ')); // the class
    expect(await canvasPixels(page, firstId, '[data-testid=heat-dialog-canvas]')).toEqual(light.get(firstId));
    await page.waitForSelector('[data-testid=heat-dialog-img]');
    await page.screenshot({ path: shotPath('heatmaps-enlarged') });
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid=heat-dialog]').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();

    // Dark theme: the same colours on every canvas.
    const dark = await spec.browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'dark' });
    await openNeuron(dark);
    for (const [imageId, px] of light) expect(await canvasPixels(dark, imageId)).toEqual(px);
    await dark.locator('[data-testid=examples]').scrollIntoViewIfNeeded();
    await dark.screenshot({ path: shotPath('heatmaps-dark') });
    await dark.close();
  });

  it('the jump box reads channel / y / x for identity units of the map, and says why a position is outside it', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await openNeuron(page);
    const [, c, h, w] = fx.identityShape; // NCHW: unit n = (c * H + y) * W + x
    expect(c * h * w).toBeGreaterThan(3 * h * w);
    await page.keyboard.press('Control+g');
    await page.waitForSelector('[data-testid=jump-box]');
    await page.fill('[data-testid=jump-input]', `#${fx.identitySetId}:3/${h}/0`);
    await page.press('[data-testid=jump-input]', 'Enter');
    expect(await page.textContent('[data-testid=jump-error]')).toContain(`is outside`);
    expect(await page.textContent('[data-testid=jump-error]')).toContain(`${c} × ${h} × ${w}`);
    await page.fill('[data-testid=jump-input]', `#${fx.identitySetId}:3/2/1`);
    await page.press('[data-testid=jump-input]', 'Enter');
    const unit = (3 * h + 2) * w + 1;
    await expect.poll(() => new URL(page.url()).hash).toContain(`/layer/${fx.identitySetId}/unit/${unit}`);
    await page.waitForSelector('[data-testid=unit-title-position]');
    expect(await page.textContent('[data-testid=unit-title-position]')).toBe('channel 3 / y 2 / x 1');
    await page.screenshot({ path: shotPath('jump-identity-unit') });
    await page.close();
  });
});
