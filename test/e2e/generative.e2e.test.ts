import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CLASS_WORDS, writeFashionMnistTree } from '../helpers/fashionMnist';
import { CHROMIUM, clearToasts, elementShot, REPO, useWebSpec, watchErrors } from './support';
import { createProject, startImport, waitImportDone, waitReady } from './scenario';

// The Generative models screen end to end, browser mode, with the committed fixture models run by the real runtimes:
// the library works before a project is open (the Try panels ask for one); a folder that is not a captioner and a
// path that does not exist show the backend's coded error; the fixture captioner captions a real Fashion-MNIST probe
// image with the image's class word; the fixture GGUF answers the Describe-and-Dissect preset with schema-checked
// JSON; the fixture generator makes 2 images in 10 steps (each labelled with its seed), exported as PNGs.

const LONG = 180_000;
const PER_CLASS = 3;
const FIX = join(REPO, 'resources/fixtures/describers');
const CAPTIONER = join(FIX, 'captioner');
const GGUF = join(FIX, 'language_model/fmnist-concepts.gguf');
// The generator fixture's folder can be pointed elsewhere like its golden test does (a freshly trained one).
const GENERATOR = join(process.env.NWB_GENERATOR_FIXTURES ?? FIX, 'generator');
const haveChromium = existsSync(CHROMIUM);
const haveCaptioner = existsSync(join(CAPTIONER, 'config.json'));
const haveGguf = existsSync(GGUF);
const haveGenerator = existsSync(join(GENERATOR, 'model_index.json'));

/** A loopback port nothing listens on (opened, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The screen scrolls inside .screen: shoot one element, with a viewport tall enough to fit it. */
const shotOf = (page: Page, selector: string, name: string) => elementShot(page, selector, `generative-${name}`);

/** Add a model of the tab shown by its path; resolves with its library id once its row says ok. */
async function addModel(page: Page, path: string, name: string): Promise<number> {
  await page.fill('[data-testid=describer-path]', path);
  await page.fill('[data-testid=describer-name]', name);
  await page.click('[data-testid=describer-add-submit]');
  const row = page.locator(`[data-testid=describer-row][data-name="${name}"]`);
  await row.waitFor({ timeout: LONG });
  expect(await row.getAttribute('data-status')).toBe('ok');
  return Number(await row.getAttribute('data-id'));
}

/** Try to add `path` and read the coded error the form shows. */
async function addError(page: Page, path: string): Promise<{ code: string | null; message: string }> {
  await page.fill('[data-testid=describer-path]', path);
  await page.fill('[data-testid=describer-name]', '');
  await page.click('[data-testid=describer-add-submit]');
  // The error of this attempt: it names the path (a box still showing the previous attempt's error does not).
  const box = page.locator('[data-testid=describer-add-error]', { hasText: basename(path) });
  await box.waitFor({ timeout: LONG });
  return { code: await box.getAttribute('data-code'), message: (await box.locator('p').first().textContent()) ?? '' };
}

