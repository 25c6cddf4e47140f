import { describe, it, expect } from 'vitest';
import { binaryCodes, codeWords, dot, quantizeInt8, dotInt8, dequantizeInt8 } from '../../../src/core/library/quantize.ts';
import { hamming, cosine, normalize, topK, exactSearch, hammingSearch, rescore, quantizedSearch, recallAtK } from '../../helpers/exact-search.ts';

/** Seeded normal deviates (Box-Muller over an LCG). */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/**
 * Sentence-embedding-like data: unit vectors around 200 topic centres, so that neighbours are
 * meaningfully closer than strangers (uniform random vectors are all nearly orthogonal).
 */
function clustered(count: number, dims: number, seed: number): Float32Array {
  const g = gaussian(seed);
  const centres = Array.from({ length: 200 }, () => normalize(Array.from({ length: dims }, g)));
  const out = new Float32Array(count * dims);
  for (let i = 0; i < count; i++) {
    const c = centres[i % centres.length]!;
    const v = normalize(Array.from({ length: dims }, (_, j) => c[j]! + 0.06 * g()));
    out.set(v, i * dims);
  }
  return out;
}

/** The first bytes of each code, as sqlite-vec lays them out (little-endian words). */
const bytesOf = (codes: Uint32Array, dims: number) => new Uint8Array(codes.buffer, codes.byteOffset, Math.ceil(dims / 8));

describe('binaryCodes', () => {
  it('matches sqlite-vec’s bit order (its guide’s example, and the real build)', () => {
    const code = (v: number[]) => bytesOf(binaryCodes(new Float32Array(v), v.length), v.length);
    expect(code([-0.73, -0.8, 0.12, -0.73, 0.79, -0.11, 0.23, 0.97])).toEqual(new Uint8Array([0xd4]));
    expect(code([1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 1, -1, -1, -1, -1, -1])).toEqual(new Uint8Array([0x01, 0x06]));
    expect(code([0, -0.5, 2, -1, -1, -1, -1, -1])).toEqual(new Uint8Array([0x04])); // 0 is not positive
  });

  it('packs 384 dimensions into 12 words, odd sizes rounded up with zero bits; rows one after another', () => {
    expect(codeWords(384)).toBe(12);
    expect(codeWords(10)).toBe(1);
    expect(Array.from(binaryCodes(new Float32Array(10).fill(1), 10))).toEqual([0x3ff]);
    const data = clustered(50, 384, 1);
    const batch = binaryCodes(data, 384);
    expect(batch.length).toBe(50 * 12);
    for (let i = 0; i < 50; i++) expect(batch.subarray(i * 12, (i + 1) * 12)).toEqual(binaryCodes(data.subarray(i * 384, (i + 1) * 384), 384));
    expect(binaryCodes(new Float32Array(0), 384).length).toBe(0);
    expect(() => binaryCodes(new Float32Array(10), 3)).toThrow(/10 floats are not rows of 3/);
  });

  it('hamming (the reference) counts differing bits', () => {
    const a = new Uint32Array([0b1010_1010, 0xffff_ffff]);
    const codes = new Uint32Array([0, 0, 0b1010_1010, 0x0f]);
    expect(hamming(a, codes, 0)).toBe(36);
    expect(hamming(a, codes, 2)).toBe(28);
  });
});

describe('similarity and top k', () => {
  it('computes dot, cosine and unit vectors', () => {
    expect(dot([1, 2, 3], [4, 5, 6])).toBe(32);
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([1, 1], [2, 2])).toBeCloseTo(1, 12);
    expect(cosine([0, 0], [1, 1])).toBe(0);
    const n = normalize([3, 4]);
    expect(Array.from(n)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
  });

  it('topK agrees with a full sort, best first, ties by lower index', () => {
    const scores = [5, 1, 9, 9, 3, 7, 7, 0];
    expect(topK(scores.length, 4, (i) => scores[i]!)).toEqual([
      { index: 2, score: 9 },
      { index: 3, score: 9 },
      { index: 5, score: 7 },
      { index: 6, score: 7 },
    ]);
    expect(topK(3, 10, (i) => i).map((s) => s.index)).toEqual([2, 1, 0]);
    expect(topK(3, 0, (i) => i)).toEqual([]);
  });

  it('rescore keeps the caller’s row indices', () => {
    const data = new Float32Array([1, 0, 0, 1, 0.7, 0.7]);
    expect(rescore(new Float32Array([0, 1]), [0, 2], data, 2, 1)).toEqual([{ index: 2, score: expect.closeTo(Math.SQRT1_2, 5) }]);
  });
});

