import { concatBytes } from '../../core/bytes.ts';
import { KeywordIndex } from '../../core/library/keyword-index.ts';

/**
 * What the keyword thread holds from unlock to lock: two keyword indexes (core/library/
 * keyword-index.ts, BM25 over chunk text and headings). Saved documents are in one index, which
 * with the saved documents' 1-bit codes (kept by the engine, handed over for each snapshot and
 * handed back when one is opened, so not held twice: 4.8 MB at 100k chunks) makes the
 * snapshot; pages asked about
 * but not saved are in a second one, so nothing of them can end up in the saved index or its
 * snapshot. The engine uses `snapshotHasTerms` only, to inspect a stored snapshot (tests).
 */

export type KeywordDb = 'saved' | 'pages';

/** A chunk id range of one document (ids are consecutive per document), in one of the indexes. */
export interface KeywordRange {
  db: KeywordDb;
  lo: number;
  hi: number;
}

/**
 * Snapshot layout, little-endian: "CKS1", u32 index bytes, u32 codes; the saved index
 * (KeywordIndex.serialize); then per document: f64 id, u32 code bytes, the code bytes.
 */
const MAGIC = [0x43, 0x4b, 0x53, 0x31]; // "CKS1"

/** The saved index and codes of a snapshot (its bytes in order, in parts); throws, naming what is wrong. */
function readSnapshot(parts: readonly Uint8Array[]): { index: KeywordIndex; codes: Map<number, Uint8Array> } {
  const fail = (what: string): never => {
    throw new Error(`keyword snapshot: ${what}`);
  };
  const bytes = concatBytes(parts);
  if (bytes.byteLength < 12) fail(`truncated (header needs 12 bytes, has ${bytes.byteLength})`);
  // A snapshot written before the keyword index replaced FTS5 is an SQLite database: refused
  // here like a damaged one, so the library rebuilds the index and writes a new snapshot.
  if (MAGIC.some((b, i) => bytes[i] !== b)) fail('not a keyword snapshot (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const indexBytes = view.getUint32(4, true);
  const count = view.getUint32(8, true);
  let at = 12;
  if (at + indexBytes > bytes.byteLength) fail(`truncated (index needs ${indexBytes} bytes, has ${bytes.byteLength - at})`);
  const index = KeywordIndex.deserialize(bytes.subarray(at, at + indexBytes));
  at += indexBytes;
  const codes = new Map<number, Uint8Array>();
  for (let i = 0; i < count; i++) {
    if (at + 12 > bytes.byteLength) fail(`truncated (code ${i} of ${count})`);
    const id = view.getFloat64(at, true);
    const len = view.getUint32(at + 8, true);
    at += 12;
    if (at + len > bytes.byteLength) fail(`truncated (code ${i} of ${count} needs ${len} bytes)`);
    codes.set(id, bytes.slice(at, at + len));
    at += len;
  }
  if (at !== bytes.byteLength) fail(`${bytes.byteLength - at} bytes after the last code`);
  return { index, codes };
}

/** Which of `terms` a snapshot's keyword index holds (tests inspect what a stored snapshot keeps). */
export function snapshotHasTerms(snapshot: readonly Uint8Array[], terms: readonly string[]): string[] {
  const { index } = readSnapshot(snapshot);
  return terms.filter((t) => index.hasTerm(t));
}

export class KeywordStore {
  private readonly saved: KeywordIndex;
  private pages: KeywordIndex | null = null;
  /** The 1-bit codes a snapshot held, until the engine takes them. */
  private opened: Map<number, Uint8Array> | null = null;

  /** An empty store, or the saved documents' index (and codes, see `takeCodes`) from a snapshot's parts. */
  constructor(snapshot: readonly Uint8Array[] | null) {
    if (snapshot) {
      const { index, codes } = readSnapshot(snapshot);
      this.saved = index;
      this.opened = codes;
    } else {
      this.saved = new KeywordIndex();
    }
  }

  private index(which: KeywordDb): KeywordIndex {
    if (which === 'saved') return this.saved;
    this.pages ??= new KeywordIndex();
    return this.pages;
  }

  /** The 1-bit codes the opened snapshot held, once (the engine keeps them from then on). */
  takeCodes(): Array<[number, Uint8Array]> {
    const codes = [...(this.opened ?? [])];
    this.opened = null;
    return codes;
  }

  /** Documents' chunks, each document's rows numbered from `first`. */
  insert(which: KeywordDb, docs: ReadonlyArray<{ first: number; texts: readonly string[] }>): void {
    const ix = this.index(which);
    for (const d of docs) d.texts.forEach((text, i) => ix.add(d.first + i, text));
  }

  remove(which: KeywordDb, lo: number, hi: number): void {
    this.index(which).removeRange(lo, hi);
  }

  /**
   * BM25 over chunk text (and heading) for `terms` as queryTerms (core/library/fuse.ts) cuts a
   * query: within `ranges` when given (either index), else over every saved chunk. [chunk id,
   * score] pairs, best first, k at most.
   */
  search(terms: readonly string[], k: number, ranges: readonly KeywordRange[] | null): Array<[number, number]> {
    if (!ranges) return this.saved.search(terms, k);
    const rows: Array<[number, number]> = [];
    for (const db of ['saved', 'pages'] as const) {
      const mine = ranges.filter((r) => r.db === db);
      if (mine.length > 0 && (db === 'saved' || this.pages)) rows.push(...this.index(db).search(terms, k, mine));
    }
    return rows.sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
  }

  /** The saved documents' index and their `codes`, as bytes: no unsaved page is ever in them. */
  snapshot(codes: ReadonlyArray<readonly [number, Uint8Array]>): Uint8Array {
    const index = this.saved.serialize();
    const out = new Uint8Array(12 + index.byteLength + codes.reduce((n, [, c]) => n + 12 + c.byteLength, 0));
    const view = new DataView(out.buffer);
    out.set(MAGIC, 0);
    view.setUint32(4, index.byteLength, true);
    view.setUint32(8, codes.length, true);
    out.set(index, 12);
    let at = 12 + index.byteLength;
    for (const [id, c] of codes) {
      view.setFloat64(at, id, true);
      view.setUint32(at + 8, c.byteLength, true);
      out.set(c, at + 12);
      at += 12 + c.byteLength;
    }
    return out;
  }
}
