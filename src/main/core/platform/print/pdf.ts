import { AppError } from '../../../../shared/errors';
import { findChromium } from './chromium';

// HTML -> PDF. The report pages are fixed A4 boxes (shared/reportStyle.ts), so the printer only has to honour
// the CSS page size: Electron's webContents.printToPDF (given by the Electron host) or a headless Chromium driven
// by playwright-core. Nothing is fetched: the HTML forbids requests and the page blocks any that slip through.

/** Electron's printer, handed in by the Electron host (BackendOptions.printPdf). */
export type HostPdfPrinter = (html: string) => Promise<Uint8Array>;

/** Flags for a headless Chromium that reaches for nothing (no sync, updates, background requests). */
export const QUIET_CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Printed {
  pdf: Uint8Array;
  /** 'electron' or the browser executable. */
  printer: string;
}

export async function printPdf(
  html: string,
  opts: { host?: HostPdfPrinter; chromium?: string; signal: AbortSignal; timeoutMs?: number },
): Promise<Printed> {
  if (opts.host && !opts.chromium) return { pdf: await opts.host(html), printer: 'electron' };
  const executablePath = findChromium(opts.chromium);
  // playwright-core is loaded only when a PDF is printed (the CLI and the server start without it).
  const { chromium } = await import('playwright-core');
  // Root (CI containers) cannot use Chromium's sandbox; the page is our own markup with no script.
  const args = [...QUIET_CHROMIUM_ARGS, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])];
  let browser;
  try {
    browser = await chromium.launch({ executablePath, args, timeout: 60_000 });
  } catch (e) {
    throw new AppError(
      'internal',
      `Could not start ${executablePath} to print the PDF: ${(e as Error).message.split('\n')[0]}. Export HTML instead, or give another browser (--chromium PATH).`,
      { offerHtml: true },
    );
  }
  const abort = () => void browser.close();
  opts.signal.addEventListener('abort', abort);
  try {
    const page = await browser.newPage({ javaScriptEnabled: false, offline: true });
    await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    const timeout = opts.timeoutMs ?? 300_000;
    await page.setContent(html, { waitUntil: 'load', timeout });
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true, outline: true, tagged: true });
    return { pdf, printer: executablePath };
  } catch (e) {
    if (opts.signal.aborted) throw new AppError('cancelled', 'The PDF export was cancelled.');
    throw e;
  } finally {
    opts.signal.removeEventListener('abort', abort);
    await browser.close().catch(() => undefined);
  }
}
