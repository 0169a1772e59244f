import { existsSync } from 'node:fs';
import { mkdir, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { addBrokenFiles, writeFashionMnistTree } from '../helpers/fashionMnist';
import { CHROMIUM, shot, useWebSpec, watchErrors } from './support';
import { classCount, createProject, renderedThumbnails, waitImportDone, waitReady } from './scenario';

// Dropping an image folder onto the window in browser mode (docs/probe-import.md): the page reads the tree,
// uploads it over the authenticated WebSocket into <project>.uploads/<name>/ and imports it from there.
//
// How the drop is made: a real one, through Chromium's DevTools protocol (Input.dispatchDragEvent with
// data.files = [the folder's path]). That is the browser's own drag-and-drop path, as when a person drops a
// folder from a file manager: the page receives a trusted drop whose DataTransferItem.webkitGetAsEntry() is a
// FileSystemDirectoryEntry backed by the real folder, so the page walks the real tree. (A DataTransfer built in
// page script can only hold File objects, never a folder entry.)

const PER_CLASS = 30; // 10 classes -> 300 images
const NOISE_BYTES = 24 * 1024 * 1024; // one big file, so the upload lasts long enough to watch and cancel
const haveChromium = existsSync(CHROMIUM);

const spec = useWebSpec('nwb-drop', async (dir) => {
  const root = join(dir, 'fashion-drop');
  await writeFashionMnistTree(root, { perClass: PER_CLASS, split: 'test' });
  await addBrokenFiles(root, { sub: 'Bag', oversized: false }); // 4 image-named broken files + README.txt
  // Incompressible bytes named .png: uploaded (an image extension), then skipped by the import as not an image.
  const fh = await open(join(root, 'noise.png'), 'w');
  let x = 12345;
  const buf = Buffer.alloc(1024 * 1024);
  for (let mb = 0; mb < NOISE_BYTES / buf.length; mb++) {
    for (let i = 0; i < buf.length; i++) buf[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    await fh.write(buf);
  }
  await fh.close();
});

/** A folder over the 200 MB warning (sparse: no disk used; the test never uploads it). */
async function makeHuge(dir: string): Promise<string> {
  const root = join(dir, 'huge-drop');
  await mkdir(join(root, 'Bag'), { recursive: true });
  const fh = await open(join(root, 'Bag', 'huge.png'), 'w');
  await fh.truncate(210 * 1024 * 1024);
  await fh.close();
  return root;
}

/** A trusted drop of `folder` at the middle of the window, through the DevTools protocol (see the top). */
async function dropFolder(page: Page, folder: string): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const data = { items: [], files: [folder], dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop'] as const) await cdp.send('Input.dispatchDragEvent', { type, x: 600, y: 400, data });
  await cdp.detach();
}

const attr = async (page: Page, sel: string, name: string): Promise<number> => Number(await page.getAttribute(sel, name));

describe.skipIf(!haveChromium)('browser mode: dropping a folder', () => {
  it('uploads and imports a dropped Fashion-MNIST folder; Cancel keeps what arrived, a re-drop resumes, a third drop sends nothing', async () => {
    const page = await spec.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = watchErrors(page);
    await page.goto(spec.server.url);
    await waitReady(page);
    const projectPath = join(spec.dir, 'drop.nwb');
    await createProject(page, projectPath);
    const folder = join(spec.dir, 'fashion-drop');
    const target = join(spec.dir, 'drop.uploads', 'fashion-drop');

    // 1. Drop; cancel once bytes are flowing.
    await dropFolder(page, folder);
    const card = page.locator('[data-testid=drop-upload]');
    await card.waitFor();
    expect(await page.textContent('[data-testid=drop-upload-target]')).toBe(target);
    expect(await page.textContent('[data-testid=drop-upload-summary]')).toContain('305 image files');
    await expect.poll(() => card.getAttribute('data-phase'), { timeout: 30_000 }).toBe('uploading');
    await expect
      .poll(() => attr(page, '[data-testid=drop-upload-progress]', 'data-bytes-done'), { timeout: 30_000 })
      .toBeGreaterThan(1024 * 1024);
    await shot(page, 'drop-upload-progress');
    await page.click('[data-testid=drop-upload-cancel]');
    await page.waitForSelector('[data-testid=drop-upload-cancelled]');
    expect(await page.textContent('[data-testid=drop-upload-notsent]')).toContain('Not uploaded: 1 file');

    // 2. Drop again: what arrived is not sent again, the rest goes, and the import runs.
    await dropFolder(page, folder);
    await page.waitForSelector('[data-testid=drop-upload-done]', { timeout: 60_000 });
    const had = await attr(page, '[data-testid=drop-upload-done]', 'data-had');
    expect(had).toBeGreaterThan(0);
    const result = await waitImportDone(page);
    expect(result).toEqual({ images: 300, added: 300, skipped: 5 }); // 4 broken + the noise
    await shot(page, 'drop-upload-result');
    await page.click('[data-testid=import-show]');
    await page.waitForSelector('[data-testid=class-count-Sandal]');
    expect(await classCount(page, 'Sandal')).toBe(PER_CLASS);
    expect(await classCount(page, 'Bag')).toBe(PER_CLASS);
    expect(await classCount(page, 'footwear')).toBe(3 * PER_CLASS);
    expect(await classCount(page, 'upper_body')).toBe(4 * PER_CLASS);
    expect(await classCount(page, 'all')).toBe(300);
    const codes = await page.$$eval('[data-testid=skipped-reason]', (els) => els.map((e) => e.getAttribute('data-code')).sort());
    expect(codes).toEqual(['corrupt', 'empty', 'not_image', 'not_image', 'too_many_pixels']);
    // Thumbnails are made from the uploaded copies.
    await expect.poll(() => renderedThumbnails(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(12);
    await shot(page, 'drop-probe-set');

    // 3. The same folder once more: nothing is sent, the import finds every image unchanged.
    await dropFolder(page, folder);
    await page.waitForSelector('[data-testid=drop-upload-done]', { timeout: 60_000 });
    expect(await attr(page, '[data-testid=drop-upload-done]', 'data-sent')).toBe(0);
    expect(await attr(page, '[data-testid=drop-upload-done]', 'data-had')).toBe(305);
    await page.waitForSelector('[data-testid=import-result]', { timeout: 60_000 });
    expect(await page.textContent('[data-testid=import-result-unchanged]')).toBe('300');
    expect(await page.textContent('[data-testid=import-result-added]')).toBe('0');
    const files = await readdir(join(target, 'footwear', 'Sandal'));
    expect(files).toHaveLength(PER_CLASS);

    // 4. A folder over 200 MB waits for a confirm, with the warning; Cancel uploads nothing.
    const huge = await makeHuge(spec.dir);
    await dropFolder(page, huge);
    await page.waitForSelector('[data-testid=drop-upload-warning]');
    expect(await page.textContent('[data-testid=drop-upload-warning]')).toContain('over 200 MB');
    expect(await page.textContent('[data-testid=drop-upload-start]')).toBe('Upload 210.0 MB and import');
    await shot(page, 'drop-upload-warning');
    await page.click('[data-testid=drop-upload-dismiss]');
    await page.waitForSelector('[data-testid=drop-upload]', { state: 'detached' });
    expect(existsSync(join(spec.dir, 'drop.uploads', 'huge-drop', 'Bag', 'huge.png'))).toBe(false);

    expect(errors).toEqual([]);
    await page.close();
  });
});
