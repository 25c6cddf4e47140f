/**
 * The keyword half of the search index: an inverted index over chunk texts, ranked by BM25 with
 * FTS5's formula and constants (k1 = 1.2, b = 0.75, idf floored at 1e-6).
 *
 * Why not FTS5, which the SQLite build has: FTS5 spends ~1–1.5 µs per row a query matches in
 * SQLite's VM, BM25 or not, and three everyday words match thousands of rows: 2.6–2.9 ms a query at
 * 10k chunks and 9–11 ms at 100k on this project's 2-core machines (issue #12), the largest stage
 * of a search after the query embedding, even with a row budget that left out matches. Here a
 * query walks the terms' postings once, in plain typed arrays: every matching row is scored, in
 * a fraction of a millisecond (`npm run bench -- library` prints both). The index is in memory
 * only and leaves the thread only sealed (the library's index snapshot), as the FTS5 memdb did.
 *
 * Layout: postings are kept per term as (row slot delta, term frequency) varints in one byte
 * array (the "frozen" part), plus plain arrays for rows added since it was last rebuilt, folded in
 * once they are a fair share of it, so adding a library document by document costs O(n log n).
 * Removed rows are marked dead and skipped; they are dropped for good (and document frequencies
 * made exact again) when they are an eighth of the rows, and before a snapshot.
 *
 * Terms: text is cut as `queryTerms` (fuse.ts) cuts a question (NFKC, lower case, runs of
 * letters, digits and marks), each term at most 64 characters, then folded to its letters without
 * diacritics ("Café" and "cafe" match), so a query term is always one index term.
 */

import { fromUtf8, utf8 } from '../bytes.ts';

const K1 = 1.2;
const B = 0.75;
const MAX_TERM_CHARS = 64;
/** Rows added since the last rebuild are folded into the byte array when they hold this many postings or more… */
const MIN_FOLD = 1 << 16;
/** …and at least this fraction of the postings already there. */
const FOLD_SHARE = 0.5;

const WORD = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;

/** One term as the index keeps it: without diacritics (or as is when it is nothing but marks). */
export function foldTerm(term: string): string {
  const t = term.slice(0, MAX_TERM_CHARS);
  // Plain ASCII is most text: skip the normalizations when nothing would change.
  if (/^[a-z0-9]*$/.test(t)) return t;
  const folded = t.normalize('NFD').replace(/\p{M}/gu, '');
  return folded || t;
}

/** The index terms of a text, in order, repeats included. */
export function termsOf(text: string): string[] {
  // Most text is ASCII, which NFKC and folding leave as it is: a plain pattern does (a third of
  // the time of indexing a chunk went to the Unicode path).
  if (ASCII.test(text)) {
    const words = text.toLowerCase().match(ASCII_WORD) ?? [];
    for (let i = 0; i < words.length; i++) if (words[i]!.length > MAX_TERM_CHARS) words[i] = words[i]!.slice(0, MAX_TERM_CHARS);
    return words;
  }
  const words = text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
  return words.map(foldTerm);
}

const ASCII = /^[\x00-\x7f]*$/;
const ASCII_WORD = /[a-z0-9]+/g;

/** A chunk id range (inclusive): one document's chunks. */
export interface RowRange {
  lo: number;
  hi: number;
}

class Grow {
  constructor(public a: Uint32Array) {}
  push(slot: number, v: number): void {
    if (slot >= this.a.length) {
      const b = new Uint32Array(Math.max(16, this.a.length * 2, slot + 1));
      b.set(this.a);
      this.a = b;
    }
    this.a[slot] = v;
  }
}

export class KeywordIndex {
  private readonly termIds = new Map<string, number>();
  private terms: string[] = [];
  /** Per term: rows holding it, dead ones included until the next compaction. */
  private df = new Grow(new Uint32Array(0));
  /** Frozen postings: term t's are postings[offsets[t] … offsets[t + 1]), (slot delta, tf) varint pairs. */
  private postings: Uint8Array = new Uint8Array(0);
  private offsets: Uint32Array = new Uint32Array(1);
  private frozenCount = 0;
  /** Postings added since the freeze, per term: [slot, tf, slot, tf, …]. */
  private pending = new Map<number, number[]>();
  private pendingCount = 0;

  /** Per slot: the row's id (chunk id), its length in terms, and whether it is still there. */
  private rowIds: Float64Array = new Float64Array(0);
  private lengths: Uint32Array = new Uint32Array(0);
  private dead = new Uint8Array(0);
  private slots = 0;
  private deadRows = 0;
  private liveTerms = 0;

  /** Scratch for `add`, per term: the slot + 1 of the row last counted, and its count there. */
  private seen = new Grow(new Uint32Array(0));
  private tf = new Grow(new Uint32Array(0));
  /** Scratch: one term's decoded (slot, tf) pairs. */
  private pairs = new Uint32Array(0);
  /** Score scratch, one per slot, reset after each search. */
  private scores = new Float64Array(0);

