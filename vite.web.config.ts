import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Browser mode: the same renderer as Electron, built as plain static files that the loopback web server
// (src/main/web/server.ts) serves next to its /rpc WebSocket. base './' keeps asset URLs relative.
const repoRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: resolve(repoRoot, 'src/renderer'),
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(repoRoot, 'out/web'),
    emptyOutDir: true,
    // The page's CSP forbids inline scripts; keep every asset a file (no data: URL modules).
    assetsInlineLimit: 0,
    // One ~1 MB bundle (React + recharts) loaded from disk or loopback, never over a network: no warning.
    chunkSizeWarningLimit: 2048,
    sourcemap: true,
  },
});
