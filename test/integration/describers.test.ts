import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { call, ctx, testBackend, withProject } from '../helpers/backend';
import { refusal } from '../helpers/refusal';
import { tempDir } from '../helpers/tempDir';

// The generative-model library and caches through the contract, on the real fixture models: the library is app-wide
// (a second project on the same machine sees the models), keyed by content; status follows the files; captions,
// answers and images are cached in the project by content, and a cancelled generation resumes with only what is
// missing. Expected captions come from PyTorch (resources/fixtures/describers/captioner_golden.json).

const ROOT = join(import.meta.dirname, '..', '..');
const FIX = join(ROOT, 'resources', 'fixtures');
const CAPTIONER = join(FIX, 'describers', 'captioner');
const GGUF = join(FIX, 'describers', 'language_model', 'fmnist-concepts.gguf');
const GENERATOR = join(FIX, 'describers', 'generator');
const GOLDEN_IMAGES = join(FIX, 'golden', 'images');

interface GoldenCaption {
  image: string;
  tokenIds: number[];
  text: string;
}

/** A project whose probe set is the 32 golden images, in class folders named by their file names (NNN_<class>.png). */
async function goldenProject(dir: string) {
  const { backend, projectPath } = await withProject(dir);
  const root = join(dir, 'golden-probe');
  for (const f of await readdir(GOLDEN_IMAGES)) {
    const cls = f.replace(/^\d+_/, '').replace(/\.png$/, '');
    await mkdir(join(root, cls), { recursive: true });
    await cp(join(GOLDEN_IMAGES, f), join(root, cls, f));
  }
  const { probeSetId } = await call(backend, 'probe.import', { root });
  const page = await call(backend, 'probe.images', { probeSetId, offset: 0, limit: 100 });
  const idOf = new Map(page.rows.map((r) => [r.relPath.split('/').pop()!, r.id]));
  return { backend, projectPath, probeSetId, idOf };
}

