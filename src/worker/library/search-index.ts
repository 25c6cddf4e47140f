import type { Database, Sqlite3Static } from 'sqlite-vec-wasm-demo';
import { dequantizeInt8, dotInt8, quantizeInt8, type Int8Rows } from '../../core/library/quantize.ts';

/**
 * The plaintext search structures, in memory while the library is unlocked, dropped at lock:
 *  - an in-memory SQLite database with FTS5: BM25 keyword search over saved documents' chunks;
 *  - the decrypted texts and the vectors in JS, as int8 rows with a scale each (a quarter of
 *    float32's memory), with every saved chunk's 1-bit code: cosine over all vectors on small
 *    libraries and filtered searches, Hamming-distance candidates rescored on large ones
 *    (sqlite-vec's vec0 serves as the benchmark's float32 baseline);
 *  - pages asked about but not saved, in a second in-memory database of their own, so nothing
 *    of them can end up in the saved index or its snapshot.
 * The saved-documents database can be exported whole (`snapshot()`) and opened from such bytes
 * (`SearchIndex.open`): the library keeps that snapshot sealed under the data key, so unlocking a
 * large library does not rebuild FTS5 from every chunk (docs/storage.md).
 */

/** Chunk ids are docId · 2^20 + ordinal: unique, and a document's chunks form one id range. */
export const CHUNKS_PER_DOC = 1 << 20;
export const chunkIdOf = (docId: number, ord: number) => docId * CHUNKS_PER_DOC + ord;
export const docIdOf = (chunkId: number) => Math.floor(chunkId / CHUNKS_PER_DOC);

/**
 * Above this many chunks, KNN first ranks 1-bit codes by Hamming distance, then rescores
 * by cosine: at 10k chunks ~1 ms instead of ~5 ms for cosine over all of them.
 */
export const BINARY_SEARCH_THRESHOLD = 4_000;
/**
 * 1-bit candidates rescored: k × RESCORE_FACTOR, and at least MIN_CANDIDATES (a query with no
 * close neighbours ranks poorly in 1-bit, and rescoring 1,000 vectors costs ~0.5 ms).
 */
export const RESCORE_FACTOR = 16;
export const MIN_CANDIDATES = 1000;
/** Bumped when the in-memory schema changes, so older snapshots are rebuilt, not opened. */
export const INDEX_FORMAT = 4;
const NO_VECTORS = new Float32Array(0);
/**
 * In a library-wide keyword search over at least MIN_CHUNKS_TO_PRUNE chunks, terms found in more
 * than this share of chunks are left out when rarer terms remain: BM25 gives them little weight,
 * yet FTS5 scores every row a term matches, so one common word made searches 5–10× slower.
 */
const COMMON_TERM_SHARE = 0.05;
const MIN_CHUNKS_TO_PRUNE = 2000;

const SCHEMA = `
  PRAGMA temp_store = MEMORY;
  CREATE VIRTUAL TABLE fts USING fts5(text, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
  CREATE VIRTUAL TABLE fts_terms USING fts5vocab(fts, 'row');
  CREATE TABLE codes (doc_id INTEGER PRIMARY KEY, bits BLOB NOT NULL);
`;

export interface ChunkSpan {
  start: number;
  end: number;
  /** Headings above the chunk, joined with " › " (context for embedding and for people). */
  heading: string;
}

export interface IndexedDoc {
  id: number;
  title: string;
  url: string | null;
  /** The document's text; null while it stays sealed in the store (the library opens it on demand). */
  text: string | null;
  chunks: ChunkSpan[];
  /**
   * chunks.length × dims float32, row per chunk, or empty (not embedded). Handed over to the
   * index: it keeps them as int8 and empties this field, so no float32 copy outlives the add.
   */
  vectors: Float32Array;
  /** Pages asked about but not saved: searchable, never stored. */
  ephemeral: boolean;
}

export interface Hit {
  chunkId: number;
  docId: number;
  /** Cosine similarity (vectors are normalized) or negative BM25, higher is better. */
  score: number;
}