describe.skipIf(!haveChromium || !haveCaptioner)('generative models: add, check and try each role (browser mode)', () => {
  const spec = useWebSpec('nwb-generative-e2e', async (dir) => {
    await writeFashionMnistTree(join(dir, 'fmnist-probes'), { perClass: PER_CLASS, split: 'test' });
  });
  const probes = () => join(spec.dir, 'fmnist-probes');
  let page: Page;
  let errors: string[];

  it(
    'adds the fixture captioner before a project is open, refuses bad paths with a coded error, checks it',
    { timeout: LONG },
    async () => {
      page = await spec.browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
      errors = watchErrors(page);
      await page.goto(spec.server.url);
      await waitReady(page);
      await page.click('[data-testid=nav-generative]');
      await page.waitForSelector('[data-testid=generative-screen][data-role=captioner]');

      // A folder that is not a captioner export, and a path that does not exist: the backend's coded messages.
      const notCaptioner = await addError(page, probes());
      expect(notCaptioner.code).toBe('describer_invalid');
      expect(notCaptioner.message).toContain(probes());
      await shotOf(page, '[data-testid=describer-add]', 'bad-folder');
      const missing = await addError(page, join(spec.dir, 'no-such-folder'));
      expect(missing.code).toBe('not_found');
      expect(missing.message).toContain('no-such-folder');
      await shotOf(page, '[data-testid=generative-screen]', 'bad-path');

      const id = await addModel(page, CAPTIONER, 'fmnist captioner');
      expect(await page.textContent(`[data-testid=describer-row][data-id="${id}"] [data-testid=describer-details]`)).not.toBe('—');
      // The library works without a project; what a model makes is cached in one, so its Try panel asks for it.
      await page.waitForSelector(`[data-testid=try-panel][data-id="${id}"] [data-testid=needs-project]`);
      await shotOf(page, '[data-testid=generative-screen]', 'no-project');

      // Check: re-validated and re-hashed, same hash.
      await page.click(`[data-testid=describer-row][data-id="${id}"] [data-testid=describer-check]`);
      await page.waitForSelector('[data-testid=describer-check-message][data-status=ok]', { timeout: LONG });
      // Adding the same files again returns the same entry.
      expect(await addModel(page, CAPTIONER, 'fmnist captioner')).toBe(id);
      expect(await page.locator('[data-testid=describer-row]').count()).toBe(1);
    },
  );

  it('captions a real probe image with its class word; the second time it is cached', { timeout: LONG * 2 }, async () => {
    await createProject(page, join(spec.dir, 'generative.nwb'));
    await startImport(page, probes());
    expect((await waitImportDone(page)).images).toBe(PER_CLASS * 10);
    await clearToasts(page);

    await page.click('[data-testid=nav-generative]');
    await page.click('[data-testid=generative-tab-captioner]');
    await page.waitForSelector('[data-testid=caption-try]');
    // A sneaker and an ankle boot of the probe set (real t10k images).
    for (const cls of ['Sneaker', 'Ankle_boot']) {
      let cell = page.locator(`[data-testid=picker-image][data-class="${cls}"]`).first();
      await page.locator('[data-testid=picker-image]').first().waitFor();
      if ((await cell.count()) === 0) {
        await page.click('[data-testid=picker-next]');
        cell = page.locator(`[data-testid=picker-image][data-class="${cls}"]`).first();
      }
      const imageId = await cell.getAttribute('data-id');
      await cell.click();
      await page.waitForSelector('[data-testid=crop-image]');
      await page.click('[data-testid=caption-run]');
      await page.waitForSelector(`[data-testid=caption-result][data-image-id="${imageId}"][data-box=""]`, { timeout: LONG });
      const text = (await page.textContent('[data-testid=caption-text]')) ?? '';
      expect(text).toContain(CLASS_WORDS[cls]);
      expect(await page.getAttribute('[data-testid=caption-result]', 'data-cached')).toBe('false');
      expect(((await page.textContent('[data-testid=caption-tokens]')) ?? '').trim().split(/\s+/).length).toBeGreaterThan(2);
    }
    // The same request again is answered from the project's cache.
    await page.click('[data-testid=caption-run]');
    await page.waitForSelector('[data-testid=caption-result][data-cached=true]', { timeout: LONG });
    expect(await page.textContent('[data-testid=caption-made]')).toContain('cached');
    // A crop: dragging on the enlarged image fills the box fields (image pixels, right/bottom exclusive).
    const view = page.locator('[data-testid=crop-view]');
    const b = await view.boundingBox();
    if (!b) throw new Error('no crop view');
    await page.mouse.move(b.x + 2, b.y + 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width * 0.75, b.y + b.height * 0.75, { steps: 4 });
    await page.mouse.up();
    expect(await page.isChecked('[data-testid=caption-crop]')).toBe(true);
    expect(await page.inputValue('[data-testid=caption-box-x0]')).toBe('0');
    expect(await page.inputValue('[data-testid=caption-box-x1]')).toBe('22');
    await page.click('[data-testid=caption-run]');
    await page.waitForSelector('[data-testid=caption-result][data-box="0,0,22,22"]', { timeout: LONG });
    expect(await page.getAttribute('[data-testid=caption-result]', 'data-cached')).toBe('false');
    expect(await page.textContent('[data-testid=caption-result]')).toContain('crop x 0–22, y 0–22');
    await clearToasts(page);
    await shotOf(page, '[data-testid=generative-screen]', 'captioner');
  });

  it.skipIf(!haveGguf)(
    'adds the fixture GGUF and gets a JSON concept for the Describe-and-Dissect preset',
    { timeout: LONG * 2 },
    async () => {
      await page.click('[data-testid=generative-tab-language_model]');
      await page.waitForSelector('[data-testid=generative-screen][data-role=language_model]');
      // A file that is not GGUF: the coded error names it.
      const notGguf = await addError(page, join(CAPTIONER, 'config.json'));
      expect(notGguf.code).toBe('describer_invalid');
      expect(notGguf.message).toContain('config.json');
      // An OpenAI-compatible endpoint that is not running: the form checks the URL, the backend says it is down.
      await page.check('[data-testid=describer-source-endpoint]');
      expect(await page.textContent('[data-testid=describer-add]')).toContain('stored in clear text');
      expect(await page.isChecked('[data-testid=ep-remote]')).toBe(false);
      await page.fill('[data-testid=ep-url]', 'not a url');
      await page.fill('[data-testid=ep-model]', 'qwen2.5:7b-instruct');
      expect(await page.isDisabled('[data-testid=describer-add-submit]')).toBe(true);
      await page.fill('[data-testid=ep-url]', `http://127.0.0.1:${await closedPort()}/v1`);
      await page.fill('[data-testid=ep-timeout]', '5');
      await page.fill('[data-testid=ep-retries]', '0');
      await page.click('[data-testid=describer-add-submit]');
      await page.waitForSelector('[data-testid=describer-add-error][data-code=endpoint_unavailable]', { timeout: LONG });
      await shotOf(page, '[data-testid=describer-add]', 'endpoint-down');
      await page.check('[data-testid=describer-source-path]');
      const id = await addModel(page, GGUF, 'fmnist concepts');
      await page.waitForSelector(`[data-testid=try-panel][data-id="${id}"] [data-testid=complete-try]`);

      // A schema that is not JSON is refused before anything is sent.
      await page.fill('[data-testid=lm-prompt]', 'captions: a bag; a red bag\njson:');
      await page.fill('[data-testid=lm-schema]', '{"type": ');
      await page.waitForSelector('[data-testid=lm-schema-error]');
      expect(await page.isDisabled('[data-testid=lm-run]')).toBe(true);

      await page.click('[data-testid=lm-preset-dnd]');
      expect(await page.inputValue('[data-testid=lm-prompt]')).toContain('sneaker');
      await page.click('[data-testid=lm-run]');
      await page.waitForSelector('[data-testid=lm-result]', { timeout: LONG });
      const json = JSON.parse((await page.textContent('[data-testid=lm-json]')) ?? '') as { concept?: unknown };
      // 7 of the preset's 8 captions are sneakers: the fixture names the class (or its superclass), as trained.
      expect(json.concept).toMatch(/sneaker|footwear/);
      expect(await page.getAttribute('[data-testid=lm-result]', 'data-cached')).toBe('false');
      expect(await page.textContent('[data-testid=lm-tokens]')).toMatch(/^\d+ in the prompt, \d+ in the answer$/);
      await clearToasts(page);
      await shotOf(page, '[data-testid=generative-screen]', 'language-model');
    },
  );

  it.skipIf(!haveGenerator)(
    'adds the fixture generator, generates 2 images in 10 steps and exports them',
    { timeout: LONG * 2 },
    async () => {
      await page.click('[data-testid=generative-tab-image_generator]');
      await page.waitForSelector('[data-testid=generative-screen][data-role=image_generator]');
      const id = await addModel(page, GENERATOR, 'fmnist generator');
      await page.waitForSelector(`[data-testid=try-panel][data-id="${id}"] [data-testid=generate-try]`);
      // A long request shows its progress in UNet steps, and Cancel stops it.
      await page.fill('[data-testid=gen-prompt]', 'a realistic image of a bag');
      await page.fill('[data-testid=gen-count]', '4');
      await page.fill('[data-testid=gen-steps]', '200');
      await page.click('[data-testid=gen-run]');
      await page.waitForSelector('[data-testid=gen-progress]', { timeout: LONG });
      await expect
        .poll(async () => Number((await page.getAttribute('[data-testid=gen-progress]', 'data-done')) ?? 0), {
          timeout: LONG,
          interval: 50,
        })
        .toBeGreaterThan(0);
      expect(await page.getAttribute('[data-testid=gen-progress]', 'data-total')).toBe('800');
      await shotOf(page, '[data-testid=try-panel]', 'generator-progress');
      await page.click('[data-testid=gen-cancel]');
      await page.waitForSelector('[data-testid=gen-status][data-status=cancelled]', { timeout: LONG });

      await page.fill('[data-testid=gen-prompt]', 'a realistic image of a sneaker');
      await page.fill('[data-testid=gen-count]', '2');
      await page.fill('[data-testid=gen-steps]', '10');
      await page.fill('[data-testid=gen-seed]', '7');
      await page.click('[data-testid=gen-run]');
      await page.waitForSelector('[data-testid=gen-result][data-count="2"]', { timeout: LONG });
      await page.waitForSelector('[data-testid=gen-image][data-seed="8"][data-loaded=true]');
      expect(await page.locator('[data-testid=gen-image]').count()).toBe(2);
      expect(await page.locator('[data-testid=gen-image][data-cached=false]').count()).toBe(2);
      type Img = { src: string; naturalWidth: number };
      const decoded = await page.$$eval(
        '[data-testid=gen-image] img',
        (imgs) =>
          imgs.filter((i) => (i as unknown as Img).src.startsWith('data:image/png') && (i as unknown as Img).naturalWidth > 0).length,
      );
      expect(decoded).toBe(2);

      // Export as PNGs; a second export into the same folder asks before replacing.
      const folder = join(spec.dir, 'generated');
      await page.fill('[data-testid=generate-export-folder]', folder);
      await page.click('[data-testid=generate-export-submit]');
      await page.waitForSelector('[data-testid=generate-export-done][data-files="2"]');
      expect(existsSync(join(folder, 'a_realistic_image_of_a_sneaker_seed7.png'))).toBe(true);
      await page.click('[data-testid=generate-export-submit]');
      await page.waitForSelector('[data-testid=generate-confirm-replace]');
      await page.click('[data-testid=generate-replace]');
      await page.waitForSelector('[data-testid=generate-export-done][data-files="2"]');
      await clearToasts(page);
      await shotOf(page, '[data-testid=generative-screen]', 'generator');
    },
  );

  it('ends without page errors', () => {
    expect(errors).toEqual([]);
  });
});