describe('generative model library (app-wide, keyed by content)', () => {
  it('adds, dedupes, follows the files (ok / changed / missing) and serves a second project', async () => {
    const dir = await tempDir('describers-lib');
    const copy = join(dir, 'my-captioner');
    await cp(CAPTIONER, copy, { recursive: true });
    const { backend } = await withProject(dir);
    const progress: number[] = [];
    const added = await call(
      backend,
      'describer.add',
      { role: 'captioner', path: copy },
      ctx({ onProgress: (p) => progress.push(p.done / p.total) }),
    );
    expect(added).toMatchObject({ role: 'captioner', format: 'transformers', status: 'ok', path: copy, name: 'my-captioner' });
    expect(added.files).toContain('onnx/encoder_model.onnx');
    expect(progress.at(-1)).toBe(1);
    // The same files again: the same entry. The same files elsewhere: another entry with the same content hash.
    expect((await call(backend, 'describer.add', { role: 'captioner', path: copy })).id).toBe(added.id);
    const other = await call(backend, 'describer.add', { role: 'captioner', path: CAPTIONER, name: 'bundled' });
    expect(other.id).not.toBe(added.id);
    expect(other.sha256).toBe(added.sha256);

    // Another project of the same user sees the library.
    const second = testBackend(dir); // same user-data folder
    await call(second, 'project.create', { path: join(dir, 'second.nwb') });
    expect((await call(second, 'describer.list', { role: 'captioner' })).map((d) => d.id)).toEqual([added.id, other.id]);
    expect(await call(second, 'describer.list', { role: 'image_generator' })).toEqual([]);

    // Touched (same bytes, new time): 'changed' until a check finds the same content.
    const cfg = join(copy, 'config.json');
    await utimes(cfg, new Date(), new Date(Date.now() + 5000));
    expect((await call(backend, 'describer.list', {})).find((d) => d.id === added.id)?.status).toBe('changed');
    const refusedChanged = await refusal(call(backend, 'caption.run', { describerId: added.id, imageIds: [1] }));
    expect(refusedChanged.code).toBe('describer_invalid');
    expect(refusedChanged.message).toContain(copy);
    const check = await call(backend, 'describer.check', { describerId: added.id });
    expect(check).toMatchObject({ status: 'ok', sha256Now: added.sha256 });
    expect((await call(backend, 'describer.list', {})).find((d) => d.id === added.id)?.status).toBe('ok');

    // Different bytes: check says changed, with the new hash.
    const tc = join(copy, 'tokenizer_config.json');
    await writeFile(tc, (await readFile(tc, 'utf8')) + '\n');
    const changed = await call(backend, 'describer.check', { describerId: added.id });
    expect(changed.status).toBe('changed');
    expect(changed.sha256Now).not.toBe(added.sha256);

    // Gone: missing, and using it says what to do.
    await rm(copy, { recursive: true });
    expect((await call(backend, 'describer.list', {})).find((d) => d.id === added.id)?.status).toBe('missing');
    const gone = await refusal(call(backend, 'caption.run', { describerId: added.id, imageIds: [1] }));
    expect(gone.code).toBe('not_found');
    expect(gone.message).toMatch(/gone from .*my-captioner/);

    expect(await call(backend, 'describer.remove', { describerId: added.id })).toEqual({ removed: true });
    expect(await call(backend, 'describer.remove', { describerId: added.id })).toEqual({ removed: false });
    expect((await call(second, 'describer.list', {})).map((d) => d.id)).toEqual([other.id]);
  });

  it('refuses a model of the wrong kind, naming the file', async () => {
    const dir = await tempDir('describers-wrong');
    const { backend } = await withProject(dir);
    const asCaptioner = await refusal(call(backend, 'describer.add', { role: 'captioner', path: GGUF }));
    expect(asCaptioner.code).toBe('describer_invalid');
    expect(asCaptioner.message).toContain('fmnist-concepts.gguf');
    const asLm = await refusal(call(backend, 'describer.add', { role: 'language_model', path: CAPTIONER }));
    expect(asLm.code).toBe('describer_invalid');
    const noPath = await refusal(call(backend, 'describer.add', { role: 'image_generator', path: join(dir, 'nope') }));
    expect(noPath.code).toBe('not_found');
    const cap = await call(backend, 'describer.add', { role: 'captioner', path: CAPTIONER });
    const wrongRole = await refusal(call(backend, 'lm.complete', { describerId: cap.id, prompt: 'x' }));
    expect(wrongRole.code).toBe('bad_input');
    expect(wrongRole.message).toMatch(/is a captioner, not a language model/);
  });
});

describe('captions through the contract', () => {
  it("equal PyTorch's greedy token ids on the 32 probe images, are cached by content, and crops are checked", async () => {
    const dir = await tempDir('describers-caption');
    const { backend, idOf } = await goldenProject(dir);
    const golden = JSON.parse(await readFile(join(FIX, 'describers', 'captioner_golden.json'), 'utf8')) as {
      maxNewTokens: number;
      greedy: GoldenCaption[];
    };
    const cap = await call(backend, 'describer.add', { role: 'captioner', path: CAPTIONER });
    const imageIds = golden.greedy.map((g) => idOf.get(g.image)!);
    const first = await call(backend, 'caption.run', { describerId: cap.id, imageIds, maxNewTokens: golden.maxNewTokens });
    expect(first.captions.map((c) => c.tokenIds)).toEqual(golden.greedy.map((g) => g.tokenIds));
    expect(first.captions.map((c) => c.text)).toEqual(golden.greedy.map((g) => g.text));
    expect(first.captions.every((c) => !c.cached)).toBe(true);

    const again = await call(backend, 'caption.run', {
      describerId: cap.id,
      imageIds: imageIds.slice(0, 3),
      maxNewTokens: golden.maxNewTokens,
    });
    expect(again.captions.map((c) => c.cached)).toEqual([true, true, true]);
    // Other decoding options are another key.
    const shorter = await call(backend, 'caption.run', { describerId: cap.id, imageIds: imageIds.slice(0, 1), maxNewTokens: 2 });
    expect(shorter.captions[0].cached).toBe(false);
    expect(shorter.captions[0].tokenIds).toEqual(golden.greedy[0].tokenIds.slice(0, 2));
    expect((await call(backend, 'generated.cache', {})).captions).toBe(33);

    // A crop of the whole image is the whole image; a crop outside it is refused by name.
    const whole = await call(backend, 'caption.run', {
      describerId: cap.id,
      images: [{ imageId: imageIds[0], box: [0, 0, 28, 28] }],
      maxNewTokens: golden.maxNewTokens,
    });
    expect(whole.captions[0]).toMatchObject({ box: [0, 0, 28, 28], tokenIds: golden.greedy[0].tokenIds, cached: false });
    const outside = await refusal(
      call(backend, 'caption.run', { describerId: cap.id, images: [{ imageId: imageIds[0], box: [20, 20, 40, 30] }] }),
    );
    expect(outside.code).toBe('bad_input');
    expect(outside.message).toMatch(/reaches outside its 28x28 pixels/);
    const unknown = await refusal(call(backend, 'caption.run', { describerId: cap.id, imageIds: [9999] }));
    expect(unknown).toMatchObject({ code: 'not_found', message: expect.stringContaining('Image 9999') });
  });
});

