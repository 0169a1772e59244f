// The shared styles first: each feature's stylesheet (imported by its screen) comes after them.
import './base.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connect } from './api';
import { Root, type Session } from './Root';
import { applyTheme, readThemePref } from './lib/theme';

// Start-up: apply the stored theme before the first paint, connect once (outside React, so StrictMode's
// double effects never open two sockets), then hand the session to the UI.
applyTheme(readThemePref());

let lost: ((reason: string) => void) | null = null;
const session: Promise<Session> = (async () => {
  const api = await connect({ onDisconnect: (reason) => lost?.(reason) });
  const [info, project] = await Promise.all([api.call('app.info', {}), api.call('project.current', {})]);
  return { api, info, project };
})();

const el = document.getElementById('root');
if (!el) throw new Error('index.html has no #root element');
createRoot(el).render(
  <StrictMode>
    <Root session={session} onDisconnect={(listener) => (lost = listener)} />
  </StrictMode>,
);
