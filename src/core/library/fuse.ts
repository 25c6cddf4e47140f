/**
 * Retrieval maths between the two searches and the answer: reciprocal rank fusion of the vector
 * and BM25 lists, near-duplicate removal, scope filters, and the keyword terms cut from user text.
 * Pure.
 */

// ---------------------------------------------------------------------------------------------
// Reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009):
//   score(d) = Σ over lists L containing d of 1 / (k + rank_L(d)),  rank 1-based
// k = 60 is the paper's constant: it damps the head of each list so that one list's first place
// cannot outvote agreement between lists, and it needs no score calibration between BM25 and
// cosine, which live on different scales. Ties (equal scores) go to the better best rank, then
// to the earlier list.

export const RRF_K = 60;

export interface Fused<T> {
  id: T;
  score: number;
  /** 1-based rank in each input list, or null where absent. */
  ranks: (number | null)[];
}

export function fuseRrf<T>(lists: ReadonlyArray<ReadonlyArray<T>>, k: number = RRF_K): Fused<T>[] {
  if (!(k >= 0)) throw new RangeError(`RRF k must be >= 0, got ${k}`);
  const byId = new Map<T, Fused<T> & { best: number; firstList: number }>();
  lists.forEach((list, li) => {
    const seen = new Set<T>();
    list.forEach((id, i) => {
      if (seen.has(id)) return; // a repeated id keeps its first (best) rank in that list
      seen.add(id);
      const rank = i + 1;
      let f = byId.get(id);
      if (!f) {
        f = { id, score: 0, ranks: new Array<number | null>(lists.length).fill(null), best: rank, firstList: li };
        byId.set(id, f);
      }
      f.score += 1 / (k + rank);
      f.ranks[li] = rank;
      if (rank < f.best) f.best = rank;
    });
  });
  return [...byId.values()]
    .sort((a, b) => b.score - a.score || a.best - b.best || a.firstList - b.firstList)
    .map(({ id, score, ranks }) => ({ id, score, ranks }));
}

// ---------------------------------------------------------------------------------------------
// Near-duplicates: the same passage saved from two mirrors, repeated boilerplate, overlapping
// chunks. Text is normalized (NFKC, lower case, runs of non-letters/digits become one space) and
// compared as sets of word 3-shingles; Jaccard ≥ 0.8 is a duplicate. Texts of fewer than three
// words compare as whole strings. Shingles are kept as 32-bit hashes in a sorted array, not as
// strings in a Set: building string shingles was 1.2 ms of every search (15 passages of ~140
// words), the hashes take a tenth of that; a collision among a text's ~140 shingles (p ≈ 5·10⁻⁶)
// moves a Jaccard by under 1%.

export const NEAR_DUPLICATE_JACCARD = 0.8;

export function normalizeForDedupe(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** 32-bit avalanche (MurmurHash3's fmix32): every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const ASCII = /^[\x00-\x7f]*$/;

/** FNV-1a over s[from, to). */
function hashRange(s: string, from: number, to: number): number {
  let h = FNV_OFFSET;
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/** The FNV-1a hashes of normalized text's words (separated by single spaces). */
function wordsOfNormalized(normalized: string): Uint32Array {
  if (!normalized) return new Uint32Array(0);
  const words: number[] = [];
  for (let at = 0; at <= normalized.length; ) {
    let end = normalized.indexOf(' ', at);
    if (end < 0) end = normalized.length;
    words.push(hashRange(normalized, at, end));
    at = end + 1;
  }
  return Uint32Array.from(words);
}

/**
 * The same hashes straight from the text: one pass, no normalized copy. For ASCII text (NFKC
 * changes none of it; its letters and digits are A–Z, a–z, 0–9) this gives exactly what
 * normalizing first gives; other text is normalized first. Normalizing with a Unicode regex
 * was most of the near-duplicate check's 0.6 ms per search (10 passages, #12).
 */
function wordHashes(text: string): Uint32Array {
  if (!ASCII.test(text)) return wordsOfNormalized(normalizeForDedupe(text));
  const out = new Uint32Array((text.length + 1) >>> 1);
  let n = 0;
  let h = FNV_OFFSET;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) c |= 32;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
      h = Math.imul(h ^ c, FNV_PRIME);
      inWord = true;
    } else if (inWord) {
      out[n++] = h >>> 0;
      h = FNV_OFFSET;
      inWord = false;
    }
  }
  if (inWord) out[n++] = h >>> 0;
  return out.subarray(0, n);
}

/** `size`-word shingles of a word sequence, hashed, sorted, unique; fewer words than `size` make one shingle of them all. */
function shinglesOf(words: Uint32Array, size: number): Uint32Array {
  if (words.length === 0) return new Uint32Array(0);
  const span = Math.min(size, words.length);
  const out = new Uint32Array(words.length - span + 1);
  for (let i = 0; i < out.length; i++) {
    let h = 0;
    for (let j = 0; j < span; j++) h = Math.imul(h ^ words[i + j]!, 0x9e3779b1) + j;
    out[i] = fmix32(h);
  }
  out.sort();
  let n = 0;
  for (let i = 0; i < out.length; i++) if (i === 0 || out[i] !== out[n - 1]) out[n++] = out[i]!;
  return out.subarray(0, n);
}

/** The `size`-word shingles of normalized text (words separated by single spaces), hashed, sorted, unique. */
export function shingleHashes(normalized: string, size = 3): Uint32Array {
  return shinglesOf(wordsOfNormalized(normalized), size);
}

