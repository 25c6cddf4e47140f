/**
 * Files the person picked, turned into documents in the panel: text and Markdown as they are,
 * HTML through DOMParser (a document that is parsed, never rendered: no scripts run, nothing
 * loads), PDF through pdf.js with its worker served from the extension (loaded only when needed).
 */
import { ConfidantError } from '../../../core/errors.ts';
import type { NewDocument } from '../../../messaging/library.ts';
import { fileKind, joinPdfItems, markdownTitle, MAX_IMPORT_BYTES, MIME_OF, titleFromFileName } from '../../lib/files.ts';

const BLOCK = new Set(['P', 'DIV', 'SECTION', 'ARTICLE', 'HEADER', 'FOOTER', 'MAIN', 'ASIDE', 'NAV', 'LI', 'UL', 'OL', 'TR', 'TABLE', 'BLOCKQUOTE', 'PRE', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'BR', 'HR', 'DL', 'DT', 'DD', 'FIGURE', 'FIGCAPTION']);
const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'IFRAME', 'OBJECT', 'HEAD']);

/** Text of parsed HTML with line breaks where blocks end (textContent alone runs paragraphs together). */
export function htmlToText(html: string): { title: string | null; text: string; lang: string | undefined } {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const parts: string[] = [];
  const walk = (n: Node) => {
    if (n.nodeType === Node.TEXT_NODE) {
      parts.push(n.nodeValue ?? '');
      return;
    }
    if (n.nodeType !== Node.ELEMENT_NODE) return;
    const el = n as Element;
    if (SKIP.has(el.tagName) || el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true') return;
    const block = BLOCK.has(el.tagName);
    if (block) parts.push('\n');
    if (/^H[1-6]$/.test(el.tagName)) parts.push(`${'#'.repeat(Number(el.tagName[1]))} `);
    el.childNodes.forEach(walk);
    if (block) parts.push('\n');
  };
  if (doc.body) walk(doc.body);
  const text = parts
    .join('')
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { title: doc.title.trim() || null, text, lang: doc.documentElement.lang || undefined };
}

async function pdfText(file: Blob): Promise<{ text: string; title: string | null }> {
  const [pdfjs, worker] = await Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')]);
  pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
  const data = new Uint8Array(await file.arrayBuffer());
  const task = pdfjs.getDocument({ data, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, stopAtErrors: false });
  const pdf = await task.promise;
  try {
    const pages: string[] = [];
    for (let i = 1; i <= pdf.numPages; i++) {
      const page = await pdf.getPage(i);
      const content = await page.getTextContent();
      pages.push(joinPdfItems(content.items as { str?: string; hasEOL?: boolean }[]));
      page.cleanup();
    }
    const meta = await pdf.getMetadata().catch(() => null);
    const title = (meta?.info as { Title?: unknown } | undefined)?.Title;
    return { text: pages.filter(Boolean).join('\n\n'), title: typeof title === 'string' && title.trim() ? title.trim() : null };
  } finally {
    await pdf.destroy();
  }
}

/** A file that cannot be imported, in words the panel translates (messageKey + substitutions). */
function unreadable(messageKey: string, ...subs: string[]): ConfidantError {
  return new ConfidantError('E_PARSE', `${messageKey}: ${subs.join(', ')}`, { messageKey, subs });
}

export async function readDocument(file: File): Promise<NewDocument> {
  const kind = fileKind(file.name, file.type);
  if (!kind) throw unreadable('fileUnsupported', file.name);
  if (file.size > MAX_IMPORT_BYTES) throw unreadable('fileTooLarge', file.name, String(MAX_IMPORT_BYTES / 1e6));
  const fallbackTitle = titleFromFileName(file.name);
  let text: string;
  let title: string = fallbackTitle;
  let lang: string | undefined;
  if (kind === 'pdf') {
    let r: { text: string; title: string | null };
    try {
      r = await pdfText(file);
    } catch (e) {
      throw unreadable('filePdfUnreadable', file.name, e instanceof Error ? e.message : String(e));
    }
    text = r.text;
    title = r.title ?? fallbackTitle;
  } else if (kind === 'html') {
    const r = htmlToText(await file.text());
    text = r.text;
    title = r.title ?? fallbackTitle;
    lang = r.lang;
  } else {
    text = await file.text();
    if (kind === 'markdown') title = markdownTitle(text) ?? fallbackTitle;
  }
  if (!text.trim()) throw kind === 'pdf' ? unreadable('filePdfNoText', file.name) : unreadable('fileNoText', file.name);
  return { kind: 'file', title, url: null, mime: MIME_OF[kind], text, ...(lang ? { lang } : {}) };
}
