/**
 * HTML to text, once for every place that needs it: a live page (the content script: what a person
 * can see) and an HTML file the person imports (the panel: parsed, never rendered). The text is
 * light Markdown (headings, list items, code), so chunking can follow the document's structure.
 * Hidden and off-screen text is a common prompt-injection carrier (display:none, aria-hidden,
 * clipped, far off-screen, white on white, tiny), so it is dropped.
 *
 * DOM only: no chrome.*, no extension APIs (src/dom may be imported by content and sidepanel).
 */
const SKIP_TAGS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'CANVAS', 'IFRAME', 'OBJECT', 'EMBED', 'HEAD', 'META', 'LINK', 'BUTTON', 'SELECT', 'INPUT', 'TEXTAREA']);
const BLOCK_DISPLAY = /^(block|flex|grid|list-item|table|table-row|table-caption|flow-root)$/;

/** True for elements a person cannot see. Uses the live page's computed styles. */
export function isHidden(el: Element): boolean {
  if (SKIP_TAGS.has(el.tagName)) return true;
  if (el.getAttribute('aria-hidden') === 'true' || (el as HTMLElement).hidden) return true;
  const s = getComputedStyle(el);
  if (s.display === 'none' || s.visibility === 'hidden' || s.visibility === 'collapse' || Number(s.opacity) === 0) return true;
  if (s.clipPath === 'inset(50%)' || s.clip === 'rect(0px, 0px, 0px, 0px)' || s.clip === 'rect(1px, 1px, 1px, 1px)') return true;
  const r = el.getBoundingClientRect();
  if (s.position !== 'static' && (r.right < -1000 || r.bottom < -1000 || r.left > 100_000 || r.top > 1_000_000)) return true;
  if ((r.width === 0 || r.height === 0) && s.overflow === 'hidden') return true;
  if (parseFloat(s.fontSize) < 2) return true;
  if (s.color === s.backgroundColor && s.color !== 'rgba(0, 0, 0, 0)') return true;
  if (Number(s.textIndent.replace('px', '')) < -1000) return true;
  return false;
}

export interface TextOptions {
  /**
   * Whether computed styles exist (a live page). A detached clone or a parsed file has none: then
   * only what the markup itself hides (`hidden`, `aria-hidden`, scripts and the like) is skipped.
   */
  styles: boolean;
}

/** Hidden by its markup alone (no styles needed). */
function hiddenByMarkup(el: Element): boolean {
  return SKIP_TAGS.has(el.tagName) || el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true';
}

/** Walks an element and writes its text as light Markdown. */
export function toText(root: Element | null, opts: TextOptions = { styles: true }): string {
  if (!root) return '';
  const out: string[] = [];
  const walk = (node: Node, listDepth: number): void => {
    if (node.nodeType === Node.TEXT_NODE) {
      out.push((node.textContent ?? '').replace(/\s+/g, ' '));
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const el = node as Element;
    if (opts.styles ? isHidden(el) : hiddenByMarkup(el)) return;
    const tag = el.tagName;
    const heading = /^H([1-6])$/.exec(tag);
    if (heading) {
      out.push(`\n\n${'#'.repeat(Number(heading[1]))} `);
      for (const c of Array.from(el.childNodes)) walk(c, listDepth);
      out.push('\n\n');
      return;
    }
    if (tag === 'PRE') {
      out.push(`\n\n\`\`\`\n${(el.textContent ?? '').replace(/\n+$/, '')}\n\`\`\`\n\n`);
      return;
    }
    if (tag === 'LI') {
      out.push(`\n${'  '.repeat(Math.max(0, listDepth - 1))}- `);
      for (const c of Array.from(el.childNodes)) walk(c, listDepth);
      out.push('\n');
      return;
    }
    if (tag === 'UL' || tag === 'OL') {
      out.push('\n');
      for (const c of Array.from(el.childNodes)) walk(c, listDepth + 1);
      out.push('\n');
      return;
    }
    if (tag === 'BR') {
      out.push('\n');
      return;
    }
    const block = tag === 'P' || tag === 'TR' || tag === 'BLOCKQUOTE' || (opts.styles ? BLOCK_DISPLAY.test(getComputedStyle(el).display) : /^(DIV|SECTION|ARTICLE|HEADER|FOOTER|MAIN|ASIDE|NAV|TABLE|FIGURE|FIGCAPTION|DL|DT|DD)$/.test(tag));
    if (block) out.push('\n\n');
    if (tag === 'TD' || tag === 'TH') out.push(' | ');
    for (const c of Array.from(el.childNodes)) walk(c, listDepth);
    if (block) out.push('\n\n');
  };
  walk(root, 0);
  return out
    .join('')
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * A clone of the document with every element a person cannot see removed, for Readability,
 * which reads a document but cannot compute styles on a detached copy.
 */
export function visibleClone(doc: Document): Document {
  const clone = doc.cloneNode(true) as Document;
  const live: Element[] = doc.body ? [doc.body] : [];
  const copy: Element[] = clone.body ? [clone.body] : [];
  const drop: Element[] = [];
  while (live.length) {
    const a = live.pop()!;
    const b = copy.pop()!;
    if (!b || a.tagName !== b.tagName) continue; // structures diverged (a script ran): be conservative below
    if (a !== doc.body && isHidden(a)) {
      drop.push(b);
      continue;
    }
    const ac = a.children;
    const bc = b.children;
    for (let i = 0; i < ac.length && i < bc.length; i++) {
      live.push(ac[i]!);
      copy.push(bc[i]!);
    }
  }
  for (const el of drop) el.remove();
  return clone;
}

/**
 * An HTML file's text, title and language. DOMParser makes a document that is never rendered: no
 * script runs and nothing loads.
 */
export function htmlToText(html: string): { title: string | null; text: string; lang: string | undefined } {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  return { title: doc.title.trim() || null, text: toText(doc.body, { styles: false }), lang: doc.documentElement.lang || undefined };
}
