import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, ctx } from '../helpers/backend';
import { refusal } from '../helpers/refusal';
import { htmlFacts, reportProject, type ReportFixture } from './report.helpers';
import { runCli } from '../../src/main/cli/run';
import { contract } from '../../src/shared/contract';
import { createClient } from '../../src/shared/protocol';
import { printPdf } from '../../src/main/core/platform/print/pdf';
import { startBackendThread } from '../../src/main/transport/backendThread';
import { nodeClientPort } from '../../src/main/transport/nodePort';

// Reports of a real project (probe images, CNN, LE run scored by two simulators, ablation, Top Impact,
// calibration), printed by the real headless Chromium and read back with poppler (pdftotext, pdfinfo,
// pdffonts, pdftoppm): the numbers on the pages are the numbers the results API returns, the page count is
// what the chosen sections lay out, no page is blank or overflows, and the HTML file makes no request.

const CHROMIUM = process.env.NWB_CHROMIUM ?? '/usr/bin/chromium';
const havePdfTools = (() => {
  try {
    execFileSync('pdfinfo', ['-v'], { stdio: 'ignore' });
    return existsSync(CHROMIUM);
  } catch {
    return false;
  }
})();
if (!havePdfTools)
  console.warn(`[reports] skipping PDF checks: needs ${CHROMIUM} and poppler-utils (scripts/install-system-deps.sh installs both).`);

const pdftext = (file: string, page?: number) =>
  execFileSync('pdftotext', [...(page ? ['-f', String(page), '-l', String(page)] : []), '-layout', file, '-'], { encoding: 'utf8' });
const pdfPages = (file: string) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);

/** Share of non-white pixels of each page, from pdftoppm's greyscale PGM at 20 dpi. */
function inkPerPage(file: string, dir: string): number[] {
  execFileSync('pdftoppm', ['-gray', '-r', '20', file, join(dir, 'ink')]);
  const out: number[] = [];
  for (let p = 1; ; p++) {
    const name = ['', '0', '00'].map((z) => join(dir, `ink-${z}${p}.pgm`)).find((f) => existsSync(f));
    if (!name) return out;
    const buf = readFileSync(name);
    // P5\n<w> <h>\n255\n<bytes>
    const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 40).toString('latin1'))!;
    const px = buf.subarray(header[0].length);
    let ink = 0;
    for (const v of px) if (v < 200) ink++;
    out.push(ink / px.length);
  }
}

const f3 = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toFixed(3));