  /** Rows (chunks) in the index. */
  get size(): number {
    return this.slots - this.deadRows;
  }

  /** Adds one row; `id` must not be in the index (remove it first). */
  add(id: number, text: string): void {
    const words = termsOf(text);
    const slot = this.slots++;
    this.ensureRows(this.slots);
    this.rowIds[slot] = id;
    this.lengths[slot] = words.length;
    this.liveTerms += words.length;
    // Term frequencies without a map per row: `seen` marks the terms this row already counted.
    const distinct: number[] = [];
    for (const w of words) {
      let t = this.termIds.get(w);
      if (t === undefined) {
        t = this.terms.length;
        this.termIds.set(w, t);
        this.terms.push(w);
        this.df.push(t, 0);
        this.seen.push(t, 0);
        this.tf.push(t, 0);
      }
      if (this.seen.a[t] !== slot + 1) {
        this.seen.a[t] = slot + 1;
        this.tf.a[t] = 0;
        distinct.push(t);
      }
      this.tf.a[t]!++;
    }
    for (const t of distinct) {
      this.df.a[t]!++;
      let p = this.pending.get(t);
      if (!p) this.pending.set(t, (p = []));
      p.push(slot, this.tf.a[t]!);
    }
    this.pendingCount += distinct.length;
    if (this.pendingCount >= MIN_FOLD && this.pendingCount >= this.frozenCount * FOLD_SHARE) this.rebuild(false);
  }

  /** Removes every row whose id is in [lo, hi]. */
  removeRange(lo: number, hi: number): void {
    for (let s = 0; s < this.slots; s++) {
      const id = this.rowIds[s]!;
      if (id >= lo && id <= hi && !this.dead[s]) {
        this.dead[s] = 1;
        this.deadRows++;
        this.liveTerms -= this.lengths[s]!;
      }
    }
    if (this.deadRows > 0 && this.deadRows * 8 >= this.slots) this.rebuild(true);
  }

  hasTerm(term: string): boolean {
    const t = this.termIds.get(termsOf(term)[0] ?? '');
    return t !== undefined && this.df.a[t]! > 0;
  }

