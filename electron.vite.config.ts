import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

const root = import.meta.dirname;
const { version } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string };
const define = { __APP_VERSION__: JSON.stringify(version) };

export default defineConfig({
  main: {
    define,
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        // The headless host is built with the main process so both share one
        // compiled copy of the agent; it never imports 'electron'.
        input: {
          index: resolve(root, 'electron/main/index.ts'),
          server: resolve(root, 'electron/server/index.ts'),
          // Loaded with new Worker() by the local text-to-speech provider.
          'local-tts-worker': resolve(root, 'electron/agent/providers/local-tts-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rolldownOptions: {
        input: { index: resolve(root, 'electron/preload/index.ts') },
        // Sandboxed preloads must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [react()],
    define,
    build: {
      outDir: resolve(root, 'out/renderer'),
      minify: true,
      sourcemap: false,
      rolldownOptions: { input: resolve(root, 'renderer/index.html') },
    },
  },
});