describe('language model answers through the contract', () => {
  it('validates against the schema, caches by the whole request and refuses unknown models', async () => {
    const dir = await tempDir('describers-lm');
    const { backend } = await withProject(dir);
    const lm = await call(backend, 'describer.add', { role: 'language_model', path: GGUF });
    expect(lm).toMatchObject({ format: 'gguf', files: ['fmnist-concepts.gguf'] });
    const schema = {
      type: 'object',
      properties: { concept: { type: 'string', maxLength: 40 } },
      required: ['concept'],
      additionalProperties: false,
    };
    const prompt =
      'captions: a black sandal with straps; a brown sandal; an open toe sandal; a sandal with a low heel; a white sandal\nconcept:';
    const a = await call(backend, 'lm.complete', { describerId: lm.id, prompt, schema, maxTokens: 24 });
    expect(a.cached).toBe(false);
    // The fixture was trained to name what most captions share (its quality: 100% per class, language_model_golden.json).
    expect((a.json as { concept: string }).concept).toMatch(/sandal|footwear/);
    const b = await call(backend, 'lm.complete', { describerId: lm.id, prompt, schema, maxTokens: 24 });
    expect(b).toMatchObject({ cached: true, text: a.text, json: a.json });
    const otherSeed = await call(backend, 'lm.complete', { describerId: lm.id, prompt, schema, maxTokens: 24, seed: 1 });
    expect(otherSeed.cached).toBe(false);
    expect((await call(backend, 'generated.cache', {})).completions).toBe(2);
    expect((await refusal(call(backend, 'lm.complete', { describerId: 999, prompt }))).code).toBe('not_found');
  });
});

