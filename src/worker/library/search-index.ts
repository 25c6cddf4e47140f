import type { Database, Sqlite3Static } from 'sqlite-vec-wasm-demo';
import { binaryCodes, codeWords, dequantizeInt8, dotInt8, quantizeInt8, type Int8Rows } from '../../core/library/quantize.ts';
import { VectorKernels } from '../../core/library/vector-kernels.ts';
import type { KeywordThread } from '../keywords/client.ts';
import type { KeywordRange } from '../keywords/keyword-store.ts';

/**
 * The plaintext search structures, in memory while the library is unlocked, dropped at lock:
 *  - in the keyword thread (../keywords/), keyword indexes (core/library/keyword-index.ts): BM25
 *    keyword search over saved documents' chunks, and over pages asked about but not saved in a
 *    second index of their own, so nothing of them can end up in the saved index or its snapshot.
 *    A thread of its own, so a search's keywords are looked up while this thread embeds the query;
 *  - here, the documents' chunk spans and the vectors, as int8 rows with a scale each (a quarter of
 *    float32's memory), with every saved chunk's 1-bit code: cosine over all vectors on small
 *    libraries and filtered searches, Hamming-distance candidates rescored on large ones
 *    (sqlite-vec's vec0 serves as the benchmark's float32 baseline).
 * The saved documents' keyword index can be exported whole (`snapshot()`, with the 1-bit codes)
 * and opened from such bytes (`SearchIndex.fromSnapshot`): the library keeps that snapshot sealed under
 * the data key, so unlocking a large library does not re-index every chunk (docs/storage.md).
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
/**
 * Bumped when the snapshot's format changes, so older snapshots are rebuilt, not opened (5: the
 * keyword index in place of an FTS5 database).
 */
export const INDEX_FORMAT = 5;
const NO_VECTORS = new Float32Array(0);
/** Documents per message to the keyword thread when indexing many. */
const INSERT_BATCH = 200;

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
  /**
   * The document's text: a page asked about keeps it here; a saved document's is here only while it
   * is being indexed, then null (search results open it a few chunks at a time: chunk-texts.ts).
   */
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

export class SearchIndex {
  private readonly docs = new Map<number, IndexedDoc>();
  /** Saved documents' 1-bit codes: chunk i's at [i · words, (i + 1) · words). */
  private readonly codes = new Map<number, Uint32Array>();
  /** Every embedded document's vectors, int8 (core/library/quantize.ts): chunk i is row i. */
  private readonly rows = new Map<number, Int8Rows>();
  private vecCount = 0;
  /** Every saved chunk's code packed for the SIMD kernels, with its chunk id; made again after a change. */
  private packed: { kernels: VectorKernels; ids: Float64Array } | null = null;
  /** Test build only: an in-memory database for the benchmark's vec0 tables. */
  private benchDb: Database | null = null;
  /** Test build only: a float32 vec0 table, made on demand for the benchmark baseline. */
  private floatTable: boolean | null = null;
  /** Test build only: a bit[dims] vec0 table (sqlite-vec's binary quantization), for the benchmark. */
  private bitTable: boolean | null = null;
  /** Test build only: an FTS5 table over the saved chunks' texts, the keyword stage's baseline. */
  private ftsTable: boolean | null = null;

  private constructor(
    private readonly sqlite3: Sqlite3Static,
    readonly dims: number,
    private readonly keywords: KeywordThread,
  ) {}

  /** An empty index, its keyword half in `keywords` (which holds no other index). */
  static async create(sqlite3: Sqlite3Static, keywords: KeywordThread, dims: number): Promise<SearchIndex> {
    await keywords.open(null);
    return new SearchIndex(sqlite3, dims, keywords);
  }

