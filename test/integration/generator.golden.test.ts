import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  inspectDiffusersFolder,
  loadDiffusionPipeline,
  readPromptTokenizer,
  sampleFromNoise,
  type DiffusionPipeline,
} from '../../src/main/core/features/describers/generator';
import { ort } from '../../src/main/core/onnx/ort';
import { tempDirSync } from '../helpers/tempDir';

// The fixture text-to-image model through our ONNX loop against the PyTorch reference sampler of
// scripts/fixtures/train_generator.py: the same stored initial noise must give the same images (DDIM and Euler,
// with and without classifier-free guidance, and SD-Turbo's 1-step trailing Euler), and images generated from
// seeds must look like the class the prompt names (judged by the fixture CNN).

const ROOT = join(import.meta.dirname, '..', '..');
const FIX = process.env.NWB_GENERATOR_FIXTURES ?? join(ROOT, 'resources/fixtures/describers');
const FOLDER = join(FIX, 'generator');
const CNN = join(ROOT, 'resources/fixtures/models/fmnist_cnn.onnx');

interface Case {
  prompt: string;
  guidance: number;
  input_ids: number[];
  noise: number[];
  ddim20: number[];
  euler20: number[];
  euler1_trailing: number[];
}
const golden = JSON.parse(readFileSync(join(FIX, 'generator_golden.json'), 'utf8')) as {
  cases: Case[];
  quality?: { names: Record<string, string>; rates: Record<string, number>; mean: number };
};
const CLASSES = ['T-shirt_top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle_boot'];

