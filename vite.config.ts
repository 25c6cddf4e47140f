import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { crx } from '@crxjs/vite-plugin';
import manifest from './manifest.json' with { type: 'json' };

// WASM runtimes (SQLite, ONNX Runtime) locate their .wasm by its plain name next to the
// script, so those keep unhashed names; everything else is content-hashed.
const assetFileNames = (info: { names: string[] }) =>
  info.names.some((n) => n.endsWith('.wasm')) ? 'assets/[name][extname]' : 'assets/[name]-[hash][extname]';

export default defineConfig({
  plugins: [preact(), crx({ manifest })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'chrome116',
    // No source maps in the store build: nothing to leak, smaller zip.
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      // Pages not named in the manifest must be listed so they are built.
      input: {
        offscreen: 'src/offscreen/index.html',
      },
      output: {
        assetFileNames,
      },
    },
  },
  worker: {
    format: 'es',
    rollupOptions: { output: { assetFileNames } },
  },
});
