import { app, shell, type Session, type WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../../shared/csp';
import { APP_ORIGIN } from './appProtocol';

// Session- and app-wide hardening: no remote content, no permissions, no navigation, no new windows,
// no webviews. Follows Electron's security checklist; the renderer only ever shows app://workbench/.

/** Schemes the renderer may load from: our protocol plus inline data the CSP already restricts. */
const LOCAL_SCHEMES = new Set(['app:', 'data:', 'blob:', 'devtools:']);

/** The only permission the page gets: writing text to the clipboard ("copy path" buttons), from our origin. */
const allowed = (permission: string, url: string | undefined) =>
  permission === 'clipboard-sanitized-write' && !!url?.startsWith(APP_ORIGIN);

export function hardenSession(ses: Session): void {
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => callback(allowed(permission, details.requestingUrl)));
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => allowed(permission, requestingOrigin));
  ses.setDevicePermissionHandler(() => false);
  // No remote content: anything not local is cancelled before it leaves the machine.
  ses.webRequest.onBeforeRequest((details, callback) => {
    const scheme = safeProtocol(details.url);
    callback({ cancel: !LOCAL_SCHEMES.has(scheme) });
  });
  // The CSP again on our pages' responses, whatever produced them (app:// responses already carry it).
  // Other origins are left alone: DevTools has its own policy, and everything remote is cancelled above.
  ses.webRequest.onHeadersReceived((details, callback) => {
    if (!details.url.startsWith(`${APP_ORIGIN}/`)) return callback({});
    const headers = { ...details.responseHeaders };
    for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-security-policy') delete headers[k];
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
}

function safeProtocol(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return 'invalid:';
  }
}

/** Guards for every webContents the app ever creates (windows, devtools excluded by their own origin). */
export function guardWebContents(): void {
  app.on('web-contents-created', (_e, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Links to the web (docs) open in the user's browser; nothing opens inside the app.
      if (safeProtocol(url) === 'https:') void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}
