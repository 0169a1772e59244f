import { BrowserWindow, session } from 'electron';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Electron's report printer: the backend worker hands over the report HTML (reports/exportReport.ts), a hidden,
// sandboxed window with no script and no preload loads it from a private temporary file, and
// webContents.printToPDF prints the CSS page size (A4 pages laid out by the backend). Its own session lets
// the file load and cancels every other request: the HTML is self-contained, nothing may leave the machine.

const PRINT_PARTITION = 'nwb-print';
let hardened = false;

function printSession() {
  const ses = session.fromPartition(PRINT_PARTITION, { cache: false });
  if (!hardened) {
    ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !/^(file|data):/.test(details.url) }));
    ses.setPermissionRequestHandler((_wc, _p, callback) => callback(false));
    hardened = true;
  }
  return ses;
}

export async function printHtmlToPdf(html: string): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'nwb-print-'));
  const file = join(dir, 'report.html');
  const win = new BrowserWindow({
    show: false,
    webPreferences: {
      session: printSession(),
      javascript: false,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  try {
    await writeFile(file, html, 'utf8');
    await win.loadFile(file);
    const pdf = await win.webContents.printToPDF({
      printBackground: true,
      preferCSSPageSize: true,
      generateDocumentOutline: true,
      generateTaggedPDF: true,
    });
    return new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  } finally {
    win.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}
