/**
 * Binary quantization and float rescoring for vector search. Pure.
 *
 * Bit layout, identical to sqlite-vec's vec_quantize_binary(), so codes made here and in SQL are
 * interchangeable: element i sets bit (i % 8) of byte floor(i / 8), least significant bit first,
 * when it is > 0 (zero and negatives give 0). sqlite-vec's guide (site/guides/binary-quant.md)
 * shows [-0.73, -0.80, 0.12, -0.73, 0.79, -0.11, 0.23, 0.97] → X'd4'; checked against
 * sqlite-vec-wasm-demo 0.1.7-alpha.2: [1,-1,-1,-1,-1,-1,-1,-1, -1,1,1,-1,-1,-1,-1,-1] → X'0106'.
 * A vector of d dimensions becomes ceil(d / 8) bytes (384 → 48: 32× smaller than float32).
 *
 * Search = Hamming distance over the codes for `k × oversample` candidates, then exact cosine
 * or dot product over their float32 vectors for the final top k.
 */

export function binaryBytes(dims: number): number {
  return (dims + 7) >> 3;
}

/** One vector's code. */
export function quantizeBinary(v: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(binaryBytes(v.length));
  for (let i = 0; i < v.length; i++) if (v[i]! > 0) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

/** Codes of `data.length / dims` vectors stored row after row, concatenated. */
export function quantizeBinaryBatch(data: Float32Array, dims: number): Uint8Array {
  if (!Number.isInteger(dims) || dims < 1 || data.length % dims !== 0) throw new RangeError(`${data.length} floats are not rows of ${dims}`);
  const count = data.length / dims;
  const bpv = binaryBytes(dims);
  const out = new Uint8Array(count * bpv);
  for (let r = 0; r < count; r++) {
    const base = r * dims;
    const o = r * bpv;
    for (let i = 0; i < dims; i++) if (data[base + i]! > 0) out[o + (i >> 3)]! |= 1 << (i & 7);
  }
  return out;
}

/**
 * Rows of int8 with one float32 scale per row: element ≈ values[i] × scale, scale = max |x| / 127
 * (symmetric, round to nearest). For rescoring: a quarter of float32's memory (100k × 384 dims:
 * 38 MB instead of 154 MB). A dot product with a float32 query is off by at most
 * ‖query‖₁ × scale / 2, and in practice (rounding errors cancel) by a few 1e-4 for unit vectors
 * of 384 dims: below the gaps that order near neighbours (recall@10 against exact float32 cosine
 * is measured by `npm run bench -- library` and by tests/core/library/quantize.test.ts).
 */
export interface Int8Rows {
  values: Int8Array;
  scales: Float32Array;
}

export function quantizeInt8(data: Float32Array, dims: number): Int8Rows {
  if (!Number.isInteger(dims) || dims < 1 || data.length % dims !== 0) throw new RangeError(`${data.length} floats are not rows of ${dims}`);
  const count = data.length / dims;
  const values = new Int8Array(data.length);
  const scales = new Float32Array(count);
  for (let r = 0; r < count; r++) {
    const base = r * dims;
    let max = 0;
    for (let i = 0; i < dims; i++) {
      const a = Math.abs(data[base + i]!);
      if (a > max) max = a;
    }
    if (max === 0 || !Number.isFinite(max)) continue; // a zero (or broken) row scores 0
    scales[r] = max / 127;
    const inv = 127 / max;
    // Math.floor(x + 0.5) rounds as Math.round does (ties up) but V8 compiles it to one
    // instruction: 100k chunks quantize in ~0.17 s instead of ~0.65 s (done at every unlock).
    for (let i = 0; i < dims; i++) values[base + i] = Math.floor(data[base + i]! * inv + 0.5);
  }
  return { values, scales };
}

/** The dot product of a float32 query with row `row` of int8 rows (four accumulators: V8 runs that ~1.7× faster). */
export function dotInt8(q: Float32Array, rows: Int8Rows, row: number, dims: number): number {
  const v = rows.values;
  const o = row * dims;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < dims; j += 4) {
    s0 += q[j]! * v[o + j]!;
    s1 += q[j + 1]! * v[o + j + 1]!;
    s2 += q[j + 2]! * v[o + j + 2]!;
    s3 += q[j + 3]! * v[o + j + 3]!;
  }
  for (; j < dims; j++) s0 += q[j]! * v[o + j]!;
  return (s0 + s1 + s2 + s3) * rows.scales[row]!;
}

/** All rows back as float32 (benchmark baselines that need float vectors). */
export function dequantizeInt8(rows: Int8Rows, dims: number): Float32Array {
  const out = new Float32Array(rows.values.length);
  for (let i = 0; i < out.length; i++) out[i] = rows.values[i]! * rows.scales[Math.floor(i / dims)]!;
  return out;
}

const POPCOUNT = (() => {
  const t = new Uint8Array(256);
  for (let i = 1; i < 256; i++) t[i] = (i & 1) + t[i >> 1]!;
  return t;
})();

/** Hamming distance between code `a` and the code at `offset` in `codes` (same length as `a`). */
export function hamming(a: Uint8Array, codes: Uint8Array, offset = 0): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += POPCOUNT[a[i]! ^ codes[offset + i]!]!;
  return d;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>, bOffset = 0, n = a.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]! * b[bOffset + i]!;
  return s;
}

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

/** Top `k` by Hamming distance (score = -distance). */
export function hammingSearch(queryCode: Uint8Array, codes: Uint8Array, k: number): Scored[] {
  const bpv = queryCode.length;
  return topK(codes.length / bpv, k, (i) => -hamming(queryCode, codes, i * bpv));
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
 * `codes` = quantizeBinaryBatch(data, dims).
 */
export function quantizedSearch(
  query: Float32Array,
  codes: Uint8Array,
  data: Float32Array,
  dims: number,
  k: number,
  opts: { oversample?: number; metric?: Metric } = {},
): Scored[] {
  const candidates = hammingSearch(quantizeBinary(query), codes, Math.ceil(k * (opts.oversample ?? 8))).map((s) => s.index);
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