const signal = new AbortController().signal;
let gen: DiffusionPipeline;
beforeAll(async () => {
  gen = await loadDiffusionPipeline(FOLDER, { signal, threads: 1 });
});
afterAll(async () => {
  await gen?.dispose();
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function channel0(g: DiffusionPipeline, c: Case, scheduler: 'ddim' | 'euler' | 'config', steps: number): Promise<Float32Array> {
  const req = { prompt: c.prompt, negativePrompt: '', steps, guidance: c.guidance, scheduler };
  const [out] = await sampleFromNoise(g, [Float32Array.from(c.noise)], req, signal);
  return out.unit.subarray(0, 28 * 28);
}

describe('fixture generator vs PyTorch, same initial noise', () => {
  it('validates as a diffusers ONNX folder', async () => {
    const info = await inspectDiffusersFolder(FOLDER);
    expect(info.format).toBe('diffusers_onnx');
    expect(info.details).toMatchObject({
      scheduler: 'DDIMScheduler',
      precision: 'fp32',
      latentChannels: 1,
      latentHeight: 28,
      maxPromptTokens: 16,
    });
    expect(info.files).toContain('unet/model.onnx');
  });

  it.each(golden.cases.map((c, i) => [i, c.prompt.slice(0, 40), c.guidance] as const))(
    'case %i "%s" guidance %d: DDIM 20 and Euler 20 steps within 1e-3 per pixel',
    async (i) => {
      const c = golden.cases[i];
      const ddim = maxAbsDiff(await channel0(gen, c, 'config', 20), c.ddim20);
      const euler = maxAbsDiff(await channel0(gen, c, 'euler', 20), c.euler20);
      console.log(`golden case ${i}: max |ONNX - PyTorch| DDIM ${ddim.toExponential(2)}, Euler ${euler.toExponential(2)}`);
      expect(ddim).toBeLessThan(1e-3);
      expect(euler).toBeLessThan(1e-3);
    },
  );

  it('SD-Turbo style config (EulerDiscreteScheduler, trailing): 1 step matches PyTorch', async () => {
    const dir = tempDirSync('gen-turbo');
    cpSync(FOLDER, dir, { recursive: true });
    const cfgPath = join(dir, 'scheduler/scheduler_config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, _class_name: 'EulerDiscreteScheduler', timestep_spacing: 'trailing' }));
    const turbo = await loadDiffusionPipeline(dir, { signal, threads: 1 });
    try {
      for (const c of golden.cases) {
        const err = maxAbsDiff(await channel0(turbo, c, 'config', 1), c.euler1_trailing);
        console.log(`turbo "${c.prompt.slice(0, 30)}": max |ONNX - PyTorch| ${err.toExponential(2)}`);
        expect(err).toBeLessThan(1e-3);
      }
    } finally {
      await turbo.dispose();
    }
  });

  it.each([
    ['every 3x3 UNet convolution', 0],
    ['the 28x28 convolutions (14x14 and 7x7 through the If to the original convolution)', 500],
  ])('with %s by Winograd F(4x4,3x3), DDIM 20 stays within 1e-3 of PyTorch', async (_, minPixels) => {
    // The default rewrites only convolutions of >= 96 channels (the fixture's are 16/32): forced here.
    expect(gen.winogradConvs).toEqual([]);
    const wino = await loadDiffusionPipeline(FOLDER, { signal, threads: 1, winograd: { minChannels: 1, minPixels } });
    try {
      expect(wino.winogradConvs.length).toBeGreaterThanOrEqual(5);
      for (const c of golden.cases) {
        const err = maxAbsDiff(await channel0(wino, c, 'config', 20), c.ddim20);
        console.log(`winograd (minPixels ${minPixels}) "${c.prompt.slice(0, 30)}": max |ONNX - PyTorch| ${err.toExponential(2)}`);
        expect(err).toBeLessThan(1e-3);
      }
    } finally {
      await wino.dispose();
    }
  });

  it('if onnxruntime refused the rewritten UNet, the file as it is loads instead (direct convolutions, same images)', async () => {
    const create = ort.InferenceSession.create.bind(ort.InferenceSession);
    const spy = vi
      .spyOn(ort.InferenceSession, 'create')
      .mockImplementation(((src: unknown, o: unknown) =>
        typeof src === 'string' ? create(src, o as never) : Promise.reject(new Error('refused'))) as never);
    try {
      const g = await loadDiffusionPipeline(FOLDER, { signal, threads: 1, winograd: { minChannels: 1, minPixels: 0 } });
      try {
        expect(g.winogradConvs).toEqual([]);
        expect(maxAbsDiff(await channel0(g, golden.cases[0], 'config', 20), golden.cases[0].ddim20)).toBeLessThan(1e-3);
      } finally {
        await g.dispose();
      }
    } finally {
      spy.mockRestore();
    }
  });

  it('an over-long prompt is truncated to the tokenizer length (as SD does) and reported', async () => {
    const long = golden.cases.find((c) => c.prompt.split(' ').length > 14)!;
    const warnings: string[] = [];
    const [out] = await sampleFromNoise(
      gen,
      [Float32Array.from(long.noise)],
      { prompt: long.prompt, negativePrompt: '', steps: 20, guidance: long.guidance, scheduler: 'ddim' },
      signal,
      {
        onWarning: (m) => warnings.push(m),
      },
    );
    expect(maxAbsDiff(out.unit.subarray(0, 784), long.ddim20)).toBeLessThan(1e-3);
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toMatch(/reads 16/);
  });

  it('an fp16 export (float16 weights and I/O) runs and stays close', async () => {
    const dir = tempDirSync('gen-fp16');
    cpSync(FOLDER, dir, { recursive: true });
    cpSync(join(FIX, 'generator_fp16/unet/model.onnx'), join(dir, 'unet/model.onnx'));
    expect((await inspectDiffusersFolder(dir)).details.precision).toBe('fp16');
    const half = await loadDiffusionPipeline(dir, { signal, threads: 1 });
    try {
      for (const c of golden.cases) {
        const img = await channel0(half, c, 'config', 20);
        const max = maxAbsDiff(img, c.ddim20);
        const mean = img.reduce((s, v, j) => s + Math.abs(v - c.ddim20[j]), 0) / img.length;
        console.log(`fp16 "${c.prompt.slice(0, 30)}": max ${max.toFixed(4)}, mean ${mean.toFixed(5)}`);
        expect(mean).toBeLessThan(0.005);
        expect(max).toBeLessThan(0.05);
      }
    } finally {
      await half.dispose();
    }
  });
});

describe('generated images show the class the prompt names (fixture CNN as judge)', () => {
  const PER_CLASS = 8;
  it(`${PER_CLASS} seeds per class, DDIM 20 steps, guidance 1.5`, async () => {
    const cnn = await ort.InferenceSession.create(CNN, { intraOpNumThreads: 1 });
    const names = golden.quality?.names ?? {};
    const rates: Record<string, number> = {};
    try {
      for (const [k, cls] of CLASSES.entries()) {
        const seeds = Array.from({ length: PER_CLASS }, (_, i) => 1000 * k + i);
        const images = await gen.generate(
          {
            prompt: `a realistic image of a ${names[cls] ?? cls}`,
            negativePrompt: '',
            steps: 20,
            guidance: 1.5,
            scheduler: 'ddim',
            seeds,
            batchSize: PER_CLASS,
          },
          signal,
          {},
        );
        // The CNN's preprocessing: (pixel / 255 - 0.2860) / 0.3530 on channel 0 (the images are grey RGB).
        const x = new Float32Array(PER_CLASS * 784);
        images.forEach((img, i) => {
          expect([img.width, img.height, img.seed]).toEqual([28, 28, seeds[i]]);
          for (let p = 0; p < 784; p++) x[i * 784 + p] = (img.data[p * 3] / 255 - 0.286) / 0.353;
        });
        const out = await cnn.run({ input: new ort.Tensor('float32', x, [PER_CLASS, 1, 28, 28]) });
        const logits = out.logits.data as Float32Array;
        let hits = 0;
        for (let i = 0; i < PER_CLASS; i++) {
          const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
          if (row.indexOf(Math.max(...row)) === k) hits++;
        }
        rates[cls] = hits / PER_CLASS;
      }
    } finally {
      await cnn.release();
    }
    const mean = Object.values(rates).reduce((s, v) => s + v, 0) / CLASSES.length;
    console.log(`class rates (${PER_CLASS} per class): ${JSON.stringify(rates)} mean ${mean.toFixed(3)}`);
    // PyTorch's rate for this fixture is 0.79 over 50 images per class (generator_golden.json quality; goal 0.7).
    // 0.6 leaves room for the noise of 8 images per class.
    expect(mean).toBeGreaterThanOrEqual(Number(process.env.NWB_GENERATOR_MIN_RATE ?? 0.6));
  });
});

describe("SD exports' CLIP tokenizer (vocab.json + merges.txt, no tokenizer.json)", () => {
  it("gives the input_ids of transformers' CLIPTokenizer (padding to 77, truncation)", async () => {
    // Expected ids: scripts/fixtures/make_clip_tokenizer_fixture.py (transformers 5.17 CLIPTokenizer on a tiny BPE vocab).
    const dir = tempDirSync('gen-clip');
    cpSync(join(ROOT, 'resources/fixtures/describers/clip_tokenizer'), join(dir, 'tokenizer'), { recursive: true });
    const tok = await readPromptTokenizer(dir);
    const expected = JSON.parse(readFileSync(join(ROOT, 'resources/fixtures/describers/clip_tokenizer_expected.json'), 'utf8')) as {
      cases: { prompt: string; input_ids: number[] }[];
    };
    expect(tok.maxLength).toBe(77);
    for (const c of expected.cases) expect(tok.encode(c.prompt).ids).toEqual(c.input_ids);
    const long = tok.encode('a '.repeat(100));
    expect(long.fullLength).toBe(102); // 100 words + start + end: the pipeline reports the truncation
    expect(long.ids.length).toBe(77);
    expect(long.ids[76]).toBe(long.ids[0] + 1); // ends with <|endoftext|> (id after <|startoftext|> here), as CLIP truncates
  });
});
