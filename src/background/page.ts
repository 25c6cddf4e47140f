/**
 * The page pipeline, in one place: read a tab (HTML through the on-demand content script, a PDF
 * with pdf.js in the engine, or just the selection) and build the library document from it. The
 * panel's "ask about this page", its "save page", and the context menus all go through `readPage`,
 * so page text never travels through the panel, and the checks run once: sites the person asked
 * never to read, and pages no extension may read, are refused before anything is injected into
 * the page or fetched from it.
 */
import { toBase64 } from '../core/bytes.ts';
import { ConfidantError } from '../core/errors.ts';
import { isNeverRead } from '../core/settings/input.ts';
import type { NewDocument, PageExtract } from '../messaging/library.ts';
// `?script&iife` names the built content script file; it is injected only on request, with
// scripting.executeScript, which needs no web-accessible resource (vite.config.ts removes the one
// crxjs would add, so no site can probe for Confidant).
import extractScript from '../content/extract.ts?script&iife';
import { engine } from './relay.ts';
import { getSettings } from './settings-store.ts';

/** Most bytes of a PDF read from a tab. */
const MAX_PDF_BYTES = 50 * 1024 * 1024;

function looksLikePdf(url: string): boolean {
  try {
    return /\.pdf$/i.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

/** Pages no extension may read; saying so beats a cryptic scripting error. */
export function unreadableReason(url: string | undefined): string | null {
  if (!url) return 'This tab has no page Confidant can read.';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'This tab has no page Confidant can read.';
  }
  if (u.protocol === 'chrome:' || u.protocol === 'edge:' || u.protocol === 'about:' || u.protocol === 'devtools:' || u.protocol === 'view-source:')
    return 'Browser pages (chrome://, about:) cannot be read by extensions.';
  if (u.protocol === 'chrome-extension:') return "Other extensions' pages cannot be read.";
  if (u.hostname === 'chromewebstore.google.com' || (u.hostname === 'chrome.google.com' && u.pathname.startsWith('/webstore')))
    return 'The Chrome Web Store cannot be read by extensions.';
  if (u.protocol === 'file:') return 'Local files can be read only when "Allow access to file URLs" is on for Confidant; or import the file in the Library.';
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `Pages at ${u.protocol} addresses cannot be read.`;
  return null;
}

/** Chrome's refusal, turned into words a person can act on. */
function explainScriptingError(msg: string): string {
  if (/chrome:\/\/|about:|devtools:|Cannot access a chrome/i.test(msg)) return 'Browser pages (chrome://, about:) cannot be read by extensions.';
  if (/chrome-extension:\/\//i.test(msg)) return "Other extensions' pages cannot be read.";
  if (/extensions gallery|webstore/i.test(msg)) return 'The Chrome Web Store cannot be read by extensions.';
  if (/Cannot access|permission|host/i.test(msg))
    return 'Confidant may not read this tab yet: open the panel with the toolbar button while on this page, or allow access to this site.';
  return `This page could not be read: ${msg}`;
}

/**
 * A tab showing a PDF is Chrome's viewer, which no script may enter: the file is fetched (the
 * tab's origin is granted by activeTab) and read locally with pdf.js in the engine.
 */
async function readPdf(url: string, fallbackTitle: string | undefined): Promise<PageExtract> {
  let bytes: Uint8Array;
  try {
    const res = await fetch(url, { credentials: 'include' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const len = Number(res.headers.get('content-length') ?? 0);
    if (len > MAX_PDF_BYTES) throw new ConfidantError('E_UNREADABLE_PAGE', `This PDF is too large to read (${Math.round(len / 1e6)} MB; the limit is ${MAX_PDF_BYTES / 1e6} MB).`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    if (e instanceof ConfidantError) throw e;
    throw new ConfidantError('E_UNREADABLE_PAGE', `This PDF could not be downloaded for reading: ${e instanceof Error ? e.message : String(e)}`);
  }
  const pdf = await engine('pdf.extract', { data: toBase64(bytes) });
  return { url, title: pdf.title || fallbackTitle || url, lang: '', byline: null, text: pdf.text, selection: null };
}

async function readHtml(tabId: number): Promise<PageExtract> {
  try {
    await chrome.scripting.executeScript({ target: { tabId }, files: [extractScript] });
    const [result] = await chrome.scripting.executeScript({
      target: { tabId },
      func: () => (globalThis as unknown as { __confidant: { extract: () => unknown } }).__confidant.extract(),
    });
    if (!result || result.result == null) throw new ConfidantError('E_UNREADABLE_PAGE', 'This page returned nothing to read.');
    return result.result as PageExtract;
  } catch (e) {
    if (e instanceof ConfidantError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new ConfidantError('E_UNREADABLE_PAGE', explainScriptingError(msg), { cause: msg });
  }
}

/** The URL of a tab, or a refusal saying why it cannot be read (checked before anything touches it). */
async function readableTab(tabId: number): Promise<{ tab: chrome.tabs.Tab; url: string }> {
  const tab = await chrome.tabs.get(tabId).catch(() => null);
  if (!tab) throw new ConfidantError('E_UNREADABLE_PAGE', 'That tab is gone.');
  // The URL is visible only where we may read the page; without it, Chrome's refusal tells why.
  const url = tab.url ?? tab.pendingUrl ?? '';
  if (url) {
    const reason = unreadableReason(url);
    if (reason) throw new ConfidantError('E_UNREADABLE_PAGE', reason);
    const site = isNeverRead(url, (await getSettings()).neverReadSites);
    if (site) throw new ConfidantError('E_UNREADABLE_PAGE', `You asked Confidant never to read ${site}. Change this in Settings.`, { messageKey: 'neverReadSite', site });
  }
  return { tab, url };
}

/** The one document builder: the same page read from anywhere becomes the same document. */
export function documentFrom(page: PageExtract, sourceMime: 'text/html' | 'application/pdf', selectionOnly: boolean): NewDocument {
  const title = page.title.trim() || page.url;
  if (selectionOnly) {
    const text = page.selection?.trim() ?? '';
    if (!text) throw new ConfidantError('E_UNREADABLE_PAGE', 'Nothing is selected on this page.', { messageKey: 'noSelection' });
    return { kind: 'selection', title: `${title} (selection)`, url: page.url, lang: page.lang, byline: page.byline, mime: 'text/plain', text };
  }
  if (!page.text.trim()) throw new ConfidantError('E_UNREADABLE_PAGE', 'This page has no readable text.', { messageKey: 'pageEmpty' });
  return { kind: 'page', title, url: page.url, lang: page.lang, byline: page.byline, mime: sourceMime, text: page.text };
}

/**
 * Reads a tab into a library document: its readable text, or (`selectionOnly`) the selected text,
 * or `selectionText` when the context menu already carries it.
 */
export async function readPage(tabId: number, opts: { selectionOnly?: boolean; selectionText?: string } = {}): Promise<NewDocument> {
  const { tab, url } = await readableTab(tabId);
  const pdf = url !== '' && looksLikePdf(url);
  const page = pdf ? await readPdf(url, tab.title) : await readHtml(tabId);
  // The page may have navigated while it was read: check where it ended up too.
  const site = isNeverRead(page.url, (await getSettings()).neverReadSites);
  if (site) throw new ConfidantError('E_UNREADABLE_PAGE', `You asked Confidant never to read ${site}. Change this in Settings.`, { messageKey: 'neverReadSite', site });
  if (opts.selectionText && !page.selection) page.selection = opts.selectionText;
  return documentFrom(page, pdf ? 'application/pdf' : 'text/html', opts.selectionOnly === true);
}
