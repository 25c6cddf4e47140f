/**
 * Reference vector search for tests: exact cosine top k, the textbook binary-quantized search
 * (Hamming candidates, float32 rescoring) in plain JS, and recall. The product's own search is
 * src/worker/library/search-index.ts over src/core/library/vector-kernels.ts; these are what it is
 * measured against.
 */
import { binaryCodes, codeWords, dot } from '../../src/core/library/quantize.ts';

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>, bOffset = 0, n = a.length): number {
  let s = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[bOffset + i]!;
    s += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : s / Math.sqrt(na * nb);
}

/** Unit-length copy (a zero vector stays zero). */
export function normalize(v: ArrayLike<number>): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  n = Math.sqrt(n);
  const out = new Float32Array(v.length);
  if (n > 0) for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}

export interface Scored {
  /** Row index in the vectors or codes given. */
  index: number;
  score: number;
}

/**
 * The k items of highest score, best first (ties: lower index first), with a bounded heap:
 * O(n log k), no full sort.
 */
export function topK(n: number, k: number, score: (i: number) => number): Scored[] {
  if (k <= 0 || n <= 0) return [];
  // min-heap on (score, -index): the root is the worst kept item
  const heap: Scored[] = [];
  const worse = (a: Scored, b: Scored) => a.score < b.score || (a.score === b.score && a.index > b.index);
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && worse(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let i = 0; i < n; i++) {
    const s = { index: i, score: score(i) };
    if (heap.length < k) {
      heap.push(s);
      up(heap.length - 1);
    } else if (worse(heap[0]!, s)) {
      heap[0] = s;
      down(0);
    }
  }
  return heap.sort((a, b) => b.score - a.score || a.index - b.index);
}

export type Metric = 'cosine' | 'dot';

/** Exact top k over float32 rows: the reference search. */
export function exactSearch(query: Float32Array, data: Float32Array, dims: number, k: number, metric: Metric = 'cosine'): Scored[] {
  const f = metric === 'cosine' ? cosine : dot;
  return topK(data.length / dims, k, (i) => f(query, data, i * dims, dims));
}

/** Hamming distance between code `a` and the code at `offset` in `codes` (words of binaryCodes). */
export function hamming(a: Uint32Array, codes: Uint32Array, offset = 0): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    let x = (a[i]! ^ codes[offset + i]!) >>> 0;
    for (; x; d++) x &= x - 1;
  }
  return d;
}

/** Top `k` by Hamming distance (score = -distance). */
export function hammingSearch(queryCode: Uint32Array, codes: Uint32Array, k: number): Scored[] {
  const words = queryCode.length;
  return topK(codes.length / words, k, (i) => -hamming(queryCode, codes, i * words));
}

/** Rescores candidate rows with exact float32 similarity and keeps the best `k`. */
export function rescore(query: Float32Array, candidates: readonly number[], data: Float32Array, dims: number, k: number, metric: Metric = 'cosine'): Scored[] {
  const f = metric === 'cosine' ? cosine : dot;
  return topK(candidates.length, k, (j) => f(query, data, candidates[j]! * dims, dims)).map((s) => ({
    index: candidates[s.index]!,
    score: s.score,
  }));
}

/**
 * Binary-quantized search with float rescoring: Hamming top `k × oversample`, then exact top k.
 * `codes` = binaryCodes(data, dims).
 */
export function quantizedSearch(
  query: Float32Array,
  codes: Uint32Array,
  data: Float32Array,
  dims: number,
  k: number,
  opts: { oversample?: number; metric?: Metric } = {},
): Scored[] {
  if (codes.length !== (data.length / dims) * codeWords(dims)) throw new RangeError('codes and data hold different rows');
  const candidates = hammingSearch(binaryCodes(query, dims), codes, Math.ceil(k * (opts.oversample ?? 8))).map((s) => s.index);
  return rescore(query, candidates, data, dims, k, opts.metric ?? 'cosine');
}

/** |approx ∩ exact| / |exact| over the first k of each: 1 means the same top k. */
export function recallAtK<T>(approx: readonly T[], exact: readonly T[], k: number): number {
  const want = new Set(exact.slice(0, k));
  if (want.size === 0) return 1;
  let hit = 0;
  for (const x of approx.slice(0, k)) if (want.has(x)) hit++;
  return hit / want.size;
}
