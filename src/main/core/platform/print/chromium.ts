import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../../../shared/errors';

// Where a Chrome, Chromium or Edge lives on this machine: the path the user gave (a flag or NWB_CHROMIUM), else
// the usual install paths of each platform. PDF export in browser mode and on the command line prints with it;
// Electron prints with its own Chromium and needs none.

function usualPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  if (process.platform === 'darwin')
    return [
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
    ];
  if (process.platform === 'win32') {
    const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter((r): r is string => !!r);
    return roots.flatMap((r) => [
      join(r, 'Google', 'Chrome', 'Application', 'chrome.exe'),
      join(r, 'Microsoft', 'Edge', 'Application', 'msedge.exe'),
      join(r, 'Chromium', 'Application', 'chrome.exe'),
    ]);
  }
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/usr/bin/microsoft-edge',
    '/usr/bin/microsoft-edge-stable',
    '/snap/bin/chromium',
    '/opt/google/chrome/chrome',
  ];
}

/** The browser to print with, or a not_found error that says where it looked and offers HTML instead. */
export function findChromium(given?: string, env: NodeJS.ProcessEnv = process.env): string {
  const asked = given ?? env.NWB_CHROMIUM;
  if (asked) {
    if (existsSync(asked)) return asked;
    throw new AppError(
      'not_found',
      `No browser at ${asked} (${given ? 'the Chromium path given' : 'NWB_CHROMIUM'}) to print the PDF with. Give the path of a Chrome, Chromium or Edge executable, or export HTML instead (format html) and print it from any browser.`,
      { missing: 'chromium', offerHtml: true },
    );
  }
  const found = usualPaths(env).find((p) => existsSync(p));
  if (found) return found;
  throw new AppError(
    'not_found',
    `No Chrome, Chromium or Edge found to print the PDF with (looked in ${usualPaths(env).join(', ')}). Install one, give its path (--chromium PATH or NWB_CHROMIUM), or export HTML instead (format html) and print it from any browser.`,
    { missing: 'chromium', offerHtml: true },
  );
}
