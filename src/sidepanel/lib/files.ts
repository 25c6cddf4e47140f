/** Which files the library imports, and how each is read. */

export type FileKind = 'text' | 'markdown' | 'html' | 'pdf';

/** For <input type=file accept=…>. */
export const IMPORT_ACCEPT = '.txt,.text,.md,.markdown,.html,.htm,.pdf,text/plain,text/markdown,text/html,application/pdf';

/** Largest file read (bytes); bigger ones are refused with a clear message rather than stalling the panel. */
export const MAX_IMPORT_BYTES = 50_000_000;

export function fileKind(name: string, mime: string): FileKind | null {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  if (ext === 'pdf' || mime === 'application/pdf') return 'pdf';
  if (ext === 'html' || ext === 'htm' || mime === 'text/html') return 'html';
  if (ext === 'md' || ext === 'markdown' || mime === 'text/markdown') return 'markdown';
  if (ext === 'txt' || ext === 'text' || mime === 'text/plain') return 'text';
  return null;
}

export const MIME_OF: Record<FileKind, string> = {
  text: 'text/plain',
  markdown: 'text/markdown',
  html: 'text/html',
  pdf: 'application/pdf',
};

/** "annual-report_2025.pdf" → "annual report 2025". */
export function titleFromFileName(name: string): string {
  const base = name.replace(/\.[a-z0-9]+$/i, '').replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim();
  return base || name;
}

/** A Markdown file's first "# Heading", if it has one near the top. */
export function markdownTitle(text: string): string | null {
  const m = /^\s{0,3}#\s+(.+?)\s*#*\s*$/m.exec(text.slice(0, 2000));
  return m ? m[1]!.trim() : null;
}

