/**
 * Content script, injected on demand (chrome.scripting under activeTab) and never declared in
 * the manifest: it reads the page only when the user asks. It installs one function on the
 * isolated world's global; the background calls it in a second executeScript.
 *
 * Readability (on a clone with hidden parts removed) finds the article; when it finds none, or
 * too little, the page's visible text is used instead.
 */
import { Readability } from '@mozilla/readability';
import type { PageExtract } from '../messaging/library.ts';
import { toText, visibleClone } from '../dom/html-text.ts';

/** Below this much article text, Readability probably missed the point of the page. */
const MIN_ARTICLE_CHARS = 400;

function extract(): PageExtract {
  const sel = globalThis.getSelection?.()?.toString().trim() ?? '';
  const visible = toText(document.body);
  let title = document.title;
  let byline = document.querySelector('meta[name="author"]')?.getAttribute('content') ?? null;
  let text = visible;
  try {
    const article = new Readability(visibleClone(document), { charThreshold: MIN_ARTICLE_CHARS }).parse();
    if (article?.content) {
      const holder = document.implementation.createHTMLDocument('');
      holder.body.innerHTML = article.content; // an inert document: nothing here runs or loads
      const body = toText(holder.body, { styles: false });
      if (body.length >= MIN_ARTICLE_CHARS || body.length >= visible.length * 0.5) {
        text = body;
        title = article.title || title;
        byline = article.byline || byline;
      }
    }
  } catch {
    // Readability failed on an unusual page: the visible text is still right.
  }
  return {
    url: location.href,
    title: title || location.href,
    lang: document.documentElement.lang || navigator.language,
    byline,
    text,
    selection: sel ? sel : null,
  };
}

(globalThis as unknown as { __confidant?: { extract: () => PageExtract } }).__confidant = { extract };
