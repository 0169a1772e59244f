import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/main/core/app/backend';
import { readMatrix } from '../../src/main/core/platform/store/activationRepo';
import { upsampleBilinear, viridis } from '../../src/shared/heatmap';
import { refusal } from '../helpers/refusal';
import { ctx, freshBackend, insertProbeSet } from './extract.helpers';

// activations.heatmaps (model run up to the layer with onnxruntime) against spatial maps computed by PyTorch
// (scripts/fixtures/make_heatmaps.py -> resources/fixtures/golden/heatmaps.json) for the fixture CNN and ViT.

const FIX = join(process.cwd(), 'resources/fixtures');
/** Relative tolerance: |app - torch| <= REL * max(1, |torch|). */
const REL = 1e-4;

interface HeatGolden {
  images: string[];
  cnn: {
    layer3: { tensor: string; shape: [number, number]; maps: Record<string, number[][][]> };
    layer2: { tensor: string; shape: [number, number]; images: number; maps: Record<string, number[][][]> };
    upsampled: { channel: number; size: [number, number]; positions_yx: [number, number][]; values: number[][] };
  };
  vit: { tensor: string; tokens: { prefix: number; grid: [number, number] }; images: number; maps: Record<string, number[][][]> };
  colormap: { rgb: [number, number, number][] };
}
const G = JSON.parse(readFileSync(join(FIX, 'golden', 'heatmaps.json'), 'utf8')) as HeatGolden;
const CNN_PRE = {
  scale: 1 / 255,
  mean: [0.286],
  std: [0.353],
  size: [28, 28] as [number, number],
  channels: 1 as const,
  layout: 'NCHW' as const,
};

async function expectAppError(p: unknown, code: string, message: RegExp): Promise<void> {
  const e = await refusal(Promise.resolve(p));
  expect(e.code).toBe(code);
  expect(e.message).toMatch(message);
}

let backend: Backend;
let imageIds: number[];
const worst: Record<string, number> = {};

function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return m;
}

const call = <M extends 'activations.heatmaps' | 'activations.extract' | 'model.add' | 'model.setPreprocessing'>(
  m: M,
  input: Parameters<Backend['handlers'][M]>[0],
) => (backend.handlers[m] as (i: typeof input, c: ReturnType<typeof ctx>) => ReturnType<Backend['handlers'][M]>)(input, ctx());

async function addModel(file: string): Promise<number> {
  const m = await call('model.add', { path: join(FIX, 'models', file) });
  await call('model.setPreprocessing', { modelId: m.id, options: CNN_PRE });
  return m.id;
}

let probeSetId: number;
let cnn: number;
let vit: number;

beforeAll(async () => {
  ({ backend } = await freshBackend());
  probeSetId = insertProbeSet(backend, join(FIX, 'golden'), G.images);
  const db = backend.state.requireProject().db;
  imageIds = (db.prepare('SELECT id FROM images WHERE probe_set_id = ? ORDER BY id').all(probeSetId) as { id: number }[]).map((r) => r.id);
  cnn = await addModel('fmnist_cnn.onnx');
  vit = await addModel('fmnist_vit.onnx');
});
afterAll(() => {
  console.log(`heatmaps vs PyTorch, max relative error: ${JSON.stringify(worst)}`);
  backend.dispose();
});

async function extract(modelId: number, layer: string, summary: 'mean' | 'max' | 'identity' | 'cls' | 'token_mean'): Promise<number> {
  return (await call('activations.extract', { modelId, layer, probeSetId, summary })).activationSet.id;
}

