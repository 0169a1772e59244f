import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { Backend } from '../../src/main/core/app/backend';
import { call } from '../helpers/backend';
import { CNN, CNN_POOLED, FIX, extract, probeProject } from './explain.helpers';

// A project with everything a report shows: a Fashion-MNIST probe set, the fixture CNN's pooled layer, an LE
// (labels) run scored by a calibrated CLIP-style encoder as a second simulator, an ablation run and a Top Impact
// run. About 10 s on 2 cores at 10 images per class.

export interface ReportFixture {
  backend: Backend;
  dir: string;
  projectPath: string;
  runId: number;
  setId: number;
  ablationRunId: number;
  topImpactRunId: number;
  encoderId: number;
}

export async function reportProject(perClass = 10): Promise<ReportFixture> {
  const f = await probeProject(perClass);
  const setId = await extract(f, CNN, CNN_POOLED);
  const { run } = await call(f.backend, 'explain.run', { activationSetId: setId });
  const enc = await call(f.backend, 'encoder.add', { path: join(FIX, 'encoders/fmnist_clip_b') });
  await call(f.backend, 'calibration.run', { encoderId: enc.id, probeSetId: f.probeSetId });
  await call(f.backend, 'simulate.run', { explainRunId: run.id, encoderId: enc.id });
  const ab = await call(f.backend, 'ablation.run', { explainRunId: run.id });
  const ti = await call(f.backend, 'topimpact.run', { activationSetId: setId });
  return {
    backend: f.backend,
    dir: f.dir,
    projectPath: f.backend.state.requireProject().path,
    runId: run.id,
    setId,
    ablationRunId: ab.run.id,
    topImpactRunId: ti.run.id,
    encoderId: enc.id,
  };
}

export interface HtmlFacts {
  images: number;
  /** alt texts of images that did not load */
  broken: string[];
  pages: number;
  /** ids of pages whose body overflows */
  overflowing: string[];
  /** data-figure names of figures not wholly inside their page body */
  cut: string[];
  /** URLs requested other than the file itself and data: URLs */
  requests: string[];
}

/** Open an exported HTML report offline in Chromium (print media) and measure what a reader would see. */
export async function htmlFacts(browser: Browser, path: string): Promise<HtmlFacts> {
  const context = await browser.newContext({ offline: true });
  try {
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${path}`);
    await page.emulateMedia({ media: 'print' });
    // A string, not a function: this file is type-checked without the DOM library.
    const facts = (await page.evaluate(`(() => {
      const imgs = [...document.querySelectorAll('img')];
      const pages = [...document.querySelectorAll('.page')];
      return {
        images: imgs.length,
        broken: imgs.filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.alt),
        pages: pages.length,
        overflowing: pages.map((p) => p.querySelector('.page-body')).filter((b) => b.scrollHeight > b.clientHeight + 1).map((b) => b.parentElement.id),
        cut: [...document.querySelectorAll('figure.figure')]
          .filter((fig) => {
            const body = fig.closest('.page-body').getBoundingClientRect();
            const r = fig.getBoundingClientRect();
            return r.top < body.top - 1 || r.bottom > body.bottom + 1;
          })
          .map((fig) => fig.getAttribute('data-figure')),
      };
    })()`)) as Omit<HtmlFacts, 'requests'>;
    return { ...facts, requests: requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:')) };
  } finally {
    await context.close();
  }
}
