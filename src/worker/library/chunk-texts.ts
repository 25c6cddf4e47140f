import { LRUCache } from 'lru-cache';
import type { Database } from 'sqlite-vec-wasm-demo';
import { openFieldText, sealField, type FieldRef } from '../../core/crypto/seal.ts';
import { toBytes } from './rows.ts';
import { chunkIdOf, type ChunkSpan, type IndexedDoc } from './search-index.ts';

/**
 * Saved documents' texts for search results, a few chunks at a time, instead of every text
 * decrypted in memory while the library is unlocked (90 MB of the engine's 274 at 100k chunks:
 * issue #12's memory target). Stored sealed in `chunk_texts` (migration 6) beside the document's
 * whole body, which stays the source of truth (viewing, backups, re-embedding):
 *  - a segment is CHUNKS_PER_SEGMENT consecutive chunks, the body's characters from the first's
 *    start to the furthest end, sealed as one field: one WebCrypto call per ~3.5 KB, not per chunk;
 *  - its row id is its first chunk's id; its additional data also names that character range, so a
 *    segment cut from another chunking of the document (or moved, or damaged) does not open;
 *  - opened segments stay in an LRU cache of TEXT_CACHE_CHARS characters, filled in the background
 *    after unlocking (`warm`): a library of ~15k chunks stays wholly open, as all of it used to be,
 *    and on larger ones a search opens the few segments it shows that are not, read in one query
 *    (0.36–0.59 ms for a search's ~10 at 100k chunks in the bench, 0.9 when the machine is slow;
 *    the read was about half before the database held its lock, the rest is WebCrypto).
 * A segment missing or failing to open (a document saved by an earlier build, or damage) is made
 * again from the body and stored, so a passage is never lost for it.
 */
export const CHUNKS_PER_SEGMENT = 4;
/** Characters of open segments kept (one byte each for Latin-1 text in V8, two otherwise). */
export const TEXT_CACHE_CHARS = 16_000_000;

export interface SealedSegment {
  id: number;
  sealed: Uint8Array;
}

interface Segment {
  /** Its row id: the first chunk's id. */
  id: number;
  start: number;
  end: number;
}

/** Segment `n` of a document's chunks. */
function segmentAt(docId: number, chunks: readonly ChunkSpan[], n: number): Segment {
  const first = n * CHUNKS_PER_SEGMENT;
  const group = chunks.slice(first, first + CHUNKS_PER_SEGMENT);
  return { id: chunkIdOf(docId, first), start: Math.min(...group.map((c) => c.start)), end: Math.max(...group.map((c) => c.end)) };
}

/** The segments a document's chunks fall into, in order. */
function segmentsOf(docId: number, chunks: readonly ChunkSpan[]): Segment[] {
  return Array.from({ length: Math.ceil(chunks.length / CHUNKS_PER_SEGMENT) }, (_, n) => segmentAt(docId, chunks, n));
}

const refOf = (s: Segment): FieldRef => ({ table: 'chunk_texts', column: 'text', rowid: `${s.id}.${s.start}.${s.end}` });

/** A document's text sealed in segments, to store with it (`store`). */
export function sealSegments(key: CryptoKey, docId: number, text: string, chunks: readonly ChunkSpan[]): Promise<SealedSegment[]> {
  return Promise.all(segmentsOf(docId, chunks).map(async (s) => ({ id: s.id, sealed: await sealField(key, refOf(s), text.slice(s.start, s.end)) })));
}

/** Writes (or replaces) segments; inside the caller's transaction when `db` is one. */
export function storeSegments(db: Pick<Database, 'exec'>, segments: readonly SealedSegment[]): void {
  for (const s of segments) db.exec('INSERT OR REPLACE INTO chunk_texts(id, sealed) VALUES (?, ?)', { bind: [s.id, s.sealed] });
}

/**
 * The open side, for one unlocked session: made at unlock with the data key, closed at lock.
 * `openBody` opens a saved document's whole text (the fallback, and how missing segments are made).
 */
