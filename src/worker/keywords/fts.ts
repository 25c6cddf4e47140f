import type { Database, Sqlite3Static } from 'sqlite-vec-wasm-demo';

/**
 * The keyword half of the search index: in-memory SQLite databases with FTS5 (BM25 over chunk
 * text and headings). Saved documents are in one database, which also keeps their 1-bit codes so
 * its snapshot carries them; pages asked about but not saved are in a second one, so nothing of
 * them can end up in the saved index or its snapshot. Runs in the keyword thread (keyword-thread.ts); the
 * engine uses `snapshotHasTerms` only, to inspect a stored snapshot (tests).
 */

const SCHEMA = `
  PRAGMA temp_store = MEMORY;
  CREATE VIRTUAL TABLE fts USING fts5(text, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
  CREATE VIRTUAL TABLE fts_terms USING fts5vocab(fts, 'row');
  CREATE TABLE codes (doc_id INTEGER PRIMARY KEY, bits BLOB NOT NULL);
`;

/**
 * A library-wide keyword search looks at about this many rows. FTS5 costs ~1–1.5 µs per row an OR
 * query matches (BM25 or not: iterating the doclists is most of it), and at 100k chunks three
 * everyday words match 5,000–7,000 rows. So when the query's terms together match more, only
 * chunks holding one of the rarer terms (the rarest first, up to this many rows, at least one
 * term) are candidates, ranked by BM25 over every term (`candidatesExpression`).
 */
export const KEYWORD_ROW_BUDGET = 1000;

type Sqlite = Sqlite3Static & {
  capi: {
    sqlite3_js_db_export(db: number): Uint8Array;
    sqlite3_serialize(db: number, schema: string, pSize: number, flags: number): number;
    SQLITE_SERIALIZE_NOCOPY: number;
    sqlite3_deserialize(db: number, schema: string, data: number, size: number, bufSize: number, flags: number): number;
    SQLITE_DESERIALIZE_FREEONCLOSE: number;
    SQLITE_DESERIALIZE_RESIZEABLE: number;
  };
  wasm: { alloc(n: number): number; heap8u(): Uint8Array; pstack: { alloc(n: number): number; pointer: number; restore(p: number): void }; peek64(p: number): bigint };
};
const pointerOf = (db: Database) => (db as unknown as { pointer: number }).pointer;

export type KeywordDb = 'saved' | 'pages';

/** A chunk id range of one document (ids are consecutive per document), in one of the databases. */
export interface KeywordRange {
  db: KeywordDb;
  lo: number;
  hi: number;
}

/**
 * An empty keyword database, or one from a snapshot (`KeywordIndex.snapshot()` bytes, in parts:
 * they are copied one after another into one SQLite allocation, so no whole copy is made in JS).
 */
function openDb(sqlite3: Sqlite3Static, snapshot: readonly Uint8Array[] | null): Database {
  const mem = new sqlite3.oo1.DB(':memory:', 'c');
  if (!snapshot) {
    mem.exec(SCHEMA);
    return mem;
  }
  const s = sqlite3 as Sqlite;
  const size = snapshot.reduce((n, part) => n + part.byteLength, 0);
  let p: number;
  try {
    p = s.wasm.alloc(size);
  } catch (e) {
    mem.close();
    throw e;
  }
  let at = p;
  for (const part of snapshot) {
    s.wasm.heap8u().set(part, at); // heap8u() again each time: a view of memory that grew is detached
    at += part.byteLength;
  }
  // FREEONCLOSE: SQLite owns the allocation from here, also when deserializing fails.
  const rc = s.capi.sqlite3_deserialize(pointerOf(mem), 'main', p, size, size, s.capi.SQLITE_DESERIALIZE_FREEONCLOSE | s.capi.SQLITE_DESERIALIZE_RESIZEABLE);
  if (rc !== 0) {
    mem.close();
    throw new Error(`sqlite3_deserialize failed (${rc})`);
  }
  mem.exec('PRAGMA temp_store = MEMORY;');
  return mem;
}

function hasTerm(db: Database, term: string): boolean {
  return Number(db.selectValue('SELECT count(*) FROM fts_terms WHERE term = ?', [term.toLowerCase()])) > 0;
}

/** Which of `terms` a snapshot's keyword index holds (tests inspect what a stored snapshot keeps). */
export function snapshotHasTerms(sqlite3: Sqlite3Static, snapshot: readonly Uint8Array[], terms: readonly string[]): string[] {
  const db = openDb(sqlite3, snapshot);
  try {
    return terms.filter((t) => hasTerm(db, t));
  } finally {
    db.close();
  }
}

export class KeywordIndex {
  private readonly saved: Database;
  private pages: Database | null = null;
  /**
   * Rows each term is in, as looked up for the row budget (fts5vocab counts them by walking the
   * term's doclist: ~0.5–1 ms a query at 100k chunks). Valid until the saved documents change.
   */
  private readonly rowsOfTerm = new Map<string, number>();

  /** An empty index, or the saved documents' database from a snapshot. */
  constructor(
    private readonly sqlite3: Sqlite3Static,
    snapshot: readonly Uint8Array[] | null,
  ) {
    this.saved = openDb(sqlite3, snapshot);
  }

  private db(which: KeywordDb): Database {
    if (which === 'saved') return this.saved;
    this.pages ??= openDb(this.sqlite3, null);
    return this.pages;
  }

  /** The 1-bit codes stored with the saved documents (a snapshot carries them). */
  codes(): Array<[number, Uint8Array]> {
    return this.saved.selectArrays('SELECT doc_id, bits FROM codes').map(([id, bits]) => [Number(id), bits as Uint8Array]);
  }

