import type { Database, Sqlite3Static } from 'sqlite-vec-wasm-demo';

/**
 * The plaintext search structures, built in memory from decrypted data at unlock and dropped at
 * lock: nothing here is ever written to OPFS. vec0 (sqlite-vec) for vector KNN over the whole
 * library, FTS5 for BM25 keyword search, and the decrypted texts and vectors in JS for snippets,
 * filtered searches and float32 rescoring.
 */

/** Chunk ids are docId · 2^20 + ordinal: unique, and a document's chunks form one id range. */
export const CHUNKS_PER_DOC = 1 << 20;
export const chunkIdOf = (docId: number, ord: number) => docId * CHUNKS_PER_DOC + ord;
export const docIdOf = (chunkId: number) => Math.floor(chunkId / CHUNKS_PER_DOC);

/** Above this many chunks, KNN first runs on 1-bit vectors, then rescored in float32. */
export const BINARY_SEARCH_THRESHOLD = 20_000;
const RESCORE_FACTOR = 8;

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
  text: string;
  chunks: ChunkSpan[];
  /** chunks.length × dims, row per chunk. */
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
  private readonly mem: Database;
  private readonly docs = new Map<number, IndexedDoc>();
  private vecCount = 0;

  constructor(
    sqlite3: Sqlite3Static,
    readonly dims: number,
  ) {
    this.mem = new sqlite3.oo1.DB(':memory:', 'c');
    this.mem.exec(`
      PRAGMA temp_store = MEMORY;
      CREATE VIRTUAL TABLE vec USING vec0(embedding float[${dims}]);
      CREATE VIRTUAL TABLE vec_bits USING vec0(embedding bit[${dims}]);
      CREATE VIRTUAL TABLE fts USING fts5(text, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
    `);
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

  chunkText(chunkId: number): { doc: IndexedDoc; span: ChunkSpan; text: string } | null {
    const doc = this.docs.get(docIdOf(chunkId));
    const span = doc?.chunks[chunkId - doc.id * CHUNKS_PER_DOC];
    if (!doc || !span) return null;
    return { doc, span, text: doc.text.slice(span.start, span.end) };
  }

  /** Adds many documents in one transaction (unlock adds the whole library at once). */
  add(docs: readonly IndexedDoc[]): void {
    const insVec = this.mem.prepare('INSERT INTO vec(rowid, embedding) VALUES (?, ?)');
    const insBits = this.mem.prepare('INSERT INTO vec_bits(rowid, embedding) VALUES (?, vec_quantize_binary(?))');
    const insFts = this.mem.prepare('INSERT INTO fts(rowid, text) VALUES (?, ?)');
    try {
      this.mem.transaction(() => {
        for (const doc of docs) {
          this.removeRows(doc.id);
          this.docs.set(doc.id, doc);
          const { dims } = this;
          doc.chunks.forEach((span, i) => {
            const id = chunkIdOf(doc.id, i);
            const text = span.heading ? `${span.heading}\n${doc.text.slice(span.start, span.end)}` : doc.text.slice(span.start, span.end);
            insFts.bind([id, text]).step();
            insFts.reset();
            if (doc.ephemeral) return; // pages not saved are searched in JS, never mixed into the library KNN
            const v = doc.vectors.subarray(i * dims, (i + 1) * dims);
            const blob = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
            insVec.bind([id, blob]).step();
            insVec.reset();
            insBits.bind([id, blob]).step();
            insBits.reset();
            this.vecCount++;
          });
        }
      });
    } finally {
      insVec.finalize();
      insBits.finalize();
      insFts.finalize();
    }
  }

  remove(docId: number): void {
    this.mem.transaction(() => this.removeRows(docId));
  }

  private removeRows(docId: number): void {
    const old = this.docs.get(docId);
    if (!old) return;
    const lo = chunkIdOf(docId, 0);
    const hi = chunkIdOf(docId + 1, 0) - 1;
    this.mem.exec('DELETE FROM fts WHERE rowid BETWEEN ? AND ?', { bind: [lo, hi] });
    if (!old.ephemeral) {
      this.mem.exec('DELETE FROM vec WHERE rowid BETWEEN ? AND ?', { bind: [lo, hi] });
      this.mem.exec('DELETE FROM vec_bits WHERE rowid BETWEEN ? AND ?', { bind: [lo, hi] });
      this.vecCount -= old.chunks.length;
    }
    this.docs.delete(docId);
  }

  /**
   * Nearest chunks by cosine similarity. With `docIds`, only those documents (exact, in JS);
   * otherwise every saved document through vec0, 1-bit first on large libraries.
   */
  vectorSearch(query: Float32Array, k: number, docIds?: readonly number[]): Hit[] {
    if (docIds) return this.exactSearch(query, k, docIds);
    if (this.vecCount === 0) return [];
    const q = new Uint8Array(query.buffer, query.byteOffset, query.byteLength);
    if (this.vecCount <= BINARY_SEARCH_THRESHOLD) {
      const rows = this.mem.selectArrays('SELECT rowid, distance FROM vec WHERE embedding MATCH ? AND k = ?', [q, k]);
      // L2 distance between unit vectors: cos = 1 - d²/2.
      return rows.map(([id, d]) => ({ chunkId: Number(id), docId: docIdOf(Number(id)), score: 1 - Number(d) ** 2 / 2 }));
    }
    const candidates = this.mem.selectArrays('SELECT rowid FROM vec_bits WHERE embedding MATCH vec_quantize_binary(?) AND k = ?', [q, k * RESCORE_FACTOR]);
    const hits: Hit[] = [];
    for (const [idv] of candidates) {
      const id = Number(idv);
      const doc = this.docs.get(docIdOf(id));
      if (!doc) continue;
      hits.push({ chunkId: id, docId: doc.id, score: dot(query, doc.vectors, (id - doc.id * CHUNKS_PER_DOC) * this.dims, this.dims) });
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, k);
  }

  /** Exact cosine over the given documents' vectors (also the recall baseline for the 1-bit search). */
  exactSearch(query: Float32Array, k: number, docIds: Iterable<number>): Hit[] {
    const hits: Hit[] = [];
    for (const docId of docIds) {
      const doc = this.docs.get(docId);
      if (!doc) continue;
      for (let i = 0; i < doc.chunks.length; i++) {
        hits.push({ chunkId: chunkIdOf(docId, i), docId, score: dot(query, doc.vectors, i * this.dims, this.dims) });
      }
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, k);
  }

  /** BM25 over chunk text (and heading), optionally within some documents. `match` must be a safe FTS5 expression. */
  keywordSearch(match: string, k: number, docIds?: readonly number[], includeEphemeral = false): Hit[] {
    if (!match) return [];
    const rows: unknown[][] = [];
    if (docIds) {
      for (const docId of docIds) {
        rows.push(
          ...this.mem.selectArrays('SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ? AND rowid BETWEEN ? AND ? ORDER BY bm25(fts) LIMIT ?', [
            match,
            chunkIdOf(docId, 0),
            chunkIdOf(docId + 1, 0) - 1,
            k,
          ]),
        );
      }
    } else {
      rows.push(...this.mem.selectArrays('SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT ?', [match, k * 2]));
    }
    return rows
      .map(([id, s]) => ({ chunkId: Number(id), docId: docIdOf(Number(id)), score: -Number(s) }))
      .filter((h) => includeEphemeral || docIds || !this.docs.get(h.docId)?.ephemeral)
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  close(): void {
    this.docs.clear();
    this.mem.close();
  }
}

function dot(q: Float32Array, m: Float32Array, offset: number, dims: number): number {
  let s = 0;
  for (let j = 0; j < dims; j++) s += q[j]! * m[offset + j]!;
  return s;
}