  /**
   * BM25 over every row holding any of `terms` (within `ranges` when given): [id, score] pairs,
   * best first (ties by id), k at most. Scores are positive (FTS5's bm25() with its sign flipped).
   */
  search(terms: readonly string[], k: number, ranges: readonly RowRange[] | null = null): Array<[number, number]> {
    const live = this.size;
    if (live === 0 || k <= 0) return [];
    const ids = [...new Set(terms.map(foldTerm))].map((w) => this.termIds.get(w)).filter((t): t is number => t !== undefined);
    if (ids.length === 0) return [];
    if (this.scores.length < this.slots) this.scores = new Float64Array(this.rowIds.length);
    const scores = this.scores;
    const lengths = this.lengths;
    const dead = this.dead;
    const rowIds = this.rowIds;
    const avg = this.liveTerms / live || 1;
    const touched: number[] = [];
    const inRange = (slot: number): boolean => {
      if (!ranges) return true;
      const id = rowIds[slot]!;
      for (const r of ranges) if (id >= r.lo && id <= r.hi) return true;
      return false;
    };
    for (const t of ids) {
      // Document frequency as FTS5 has it: live rows only, wherever the range (dead rows stay in
      // the postings until the next compaction). The live pairs in range are packed at the front
      // of the decoded ones, in place.
      let n = 0;
      let hits = 0;
      const pairs = this.decode(t);
      const found = this.pairs;
      for (let i = 0; i < pairs; i += 2) {
        const slot = found[i]!;
        if (dead[slot]) continue;
        n++;
        if (inRange(slot)) {
          found[hits++] = slot;
          found[hits++] = found[i + 1]!;
        }
      }
      let idf = Math.log((live - n + 0.5) / (n + 0.5));
      if (idf <= 0) idf = 1e-6;
      for (let i = 0; i < hits; i += 2) {
        const slot = found[i]!;
        const tf = found[i + 1]!;
        if (scores[slot] === 0) touched.push(slot);
        scores[slot] = scores[slot]! + (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * lengths[slot]!) / avg));
      }
    }
    // The k best in a small sorted array: most rows are turned away by one comparison.
    const top: number[] = [];
    const better = (a: number, b: number) => scores[a]! > scores[b]! || (scores[a] === scores[b] && rowIds[a]! < rowIds[b]!);
    for (const s of touched) {
      if (top.length === k && !better(s, top[k - 1]!)) continue;
      let i = top.length === k ? k - 1 : top.length;
      while (i > 0 && better(s, top[i - 1]!)) {
        top[i] = top[i - 1]!;
        i--;
      }
      top[i] = s;
    }
    const out = top.map((s): [number, number] => [rowIds[s]!, scores[s]!]);
    for (const s of touched) scores[s] = 0;
    return out;
  }

  /**
   * The index as bytes (dead rows dropped first). Layout, little-endian: "CKW1", u32 rows,
   * u32 terms, u32 postings bytes; f64 ids[rows]; u32 lengths[rows]; u32 df[terms];
   * u32 offsets[terms + 1]; u32 term bytes (then 4 zero bytes); terms (UTF-8, "\n" after each);
   * postings; zero padding to 8 bytes after each section.
   */
  serialize(): Uint8Array {
    this.rebuild(true);
    const termBytes = utf8(this.terms.map((t) => `${t}\n`).join(''));
    const n = this.slots;
    const T = this.terms.length;
    const pad = (x: number) => (x + 7) & ~7;
    const size = 16 + pad(8 * n) + pad(4 * n) + pad(4 * T) + pad(4 * (T + 1)) + 8 + pad(termBytes.length) + pad(this.postings.length);
    const out = new Uint8Array(size);
    const view = new DataView(out.buffer);
    out.set(MAGIC, 0);
    view.setUint32(4, n, true);
    view.setUint32(8, T, true);
    view.setUint32(12, this.postings.length, true);
    let at = 16;
    const put = (a: ArrayBufferView) => {
      out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
      at += pad(a.byteLength);
    };
    put(this.rowIds.subarray(0, n));
    put(this.lengths.subarray(0, n));
    put(this.df.a.subarray(0, T));
    put(this.offsets.subarray(0, T + 1));
    view.setUint32(at, termBytes.length, true);
    at += 8;
    put(termBytes);
    put(this.postings);
    return out;
  }

  /** An index from `serialize()`'s bytes; throws, naming what is wrong, on anything else. */
  static deserialize(bytes: Uint8Array): KeywordIndex {
    const fail = (what: string): never => {
      throw new Error(`keyword index snapshot: ${what}`);
    };
    if (bytes.byteLength >= 4 && MAGIC.some((b, i) => bytes[i] !== b)) fail('not a keyword index (bad magic)');
    if (bytes.byteLength < 16) fail(`truncated (header needs 16 bytes, has ${bytes.byteLength})`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = view.getUint32(4, true);
    const T = view.getUint32(8, true);
    const P = view.getUint32(12, true);
    const pad = (x: number) => (x + 7) & ~7;
    let at = 16;
    const take = (len: number): Uint8Array<ArrayBuffer> => {
      if (at + len > bytes.byteLength) fail(`truncated (needs ${at + len} bytes, has ${bytes.byteLength})`);
      // A copy: typed arrays need aligned offsets, and the input's buffer may be shared or reused.
      const part = new Uint8Array(bytes.subarray(at, at + len));
      at += pad(len);
      return part;
    };
    const ix = new KeywordIndex();
    ix.rowIds = new Float64Array(take(8 * n).buffer);
    ix.lengths = new Uint32Array(take(4 * n).buffer);
    ix.df = new Grow(new Uint32Array(take(4 * T).buffer));
    ix.offsets = new Uint32Array(take(4 * (T + 1)).buffer);
    if (at + 8 > bytes.byteLength) fail('truncated (term list length)');
    const termLen = view.getUint32(at, true);
    at += 8;
    const text = fromUtf8(take(termLen));
    ix.terms = text.split('\n').slice(0, -1);
    if (ix.terms.length !== T) fail(`term list holds ${ix.terms.length} terms, want ${T}`);
    ix.postings = take(P);
    if (ix.offsets[0] !== 0 || ix.offsets[T] !== P) fail(`postings offsets end at ${ix.offsets[T]}, want ${P}`);
    for (let t = 0; t < T; t++) {
      if (ix.offsets[t + 1]! < ix.offsets[t]!) fail(`postings offsets of term ${t} go backwards`);
      ix.termIds.set(ix.terms[t]!, t);
    }
    if (ix.termIds.size !== T) fail('a term is listed twice');
    ix.dead = new Uint8Array(n);
    ix.slots = n;
    ix.frozenCount = 0;
    for (let s = 0; s < n; s++) ix.liveTerms += ix.lengths[s]!;
    for (let t = 0; t < T; t++) ix.frozenCount += ix.df.a[t]!;
    ix.scores = new Float64Array(n);
    ix.seen = new Grow(new Uint32Array(T));
    ix.tf = new Grow(new Uint32Array(T));
    return ix;
  }

  /**
   * Decodes every (slot, term frequency) pair of term `t`, dead rows included, in slot order, into
   * `pairs` (grown as needed); returns how many numbers it wrote (twice the pairs). One loop for
   * search and rebuild, and no call per posting: a callback per posting made searches at 100k
   * chunks twice as slow.
   */
  private decode(t: number): number {
    const need = 2 * this.df.a[t]!; // df counts every posting until compaction, dead rows too
    if (this.pairs.length < need) this.pairs = new Uint32Array(need + 1024);
    const out = this.pairs;
    let n = 0;
    if (t < this.offsets.length - 1) {
      // Varint slot deltas and term frequencies, alternating.
      const bytes = this.postings;
      let at = this.offsets[t]!;
      const end = this.offsets[t + 1]!;
      let slot = 0;
      while (at < end) {
        let v = 0;
        let shift = 0;
        let b: number;
        do {
          b = bytes[at++]!;
          v |= (b & 0x7f) << shift;
          shift += 7;
        } while (b & 0x80);
        slot += v;
        let tf = 0;
        shift = 0;
        do {
          b = bytes[at++]!;
          tf |= (b & 0x7f) << shift;
          shift += 7;
        } while (b & 0x80);
        out[n++] = slot;
        out[n++] = tf;
      }
    }
    const p = this.pending.get(t);
    if (p) for (let i = 0; i < p.length; i++) out[n++] = p[i]!;
    return n;
  }

  private ensureRows(n: number): void {
    if (n <= this.rowIds.length) return;
    const cap = Math.max(1024, this.rowIds.length * 2, n);
    const ids = new Float64Array(cap);
    ids.set(this.rowIds);
    this.rowIds = ids;
    const lens = new Uint32Array(cap);
    lens.set(this.lengths);
    this.lengths = lens;
    const dead = new Uint8Array(cap);
    dead.set(this.dead);
    this.dead = dead;
  }

  /**
   * Folds the pending postings into the byte array, term by term; with `compact`, also drops dead
   * rows (renumbering the slots that stay, in order) and makes document frequencies exact again.
   * Terms no row holds any more are dropped too, so a removed document leaves no word behind.
   */
  private rebuild(compact: boolean): void {
    compact &&= this.deadRows > 0;
    if (!compact && this.pendingCount === 0) return;
    const T = this.terms.length;
    const newSlot = compact ? new Int32Array(this.slots) : null;
    if (newSlot) {
      let next = 0;
      for (let s = 0; s < this.slots; s++) newSlot[s] = this.dead[s] ? -1 : next++;
    }
    const out = new VarintWriter(this.postings.length + this.pendingCount * 3 + 16);
    const offsets = new Uint32Array(T + 1);
    const df = new Uint32Array(Math.max(T, 16));
    const terms: string[] = [];
    let count = 0;
    for (let t = 0; t < T; t++) {
      const pairs = this.decode(t);
      let prev = 0;
      let n = 0;
      for (let i = 0; i < pairs; i += 2) {
        const slot = newSlot ? newSlot[this.pairs[i]!]! : this.pairs[i]!;
        if (slot < 0) continue;
        out.put(slot - prev);
        out.put(this.pairs[i + 1]!);
        prev = slot;
        n++;
      }
      // A term left with no row wrote nothing: leaving it out keeps the offsets as they are.
      if (n === 0) continue;
      df[terms.length] = n;
      terms.push(this.terms[t]!);
      offsets[terms.length] = out.length;
      count += n;
    }
    this.postings = out.bytes();
    this.offsets = offsets.slice(0, terms.length + 1);
    this.df = new Grow(df);
    this.frozenCount = count;
    this.pending = new Map();
    this.pendingCount = 0;
    if (terms.length < T) {
      this.terms = terms;
      this.termIds.clear();
      terms.forEach((w, i) => this.termIds.set(w, i));
    }
    if (newSlot) {
      let next = 0;
      for (let s = 0; s < this.slots; s++) {
        if (this.dead[s]) continue;
        this.rowIds[next] = this.rowIds[s]!;
        this.lengths[next] = this.lengths[s]!;
        next++;
      }
      this.dead.fill(0);
      this.slots = next;
      this.deadRows = 0;
    }
    if (newSlot || terms.length < T) {
      // Slots or terms were renumbered: the scratch's marks would now name other rows.
      this.seen = new Grow(new Uint32Array(this.terms.length));
      this.tf = new Grow(new Uint32Array(this.terms.length));
    }
  }
}

const MAGIC = new Uint8Array([0x43, 0x4b, 0x57, 0x31]); // "CKW1"

class VarintWriter {
  private buf: Uint8Array;
  length = 0;
  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }
  put(v: number): void {
    if (this.length + 5 > this.buf.length) {
      const b = new Uint8Array(this.buf.length * 2 + 16);
      b.set(this.buf.subarray(0, this.length));
      this.buf = b;
    }
    while (v > 0x7f) {
      this.buf[this.length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.length++] = v;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