type Sqlite = Sqlite3Static & {
  capi: {
    sqlite3_js_db_export(db: number): Uint8Array;
    sqlite3_deserialize(db: number, schema: string, data: number, size: number, bufSize: number, flags: number): number;
    SQLITE_DESERIALIZE_FREEONCLOSE: number;
    SQLITE_DESERIALIZE_RESIZEABLE: number;
  };
  wasm: { allocFromTypedArray(a: Uint8Array): number };
};
const pointerOf = (db: Database) => (db as unknown as { pointer: number }).pointer;

export class SearchIndex {
  private readonly mem: Database;
  /** Unsaved pages' keyword index, created on first use. */
  private scratch: Database | null = null;
  private readonly docs = new Map<number, IndexedDoc>();
  /** Saved documents' 1-bit codes: chunk i's at [i · words, (i + 1) · words). */
  private readonly codes = new Map<number, Uint32Array>();
  /** Every embedded document's vectors, int8 (core/library/quantize.ts): chunk i is row i. */
  private readonly rows = new Map<number, Int8Rows>();
  private vecCount = 0;
  /** Test build only: a float32 vec0 table, made on demand for the benchmark baseline. */
  private floatTable: boolean | null = null;
  /** Test build only: a bit[dims] vec0 table (sqlite-vec's binary quantization), for the benchmark. */
  private bitTable: boolean | null = null;

  private constructor(
    private readonly sqlite3: Sqlite3Static,
    readonly dims: number,
    mem: Database,
  ) {
    this.mem = mem;
  }

  /** An empty index. */
  static create(sqlite3: Sqlite3Static, dims: number): SearchIndex {
    const mem = new sqlite3.oo1.DB(':memory:', 'c');
    mem.exec(SCHEMA);
    return new SearchIndex(sqlite3, dims, mem);
  }