describe('generated images through the contract', () => {
  it('are cached per seed, resume after a cancel with only what is missing, and export as PNG files', async () => {
    const dir = await tempDir('describers-gen');
    const { backend } = await withProject(dir);
    const gen = await call(backend, 'describer.add', { role: 'image_generator', path: GENERATOR });
    expect(gen.format).toBe('diffusers_onnx');
    const base = { describerId: gen.id, prompt: 'a realistic image of a sandal', steps: 8, guidance: 3, seed: 10 };

    // Cancel during the second image (progress counts UNet steps: 8 per image): the first one is kept.
    const abort = new AbortController();
    const cancelled = await refusal(
      call(
        backend,
        'generate.images',
        { ...base, count: 3 },
        ctx({ signal: abort.signal, onProgress: (p) => p.done >= 9 && abort.abort() }),
      ),
    );
    expect(cancelled.code).toBe('cancelled');
    const kept = (await call(backend, 'generated.cache', {})).images;
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(3);

    const jobs = await call(backend, 'jobs.list', {});
    const job = jobs.find((j) => j.kind === 'generate.images')!;
    expect(job.status).toBe('cancelled');
    const resumed = (await call(backend, 'jobs.resume', { jobId: job.id })).result as {
      images: { seed: number; cached: boolean; id: number }[];
    };
    expect(resumed.images.map((i) => i.seed)).toEqual([10, 11, 12]);
    expect(resumed.images.filter((i) => i.cached)).toHaveLength(kept);
    expect((await call(backend, 'generated.cache', {})).images).toBe(3);

    // The same images made in one go from scratch (another project) are the same pixels: each depends only on its seed.
    const fresh = await withProject(dir, 'fresh');
    const gen2 = await call(fresh.backend, 'describer.add', { role: 'image_generator', path: GENERATOR });
    const oneGo = await call(fresh.backend, 'generate.images', { ...base, describerId: gen2.id, count: 3, batchSize: 2 });
    for (const [i, r] of resumed.images.entries()) {
      const a = await call(backend, 'generated.image', { imageId: r.id });
      const b = await call(fresh.backend, 'generated.image', { imageId: oneGo.images[i].id });
      expect(a.seed).toBe(10 + i);
      expect(a.dataUrl).toBe(b.dataUrl);
    }

    // More images of the same request: the first three come from the cache.
    const five = await call(backend, 'generate.images', { ...base, count: 5 });
    expect(five.images.map((i) => i.cached)).toEqual([true, true, true, false, false]);
    const img = await call(backend, 'generated.image', { imageId: five.images[4].id });
    const png = Buffer.from(img.dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64');
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', img.width, img.height]);
    expect(img.request).toMatchObject({ prompt: base.prompt, steps: 8, guidance: 3 });

    // Export: PNG files named by prompt and seed; a second export refuses before writing anything.
    const out = join(dir, 'out');
    const ids = five.images.slice(0, 2).map((i) => i.id);
    const { files } = await call(backend, 'generated.export', { imageIds: ids, folder: out });
    expect(files.map((f) => f.split('/').pop())).toEqual([
      'a_realistic_image_of_a_sandal_seed10.png',
      'a_realistic_image_of_a_sandal_seed11.png',
    ]);
    const before = createHash('sha256')
      .update(await readFile(files[0]))
      .digest('hex');
    const again = await refusal(call(backend, 'generated.export', { imageIds: ids, folder: out }));
    expect(again.code).toBe('file_exists');
    expect(
      createHash('sha256')
        .update(await readFile(files[0]))
        .digest('hex'),
    ).toBe(before);
  });
});

describe('generation killed mid-job (separate process)', () => {
  it('keeps the finished images, opens cleanly and resumes with only the missing ones', async () => {
    const dir = await tempDir('describers-kill');
    const { backend, projectPath } = await withProject(dir);
    const gen = await call(backend, 'describer.add', { role: 'image_generator', path: GENERATOR });
    backend.dispose(); // the child owns the project while it generates
    const input = { describerId: gen.id, prompt: 'a realistic image of a bag', count: 4, steps: 6, seed: 3 };
    // Same user-data folder as testBackend(dir): the child finds the model in the same library.
    const args = [
      '--import',
      'tsx',
      join(ROOT, 'test', 'helpers', 'contractChild.ts'),
      join(dir, 'user-data'),
      projectPath,
      'generate.images',
      JSON.stringify(input),
      '150',
    ];
    const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((res) => proc.on('exit', (code, signal) => res(signal ?? code)));
    const stored = () => {
      const ro = new Database(projectPath, { readonly: true, fileMustExist: true });
      try {
        return (ro.prepare('SELECT count(*) AS n FROM gen_images').get() as { n: number }).n;
      } finally {
        ro.close();
      }
    };
    const deadline = Date.now() + 60_000;
    while (stored() < 1 && Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`child exited early (${proc.exitCode}): ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const after = testBackend(dir);
    expect((await call(after, 'project.open', { path: projectPath })).interruptedJobs).toBe(1);
    const db = after.state.requireProject().db;
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    const kept = db.prepare('SELECT id, seed FROM gen_images ORDER BY seed').all() as { id: number; seed: number }[];
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.length).toBeLessThan(4);
    const [job] = await call(after, 'jobs.list', {});
    expect(job).toMatchObject({ kind: 'generate.images', status: 'interrupted', resumable: true });
    const resumed = (await call(after, 'jobs.resume', { jobId: job.id })).result as {
      images: { id: number; seed: number; cached: boolean }[];
    };
    expect(resumed.images.map((i) => i.seed)).toEqual([3, 4, 5, 6]);
    // The images made before the kill are the same rows, not made again.
    for (const k of kept) expect(resumed.images.find((i) => i.seed === k.seed)).toMatchObject({ id: k.id, cached: true });
    expect(resumed.images.filter((i) => !i.cached)).toHaveLength(4 - kept.length);
  });
});
