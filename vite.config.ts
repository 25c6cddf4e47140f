import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import manifest from './manifest.json' with { type: 'json' };

// WASM runtimes (SQLite, ONNX Runtime) locate their .wasm by its plain name next to the
// script, so those keep unhashed names; everything else is content-hashed.
const assetFileNames = (info: { names: string[] }) =>
  info.names.some((n) => n.endsWith('.wasm')) ? 'assets/[name][extname]' : 'assets/[name]-[hash][extname]';

/**
 * `vite build` makes the store build in dist/. `vite build --mode test` makes dist-test/, the
 * same code with two differences the browser tests need and nothing else: loopback pages get a
 * host permission (headless Chromium cannot click the toolbar button that grants activeTab, nor
 * answer a permission prompt), and the panel accepts `?tab=ID` to act on a given tab when it
 * is opened in a tab of its own.
 */
export default defineConfig(({ mode }) => {
  const test = mode === 'test';
  const m = structuredClone(manifest) as typeof manifest & { host_permissions?: string[] };
  if (test) m.host_permissions = ['http://127.0.0.1/*'];
  return {
    plugins: [preact(), crx({ manifest: m as ManifestV3Export })],
    define: { __TEST_BUILD__: JSON.stringify(test) },
    build: {
      outDir: test ? 'dist-test' : 'dist',
      emptyOutDir: true,
      target: 'chrome116',
      // No source maps in the store build: nothing to leak, smaller zip.
      sourcemap: false,
      chunkSizeWarningLimit: 4096,
      rollupOptions: {
        // Pages not named in the manifest must be listed so they are built.
        input: { offscreen: 'src/offscreen/index.html' },
        output: { assetFileNames },
      },
    },
    worker: {
      format: 'es' as const,
      rollupOptions: { output: { assetFileNames } },
    },
  };
});
