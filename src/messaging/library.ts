/** Library shapes shared by the panel, the background and the engine. */
export type DocKind = 'page' | 'selection' | 'file';

export interface NewDocument {
  kind: DocKind;
  title: string;
  url: string | null;
  lang?: string;
  byline?: string | null;
  /** The MIME type it came from (text/html, application/pdf, text/markdown, text/plain). */
  mime?: string;
  text: string;
}

export interface DocSummary {
  id: number;
  kind: DocKind;
  title: string;
  url: string | null;
  site: string | null;
  createdAt: number;
  /** UTF-8 bytes of the text. */
  bytes: number;
  chunks: number;
  modelId: string;
}

export interface LibraryState {
  /** A key record exists: the library was set up. */
  initialized: boolean;
  unlocked: boolean;
  protection: 'passphrase' | 'device' | null;
  documents: number;
  /** Auto-lock after this many minutes idle; 0 = never. */
  autoLockMinutes: number;
}

export type SearchScope =
  | { kind: 'library' }
  | { kind: 'documents'; docIds: number[] }
  /** One page (saved or not), by its id in the index. */
  | { kind: 'page'; docId: number }
  | { kind: 'page+library'; docId: number };

export interface Passage {
  chunkId: number;
  docId: number;
  title: string;
  url: string | null;
  text: string;
  /** Character offsets into the document's text, for citing and highlighting. */
  start: number;
  end: number;
  heading: string;
  score: number;
}

/**
 * How passages were chosen: by meaning and words; by words only (no embedding model); by words
 * while a long page is still being embedded (its vectors come soon); or the whole (short) page.
 */
export type Retrieval = 'hybrid' | 'keywords' | 'keywords-embedding' | 'whole-page';

export interface SearchResult {
  passages: Passage[];
  retrieval: Retrieval;
}

export interface StorageUsage {
  usage: number;
  quota: number;
  persisted: boolean;
}

export interface Progress {
  /** What is being done, e.g. "embed", "unlock", "reembed", "model". */
  task: string;
  done: number;
  total: number;
  detail?: string;
}

/** What the content script returns for a page. */
export interface PageExtract {
  url: string;
  title: string;
  lang: string;
  byline: string | null;
  /** Visible, readable text of the page (hidden and off-screen text dropped), as light Markdown. */
  text: string;
  /** The user's current selection, when there is one. */
  selection: string | null;
}
