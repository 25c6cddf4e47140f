import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import preact from '@preact/preset-vite';
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import manifest from './manifest.json' with { type: 'json' };

// WASM runtimes (SQLite, ONNX Runtime) locate their .wasm by its plain name next to the
// script, so those keep unhashed names; everything else is content-hashed.
const assetFileNames = (info: { names: string[] }) =>
  info.names.some((n) => n.endsWith('.wasm')) ? 'assets/[name][extname]' : 'assets/[name]-[hash][extname]';

/**
 * ONNX Runtime's .wasm files, served from the extension itself (/ort/): transformers.js would
 * otherwise fetch them from a CDN, and an extension runs no remote code.
 */
function onnxRuntimeFiles(): Plugin {
  const dir = join(import.meta.dirname, 'node_modules', '@xenova', 'transformers', 'dist');
  return {
    name: 'confidant:onnx-runtime-files',
    apply: 'build',
    generateBundle() {
      // Chrome 116+ always has WASM SIMD, so the non-SIMD builds are left out (half the size).
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.wasm') && n.includes('simd'))) {
        this.emitFile({ type: 'asset', fileName: `ort/${name}`, source: readFileSync(join(dir, name)) });
      }
    },
  };
}

/**
 * Embedding models found in models/<owner>/<name>/ at build time are bundled (dist/models/), and
 * dist/models/index.json lists them, so the engine tries local files only for models that are
 * there (a probe for a missing file would log an error on the extension's error page).
 */
function bundledModels(): Plugin {
  const root = join(import.meta.dirname, 'models');
  return {
    name: 'confidant:bundled-models',
    apply: 'build',
    generateBundle() {
      const ids: string[] = [];
      const walk = (dir: string, rel: string) => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          const p = join(dir, e.name);
          if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
          else this.emitFile({ type: 'asset', fileName: `models/${rel}${e.name}`, source: readFileSync(p) });
        }
      };
      if (existsSync(root)) {
        for (const owner of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory())) {
          for (const name of readdirSync(join(root, owner.name), { withFileTypes: true }).filter((d) => d.isDirectory())) {
            if (!existsSync(join(root, owner.name, name.name, 'config.json'))) continue;
            ids.push(`${owner.name}/${name.name}`);
            walk(join(root, owner.name, name.name), `${owner.name}/${name.name}/`);
          }
        }
      }
      this.emitFile({ type: 'asset', fileName: 'models/index.json', source: JSON.stringify({ bundled: ids }) });
    },
  };
}

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
    plugins: [preact(), crx({ manifest: m as ManifestV3Export }), onnxRuntimeFiles(), bundledModels()],
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