/** The same from raw text (what normalizeForDedupe would give, without making it for ASCII text). */
export function textShingles(text: string, size = 3): Uint32Array {
  return shinglesOf(wordHashes(text), size);
}

/** Jaccard similarity of two sorted, duplicate-free arrays (shingleHashes). */
export function jaccardSorted(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  let inter = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i]! < b[j]!) i++;
    else if (a[i]! > b[j]!) j++;
    else {
      inter++;
      i++;
      j++;
    }
  }
  return inter / (a.length + b.length - inter);
}

/**
 * jaccardSorted(a, b) >= threshold, stopping as soon as the shingles not shared make it out of
 * reach: two unrelated passages are told apart after a few dozen of their ~150 shingles, not all
 * (comparing every pair was as long as hashing the texts, #12).
 */
export function isNearDuplicate(a: Uint32Array, b: Uint32Array, threshold: number): boolean {
  if (a.length === 0 && b.length === 0) return 1 >= threshold;
  const total = a.length + b.length;
  // The Jaccard similarity if every shingle still ahead were shared: it only falls from here.
  const best = (i: number, j: number, inter: number): number => {
    const most = inter + Math.min(a.length - i, b.length - j);
    return most / (total - most);
  };
  let inter = 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      inter++;
      i++;
      j++;
      continue;
    }
    if (a[i]! < b[j]!) i++;
    else j++;
    if (best(i, j, inter) < threshold) return false;
  }
  return inter / (total - inter) >= threshold;
}

/**
 * Keeps the first of every group of near-duplicates, in input order (so pass the fused list:
 * the best-ranked copy survives). O(n²) comparisons of n results, fine for the tens a prompt uses.
 */
export function dropNearDuplicates<T>(items: readonly T[], text: (item: T) => string, threshold = NEAR_DUPLICATE_JACCARD): T[] {
  const kept: { item: T; sh: Uint32Array }[] = [];
  for (const item of items) {
    const sh = textShingles(text(item));
    if (kept.some((k) => isNearDuplicate(k.sh, sh, threshold))) continue;
    kept.push({ item, sh });
  }
  return kept.map((k) => k.item);
}

/** The same by vectors, for results that carry embeddings: cosine ≥ threshold is a duplicate. */
export function dropNearDuplicateVectors<T>(items: readonly T[], vector: (item: T) => Float32Array, threshold = 0.97): T[] {
  const kept: { item: T; v: Float32Array; n: number }[] = [];
  for (const item of items) {
    const v = vector(item);
    let n = 0;
    for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
    n = Math.sqrt(n);
    const dup = kept.some((k) => {
      if (k.v.length !== v.length || n === 0 || k.n === 0) return false;
      let d = 0;
      for (let i = 0; i < v.length; i++) d += k.v[i]! * v[i]!;
      return d / (n * k.n) >= threshold;
    });
    if (!dup) kept.push({ item, v, n });
  }
  return kept.map((k) => k.item);
}

// ---------------------------------------------------------------------------------------------
// Scope filters

/** Tracking parameters that never change what a page shows. */
const TRACKING = /^(?:utm_[a-z]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|_gl|igshid|ref_src)$/i;

/**
 * A page's URL as "this page only" compares it: no fragment, no tracking parameters, no trailing
 * slash on a non-root path; scheme and host lower-cased and default ports dropped (URL does
 * those). Returns null for text that is not an absolute URL.
 */
export function normalizePageUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  u.hash = '';
  const keep = [...u.searchParams].filter(([name]) => !TRACKING.test(name));
  u.search = keep.length ? '?' + new URLSearchParams(keep).toString() : '';
  if (u.pathname.length > 1 && u.pathname.endsWith('/')) u.pathname = u.pathname.replace(/\/+$/, '');
  return u.toString();
}

export interface ScopeFilter {
  /** Only these documents. */
  docIds?: ReadonlySet<number> | readonly number[];
  /** Only passages from this page ("this page only"), compared by normalizePageUrl. */
  url?: string;
}

export function filterByScope<T extends { docId: number; url?: string | null }>(items: readonly T[], scope: ScopeFilter): T[] {
  const ids = scope.docIds === undefined ? null : scope.docIds instanceof Set ? scope.docIds : new Set(scope.docIds as readonly number[]);
  const url = scope.url === undefined ? undefined : normalizePageUrl(scope.url);
  return items.filter((it) => {
    if (ids && !ids.has(it.docId)) return false;
    if (url !== undefined) {
      if (url === null || !it.url) return false;
      return normalizePageUrl(it.url) === url;
    }
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Keyword terms from user text, for the keyword index (keyword-index.ts). The text is cut into
// runs of letters, digits and marks (everything else separates) after NFKC and lower case: a
// question's words are only ever words, never operators or syntax of any kind. Common English
// stop words are dropped unless nothing else is left; at most 32 terms are kept.

const STOP = new Set(
  `a an and are as at be but by for from has have he her his i if in into is it its me my no not of on or our she so
that the their them then there these they this to was we were what when where which who why will with you your`.split(/\s+/),
);
export const MAX_QUERY_TERMS = 32;
const MAX_TERM_CHARS = 64;

export function queryTerms(text: string): string[] {
  const words = text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
  const seen = new Set<string>();
  const all: string[] = [];
  for (const w of words) {
    const t = w.slice(0, MAX_TERM_CHARS);
    if (!seen.has(t)) {
      seen.add(t);
      all.push(t);
    }
  }
  const content = all.filter((t) => !STOP.has(t));
  return (content.length > 0 ? content : all).slice(0, MAX_QUERY_TERMS);
}
