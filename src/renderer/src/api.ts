import { contract, type Contract } from '../../shared/contract';
import type { PickKind } from '../../shared/bridge';
import { createClient, type Client, type ClientMessage, type ClientPort, type ServerMessage } from '../../shared/protocol';

// The renderer talks to the backend only through this client. Two transports, chosen at start-up:
// - Electron: the preload hands the page a MessagePort (window message 'nwb:port'); nothing else is exposed
//   but `window.nwb` (mode + the real path of a dropped file).
// - Browser mode: a WebSocket to the same loopback origin at /rpc, with the per-launch token the server put
//   in the page URL's fragment (#token=...). Fragments are never sent in HTTP requests or Referer headers.
//   At start-up the token moves from the fragment to this tab's sessionStorage, and the fragment is left to the
//   router (#/explanations/run/3): a reload, Back / Forward and deep links keep working with the same token.

export interface ElectronBridge {
  mode: 'electron';
  pathForFile(file: File): string;
  /** Native open/save dialog for one allow-listed purpose; null when the user cancels. */
  pickPath?(kind: PickKind): Promise<string | null>;
}

declare global {
  interface Window {
    nwb?: ElectronBridge;
  }
}

export type Api = Client<Contract>;

export function isElectron(): boolean {
  return window.nwb?.mode === 'electron';
}

/** Real filesystem path of a dropped file/folder (Electron only; browsers do not expose paths). */
export function pathForDroppedFile(file: File): string | null {
  return window.nwb ? window.nwb.pathForFile(file) || null : null;
}

function messagePortClient(port: MessagePort): ClientPort {
  port.start();
  return {
    send: (m: ClientMessage) => port.postMessage(m),
    onMessage: (listener) => {
      const h = (e: MessageEvent) => listener(e.data as ServerMessage);
      port.addEventListener('message', h);
      return () => port.removeEventListener('message', h);
    },
  };
}

function webSocketClient(ws: WebSocket): ClientPort {
  return {
    send: (m: ClientMessage) => ws.send(JSON.stringify(m)),
    onMessage: (listener) => {
      const h = (e: MessageEvent) => listener(JSON.parse(String(e.data)) as ServerMessage);
      ws.addEventListener('message', h);
      return () => ws.removeEventListener('message', h);
    },
  };
}

function waitForElectronPort(): Promise<MessagePort> {
  return new Promise((resolve) => {
    const h = (e: MessageEvent) => {
      if (e.data === 'nwb:port' && e.ports[0]) {
        window.removeEventListener('message', h);
        resolve(e.ports[0]);
      }
    };
    window.addEventListener('message', h);
  });
}

const TOKEN_KEY = 'nwb.token';

/**
 * The access token: taken from the fragment when the link carries one (a new launch's link wins over a stored
 * token), which also removes it from the address; otherwise the one stored for this tab.
 */
export function tokenFromLocation(): string | null {
  const hash = window.location.hash;
  const m = /(?:^#|&)token=([^&]*)/.exec(hash);
  if (m) {
    const token = decodeURIComponent(m[1]);
    try {
      window.sessionStorage.setItem(TOKEN_KEY, token);
      // Whatever else the fragment holds (a route) stays; without a place to keep the token, it stays too.
      const rest = hash
        .replace(/^#/, '')
        .split('&')
        .filter((part) => !part.startsWith('token='))
        .join('&');
      window.history.replaceState(
        window.history.state,
        '',
        `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`,
      );
    } catch {
      // storage unavailable: keep the token in the address
    }
    return token || null;
  }
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export interface ConnectOptions {
  /** Browser mode: called once if the WebSocket closes after connecting (server stopped, token refused). */
  onDisconnect?: (reason: string) => void;
}

export async function connect(options: ConnectOptions = {}): Promise<Api> {
  if (isElectron()) return createClient(contract, messagePortClient(await waitForElectronPort()));
  const token = tokenFromLocation();
  if (!token) throw new Error('This page needs the link printed by `npm run web` (it carries an access token).');
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${proto}//${window.location.host}/rpc?token=${encodeURIComponent(token)}`);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener(
      'error',
      // The browser hides why (a stopped server and a refused token look the same): name both causes.
      () =>
        reject(
          new Error(
            'Cannot connect to the workbench backend: it has stopped, or this link is from an earlier launch (each launch prints a new token).',
          ),
        ),
      { once: true },
    );
  });
  const client = createClient(contract, webSocketClient(ws));
  ws.addEventListener(
    'close',
    (e) => {
      // Pending calls would otherwise wait forever: reject them, then tell the UI why.
      client.close();
      options.onDisconnect?.(e.reason || 'The connection to the workbench backend closed.');
    },
    { once: true },
  );
  return client;
}
