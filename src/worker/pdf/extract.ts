/**
 * A PDF's text, read locally with pdf.js inside the engine worker. pdf.js's own worker is not
 * started: its message handler is loaded into this worker (`globalThis.pdfjsWorker`, pdf.js's
 * documented "fake worker" hook), so no other script, file or blob: URL is involved. No eval:
 * `isEvalSupported: false` keeps pdf.js from compiling PostScript functions with `new Function`
 * (which the extension's CSP forbids and would report as a console error). Fonts are not loaded
 * (`disableFontFace`), nothing is fetched (no CMap, font or wasm URLs are given), and both
 * modules are imported on first use only.
 */
import { fromBase64Lenient } from '../../core/bytes.ts';
import { ConfidantError } from '../../core/errors.ts';
import type { PdfText } from '../../messaging/engine-api.ts';
import { runOf, toMarkdown, type TextRun } from './layout.ts';

/** Most bytes of one PDF; the background refuses larger ones before sending (50 MB). */
export const MAX_PDF_BYTES = 64 * 1024 * 1024;
/** Most pages read; a longer file is read this far and says so. */
export const MAX_PDF_PAGES = 2000;

type PdfJs = typeof import('pdfjs-dist');
let pdfjs: Promise<PdfJs> | null = null;

function loadPdfJs(): Promise<PdfJs> {
  pdfjs ??= Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs')]).then(([api, worker]) => {
    (globalThis as unknown as { pdfjsWorker: unknown }).pdfjsWorker = worker;
    return api;
  });
  return pdfjs;
}

/** Titles that say nothing ("Untitled", "Microsoft Word - report.docx", "document.pdf"). */
function meaningfulTitle(t: unknown): string | null {
  if (typeof t !== 'string') return null;
  const s = t.replace(/\s+/g, ' ').trim();
  if (!s || /^(untitled|document|title|\(anonymous\))$/i.test(s) || /\.(docx?|pdf|tex|indd|odt)$/i.test(s)) return null;
  return s.replace(/^Microsoft (Word|PowerPoint) - /, '').slice(0, 300);
}

export async function extractPdf(base64: string): Promise<PdfText> {
  let data: Uint8Array;
  try {
    data = fromBase64Lenient(base64);
  } catch (e) {
    throw new ConfidantError('E_BAD_REQUEST', `pdf.extract: data is not base64 (${e instanceof Error ? e.message : String(e)}).`);
  }
  if (data.byteLength > MAX_PDF_BYTES) throw new ConfidantError('E_UNREADABLE_PAGE', `This PDF is too large to read (${(data.byteLength / 1e6).toFixed(0)} MB; the limit is ${MAX_PDF_BYTES / 1e6} MB).`);
  // "%PDF-" within the first KiB, as readers accept it.
  const head = new TextDecoder('latin1').decode(data.subarray(0, 1024));
  if (!head.includes('%PDF-')) throw new ConfidantError('E_UNREADABLE_PAGE', 'This file is not a PDF.');

  const api = await loadPdfJs();
  const task = api.getDocument({
    data,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    useWorkerFetch: false,
    isOffscreenCanvasSupported: false,
    stopAtErrors: false,
    enableXfa: false,
    verbosity: api.VerbosityLevel.ERRORS,
  });
  try {
    let doc: Awaited<typeof task.promise>;
    try {
      doc = await task.promise;
    } catch (e) {
      const name = (e as { name?: string }).name;
      if (name === 'PasswordException') throw new ConfidantError('E_UNREADABLE_PAGE', 'This PDF is protected by a password, so it cannot be read.');
      throw new ConfidantError('E_UNREADABLE_PAGE', `This PDF could not be read: ${e instanceof Error ? e.message : String(e)}`, { name });
    }
    const pages: TextRun[][] = [];
    const count = Math.min(doc.numPages, MAX_PDF_PAGES);
    for (let n = 1; n <= count; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      pages.push(content.items.flatMap((it) => ('str' in it ? [runOf(it)] : [])));
      page.cleanup();
    }
    const md = toMarkdown(pages);
    if (!md.text.trim()) {
      throw new ConfidantError('E_UNREADABLE_PAGE', 'This PDF has no text to read: a scanned document holds only pictures of its pages.');
    }
    const info = (await doc.getMetadata().catch(() => null))?.info as { Title?: unknown } | undefined;
    const metadataTitle = meaningfulTitle(info?.Title);
    const title = metadataTitle ?? md.firstHeading ?? md.firstLine?.slice(0, 200) ?? 'Untitled PDF';
    const more = doc.numPages > count ? `\n\n(Only the first ${count} of ${doc.numPages} pages were read.)` : '';
    return { title, metadataTitle, text: md.text + more, pages: doc.numPages };
  } finally {
    await task.destroy().catch(() => {});
  }
}
