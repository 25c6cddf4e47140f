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
      // Chrome 140+ (our minimum) always has WASM SIMD, so the non-SIMD builds are left out (half the size).
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.wasm') && n.includes('simd'))) {
        this.emitFile({ type: 'asset', fileName: `ort/${name}`, source: readFileSync(join(dir, name)) });
      }
      // The pthread worker and the glue it imports, as files (see onnxRuntimeThreads below).
      const ort = join(import.meta.dirname, 'node_modules', 'onnxruntime-web');
      this.emitFile({ type: 'asset', fileName: 'ort/ort-wasm-threaded.worker.js', source: readFileSync(join(ort, 'dist', 'ort-wasm-threaded.worker.js')) });
      this.emitFile({ type: 'asset', fileName: 'ort/ort-wasm-threaded.js', source: readFileSync(join(ort, 'lib', 'wasm', 'binding', 'ort-wasm-threaded.js')) });
    },
  };
}

/**
 * ONNX Runtime with threads, under the extension's CSP (`script-src 'self' 'wasm-unsafe-eval'`,
 * no blob:). onnxruntime-web 1.14 (ort-web.min.js, what transformers.js bundles) starts its
 * pthread workers from blob: URLs it builds itself: `locateFile` returns
 * `URL.createObjectURL(new Blob([<worker source>]))` for ort-wasm-threaded.worker.js whenever
 * `Blob` exists, and `mainScriptUrlOrBlob` is `new Blob([<factory source>])`, which each pthread
 * worker turns into a blob: URL for importScripts. Neither is reachable from options
 * (`env.wasm.wasmPaths` maps only the .wasm names), so a blob: worker is refused by the CSP.
 *
 * The fix, two string replacements checked at build time (the build fails if ORT's code is not
 * exactly as expected, e.g. after an upgrade):
 *   1. locateFile('…worker.js') returns the file next to the .wasm (wasmPaths prefix, /ort/);
 *   2. mainScriptUrlOrBlob is the plain name "ort-wasm-threaded.js", which the pthread worker
 *      (living in /ort/) resolves next to itself.
 * Both files are ORT's own, copied unchanged from the same package: the Emscripten glue
 * `lib/wasm/binding/ort-wasm-threaded.js` (the unminified source of the factory ort-web.min.js
 * bundles; it defines the global `ortWasmThreaded` the worker calls) and
 * `dist/ort-wasm-threaded.worker.js`. Applied to both copies of that code in ort-web.min.js (the
 * second is inside the source of ORT's proxy worker, unused here: `env.wasm.proxy = false`).
 */
const ORT_WEB = /onnxruntime-web[\\/]dist[\\/]ort-web\.min\.js$/;
const ORT_LOCATE_WORKER =
  /locateFile:\((\w+),(\w+)\)=>(\w+)&&\1\.endsWith\("\.worker\.js"\)&&"undefined"!=typeof Blob\?URL\.createObjectURL\(new Blob\(\[\w+\(\d+\)\],\{type:"text\/javascript"\}\)\):\1===(\w+)\?null!=(\w+)\?\5:\(null!=(\w+)\?\6:\2\)\+(\w+):\2\+\1/g;
const ORT_MAIN_SCRIPT = /(\w+)\.mainScriptUrlOrBlob=new Blob\(\[\w+\],\{type:"text\/javascript"\}\)/g;

function patchOrtThreads(code: string): string {
  let located = 0;
  let main = 0;
  const out = code
    .replace(ORT_LOCATE_WORKER, (_m, file, dir, threads, wasmName, wasmOverride, prefix, wasmFile) => {
      located++;
      return `locateFile:(${file},${dir})=>${threads}&&${file}.endsWith(".worker.js")?(null!=${prefix}?${prefix}:${dir})+${file}:${file}===${wasmName}?null!=${wasmOverride}?${wasmOverride}:(null!=${prefix}?${prefix}:${dir})+${wasmFile}:${dir}+${file}`;
    })
    .replace(ORT_MAIN_SCRIPT, (_m, config) => {
      main++;
      return `${config}.mainScriptUrlOrBlob="ort-wasm-threaded.js"`;
    });
  if (located !== 2 || main !== 2) {
    throw new Error(`onnxruntime-web threads patch: expected 2 + 2 sites, found ${located} + ${main}; the ORT version changed, see vite.config.ts`);
  }
  return out;
}

function onnxRuntimeThreads(): Plugin {
  return {
    name: 'confidant:onnx-runtime-threads',
    apply: 'build',
    transform(code, id) {
      if (!ORT_WEB.test(id.split('?')[0]!)) return null;
      return { code: patchOrtThreads(code), map: null };
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
      plugins: () => [onnxRuntimeThreads(), workerChunksStandalone()],
      rollupOptions: { output: { assetFileNames } },
    },
  };
});
