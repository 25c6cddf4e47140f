import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile, importsOf } from './rules.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'dev-keys') continue;
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

describe('architecture', () => {
  it('the tree follows the import rules', () => {
    const files = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'gateway'))];
    expect(files.length).toBeGreaterThan(10);
    const violations = files.flatMap((f) => checkFile(ROOT, f, readFileSync(f, 'utf8')));
    expect(violations).toEqual([]);
  });

  // The checker itself must catch what it claims to.
  const f = (p: string) => join(ROOT, p);
  it.each([
    ['src/sidepanel/x.ts', "import { db } from '../worker/db.ts';", 'contexts never import each other'],
    ['src/background/x.ts', "export * from '../offscreen/main.ts';", 'contexts never import each other'],
    ['src/core/x.ts', "import { x } from '../messaging/reply.ts';", 'core imports only core'],
    ['src/core/x.ts', "import { readFileSync } from 'node:fs';", 'core imports only core and pure packages'],
    ['src/core/x.ts', "import browser from 'webextension-polyfill';", 'core imports only core and pure packages'],
    ['src/core/x.ts', 'export const id = () => chrome.runtime.id;', 'core uses no chrome.*, browser.* or DOM'],
    ['src/core/x.ts', 'export const el = () => document.createElement("p");', 'core uses no chrome.*, browser.* or DOM'],
    ['src/core/x.ts', 'export const p = () => new DOMParser();', 'core uses no chrome.*, browser.* or DOM'],
    ['src/background/x.ts', "import sqlite from 'sqlite-vec-wasm-demo';", 'only the worker imports SQLite and transformers.js'],
    ['src/worker/x.ts', "import { h } from 'preact';", 'only the side panel imports Preact'],
    ['gateway/x.ts', "import { t } from '../src/sidepanel/i18n.ts';", 'gateway shares only src/core'],
    ['src/messaging/x.ts', "import { t } from '../sidepanel/i18n.ts';", 'messaging imports only core'],
    ['src/background/x.ts', "import { toText } from '../dom/html-text.ts';", 'only content and sidepanel import dom'],
    ['src/dom/x.ts', "import { Reply } from '../messaging/reply.ts';", 'dom imports only core'],
  ])('flags %s: %s', (file, source, rule) => {
    expect(checkFile(ROOT, f(file), source).map((v) => v.rule)).toContain(rule);
  });

  it.each([
    ['src/offscreen/x.ts', "import url from '../worker/engine.ts?worker&url';"],
    ['src/background/x.ts', "import file from '../content/extract.ts?script&iife';"],
    ['src/core/x.ts', '// chrome.runtime is not used here\nexport const s = "document.title";'],
    ['src/core/x.ts', "import { DOMParser } from '@xmldom/xmldom';\nexport const p = () => new DOMParser();"],
    ['src/sidepanel/x.ts', "import { Reply } from '../messaging/reply.ts';\nimport { t } from '../core/errors.ts';"],
    ['src/content/x.ts', "import { toText } from '../dom/html-text.ts';"],
    ['src/sidepanel/x.ts', "import { htmlToText } from '../dom/html-text.ts';"],
  ])('allows %s: %s', (file, source) => {
    expect(checkFile(ROOT, f(file), source)).toEqual([]);
  });

  it('reads every import form', () => {
    expect(importsOf("import a from 'a';\nimport { b } from \"b\";\nimport 'c';\nexport { d } from 'd';\nconst e = await import('e');\nimport type { F } from 'f';").sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });
});
