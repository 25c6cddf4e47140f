import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import preact from '@preact/preset-vite';
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import manifest from './manifest.json' with { type: 'json' };

// WASM runtimes (SQLite, ONNX Runtime) locate their .wasm by its plain name next to the
// script, so those keep unhashed names; everything else is content-hashed.
const assetFileNames = (info: { names: string[] }) =>
  info.names.some((n) => n.endsWith('.wasm')) ? 'assets/[name][extname]' : 'assets/[name]-[hash][extname]';

const ORT_DIST = join(import.meta.dirname, 'node_modules', 'onnxruntime-web', 'dist');

/**
 * ONNX Runtime's WebAssembly, served from the extension itself (/ort/): transformers.js would
 * otherwise fetch it from a CDN, and an extension runs no remote code. Two builds, each an
 * Emscripten module (.mjs glue + .wasm) that ORT imports by URL and that starts its own pthread
 * workers from its own URL (`new Worker(new URL(import.meta.url), { type: 'module' })`), so threads
 * work under the extension's CSP (`script-src 'self' 'wasm-unsafe-eval'`) with no blob: and no patch:
 *   ort-wasm-simd-threaded.{mjs,wasm}           CPU only, for browsers without a WebGPU adapter
 *   ort-wasm-simd-threaded.asyncify.{mjs,wasm}  CPU + WebGPU (twice the size), loaded only when an
 *                                               adapter is there (src/worker/embed/runtime.ts)
 * Chrome 140+ (our minimum) always has WASM SIMD, so the non-SIMD builds do not exist any more.
 */
export const ORT_FILES = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];

function onnxRuntimeFiles(): Plugin {
  return {
    name: 'confidant:onnx-runtime-files',
    apply: 'build',
    generateBundle() {
      for (const name of ORT_FILES) this.emitFile({ type: 'asset', fileName: `ort/${name}`, source: readFileSync(join(ORT_DIST, name)) });
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
 * The engine worker's lazily loaded chunks (pdf.js) must not import from the worker's entry chunk:
 * such an import loads the entry a second time (its URL lacks the worker's `?opfs-disable` query,
 * so it is another module), which starts a second engine that then fails to open the database.
 */
function workerChunksStandalone(): Plugin {
  return {
    name: 'confidant:worker-chunks-standalone',
    apply: 'build',
    generateBundle(_options, bundle) {
      const entries = new Set(Object.values(bundle).flatMap((c) => (c.type === 'chunk' && c.isEntry ? [c.fileName] : [])));
      for (const c of Object.values(bundle)) {
        if (c.type !== 'chunk' || c.isEntry) continue;
        const back = c.imports.filter((f) => entries.has(f));
        if (back.length) throw new Error(`worker chunk ${c.fileName} imports the worker entry ${back.join(', ')}: it would start a second engine; import it statically instead`);
      }
    },
  };
}

/**
 * The content script is injected with chrome.scripting.executeScript({ files }), which needs no
 * web-accessible resource; crxjs lists it as one anyway (for its `?script` import), which would
 * let any site probe `chrome-extension://<id>/…/extract.js` to learn that Confidant is installed.
 * This removes that entry from the written manifest, and fails the build if one remains.
 */
function noWebAccessibleResources(): Plugin {
  let outDir = 'dist';
  return {
    name: 'confidant:no-web-accessible-resources',
    apply: 'build',
    enforce: 'post',
    configResolved(c) {
      outDir = c.build.outDir;
    },
    writeBundle() {
      const file = `${outDir}/manifest.json`;
      if (!existsSync(file)) return;
      const m = JSON.parse(readFileSync(file, 'utf8')) as { web_accessible_resources?: { resources: string[] }[] };
      if (!m.web_accessible_resources) return;
      const kept = m.web_accessible_resources
        .map((w) => ({ ...w, resources: w.resources.filter((r) => !/^(src\/content\/|assets\/extract)/.test(r)) }))
        .filter((w) => w.resources.length > 0);
      if (kept.length) throw new Error(`unexpected web_accessible_resources: ${JSON.stringify(kept)}`);
      delete m.web_accessible_resources;
      writeFileSync(file, `${JSON.stringify(m, null, 2)}\n`);
    },
  };
}

/**
 * Test build only: an empty extension page (no script), where benchmarks run code of their own
 * through the DevTools protocol with the extension's origin, storage and isolation.
 */
function benchPage(): Plugin {
  return {
    name: 'confidant:bench-page',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'bench/blank.html', source: '<!doctype html><meta charset="utf-8"><title>Confidant bench</title>\n' });
    },
  };
}

/**
 * `vite build` makes the store build in dist/. `vite build --mode test` makes dist-test/, the
 * same code with the differences the browser tests need and nothing else: loopback pages, AMD KDS
 * and GitHub get host permissions up front (headless Chromium cannot click the toolbar button that
 * grants activeTab, nor answer a permission prompt), the panel accepts `?tab=ID` to act on a given
 * tab when it is opened in a tab of its own, the endpoints of KDS and GitHub can be pointed at
 * local stand-ins, and the debug requests (messaging/debug-api.ts) are answered.
 */
export default defineConfig(({ mode }) => {
  const test = mode === 'test';
  // `npm start` builds dist-dev/ (--mode development): the store build with the local
  // development gateway pre-filled in Settings, nothing else.
  const dev = mode === 'development';
  const m = structuredClone(manifest) as typeof manifest & { host_permissions?: string[] };
  // Headless Chromium cannot answer a permission prompt: the test build holds, up front, the hosts
  // the store build asks for when a gateway is added (loopback stand-ins, and AMD KDS and GitHub,
  // which are unreachable here so their checks report "not checked").
  // The optional "tabs" permission (asking about several tabs) is held up front for the same reason.
  if (test) m.permissions = [...m.permissions, 'tabs'];
  if (test) m.host_permissions = ['http://127.0.0.1/*', 'https://kdsintf.amd.com/*', 'https://api.github.com/*', 'https://github.com/*', 'https://objects.githubusercontent.com/*', 'https://release-assets.githubusercontent.com/*'];
  return {
    plugins: [preact(), crx({ manifest: m as ManifestV3Export }), onnxRuntimeFiles(), bundledModels(), noWebAccessibleResources(), ...(test ? [benchPage()] : [])],
    define: {
      __TEST_BUILD__: JSON.stringify(test),
      __DEV_GATEWAY__: JSON.stringify(dev ? (process.env.CONFIDANT_DEV_GATEWAY ?? 'http://127.0.0.1:8787') : null),
    },
    resolve: {
      alias: [
        // transformers.js imports "onnxruntime-web/webgpu", which resolves to ORT's bundle with the
        // Emscripten glue inlined; inside our worker chunk its pthreads would start that chunk (the
        // whole engine) again. The "extern wasm" build imports the glue from /ort/ instead.
        { find: /^onnxruntime-web\/webgpu$/, replacement: join(ORT_DIST, 'ort.webgpu.min.mjs') },
      ],
    },
    build: {
      outDir: test ? 'dist-test' : dev ? 'dist-dev' : 'dist',
      emptyOutDir: true,
      target: 'chrome140',
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
      // The engine worker bundles transformers.js and with it ONNX Runtime.
      plugins: () => [workerChunksStandalone()],
      rollupOptions: { output: { assetFileNames } },
    },
  };
});
