import { htmlFacts } from './report.helpers';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/main/core/app/backend';
import { heatmapRgba, scaleLabel } from '../../src/shared/heatmap';
import { call } from '../helpers/backend';
import { CNN, probeProject } from './explain.helpers';

// Report neuron pages of a spatial layer (the fixture CNN's layer3, 7x7 maps, spatial mean): every example
// thumbnail carries the neuron's heatmap, drawn into the JPEG (viridis at 50% over the thumbnail, the maps of
// activations.heatmaps on one scale per neuron), the scale is printed beside the strips, and the exported HTML
// still fits every page (offline Chromium: nothing overflows, every image shows).

const LAYER3 = '/layer3/relu_1/Relu_output_0';
const CHROMIUM = process.env.NWB_CHROMIUM ?? '/usr/bin/chromium';
/** JPEG (quality 82 then 85) moves bytes by a few units. */
const JPEG_TOL = 14;

let backend: Backend;
let dir: string;
let runId: number;
let setId: number;
let browser: Browser | undefined;

beforeAll(async () => {
  const f = await probeProject(4);
  ({ backend, dir } = f);
  const m = await call(backend, 'model.add', { path: CNN });
  await call(backend, 'model.setPreprocessing', { modelId: m.id, preset: 'fashion-mnist' });
  setId = (await call(backend, 'activations.extract', { modelId: m.id, layer: LAYER3, probeSetId: f.probeSetId, summary: 'mean' }))
    .activationSet.id;
  runId = (await call(backend, 'explain.run', { activationSetId: setId })).run.id;
  if (existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  backend.dispose();
});

const decode = async (dataUrl: string) =>
  sharp(Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });

describe('report neuron pages of a conv layer carry heatmaps', () => {
  it('each example thumbnail is the plain thumbnail with the map blended in at 50% (viridis, one scale per neuron)', async () => {
    const preview = await call(backend, 'report.preview', { run: runId, sections: ['neurons'], neurons: 'top:1' });
    const neuron = preview.neurons[0];
    const markup = preview.html;
    const v = await call(backend, 'explain.neuron', { runId, neuron, topK: 8, perBand: 1, randomK: 8 });
    const shown = [...v.examples.top, ...v.examples.bands.flatMap((b) => b.examples), ...v.examples.random];
    const heat = await call(backend, 'activations.heatmaps', { activationSetId: setId, neuron, imageIds: shown.map((e) => e.imageId) });
    expect(heat.kind).toBe('channel');
    expect(markup).toContain(`maps ${scaleLabel(heat.scale.lo)}–${scaleLabel(heat.scale.hi)}, viridis`);
    const ex = v.examples.top[0];
    const src = new RegExp(`<img src="(data:image/jpeg;base64,[^"]+)" alt="${ex.relPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`).exec(
      markup,
    )?.[1];
    expect(src).toBeDefined();
    const [plainThumb] = await call(backend, 'probe.thumbnails', { imageIds: [ex.imageId], size: 96 });
    const got = await decode(src!);
    const plain = await decode(plainThumb.dataUrl!);
    expect([got.info.width, got.info.height]).toEqual([96, 96]);
    const map = heat.maps.find((m) => m.imageId === ex.imageId)!;
    const over = heatmapRgba(map.values, 7, 7, 96, 96, heat.scale);
    let worst = 0;
    let moved = 0;
    for (let p = 0; p < 96 * 96; p += 37) {
      for (let k = 0; k < 3; k++) {
        const a = plain.data[p * plain.info.channels + k];
        const want = 0.5 * a + 0.5 * over[4 * p + k];
        const b = got.data[p * got.info.channels + k];
        worst = Math.max(worst, Math.abs(b - want));
        if (Math.abs(b - a) > 20) moved++;
      }
    }
    expect(worst).toBeLessThanOrEqual(JPEG_TOL);
    expect(moved).toBeGreaterThan(50); // the overlay is visible, not a no-op
  }, 60_000);

  it.skipIf(!existsSync(CHROMIUM))(
    'the exported HTML fits every page and shows every image (offline)',
    async () => {
      const path = join(dir, 'heat-report.html');
      await call(backend, 'report.export', { run: runId, format: 'html', path, neurons: 'top:3' });
      const html = readFileSync(path, 'utf8');
      expect(html).toContain(', viridis');
      const facts = await htmlFacts(browser!, path);
      expect(facts.images).toBeGreaterThan(20);
      expect(facts.broken).toEqual([]);
      expect(facts.overflowing).toEqual([]);
    },
    60_000,
  );
});
