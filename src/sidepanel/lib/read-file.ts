/**
 * Files the person picked, turned into documents in the panel: text and Markdown as they are,
 * HTML through the one HTML-to-text converter (src/dom/html-text.ts: parsed, never rendered),
 * PDF through the engine's pdf.js reader (the same one that reads PDF tabs), so pdf.js ships once.
 */
import { toBase64 } from '../../core/bytes.ts';
import { ConfidantError } from '../../core/errors.ts';
import { htmlToText } from '../../dom/html-text.ts';
import type { PdfText } from '../../messaging/engine-api.ts';
import type { NewDocument } from '../../messaging/library.ts';
import { fileKind, markdownTitle, MAX_IMPORT_BYTES, MIME_OF, titleFromFileName } from './files.ts';

/** Reads a PDF's text in the engine (`pdf.extract`). */
export type PdfReader = (base64: string) => Promise<PdfText>;

/** A file that cannot be imported, in words the panel translates (messageKey + substitutions). */
function unreadable(messageKey: string, ...subs: string[]): ConfidantError {
  return new ConfidantError('E_PARSE', `${messageKey}: ${subs.join(', ')}`, { messageKey, subs });
}

export async function readDocument(file: File, readPdf: PdfReader): Promise<NewDocument> {
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
      const pdf = await readPdf(toBase64(new Uint8Array(await file.arrayBuffer())));
      r = { text: pdf.text, title: pdf.metadataTitle };
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