describe('reports', () => {
  let fx: ReportFixture;
  beforeAll(async () => {
    fx = await reportProject();
  }, 120_000);

  it('sections say what this run has and where the numbers come from', async () => {
    const s = await call(fx.backend, 'report.sections', { run: fx.runId });
    expect(s.map((x) => x.id)).toEqual(['summary', 'ablation', 'topimpact', 'calibration', 'dissect', 'compare', 'ratings', 'neurons']);
    // This layer has no Describe-and-Dissect or CLIP-Dissect run and no rating study: those sections say what to run.
    expect(s.filter((x) => !x.available).map((x) => x.id)).toEqual(['dissect', 'compare', 'ratings']);
    expect(s.find((x) => x.id === 'ratings')!.reason).toContain('ratings.create');
    expect(s.find((x) => x.id === 'dissect')!.reason).toContain('dnd.run');
    expect(s.find((x) => x.id === 'compare')!.reason).toContain('the only finished explain run');
    expect(s.find((x) => x.id === 'ablation')!.source).toBe(`ablation run ${fx.ablationRunId} (label simulator)`);
    expect(s.find((x) => x.id === 'topimpact')!.source).toBe(`Top Impact run ${fx.topImpactRunId}`);
  });

  it('the page count is what the chosen sections lay out (hand count)', async () => {
    // 64 neurons: summary = overview + ceil(64 / 36) = 2 table pages; ablation, Top Impact, one calibration: 1
    // page each; 3 neuron pages; plus the title page and one contents page.
    const all = await call(fx.backend, 'report.preview', { run: fx.runId, neurons: 'top:3' });
    expect(all.pages.length).toBe(1 + 1 + 3 + 1 + 1 + 1 + 3);
    expect(all.pages.map((p) => p.section)).toEqual([
      'title',
      'contents',
      'summary',
      'summary',
      'summary',
      'ablation',
      'topimpact',
      'calibration',
      'neurons',
      'neurons',
      'neurons',
    ]);
    const some = await call(fx.backend, 'report.preview', { run: fx.runId, sections: ['ablation', 'neurons'], neurons: '5,9' });
    expect(some.pages.map((p) => p.section)).toEqual(['title', 'contents', 'ablation', 'neurons', 'neurons']);
    expect(some.neurons).toEqual([5, 9]);
  });

  it('neuron selections: top/bottom by a score, lists, bookmarks; bad ones are refused by name', async () => {
    const rows = (await call(fx.backend, 'explain.results', { runId: fx.runId, limit: 5000 })).rows.filter((r) => !r.dead);
    const byTest = [...rows].sort((a, b) => b.testCorrelation! - a.testCorrelation! || a.neuron - b.neuron);
    const top = await call(fx.backend, 'report.preview', { run: fx.runId, sections: ['neurons'], neurons: 'top:4', images: false });
    expect(top.neurons).toEqual(byTest.slice(0, 4).map((r) => r.neuron));
    const bottom = await call(fx.backend, 'report.preview', {
      run: fx.runId,
      sections: ['neurons'],
      neurons: 'bottom:2:valCorrelation',
      images: false,
    });
    const byVal = [...rows].sort((a, b) => a.valCorrelation! - b.valCorrelation! || a.neuron - b.neuron);
    expect(bottom.neurons).toEqual(byVal.slice(0, 2).map((r) => r.neuron));

    await call(fx.backend, 'bookmark.set', { activationSetId: fx.setId, neuron: 17, note: 'shoes?' });
    await call(fx.backend, 'bookmark.set', { activationSetId: fx.setId, neuron: 3 });
    const marked = await call(fx.backend, 'report.preview', { run: fx.runId, sections: ['neurons'], neurons: 'bookmarked', images: false });
    expect(marked.neurons).toEqual([3, 17]);

    const out = await refusal(call(fx.backend, 'report.preview', { run: fx.runId, neurons: '3,640' }));
    expect(out.code).toBe('bad_input');
    expect(out.message).toContain('neuron 640 is out of range: the layer has 64 neurons');
    const key = await refusal(call(fx.backend, 'report.preview', { run: fx.runId, neurons: 'top:3:loudness' }));
    expect(key.message).toContain("'loudness' is not a score");
  });

  it('a run that is running, stopped or gone is refused with a coded error', async () => {
    expect((await refusal(call(fx.backend, 'report.preview', { run: 999 }))).code).toBe('not_found');
    // Ask for a report of a new run while its first block commits: the run is 'running' then.
    let during: Promise<unknown> | null = null;
    const abort = new AbortController();
    const started = call(
      fx.backend,
      'explain.run',
      { activationSetId: fx.setId, seed: 7, blockSize: 8 },
      ctx({
        signal: abort.signal,
        onProgress: () => {
          if (during) return;
          const runs = fx.backend.state.requireProject().db.prepare('SELECT max(id) AS id FROM explain_runs').get() as { id: number };
          during = call(fx.backend, 'report.preview', { run: runs.id });
          abort.abort();
        },
      }),
    );
    await started.catch(() => undefined);
    const busy = await refusal(during!);
    expect(busy.code).toBe('busy');
    expect(busy.message).toContain('still running');
    const stopped = (await call(fx.backend, 'explain.runs', {})).find((r) => r.status === 'cancelled')!;
    const refused = await refusal(call(fx.backend, 'report.export', { run: stopped.id, format: 'html', path: join(fx.dir, 'x.html') }));
    expect(refused.code).toBe('bad_input');
    expect(refused.message).toContain('resume it');
    expect(existsSync(join(fx.dir, 'x.html'))).toBe(false);
  });

  it('json: the report data and the results CSV next to it; existing files and the project are never written over', async () => {
    const path = join(fx.dir, 'r.json');
    const res = await call(fx.backend, 'report.export', { run: fx.runId, format: 'json', path, neurons: 'top:2' });
    expect(res.files).toEqual([path, join(fx.dir, 'r.results.csv')]);
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    expect(doc.format).toBe('neuron-workbench.report');
    expect(doc.data.summary.means).toEqual(await call(fx.backend, 'simulate.means', { explainRunId: fx.runId }));
    expect(doc.neurons).toHaveLength(2);
    expect(readFileSync(join(fx.dir, 'r.results.csv'), 'utf8').split('\n')[0]).toContain('layer,unit,val correlation');

    const again = await refusal(call(fx.backend, 'report.export', { run: fx.runId, format: 'json', path }));
    expect(again.code).toBe('file_exists');
    const before = statSync(fx.projectPath).mtimeMs;
    const onProject = await refusal(
      call(fx.backend, 'report.export', { run: fx.runId, format: 'html', path: fx.projectPath, overwrite: true }),
    );
    expect(onProject.code).toBe('protected_path');
    expect(statSync(fx.projectPath).mtimeMs).toBe(before);
  });

  it('a missing Chromium gives a clear message that offers HTML, and writes nothing', async () => {
    const path = join(fx.dir, 'none.pdf');
    const e = await refusal(call(fx.backend, 'report.export', { run: fx.runId, format: 'pdf', path, chromium: join(fx.dir, 'no-chrome') }));
    expect(e.code).toBe('not_found');
    expect(e.message).toContain('export HTML instead');
    expect(e.data).toMatchObject({ offerHtml: true });
    expect(existsSync(path)).toBe(false);
  });

  it('cancel mid-report leaves no file', async () => {
    const path = join(fx.dir, 'cancelled.html');
    const abort = new AbortController();
    const p = call(
      fx.backend,
      'report.export',
      { run: fx.runId, format: 'html', path, neurons: 'all' },
      ctx({ signal: abort.signal, onProgress: (pr) => pr.done > 300 && abort.abort() }),
    );
    expect((await refusal(p)).code).toBe('cancelled');
    expect(existsSync(path)).toBe(false);
  });

  it('the CLI exports a report (README line)', async () => {
    const out: string[] = [];
    const io = {
      stdout: (s: string) => out.push(s),
      stderr: () => undefined,
      env: { ...process.env, NWB_DATA_DIR: join(fx.dir, 'cli-data') },
    };
    const path = join(fx.dir, 'cli.html');
    const code = await runCli(
      [
        'report.export',
        '--project',
        fx.projectPath,
        '--run',
        String(fx.runId),
        '--format',
        'html',
        '--neurons',
        'top:2',
        '--path',
        path,
        '--quiet',
      ],
      io,
    );
    expect(code).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ format: 'html', path, neurons: 2 });
  });

  describe.skipIf(!havePdfTools)('printed by Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });

    it('PDF: the numbers of the results API, one page per laid-out page, fonts embedded, no blank page', async () => {
      const path = join(fx.dir, 'report.pdf');
      const res = await call(fx.backend, 'report.export', { run: fx.runId, format: 'pdf', path, neurons: 'top:3' });
      expect(res.printer).toBe(CHROMIUM);
      expect(readFileSync(path).subarray(0, 5).toString()).toBe('%PDF-');
      const preview = await call(fx.backend, 'report.preview', { run: fx.runId, neurons: 'top:3' });
      expect(pdfPages(path)).toBe(preview.pages.length);
      expect(res.pages).toBe(preview.pages.length);

      const text = pdftext(path);
      const run = (await call(fx.backend, 'explain.runs', {})).find((r) => r.id === fx.runId)!;
      // Per-method means ± SE under each simulator (simulate.means), as the summary table prints them.
      for (const sim of await call(fx.backend, 'simulate.means', { explainRunId: fx.runId }))
        for (const m of Object.values(sim.methods)) expect(text).toContain(`${f3(m.mean)} ± ${f3(m.standardError)} (n ${m.n})`);
      expect(text).toContain(f3(run.means.testCorrelation));
      const abl = await call(fx.backend, 'ablation.results', { ablationRunId: fx.ablationRunId, limit: 1 });
      for (const m of abl.methods) expect(text).toContain(`${f3(m.optim.mean)} ± ${f3(m.optim.standardError)}`);
      // Each neuron page: its number, explanation text and test r on the page the contents name.
      for (const [i, neuron] of preview.neurons.entries()) {
        const page = preview.pages.filter((p) => p.section === 'neurons')[i].number;
        const onPage = pdftext(path, page).replace(/\s+/g, ' ');
        const view = await call(fx.backend, 'explain.neuron', { runId: fx.runId, neuron });
        const primary = view.explanations[0];
        expect(onPage).toContain(`Neuron ${neuron}`);
        expect(onPage).toContain(primary.text.slice(0, 30));
        expect(onPage).toContain(f3(primary.scores.find((s) => s.simulator === 'label' && s.split === 'test')!.value));
        expect(onPage).toContain(`page ${page} of ${preview.pages.length}`);
      }
      const fonts = execFileSync('pdffonts', [path], { encoding: 'utf8' }).trim().split('\n').slice(2);
      expect(fonts.length).toBeGreaterThan(0);
      for (const line of fonts) expect(line.split(/\s+/).slice(-5, -4)[0], line).toBe('yes');
      const ink = inkPerPage(path, fx.dir);
      expect(ink).toHaveLength(preview.pages.length);
      for (const [i, share] of ink.entries()) expect(share, `page ${i + 1} is blank`).toBeGreaterThan(0.01);
    }, 120_000);

    it("Electron's path: the backend thread asks its owner to print (printToPDF there) and writes what comes back", async () => {
      // The owner's printer here is the headless Chromium; in the app it is webContents.printToPDF (electron/print.ts).
      const asked: string[] = [];
      const t = await startBackendThread({
        userDataDir: join(fx.dir, 'thread-user'),
        mode: 'test',
        openProject: fx.projectPath,
        printPdf: async (html) => {
          asked.push(html);
          return (await printPdf(html, { chromium: CHROMIUM, signal: new AbortController().signal })).pdf;
        },
      });
      const port = nodeClientPort(t.connect());
      try {
        const api = createClient(contract, port);
        const path = join(fx.dir, 'thread.pdf');
        const res = await api.call('report.export', { run: fx.runId, format: 'pdf', path, sections: ['summary'], neurons: 'none' });
        expect(res.printer).toBe('electron');
        expect(asked).toHaveLength(1);
        expect(asked[0]).toContain('<main class="nwb-report">');
        expect(pdfPages(path)).toBe(res.pages);
      } finally {
        port.close();
        await t.terminate();
      }
    }, 60_000);

    it('HTML: one self-contained file; offline Chromium makes no request, shows every image, nothing overflows a page', async () => {
      const path = join(fx.dir, 'report.html');
      await call(fx.backend, 'report.export', { run: fx.runId, format: 'html', path, neurons: 'top:3' });
      const html = readFileSync(path, 'utf8');
      // No script, no link out (the SVG namespace is a name, not a request), every image inline.
      expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/<script|https?:\/\/|src="(?!data:)/i);
      const facts = await htmlFacts(browser, path);
      expect(facts.requests).toEqual([]);
      // Each neuron page shows its top 8, one image per non-empty activation band and 8 random images.
      let expected = 0;
      for (const neuron of (
        await call(fx.backend, 'report.preview', { run: fx.runId, sections: ['neurons'], neurons: 'top:3', images: false })
      ).neurons) {
        const v = await call(fx.backend, 'explain.neuron', { runId: fx.runId, neuron, topK: 8, perBand: 1, randomK: 8 });
        expected += v.examples.top.length + v.examples.bands.reduce((a, b) => a + b.examples.length, 0) + v.examples.random.length;
      }
      expect(facts.images).toBe(expected);
      expect(facts.broken).toEqual([]);
      expect(facts.overflowing).toEqual([]);
      expect(facts.cut).toEqual([]);
    }, 60_000);
  });
});