  /**
   * An index from a snapshot (`snapshot()` bytes) of exactly `docs`, which `keywords` has opened
   * (`keywords.open(bytes)`, whose 1-bit codes are `codes`): keyword postings and codes come from the
   * snapshot, texts and vectors from `docs`.
   */
  static fromSnapshot(sqlite3: Sqlite3Static, keywords: KeywordThread, dims: number, codes: Array<[number, Uint8Array]>, docs: readonly IndexedDoc[]): SearchIndex {
    const index = new SearchIndex(sqlite3, dims, keywords);
    // The codes were stored with the snapshot; a document without them (or with others) gets new ones.
    const stored = new Map(codes);
    const words = codeWords(dims);
    for (const d of docs) {
      const b = stored.get(d.id);
      if (!b || b.byteLength !== d.chunks.length * words * 4) {
        index.track(d);
        continue;
      }
      // Each came in a buffer of its own (structured clone): viewed in place when aligned.
      index.track(d, b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4) : new Uint32Array(b.slice().buffer));
    }
    return index;
  }

  /** The saved documents' keyword index, whole (with the 1-bit codes): no unsaved page is ever in it. */
  snapshot(): Promise<Uint8Array> {
    const codes: Array<[number, Uint8Array]> = [];
    for (const id of this.codes.keys()) codes.push([id, this.codeBytes(id)!]);
    return this.keywords.request('snapshot', { codes });
  }

  /** Resolves once the keyword thread has applied every write sent so far (they are not awaited when sent). */
  async settled(): Promise<void> {
    await this.keywords.request('flush', null);
  }

  /** A saved document's 1-bit codes as bytes (stored with the keyword index). */
  private codeBytes(docId: number): Uint8Array | null {
    const c = this.codes.get(docId);
    return c ? new Uint8Array(c.buffer, c.byteOffset, c.byteLength) : null;
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

  /**
   * Keeps a document's vectors (and, when saved, its 1-bit codes). The codes go into each snapshot
   * and come back from it (`known`): computing them for 100k chunks took ~300 ms of every unlock.
   */
  private track(doc: IndexedDoc, known?: Uint32Array): void {
    this.docs.set(doc.id, doc);
    // Vectors of another model's size (an index not yet rebuilt for a new model) are not used:
    // the document is found by its words until it is re-embedded.
    const vectors = doc.vectors.length === doc.chunks.length * this.dims ? doc.vectors : NO_VECTORS;
    if (vectors.length > 0) this.rows.set(doc.id, quantizeInt8(vectors, this.dims));
    doc.vectors = NO_VECTORS;
    if (doc.ephemeral) return;
    this.codes.set(doc.id, known ?? binaryCodes(vectors, this.dims));
    this.vecCount += doc.chunks.length;
  }

  /** Whether the document has vectors (a page still being embedded, or kept without the model, has none). */
  embedded(docId: number): boolean {
    return this.rows.has(docId);
  }

  /**
   * Adds documents (unlock adds the whole library at once): their chunks go to the keyword thread
   * in one transaction per database, without waiting for it (searches sent later see them).
   */
  add(docs: readonly IndexedDoc[]): void {
    for (const doc of docs) {
      if (doc.text === null) throw new Error(`document ${doc.id} has no text to index`);
    }
    for (const doc of docs) this.remove(doc.id);
    for (const db of ['saved', 'pages'] as const) {
      const some = docs.filter((d) => d.ephemeral === (db === 'pages'));
      // A few hundred documents per message: the texts are copied to the thread, and a library
      // rebuilt at unlock would otherwise be copied whole at once.
      for (let i = 0; i < some.length; i += INSERT_BATCH) {
        const payload = some.slice(i, i + INSERT_BATCH).map((doc) => {
          this.track(doc);
          return { first: chunkIdOf(doc.id, 0), texts: chunkTexts(doc) };
        });
        this.keywords.write('insert', { db, docs: payload });
      }
    }
    if (docs.some((d) => !d.ephemeral)) {
      this.floatTable = this.bitTable = this.ftsTable = null;
      this.packed = null;
    }
  }

  remove(docId: number): void {
    const old = this.docs.get(docId);
    if (!old) return;
    this.keywords.write('remove', { db: old.ephemeral ? 'pages' : 'saved', lo: chunkIdOf(docId, 0), hi: chunkIdOf(docId + 1, 0) - 1 });
    if (!old.ephemeral) {
      this.vecCount -= old.chunks.length;
      this.floatTable = this.bitTable = this.ftsTable = null;
      this.packed = null;
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
   * The Hamming stage runs here rather than in sqlite-vec: vec0's KNN keeps its top k by
   * repeated linear scans, O(n · k), which at 100k codes and k = 480 took 40–70 ms here; this
   * scan is O(n) whatever k (SIMD popcounts, core/library/vector-kernels.ts; a distance histogram
   * picks the cut), and the rescoring's dot products run there too.
   */
  vectorSearch(query: Float32Array, k: number, docIds?: readonly number[]): Hit[] {
    if (docIds) return this.exactSearch(query, k, docIds);
    if (this.vecCount === 0) return [];
    if (this.vecCount <= BINARY_SEARCH_THRESHOLD) return this.exactSearch(query, k, this.savedDocIds());
    return this.rescore(query, k, this.hammingCandidates(query, Math.max(k * RESCORE_FACTOR, MIN_CANDIDATES)));
  }

  /** The k of these chunks nearest to the query by cosine (over the int8 vectors). */
  private rescore(query: Float32Array, k: number, chunkIds: readonly number[]): Hit[] {
    const top = new TopK(k);
    const kernels = this.packedCodes().kernels;
    const dims = this.dims;
    if (!kernels.canDot) {
      for (const id of chunkIds) {
        const docId = docIdOf(id);
        top.offer(id, dotInt8(query, this.rows.get(docId)!, id - docId * CHUNKS_PER_DOC, dims));
      }
      return top.hits();
    }
    // The candidates' int8 rows are copied next to the kernel (a few hundred KB), then dotted there.
    const scales = new Float32Array(chunkIds.length);
    const dots = kernels.dots(query, chunkIds.length, (dst) => {
      chunkIds.forEach((id, i) => {
        const docId = docIdOf(id);
        const rows = this.rows.get(docId)!;
        const row = id - docId * CHUNKS_PER_DOC;
        dst.set(rows.values.subarray(row * dims, (row + 1) * dims), i * dims);
        scales[i] = rows.scales[row]!;
      });
    });
    chunkIds.forEach((id, i) => top.offer(id, dots[i]! * scales[i]!));
    return top.hits();
  }

  /** Chunk ids of (about) the `n` codes nearest to the query's, by Hamming distance. */
  private hammingCandidates(query: Float32Array, n: number): number[] {
    const { kernels, ids } = this.packedCodes();
    const { dist, histogram } = kernels.scan(binaryCodes(query, this.dims));
    // The cut: the smallest distance with at least n codes at or below it.
    let cut = 0;
    for (let sum = 0; cut < histogram.length; cut++) if ((sum += histogram[cut]!) >= n) break;
    const out: number[] = [];
    const count = kernels.count;
    for (let i = 0; i < count; i++) if (dist[i]! < cut) out.push(ids[i]!);
    for (let i = 0; i < count && out.length < n; i++) if (dist[i] === cut) out.push(ids[i]!);
    return out;
  }

  /** The saved chunks' codes packed for the kernels (after a change, once: ~5 ms at 100k chunks). */
  private packedCodes(): { kernels: VectorKernels; ids: Float64Array } {
    if (this.packed) return this.packed;
    const words = codeWords(this.dims);
    const docs = [...this.codes];
    const ids = new Float64Array(docs.reduce((n, [, c]) => n + c.length / words, 0));
    let at = 0;
    for (const [docId, codes] of docs) {
      const base = chunkIdOf(docId, 0);
      for (let c = 0; c < codes.length / words; c++) ids[at++] = base + c;
    }
    this.packed = { kernels: new VectorKernels(docs.map(([, c]) => c), words, this.dims), ids };
    return this.packed;
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
    const rows = this.bench().selectArrays('SELECT rowid, distance FROM vec_f32 WHERE embedding MATCH ? AND k = ?', [q, k]);
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
    const rows = this.bench().selectArrays('SELECT rowid FROM vec_bit WHERE embedding MATCH vec_quantize_binary(?) AND k = ?', [q, n]);
    return this.rescore(query, k, rows.map(([rowid]) => Number(rowid)));
  }

  /** Test build only: whether the benchmark's FTS5 table is there (made again after any change). */
  get hasFts5Table(): boolean {
    return this.ftsTable === true;
  }

  /**
   * Test build only (benchmarks): an FTS5 table over the same saved chunks, from `texts` (each
   * saved document's text by id): FTS5's BM25 was the product's keyword stage until issue #12.
   */
  buildFts5Table(texts: ReadonlyMap<number, string>): void {
    const db = this.bench();
    db.exec("DROP TABLE IF EXISTS fts; CREATE VIRTUAL TABLE fts USING fts5(text, content='', tokenize='unicode61 remove_diacritics 2');");
    const ins = db.prepare('INSERT INTO fts(rowid, text) VALUES (?, ?)');
    try {
      db.transaction(() => {
        for (const doc of this.docs.values()) {
          if (doc.ephemeral) continue;
          const text = texts.get(doc.id);
          if (text === undefined) throw new Error(`no text given for document ${doc.id}`);
          chunkTexts({ ...doc, text }).forEach((t, i) => {
            ins.bind([chunkIdOf(doc.id, i), t]).step();
            ins.reset();
          });
        }
      });
    } finally {
      ins.finalize();
    }
    this.ftsTable = true;
  }

  /** Test build only: FTS5's BM25 over the table `buildFts5Table` made. Same tokenizer rules and BM25 formula as the keyword index, so the same rows rank alike. */
  fts5Search(terms: readonly string[], k: number): Hit[] {
    const db = this.bench();
    if (!this.ftsTable) throw new Error('buildFts5Table first');
    const match = terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' OR ');
    if (!match) return [];
    const rows = db.selectArrays('SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT ?', [match, k]);
    return rows.map(([id, s]) => ({ chunkId: Number(id), docId: docIdOf(Number(id)), score: -Number(s) }));
  }

  /**
   * Test build only: (re)makes the vec0 table `name` over every saved chunk's vector, each stored
   * as the SQL expression `value` makes it of the float32 bytes.
   */
  private fillBenchTable(name: 'vec_f32' | 'vec_bit', column: string, value: string): void {
    const db = this.bench();
    db.exec(`DROP TABLE IF EXISTS ${name}; CREATE VIRTUAL TABLE ${name} USING vec0(embedding ${column});`);
    const ins = db.prepare(`INSERT INTO ${name}(rowid, embedding) VALUES (?, ${value})`);
    try {
      db.transaction(() => {
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
    this.benchDb?.close();
    this.benchDb = null;
    this.floatTable = this.bitTable = this.ftsTable = null;
  }

  private bench(): Database {
    this.benchDb ??= new this.sqlite3.oo1.DB(':memory:', 'c');
    return this.benchDb;
  }

  /**
   * BM25 over chunk text (and heading), optionally within some documents, for `terms` as
   * queryTerms (src/core/library/fuse.ts) cuts a query, in the keyword thread. Unsaved pages are
   * found only when asked for by id. `ms`: the thread's own time.
   */
  async keywordSearch(terms: readonly string[], k: number, docIds?: readonly number[]): Promise<{ hits: Hit[]; ms: number }> {
    let ranges: KeywordRange[] | null = null;
    if (docIds) {
      ranges = [];
      for (const docId of docIds) {
        const doc = this.docs.get(docId);
        if (doc) ranges.push({ db: doc.ephemeral ? 'pages' : 'saved', lo: chunkIdOf(docId, 0), hi: chunkIdOf(docId + 1, 0) - 1 });
      }
      if (ranges.length === 0) return { hits: [], ms: 0 };
    }
    const { rows, ms } = await this.keywords.request('search', { terms: [...terms], k, ranges });
    return { hits: rows.map(([id, score]) => ({ chunkId: id, docId: docIdOf(id), score })), ms };
  }

  /** Drops everything; the keyword thread closes its databases once it has answered what was asked before (a snapshot at lock). */
  close(): void {
    this.docs.clear();
    this.rows.clear();
    this.codes.clear();
    this.packed = null;
    this.dropFloatTable();
    this.keywords.write('close', null);
  }
}

/** What the keyword index holds of each chunk of an open document: its heading, then its text. */
function chunkTexts(doc: IndexedDoc): string[] {
  const body = doc.text!;
  return doc.chunks.map((span) => (span.heading ? `${span.heading}\n${body.slice(span.start, span.end)}` : body.slice(span.start, span.end)));
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
