/**
 * Requests only the test build's engine answers (dist-test, `npm run bench`): benchmarks and
 * what a test needs to look at from outside. They are not in the production API map: the store
 * build's engine does not even contain their handlers (src/worker/debug is imported only when
 * __TEST_BUILD__), and nothing routes them there.
 */
export interface DebugApi {
  /** Answered by the background: what the page pipeline reads from a tab (src/background/page.ts). */
  'debug.readPage': { req: { tabId: number; selection?: boolean }; res: import('./library.ts').NewDocument };
  /**
   * Answered by the background: what a click on one of its context menu items does (headless
   * Chromium cannot open a context menu), with the selection the menu would carry.
   */
  'debug.menuClick': { req: { menuItemId: string; tabId: number; selectionText?: string }; res: null };
  /** The first vectors of a saved document, to look for their bytes on disk. */
  'debug.vectors': { req: { docId: number; count: number }; res: number[][] };
  /** Embeds texts with the loaded model and times it (benchmarks). */
  /** `failGpuBatch`: the first WebGPU batch of this call fails as a lost device would. */
  'debug.embed': { req: { texts: string[]; vectors?: boolean; failGpuBatch?: boolean }; res: { ms: number; tokens: number[]; threads: number; backend?: import('./engine-api.ts').EmbedBackend; vectors?: number[][] } };
  /**
   * Adds `docs` synthetic documents of `chunksPerDoc` chunks each, random unit
   * vectors and generated text, through the real sealing, store and index code (benchmarks).
   */
  'debug.synthetic': { req: { from: number; docs: number; chunksPerDoc: number; seed: number }; res: { documents: number; chunks: number } };
  /**
   * Synthetic query `queryIndex` timed inside the engine: the library's search
   * (end to end), a plain vec0 float32 scan (after the same query embedding), the vector search
   * alone (1-bit + rescore on large libraries), the same with sqlite-vec's own bit[384] KNN in
   * place of the hand-written 1-bit scan, exact cosine over everything (recall baseline), or
   * the BM25 keyword search alone (its `ms` the keyword thread's own time), or the plain OR query
   * over every row the terms match (the keyword recall baseline).
   */
  'debug.search': {
    req: { seed: number; queryIndex: number; k: number; mode: 'library' | 'vec0-f32' | 'vector' | 'vec0-bit' | 'exact' | 'keyword' | 'keyword-fts5' };
    /** `stages`: milliseconds per stage of the product's search (mode 'library'). */
    res: { ms: number; embedMs: number; ids: number[]; stages?: Partial<Record<'embed' | 'vector' | 'keyword' | 'keywordWait' | 'fusion' | 'snippets', number>> };
  };
  /**
   * Where the in-memory index came from at the last unlock, and what the stored
   * index snapshot holds (opened with the data key): is it current, how big, in how many parts, which
   * of `terms` it indexes. Then `damage` harms the stored snapshot, for tests: 'tear-last-part'
   * deletes its last part (a torn snapshot), 'flip-first-part' flips one bit of its first part's
   * ciphertext (a tampered one).
   */
  'debug.index': {
    req: { terms: string[]; damage?: 'tear-last-part' | 'flip-first-part' };
    res: { source: 'snapshot' | 'rebuilt' | null; stored: boolean; current: boolean; bytes: number; parts: number; termsFound: string[] };
  };
  /**
   * The stored text segments search results are opened from (library/chunk-texts.ts): how many,
   * and how many characters are open in memory; then perhaps `damage` done to them (all dropped,
   * as in a library saved before they existed, or one byte of the first flipped).
   */
  'debug.chunkTexts': { req: { damage?: 'drop-all' | 'flip-first' }; res: { segments: number; openChars: number } };
}

export type DebugType = keyof DebugApi;

export const DEBUG_TYPES = ['debug.readPage', 'debug.menuClick', 'debug.vectors', 'debug.embed', 'debug.synthetic', 'debug.search', 'debug.index', 'debug.chunkTexts'] as const satisfies readonly DebugType[];

type Missing = Exclude<DebugType, (typeof DEBUG_TYPES)[number]>;
const _allListed: Missing extends never ? true : Missing = true;
void _allListed;

export function isDebugType(t: unknown): t is DebugType {
  return typeof t === 'string' && (DEBUG_TYPES as readonly string[]).includes(t);
}