  /**
   * An index from a snapshot (`snapshot()` bytes) of exactly `docs`: their FTS5 rows and 1-bit
   * codes come from the snapshot, their texts and vectors from `docs`.
   */
  static open(sqlite3: Sqlite3Static, dims: number, snapshot: Uint8Array, docs: readonly IndexedDoc[]): SearchIndex {
    const s = sqlite3 as Sqlite;
    const mem = new sqlite3.oo1.DB(':memory:', 'c');
    const p = s.wasm.allocFromTypedArray(snapshot);
    const rc = s.capi.sqlite3_deserialize(pointerOf(mem), 'main', p, snapshot.byteLength, snapshot.byteLength, s.capi.SQLITE_DESERIALIZE_FREEONCLOSE | s.capi.SQLITE_DESERIALIZE_RESIZEABLE);
    if (rc !== 0) {
      mem.close();
      throw new Error(`sqlite3_deserialize failed (${rc})`);
    }
    mem.exec('PRAGMA temp_store = MEMORY;');
    const index = new SearchIndex(sqlite3, dims, mem);
    // The codes were stored with the snapshot; a document without them (or with others) gets new ones.
    const stored = new Map<number, Uint8Array>();
    for (const [id, bits] of mem.selectArrays('SELECT doc_id, bits FROM codes')) stored.set(Number(id), bits as Uint8Array);
    const words = (dims + 31) >>> 5;
    for (const d of docs) {
      const b = stored.get(d.id);
      const codes = b && b.byteLength === d.chunks.length * words * 4 ? new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) : undefined;
      index.track(d, codes);
    }
    return index;
  }

  /** The saved documents' database, whole (FTS5 and the 1-bit codes): no unsaved page is ever in it. */
  snapshot(): Uint8Array {
    return (this.sqlite3 as Sqlite).capi.sqlite3_js_db_export(pointerOf(this.mem));
  }

  get size(): number {
    return this.vecCount;
  }

  doc(id: number): IndexedDoc | undefined {
    return this.docs.get(id);
  }

  allDocs(): IterableIterator<IndexedDoc> {
    return this.docs.values();
  }

  /** A chunk's text, or null when unknown or its document's text is still sealed. */
  chunkText(chunkId: number): { doc: IndexedDoc; span: ChunkSpan; text: string } | null {
    const doc = this.docs.get(docIdOf(chunkId));
    const span = doc?.chunks[chunkId - doc.id * CHUNKS_PER_DOC];
    if (!doc || !span || doc.text === null) return null;
    return { doc, span, text: doc.text.slice(span.start, span.end) };
  }

  private scratchDb(): Database {
    if (!this.scratch) {
      this.scratch = new this.sqlite3.oo1.DB(':memory:', 'c');
      this.scratch.exec(SCHEMA);
    }
    return this.scratch;
  }

  /**
   * Keeps a document's text and vectors (and, when saved, its 1-bit codes) in JS. Codes computed
   * here are also written to the `codes` table, so a snapshot carries them (computing them for
   * 100k chunks took ~300 ms of every unlock).
   */
  private track(doc: IndexedDoc, known?: Uint32Array): void {
    this.docs.set(doc.id, doc);
    // Vectors of another model's size (an index not yet rebuilt for a new model) are not used:
    // the document is found by its words until it is re-embedded.
    const vectors = doc.vectors.length === doc.chunks.length * this.dims ? doc.vectors : NO_VECTORS;
    if (vectors.length > 0) this.rows.set(doc.id, quantizeInt8(vectors, this.dims));
    doc.vectors = NO_VECTORS;
    if (doc.ephemeral) return;
    const codes = known ?? binaryCodes(vectors, this.dims);
    if (!known) this.mem.exec('INSERT OR REPLACE INTO codes(doc_id, bits) VALUES (?, ?)', { bind: [doc.id, new Uint8Array(codes.buffer, codes.byteOffset, codes.byteLength)] });
    this.codes.set(doc.id, codes);
    this.vecCount += doc.chunks.length;
  }

  /** Whether the document has vectors (a page still being embedded, or kept without the model, has none). */
  embedded(docId: number): boolean {
    return this.rows.has(docId);
  }

  private dbOf(doc: { ephemeral: boolean }): Database {
    return doc.ephemeral ? this.scratchDb() : this.mem;
  }

  /** Adds many documents in one transaction per database (unlock adds the whole library at once). */
  add(docs: readonly IndexedDoc[]): void {
    for (const doc of docs) this.remove(doc.id);
    const saved = docs.filter((d) => !d.ephemeral);
    const pages = docs.filter((d) => d.ephemeral);
    if (saved.length) this.insert(this.mem, saved);
    if (pages.length) this.insert(this.scratchDb(), pages);
    if (saved.length) this.floatTable = this.bitTable = null;
  }

  private insert(db: Database, docs: readonly IndexedDoc[]): void {
    const insFts = db.prepare('INSERT INTO fts(rowid, text) VALUES (?, ?)');
    try {
      db.transaction(() => {
        for (const doc of docs) {
          const body = doc.text;
          if (body === null) throw new Error(`document ${doc.id} has no text to index`);
          this.track(doc);
          doc.chunks.forEach((span, i) => {
            const text = span.heading ? `${span.heading}\n${body.slice(span.start, span.end)}` : body.slice(span.start, span.end);
            insFts.bind([chunkIdOf(doc.id, i), text]).step();
            insFts.reset();
          });
        }
      });
    } finally {
      insFts.finalize();
    }
  }

  remove(docId: number): void {
    const old = this.docs.get(docId);
    if (!old) return;
    const lo = chunkIdOf(docId, 0);
    const hi = chunkIdOf(docId + 1, 0) - 1;
    const db = this.dbOf(old);
    db.exec('DELETE FROM fts WHERE rowid BETWEEN ? AND ?', { bind: [lo, hi] });
    if (!old.ephemeral) {
      this.mem.exec('DELETE FROM codes WHERE doc_id = ?', { bind: [docId] });
      this.vecCount -= old.chunks.length;
      this.floatTable = this.bitTable = null;
    }
    this.codes.delete(docId);
    this.rows.delete(docId);
    this.docs.delete(docId);
  }

  /**
   * Nearest chunks by cosine similarity. With `docIds`, only those documents; otherwise every
   * saved document: cosine over every vector up to BINARY_SEARCH_THRESHOLD chunks; beyond it the
   * k × RESCORE_FACTOR nearest 1-bit codes by Hamming distance, rescored by cosine.
   *
   * The Hamming stage runs here in JS rather than in sqlite-vec: vec0's KNN keeps its top k by
   * repeated linear scans, O(n · k), which at 100k codes and k = 480 took 40–70 ms here; this
   * scan is O(n) whatever k (a 16-bit popcount table, then a distance histogram picks the cut).
   */
  vectorSearch(query: Float32Array, k: number, docIds?: readonly number[]): Hit[] {
    if (docIds) return this.exactSearch(query, k, docIds);
    if (this.vecCount === 0) return [];
    if (this.vecCount <= BINARY_SEARCH_THRESHOLD) return this.exactSearch(query, k, this.savedDocIds());
    return this.rescore(query, k, this.hammingCandidates(query, Math.max(k * RESCORE_FACTOR, MIN_CANDIDATES)));
  }

  /** The k of these chunks nearest to the query by cosine (over the int8 vectors). */
  private rescore(query: Float32Array, k: number, chunkIds: Iterable<number>): Hit[] {
    const top = new TopK(k);
    for (const id of chunkIds) {
      const docId = docIdOf(id);
      top.offer(id, dotInt8(query, this.rows.get(docId)!, id - docId * CHUNKS_PER_DOC, this.dims));
    }
    return top.hits();
  }

  /** Chunk ids of (about) the `n` codes nearest to the query's, by Hamming distance. */
  private hammingCandidates(query: Float32Array, n: number): number[] {
    const q = binaryCodes(query, this.dims);
    const words = q.length;
    const dist = new Uint16Array(this.vecCount);
    const ids = new Float64Array(this.vecCount);
    const histogram = new Uint32Array(this.dims + 1);
    let at = 0;
    for (const [docId, codes] of this.codes) {
      const base = chunkIdOf(docId, 0);
      for (let c = 0, o = 0; o < codes.length; c++, o += words) {
        let d = 0;
        for (let w = 0; w < words; w++) {
          const x = (codes[o + w]! ^ q[w]!) >>> 0;
          d += POPCOUNT16[x & 0xffff]! + POPCOUNT16[x >>> 16]!;
        }
        dist[at] = d;
        ids[at++] = base + c;
        histogram[d]!++;
      }
    }
    // The cut: the smallest distance with at least n codes at or below it.
    let cut = 0;
    for (let sum = 0; cut <= this.dims; cut++) if ((sum += histogram[cut]!) >= n) break;
    const out: number[] = [];
    for (let i = 0; i < at; i++) if (dist[i]! < cut) out.push(ids[i]!);
    for (let i = 0; i < at && out.length < n; i++) if (dist[i] === cut) out.push(ids[i]!);
    return out;
  }

  private savedDocIds(): number[] {
    const ids: number[] = [];
    for (const d of this.docs.values()) if (!d.ephemeral) ids.push(d.id);
    return ids;
  }

  /** Cosine over every vector of the given documents, no 1-bit stage. */
  exactSearch(query: Float32Array, k: number, docIds: Iterable<number>): Hit[] {
    const top = new TopK(k);
    for (const docId of docIds) {
      const rows = this.rows.get(docId);
      // A page indexed before the model was on this device has no vectors: keywords find it.
      if (!rows) continue;
      const n = rows.scales.length;
      for (let i = 0; i < n; i++) top.offer(chunkIdOf(docId, i), dotInt8(query, rows, i, this.dims));
    }
    return top.hits();
  }

  /** Test build only (benchmarks): a plain float32 scan in vec0, without the 1-bit stage. */
  floatScan(query: Float32Array, k: number): Hit[] {
    if (!this.floatTable) {
      this.fillBenchTable('vec_f32', `float[${this.dims}]`, '?');
      this.floatTable = true;
    }
    const q = new Uint8Array(query.buffer, query.byteOffset, query.byteLength);
    const rows = this.mem.selectArrays('SELECT rowid, distance FROM vec_f32 WHERE embedding MATCH ? AND k = ?', [q, k]);
    return rows.map(([id, d]) => ({ chunkId: Number(id), docId: docIdOf(Number(id)), score: 1 - Number(d) ** 2 / 2 }));
  }

  /**
   * Test build only (benchmarks): sqlite-vec's own binary quantization in place of the
   * hand-written 1-bit scan — a `bit[dims]` vec0 column filled with `vec_quantize_binary`, Hamming
   * KNN for the same number of candidates, then the same rescoring.
   */
  bitScanVec0(query: Float32Array, k: number): Hit[] {
    if (!this.bitTable) {
      this.fillBenchTable('vec_bit', `bit[${this.dims}]`, 'vec_quantize_binary(?)');
      this.bitTable = true;
    }
    const n = Math.min(4096, Math.max(k * RESCORE_FACTOR, MIN_CANDIDATES));
    const q = new Uint8Array(query.buffer, query.byteOffset, query.byteLength);
    // vec0 takes k up to 4096; the product asks for max(k × 16, 1000) candidates.
    const rows = this.mem.selectArrays('SELECT rowid FROM vec_bit WHERE embedding MATCH vec_quantize_binary(?) AND k = ?', [q, n]);
    return this.rescore(query, k, rows.map(([rowid]) => Number(rowid)));
  }

  /**
   * Test build only: (re)makes the vec0 table `name` over every saved chunk's vector, each stored
   * as the SQL expression `value` makes it of the float32 bytes.
   */
  private fillBenchTable(name: 'vec_f32' | 'vec_bit', column: string, value: string): void {
    this.mem.exec(`DROP TABLE IF EXISTS ${name}; CREATE VIRTUAL TABLE ${name} USING vec0(embedding ${column});`);
    const ins = this.mem.prepare(`INSERT INTO ${name}(rowid, embedding) VALUES (?, ${value})`);
    try {
      this.mem.transaction(() => {
        for (const doc of this.docs.values()) {
          const rows = this.rows.get(doc.id);
          if (doc.ephemeral || !rows) continue;
          // The index keeps int8 only: the baselines get those values back as float32.
          const vectors = dequantizeInt8(rows, this.dims);
          for (let i = 0; i < doc.chunks.length; i++) {
            const v = vectors.subarray(i * this.dims, (i + 1) * this.dims);
            ins.bind([chunkIdOf(doc.id, i), new Uint8Array(v.buffer, v.byteOffset, v.byteLength)]).step();
            ins.reset();
          }
        }
      });
    } finally {
      ins.finalize();
    }
  }

  /** Test build only: drops the benchmark's vec0 tables (they are not part of the product's index). */
  dropFloatTable(): void {
    this.mem.exec('DROP TABLE IF EXISTS vec_f32; DROP TABLE IF EXISTS vec_bit');
    this.floatTable = this.bitTable = null;
  }

  /**
   * BM25 over chunk text (and heading), optionally within some documents, for `terms` as
   * queryTerms (src/core/library/fuse.ts) cuts a query. Unsaved pages are found only when asked
   * for by id.
   */
  keywordSearch(terms: readonly string[], k: number, docIds?: readonly number[]): Hit[] {
    const match = matchExpression(docIds ? terms : this.withoutCommonTerms(terms));
    if (!match) return [];
    const rows: unknown[][] = [];
    if (docIds) {
      for (const docId of docIds) {
        const doc = this.docs.get(docId);
        if (!doc) continue;
        rows.push(
          ...this.dbOf(doc).selectArrays('SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ? AND rowid BETWEEN ? AND ? ORDER BY bm25(fts) LIMIT ?', [
            match,
            chunkIdOf(docId, 0),
            chunkIdOf(docId + 1, 0) - 1,
            k,
          ]),
        );
      }
    } else {
      rows.push(...this.mem.selectArrays('SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT ?', [match, k]));
    }
    return rows
      .map(([id, s]) => ({ chunkId: Number(id), docId: docIdOf(Number(id)), score: -Number(s) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  /** Whether the saved documents' keyword index holds `term` (tests). */
  hasTerm(term: string): boolean {
    return Number(this.mem.selectValue('SELECT count(*) FROM fts_terms WHERE term = ?', [term.toLowerCase()])) > 0;
  }

  /** `terms` less those in more than COMMON_TERM_SHARE of the chunks, rarest kept if none is left. */
  private withoutCommonTerms(terms: readonly string[]): readonly string[] {
    if (terms.length < 2 || this.vecCount < MIN_CHUNKS_TO_PRUNE) return terms;
    const stmt = this.mem.prepare('SELECT doc FROM fts_terms WHERE term = ?');
    let df: number[];
    try {
      df = terms.map((t) => {
        // The tokenizer's folding (unicode61, remove_diacritics 2): lower case, no diacritics.
        stmt.bind([t.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()]);
        const n = stmt.step() ? Number(stmt.get(0)) : 0;
        stmt.reset();
        return n;
      });
    } finally {
      stmt.finalize();
    }
    const kept = terms.filter((_, i) => df[i]! <= this.vecCount * COMMON_TERM_SHARE);
    if (kept.length) return kept;
    let rarest = 0;
    df.forEach((n, i) => {
      if (n < df[rarest]!) rarest = i;
    });
    return [terms[rarest]!];
  }

  close(): void {
    this.docs.clear();
    this.rows.clear();
    this.codes.clear();
    this.mem.close();
    this.scratch?.close();
    this.scratch = null;
  }
}

/** FTS5 strings ("…", quotes doubled) joined with OR: read as terms, never as operators. */
function matchExpression(terms: readonly string[]): string {
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' OR ');
}

/** Bits set in each 16-bit number. */
const POPCOUNT16 = (() => {
  const t = new Uint8Array(1 << 16);
  for (let i = 1; i < t.length; i++) t[i] = (i & 1) + t[i >> 1]!;
  return t;
})();

/**
 * 1-bit codes of row vectors: bit i of a vector is set when element i is > 0 (sqlite-vec's
 * vec_quantize_binary and src/core/library/quantize.ts use the same rule), packed in 32-bit words.
 */
function binaryCodes(vectors: Float32Array, dims: number): Uint32Array {
  const words = (dims + 31) >>> 5;
  const rows = Math.floor(vectors.length / dims);
  const out = new Uint32Array(rows * words);
  for (let r = 0; r < rows; r++) {
    const base = r * dims;
    const o = r * words;
    for (let i = 0; i < dims; i++) if (vectors[base + i]! > 0) out[o + (i >>> 5)]! |= 1 << (i & 31);
  }
  return out;
}

/** The k best (id, score) pairs seen, without keeping the rest: a small sorted array. */
class TopK {
  private readonly ids: number[] = [];
  private readonly scores: number[] = [];
  constructor(private readonly k: number) {}

  offer(id: number, score: number): void {
    if (this.k <= 0) return;
    const n = this.scores.length;
    if (n === this.k && score <= this.scores[n - 1]!) return;
    let i = n === this.k ? n - 1 : n;
    while (i > 0 && this.scores[i - 1]! < score) {
      this.scores[i] = this.scores[i - 1]!;
      this.ids[i] = this.ids[i - 1]!;
      i--;
    }
    this.scores[i] = score;
    this.ids[i] = id;
  }

  hits(): Hit[] {
    return this.ids.map((id, i) => ({ chunkId: id, docId: docIdOf(id), score: this.scores[i]! }));
  }
}
