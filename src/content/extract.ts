/**
 * Content script, injected on demand (chrome.scripting under activeTab) and never declared in
 * the manifest: it reads the page only when the user asks. It installs one function on the
 * isolated world's global; the background calls it in a second executeScript.
 */
import type { PageExtract } from '../messaging/page.ts';
import { visibleText } from './visible-text.ts';

function extract(): PageExtract {
  const sel = globalThis.getSelection?.()?.toString().trim() ?? '';
  return {
    url: location.href,
    title: document.title,
    lang: document.documentElement.lang || navigator.language,
    byline: document.querySelector('meta[name="author"]')?.getAttribute('content') ?? null,
    text: visibleText(document.body),
    selection: sel ? sel : null,
  };
}

(globalThis as unknown as { __confidant?: { extract: () => PageExtract } }).__confidant = { extract };
