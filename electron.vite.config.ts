import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

// Desktop build (`npm run build`): out/main/{index,backendWorker}.js (ESM; the worker entry must exist as
// its own file because the backend thread is started from it), out/preload/index.cjs (CommonJS: sandboxed
// preloads cannot be ESM), out/renderer (the same React app as browser mode, served on app://workbench/).
// Dependencies stay external (node_modules ships with the app; better-sqlite3 etc. are native).
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      rolldownOptions: {
        input: {
          index: resolve(root, 'src/main/index.ts'),
          backendWorker: resolve(root, 'src/main/transport/backendWorker.ts'),
        },
        output: { entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      rolldownOptions: {
        input: { index: resolve(root, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      // The CSP forbids inline scripts and data: modules: keep every asset a file.
      assetsInlineLimit: 0,
      // One ~1 MB bundle (React + recharts) loaded from disk or loopback, never over a network: no warning.
      chunkSizeWarningLimit: 2048,
      rolldownOptions: { input: { index: resolve(root, 'src/renderer/index.html') } },
    },
  },
});
