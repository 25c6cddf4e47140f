/**
 * The import rules, as code (docs/architecture.md explains them):
 * - src/core is pure: it imports only src/core and an allow-list of pure packages; it never
 *   touches chrome.*, browser.*, the DOM, or Node built-ins.
 * - Context folders (background, offscreen, worker, sidepanel, content) never import each
 *   other's code; they meet only through src/messaging. A `?worker&url` / `?script` / `?url`
 *   import names a built file, not code, and is allowed.
 * - src/dom is DOM-only code shared by the two contexts that have a DOM (content, sidepanel): it
 *   imports only core, and only they import it.
 * - Only the worker imports SQLite and transformers.js; only the side panel imports Preact.
 * - gateway/ shares only src/core.
 */
import { dirname, relative, resolve, sep } from 'node:path';

export const CONTEXTS = ['background', 'offscreen', 'worker', 'sidepanel', 'content'] as const;
const SRC_AREAS = [...CONTEXTS, 'core', 'messaging', 'dom'] as const;
/** The contexts with a DOM, which may share src/dom. */
const DOM_CONTEXTS = ['content', 'sidepanel'];

/** Pure packages core may use: Web Crypto helpers and parsers that run anywhere. */
export const CORE_PACKAGES = [/^@peculiar\//, /^@hpke\//, /^@noble\//, /^reflect-metadata$/, /^@xmldom\/xmldom$/, /^@freedomofpress\/sigstore-browser$/, /^hash-wasm$/, /^ehbp$/, /^@bufbuild\/protobuf\/wire$/];
const WORKER_ONLY = [/^sqlite-vec-wasm-demo$/, /^@huggingface\/transformers/, /^onnxruntime-/];
const SIDEPANEL_ONLY = [/^preact(\/|$)/, /^@preact\//];
const URL_IMPORT = /\?(worker&url|script(&\w+)?|url)$/;
const DOM_GLOBALS = /\b(chrome|browser|document|window|localStorage|sessionStorage|DOMParser|XMLHttpRequest|indexedDB)\s*[.[(]/;

export interface Violation {
  file: string;
  rule: string;
  detail: string;
}

export function importsOf(source: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of source.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/** Source with comments and string/template contents blanked, for the global-usage scan. */
export function codeOnly(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(^|[^:\\])\/\/.*$/gm, '$1')
    .replace(/'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g, '""');
}

function areaOf(root: string, absPath: string): string | null {
  const rel = relative(root, absPath).split(sep);
  if (rel[0] === 'src' && rel[1] && (SRC_AREAS as readonly string[]).includes(rel[1])) return rel[1];
  if (rel[0] === 'gateway') return 'gateway';
  if (rel[0] === 'src') return 'src-other';
  return null;
}

export function checkFile(root: string, file: string, source: string): Violation[] {
  const v: Violation[] = [];
  const area = areaOf(root, file);
  if (!area) return v;
  const rel = relative(root, file);

  for (const spec of importsOf(source)) {
    if (URL_IMPORT.test(spec)) continue;
    if (spec.startsWith('.')) {
      const target = areaOf(root, resolve(dirname(file), spec.replace(/\?.*$/, '')));
      if (target === area) continue;
      if (area === 'core') v.push({ file: rel, rule: 'core imports only core', detail: spec });
      else if (area === 'gateway' && target !== 'core') v.push({ file: rel, rule: 'gateway shares only src/core', detail: spec });
      else if (area === 'messaging' && target !== 'core') v.push({ file: rel, rule: 'messaging imports only core', detail: spec });
      else if (area === 'dom' && target !== 'core') v.push({ file: rel, rule: 'dom imports only core', detail: spec });
      else if (target === 'dom' && !DOM_CONTEXTS.includes(area)) v.push({ file: rel, rule: 'only content and sidepanel import dom', detail: spec });
      else if ((CONTEXTS as readonly string[]).includes(area) && target !== 'core' && target !== 'messaging' && target !== 'dom')
        v.push({ file: rel, rule: 'contexts never import each other', detail: spec });
      continue;
    }
    if (area === 'core') {
      if (spec.startsWith('node:') || !CORE_PACKAGES.some((r) => r.test(spec)))
        v.push({ file: rel, rule: 'core imports only core and pure packages', detail: spec });
      continue;
    }
    if (WORKER_ONLY.some((r) => r.test(spec)) && area !== 'worker') v.push({ file: rel, rule: 'only the worker imports SQLite and transformers.js', detail: spec });
    if (SIDEPANEL_ONLY.some((r) => r.test(spec)) && area !== 'sidepanel') v.push({ file: rel, rule: 'only the side panel imports Preact', detail: spec });
  }

  if (area === 'core') {
    // A name imported from an allowed package (xmldom's DOMParser) is not the DOM global.
    const imported = new Set([...source.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"][^.'"][^'"]*['"]/g)].flatMap((m) => m[1]!.split(',').map((x) => x.trim().split(/\s+as\s+/).pop()!)));
    for (const m of codeOnly(source).matchAll(new RegExp(DOM_GLOBALS.source, 'g'))) {
      if (imported.has(m[1]!)) continue;
      v.push({ file: rel, rule: 'core uses no chrome.*, browser.* or DOM', detail: m[0] });
      break;
    }
  }
  return v;
}