  /** Documents' chunks, each document's rows numbered from `first`, in one transaction. */
  insert(which: KeywordDb, docs: ReadonlyArray<{ docId: number; first: number; texts: readonly string[]; codes: Uint8Array | null }>): void {
    const db = this.db(which);
    const ins = db.prepare('INSERT INTO fts(rowid, text) VALUES (?, ?)');
    try {
      db.transaction(() => {
        for (const d of docs) {
          d.texts.forEach((text, i) => {
            ins.bind([d.first + i, text]).step();
            ins.reset();
          });
          if (d.codes) db.exec('INSERT OR REPLACE INTO codes(doc_id, bits) VALUES (?, ?)', { bind: [d.docId, d.codes] });
        }
      });
    } finally {
      ins.finalize();
      if (which === 'saved') this.rowsOfTerm.clear();
    }
  }

  remove(which: KeywordDb, docId: number, lo: number, hi: number): void {
    const db = this.db(which);
    db.exec('DELETE FROM fts WHERE rowid BETWEEN ? AND ?', { bind: [lo, hi] });
    if (which === 'saved') {
      db.exec('DELETE FROM codes WHERE doc_id = ?', { bind: [docId] });
      this.rowsOfTerm.clear();
    }
  }

  /**
   * BM25 over chunk text (and heading) for `terms` as queryTerms (core/library/fuse.ts) cuts a
   * query: within `ranges` when given (any database), else over every saved chunk within the row
   * budget (or, with `everyRow`, without it). [rowid, score] pairs, best first, score = −BM25.
   */
  search(terms: readonly string[], k: number, ranges: readonly KeywordRange[] | null, opts: { everyRow?: boolean } = {}): Array<[number, number]> {
    const match = ranges || opts.everyRow ? matchExpression(terms) : this.candidatesExpression(terms);
    if (!match) return [];
    const rows: unknown[][] = [];
    if (ranges) {
      for (const r of ranges) {
        rows.push(...this.db(r.db).selectArrays('SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ? AND rowid BETWEEN ? AND ? ORDER BY bm25(fts) LIMIT ?', [match, r.lo, r.hi, k]));
      }
    } else {
      rows.push(...this.saved.selectArrays('SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT ?', [match, k]));
    }
    return rows
      .map(([id, s]): [number, number] => [Number(id), -Number(s)])
      .sort((a, b) => b[1] - a[1])
      .slice(0, k);
  }

  /**
   * The saved documents' database, whole (FTS5 and the 1-bit codes): no unsaved page is ever in it.
   * One opened from a snapshot lives in one SQLite allocation, which is copied out as it is
   * (SQLITE_SERIALIZE_NOCOPY) instead of being serialized into a second one: at 100k chunks that
   * would grow this thread's heap by another ~67 MB for good.
   */
  snapshot(): Uint8Array {
    const s = this.sqlite3 as Sqlite;
    const stack = s.wasm.pstack.pointer;
    try {
      const pSize = s.wasm.pstack.alloc(8);
      const p = s.capi.sqlite3_serialize(pointerOf(this.saved), 'main', pSize, s.capi.SQLITE_SERIALIZE_NOCOPY);
      if (p) return s.wasm.heap8u().slice(p, p + Number(s.wasm.peek64(pSize)));
    } finally {
      s.wasm.pstack.restore(stack);
    }
    return s.capi.sqlite3_js_db_export(pointerOf(this.saved)); // built here, page by page: no single allocation
  }

  close(): void {
    this.saved.close();
    this.pages?.close();
    this.pages = null;
  }

  /**
   * The MATCH expression for a library-wide search: every term OR-ed when together they match
   * at most KEYWORD_ROW_BUDGET rows; otherwise `(rarer terms) AND (every term)`, which FTS5 runs
   * by walking the rarer terms' rows and seeking the others, and ranks by BM25 over every term.
   * (The rarer terms appear twice in it, so BM25 counts them twice: a lean towards the words it
   * already weighs most. `npm run bench -- library` prints recall@10 against the plain OR.)
   */
  private candidatesExpression(terms: readonly string[]): string {
    if (terms.length < 2) return matchExpression(terms);
    const byRarity = terms.map((term) => ({ term, rows: this.rowsOf(term) })).sort((a, b) => a.rows - b.rows);
    const rarer: string[] = [];
    let rows = 0;
    for (const t of byRarity) {
      if (rarer.length > 0 && rows + t.rows > KEYWORD_ROW_BUDGET) break;
      rarer.push(t.term);
      rows += t.rows;
    }
    if (rarer.length === terms.length) return matchExpression(terms);
    return `(${matchExpression(rarer)}) AND (${matchExpression(terms)})`;
  }

  /** How many saved chunks hold `term`. */
  private rowsOf(term: string): number {
    let n = this.rowsOfTerm.get(term);
    if (n === undefined) {
      // The tokenizer's folding (unicode61, remove_diacritics 2): lower case, no diacritics.
      n = Number(this.saved.selectValue('SELECT doc FROM fts_terms WHERE term = ?', [term.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()]) ?? 0);
      // Only query terms are kept, and all go at the next write; a long quiet session starts over.
      if (this.rowsOfTerm.size >= 4096) this.rowsOfTerm.clear();
      this.rowsOfTerm.set(term, n);
    }
    return n;
  }
}

/** FTS5 strings ("…", quotes doubled) joined with OR: read as terms, never as operators. */
function matchExpression(terms: readonly string[]): string {
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' OR ');
}