describe('recall of binary quantization against exact search', () => {
  const DIMS = 384;
  const N = 5000;
  const K = 10;
  const data = clustered(N, DIMS, 42);
  const codes = binaryCodes(data, DIMS);
  const queries = Array.from({ length: 40 }, (_, q) => {
    const g = gaussian(1000 + q);
    const base = data.subarray(((q * 97) % N) * DIMS, ((q * 97) % N + 1) * DIMS);
    return normalize(Array.from(base, (x) => x + 0.05 * g()));
  });

  const meanRecall = (search: (q: Float32Array) => number[]) => {
    let sum = 0;
    for (const q of queries) sum += recallAtK(search(q), exactSearch(q, data, DIMS, K).map((s) => s.index), K);
    return sum / queries.length;
  };

  it('is high with 8× oversampling and float rescoring, and rescoring beats Hamming alone', () => {
    const hammingOnly = meanRecall((q) => hammingSearch(binaryCodes(q, DIMS), codes, K).map((s) => s.index));
    const rescored = meanRecall((q) => quantizedSearch(q, codes, data, DIMS, K, { oversample: 8 }).map((s) => s.index));
    const everything = meanRecall((q) => quantizedSearch(q, codes, data, DIMS, K, { oversample: N / K }).map((s) => s.index));
    console.log(`recall@${K} over ${N}×${DIMS}: hamming only ${hammingOnly.toFixed(3)}, 8× oversample + rescore ${rescored.toFixed(3)}`);
    expect(everything).toBe(1); // rescoring every row is exact search
    expect(rescored).toBeGreaterThanOrEqual(0.9);
    expect(rescored).toBeGreaterThanOrEqual(hammingOnly);
  });

  it('recallAtK counts the overlap of two top-k lists', () => {
    expect(recallAtK([1, 2, 3], [3, 2, 1], 3)).toBe(1);
    expect(recallAtK([1, 2, 9], [1, 2, 3], 3)).toBeCloseTo(2 / 3, 12);
    expect(recallAtK([1, 2, 3, 4], [4, 5], 2)).toBe(0);
    expect(recallAtK([], [], 5)).toBe(1);
  });
});

describe('int8 rows (the index keeps its rescoring vectors so)', () => {
  const DIMS = 384;
  const N = 5000;
  const data = clustered(N, DIMS, 7);
  const rows = quantizeInt8(data, DIMS);

  it('is a quarter of float32, one scale per row, within half a step of every element', () => {
    expect(rows.values.byteLength).toBe(data.byteLength / 4);
    expect(rows.scales.length).toBe(N);
    const back = dequantizeInt8(rows, DIMS);
    for (let r = 0; r < N; r += 97) {
      for (let i = 0; i < DIMS; i++) expect(Math.abs(back[r * DIMS + i]! - data[r * DIMS + i]!)).toBeLessThanOrEqual(rows.scales[r]! / 2 + 1e-7);
    }
  });

  it('gives dot products within 3e-3 of float32, and the same top 10 as exact search', () => {
    const g = gaussian(99);
    let recall = 0;
    for (let q = 0; q < 20; q++) {
      const query = normalize(Array.from(data.subarray(q * 131 * DIMS, (q * 131 + 1) * DIMS), (x) => x + 0.05 * g()));
      for (let r = 0; r < N; r += 251) expect(Math.abs(dotInt8(query, rows, r, DIMS) - dot(query, data, r * DIMS, DIMS))).toBeLessThan(3e-3);
      const approx = topK(N, 10, (i) => dotInt8(query, rows, i, DIMS)).map((s) => s.index);
      recall += recallAtK(approx, exactSearch(query, data, DIMS, 10).map((s) => s.index), 10);
    }
    expect(recall / 20).toBeGreaterThanOrEqual(0.98);
  });

  it('keeps a zero row at zero and refuses ragged input', () => {
    const z = quantizeInt8(new Float32Array(8), 4);
    expect(Array.from(z.scales)).toEqual([0, 0]);
    expect(dotInt8(new Float32Array([1, 1, 1, 1]), z, 1, 4)).toBe(0);
    expect(() => quantizeInt8(new Float32Array(5), 4)).toThrow(/5 floats are not rows of 4/);
  });
});