describe('activations.heatmaps equals PyTorch spatial maps (golden/heatmaps.json)', () => {
  it('fixture CNN layer3 (7x7): channels 0, 17, 41 on all 32 images; activation = the stored mean; one scale', async () => {
    const setId = await extract(cnn, G.cnn.layer3.tensor, 'mean');
    const stored = readMatrix(backend.state.requireProject().db, setId);
    for (const [ch, want] of Object.entries(G.cnn.layer3.maps)) {
      const r = await call('activations.heatmaps', { activationSetId: setId, neuron: Number(ch), imageIds });
      expect(r.kind).toBe('channel');
      expect(r.grid).toEqual({ height: 7, width: 7 });
      expect(r.unit).toBe(`channel ${ch} of a 7x7 map`);
      expect(r.input).toEqual({ height: 28, width: 28, resize: 'squash' });
      expect(r.maps.map((m) => m.imageId)).toEqual(imageIds);
      const err = relErr(
        r.maps.flatMap((m) => m.values),
        want.flat(2),
      );
      worst[`cnn.layer3.${ch}`] = err;
      expect(err).toBeLessThanOrEqual(REL);
      // the recomputed summary is what extraction stored for the image
      const k = Number(ch);
      expect(
        relErr(
          r.maps.map((m) => m.activation),
          imageIds.map((_, i) => stored[i * 64 + k]),
        ),
      ).toBeLessThanOrEqual(1e-6);
      // one colour scale over every returned map
      expect(r.scale.lo).toBeCloseTo(Math.min(...want.flat(2)), 4);
      expect(r.scale.hi).toBeCloseTo(Math.max(...want.flat(2)), 4);
    }
  });

  it('fixture CNN layer2 (14x14), max summary: channel 13; the activation is the map max', async () => {
    const setId = await extract(cnn, G.cnn.layer2.tensor, 'max');
    const ids = imageIds.slice(0, G.cnn.layer2.images);
    const r = await call('activations.heatmaps', { activationSetId: setId, neuron: 13, imageIds: ids });
    expect(r.grid).toEqual({ height: 14, width: 14 });
    const err = relErr(
      r.maps.flatMap((m) => m.values),
      G.cnn.layer2.maps['13'].flat(2),
    );
    worst['cnn.layer2.13'] = err;
    expect(err).toBeLessThanOrEqual(REL);
    for (const m of r.maps) expect(m.activation).toBe(m.max);
  });

  it('the overlay upsampling is F.interpolate(bilinear, align_corners=False): channel 17 at 28x28', async () => {
    const setId = await extract(cnn, G.cnn.layer3.tensor, 'mean');
    const u = G.cnn.upsampled;
    const r = await call('activations.heatmaps', { activationSetId: setId, neuron: u.channel, imageIds });
    let err = 0;
    r.maps.forEach((m, i) => {
      const up = upsampleBilinear(m.values, 7, 7, u.size[0], u.size[1]);
      err = Math.max(
        err,
        relErr(
          u.positions_yx.map(([y, x]) => up[y * u.size[1] + x]),
          u.values[i],
        ),
      );
    });
    worst['cnn.upsampled'] = err;
    expect(err).toBeLessThanOrEqual(REL);
  });

  it("the app's viridis is matplotlib's (256 entries)", () => {
    G.colormap.rgb.forEach((rgb, i) => expect(viridis((i + 0.5) / 256)).toEqual(rgb));
    expect(viridis(0)).toEqual(G.colormap.rgb[0]);
    expect(viridis(1)).toEqual(G.colormap.rgb[255]);
  });

  it('identity units of a conv map are channel / y / x: the map of their channel, focused on their position', async () => {
    const setId = await extract(cnn, G.cnn.layer3.tensor, 'identity');
    const [c, y, x] = [17, 3, 5];
    const neuron = (c * 7 + y) * 7 + x;
    const r = await call('activations.heatmaps', { activationSetId: setId, neuron, imageIds: imageIds.slice(0, 3) });
    expect(r.unit).toBe('channel 17 / y 3 / x 5');
    expect(r.focus).toEqual({ y, x });
    const want = G.cnn.layer3.maps['17'].slice(0, 3);
    expect(
      relErr(
        r.maps.flatMap((m) => m.values),
        want.flat(2),
      ),
    ).toBeLessThanOrEqual(REL);
    expect(
      relErr(
        r.maps.map((m) => m.activation),
        want.map((img) => img[y][x]),
      ),
    ).toBeLessThanOrEqual(REL);
  });

  it('fixture ViT blocks.3.mlp.act, cls summary: features over the 4x4 patch tokens (CLS left out)', async () => {
    const setId = await extract(vit, G.vit.tensor, 'cls');
    const ids = imageIds.slice(0, G.vit.images);
    for (const [d, want] of Object.entries(G.vit.maps)) {
      const r = await call('activations.heatmaps', { activationSetId: setId, neuron: Number(d), imageIds: ids });
      expect(r.kind).toBe('tokens');
      expect(r.grid).toEqual({ height: 4, width: 4 });
      expect(r.prefixTokens).toBe(G.vit.tokens.prefix);
      expect(r.unit).toBe(`feature ${d} over the 4x4 patch tokens`);
      const err = relErr(
        r.maps.flatMap((m) => m.values),
        want.flat(2),
      );
      worst[`vit.${d}`] = err;
      expect(err).toBeLessThanOrEqual(REL);
    }
  });

  it('the second call for the same images runs no model (cached per image), and is consistent', async () => {
    const setId = await extract(cnn, G.cnn.layer3.tensor, 'mean');
    const a = await call('activations.heatmaps', { activationSetId: setId, neuron: 41, imageIds: imageIds.slice(0, 10) });
    const b = await call('activations.heatmaps', { activationSetId: setId, neuron: 0, imageIds: imageIds.slice(0, 10) });
    expect(a.computed).toBe(0); // computed by the first test already
    expect(b.computed).toBe(0);
    expect(relErr(b.maps[0].values, G.cnn.layer3.maps['0'][0].flat())).toBeLessThanOrEqual(REL);
  });

  it('a pooled layer has no spatial map, and says so', async () => {
    const setId = await extract(cnn, '/Flatten_output_0', 'identity');
    const r = await call('activations.heatmaps', { activationSetId: setId, neuron: 5, imageIds: imageIds.slice(0, 2) });
    expect(r.kind).toBe('none');
    expect(r.reason).toMatch(/^no spatial map: this layer is pooled/);
    expect(r.maps).toEqual([]);
  });

  it('refuses a unit out of range and an image of another probe set, naming them', async () => {
    const setId = await extract(cnn, G.cnn.layer3.tensor, 'mean');
    await expectAppError(
      call('activations.heatmaps', { activationSetId: setId, neuron: 64, imageIds: imageIds.slice(0, 1) }),
      'bad_input',
      /Neuron 64 .*64 units/,
    );
    const other = insertProbeSet(backend, join(FIX, 'golden', 'images'), [G.images[0].replace('images/', '')]);
    const db = backend.state.requireProject().db;
    const foreign = (db.prepare('SELECT id FROM images WHERE probe_set_id = ?').get(other) as { id: number }).id;
    await expectAppError(
      call('activations.heatmaps', { activationSetId: setId, neuron: 1, imageIds: [foreign] }),
      'bad_input',
      new RegExp(`Image ${foreign} is not in probe set ${probeSetId}`),
    );
    await expectAppError(
      call('activations.heatmaps', { activationSetId: 999, neuron: 1, imageIds: [1] }),
      'not_found',
      /Activation set 999/,
    );
  });
});