export class ChunkTexts {
  private readonly cache = new LRUCache<number, string>({ maxSize: TEXT_CACHE_CHARS, sizeCalculation: (t) => Math.max(1, t.length) });
  /** Segments being opened, and documents whose segments are being made, so concurrent searches share the work. */
  private readonly opening = new Map<number, Promise<string>>();
  private readonly repairing = new Map<number, Promise<string>>();
  /** Bumped by `forget`: an open that began before must not cache what a reused id no longer holds. */
  private readonly epochs = new Map<number, number>();
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly key: CryptoKey,
    private readonly openBody: (docId: number) => Promise<string>,
  ) {}

  /**
   * The texts of saved documents' chunks, in the order asked. Segments not open are read in one
   * query and opened together (a statement per segment and one at a time cost ~0.1 ms each at
   * 100k chunks); chunks sharing a segment open it once.
   */
  async texts(items: ReadonlyArray<{ doc: IndexedDoc; ord: number }>): Promise<string[]> {
    const segs = items.map(({ doc, ord }) => {
      const span = doc.chunks[ord];
      if (!span) throw new Error(`document ${doc.id} has no chunk ${ord}`);
      return { doc, span, seg: segmentAt(doc.id, doc.chunks, Math.floor(ord / CHUNKS_PER_SEGMENT)) };
    });
    this.openAll(segs);
    return Promise.all(segs.map(async ({ doc, span, seg }) => (await this.segment(doc, seg)).slice(span.start - seg.start, span.end - seg.start)));
  }

  /** Keeps a just-saved document's segments open (what was just saved is likely asked about next). */
  remember(docId: number, text: string, chunks: readonly ChunkSpan[]): void {
    for (const s of segmentsOf(docId, chunks)) this.cache.set(s.id, text.slice(s.start, s.end));
  }

  /** Drops a document's open segments (deleted or re-chunked: its id or chunk ids may be used again). */
  forget(docId: number, chunks: number): void {
    this.epochs.set(docId, (this.epochs.get(docId) ?? 0) + 1);
    for (let first = 0; first < chunks; first += CHUNKS_PER_SEGMENT) this.cache.delete(chunkIdOf(docId, first));
  }

  /** At lock: everything open is dropped, and nothing more is opened or written. */
  close(): void {
    this.closed = true;
    this.cache.clear();
  }

  /**
   * After unlocking, in the background: makes the segments of documents that have none (saved by
   * an earlier build), and opens segments until the cache is full. Stops at `close`.
   */
  async warm(docs: readonly IndexedDoc[]): Promise<void> {
    const stored = new Set(this.db.selectArrays('SELECT id FROM chunk_texts').map(([id]) => Number(id)));
    for (const doc of docs) {
      if (this.closed) return;
      const segs = segmentsOf(doc.id, doc.chunks);
      if (!segs.every((s) => stored.has(s.id))) {
        await this.repair(doc).catch(() => {});
        continue;
      }
      if (this.cache.calculatedSize + (doc.chunks.at(-1)?.end ?? 0) > TEXT_CACHE_CHARS) continue;
      // A few at a time, each batch its own task, so searches meanwhile are not held up.
      for (let i = 0; i < segs.length && !this.closed; i += 16) {
        const batch = segs.slice(i, i + 16).map((seg) => ({ doc, seg }));
        this.openAll(batch);
        await Promise.all(batch.map(({ seg }) => this.segment(doc, seg).catch(() => null)));
        await new Promise((r) => setTimeout(r, 0));
      }
    }
  }

  /** Characters held open (tests and the benchmark). */
  get openChars(): number {
    return this.cache.calculatedSize;
  }

  private segment(doc: IndexedDoc, seg: Segment, sealed?: unknown): Promise<string> {
    const hit = this.cache.get(seg.id);
    if (hit !== undefined) return Promise.resolve(hit);
    let p = this.opening.get(seg.id);
    if (!p) {
      p = this.open(doc, seg, sealed).finally(() => this.opening.delete(seg.id));
      this.opening.set(seg.id, p);
    }
    return p;
  }

  /** Starts opening the segments among `segs` that are neither open nor being opened, read in one query. */
  private openAll(segs: ReadonlyArray<{ doc: IndexedDoc; seg: Segment }>): void {
    const wanted = new Map<number, { doc: IndexedDoc; seg: Segment }>();
    for (const s of segs) if (!this.cache.has(s.seg.id) && !this.opening.has(s.seg.id)) wanted.set(s.seg.id, s);
    if (wanted.size < 2) return; // one is read by `open` itself
    const ids = [...wanted.keys()];
    const rows = this.db.selectArrays(`SELECT id, sealed FROM chunk_texts WHERE id IN (${ids.map(() => '?').join(',')})`, ids);
    const sealed = new Map(rows.map(([id, blob]) => [Number(id), blob]));
    for (const [id, { doc, seg }] of wanted) void this.segment(doc, seg, sealed.get(id) ?? null);
  }

  /** `sealed`: the segment's stored bytes when already read (null: not stored); read here when undefined. */
  private async open(doc: IndexedDoc, seg: Segment, sealed?: unknown): Promise<string> {
    const epoch = this.epochs.get(doc.id);
    if (sealed === undefined) sealed = this.db.selectValue('SELECT sealed FROM chunk_texts WHERE id = ?', [seg.id]);
    let text: string | null = null;
    if (sealed != null) text = await openFieldText(this.key, refOf(seg), toBytes(sealed)).catch(() => null);
    // Not there, or cut from another chunking, or damaged: made again from the body.
    if (text === null) text = (await this.repair(doc)).slice(seg.start, seg.end);
    if (!this.closed && this.epochs.get(doc.id) === epoch) this.cache.set(seg.id, text);
    return text;
  }

  /**
   * Seals and stores a document's segments from its body; resolves to the body. Not stored if the
   * document was deleted or re-chunked meanwhile (its id may already hold another document).
   */
  private repair(doc: IndexedDoc): Promise<string> {
    let p = this.repairing.get(doc.id);
    if (!p) {
      const epoch = this.epochs.get(doc.id);
      p = (async () => {
        const body = await this.openBody(doc.id);
        const segments = await sealSegments(this.key, doc.id, body, doc.chunks);
        if (!this.closed && this.epochs.get(doc.id) === epoch) storeSegments(this.db, segments);
        return body;
      })().finally(() => this.repairing.delete(doc.id));
      this.repairing.set(doc.id, p);
    }
    return p;
  }
}
