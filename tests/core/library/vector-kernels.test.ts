import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dotInt8, quantizeInt8 } from '../../../src/core/library/quantize.ts';
import { VectorKernels } from '../../../src/core/library/vector-kernels.ts';
import { hamming } from '../../helpers/exact-search.ts';
// @ts-expect-error: a plain .mjs script without types
import { generated } from '../../../scripts/build-kernels.mjs';

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a;
  };
}

describe('vector kernels (WebAssembly SIMD)', () => {
  it.each([1, 3, 4, 12, 13, 32])('Hamming: every distance and the histogram a plain count gives, %i words per code', (words) => {
    const rand = random(words);
    const docs = [5, 0, 17, 1].map((n) => Uint32Array.from({ length: n * words }, rand));
    const query = Uint32Array.from({ length: words }, rand);
    const k = new VectorKernels(docs, words, words * 32);
    expect(k.count).toBe(23);
    const { dist, histogram } = k.scan(query);
    const want: number[] = [];
    for (const d of docs) {
      for (let o = 0; o < d.length; o += words) want.push(hamming(query, d, o));
    }
    expect([...dist]).toEqual(want);
    const hist = new Array<number>(histogram.length).fill(0);
    for (const d of want) hist[d]!++;
    expect([...histogram]).toEqual(hist);
    // A second scan starts from a clean histogram.
    expect([...k.scan(query).histogram]).toEqual(hist);
  });

  it('Hamming: no codes, and codes it cannot hold', () => {
    const k = new VectorKernels([], 12, 384);
    expect(k.count).toBe(0);
    expect(k.scan(new Uint32Array(12)).dist.length).toBe(0);
    expect(() => new VectorKernels([new Uint32Array(5)], 12, 384)).toThrow(/whole codes of 12 words/);
    expect(() => new VectorKernels([], 125, 4000)).toThrow(/not supported/);
  });

  it('Hamming: 100k codes of 384 bits (the memory grows to hold them)', () => {
    const rand = random(7);
    const codes = Uint32Array.from({ length: 100_000 * 12 }, rand);
    const { dist } = new VectorKernels([codes], 12, 384).scan(codes.subarray(12 * 500, 12 * 501));
    expect(dist.length).toBe(100_000);
    expect(dist[500]).toBe(0);
    expect(dist[0]).toBeGreaterThan(100);
  });

  it.each([16, 384])('dots: the int8 dot products quantize.ts computes, %i dims', (dims) => {
    const rand = random(dims);
    const unit = () => (rand() / 2 ** 32) * 2 - 1;
    const data = Float32Array.from({ length: 50 * dims }, unit);
    const rows = quantizeInt8(data, dims);
    const query = Float32Array.from({ length: dims }, unit);
    const k = new VectorKernels([], 12, dims);
    expect(k.canDot).toBe(true);
    const picked = [49, 0, 7, 7, 23];
    // Twice, the second with more rows than the first: the scratch memory grows.
    for (const ids of [picked, [...picked, ...picked, 3]]) {
      const out = k.dots(query, ids.length, (dst) => ids.forEach((r, i) => dst.set(rows.values.subarray(r * dims, (r + 1) * dims), i * dims)));
      ids.forEach((r, i) => expect(out[i]! * rows.scales[r]!).toBeCloseTo(dotInt8(query, rows, r, dims), 4));
    }
    expect(k.dots(query, 0, () => {}).length).toBe(0);
  });

  it('dots: refused for rows that are not whole 16-value blocks', () => {
    const k = new VectorKernels([], 1, 24);
    expect(k.canDot).toBe(false);
    expect(() => k.dots(new Float32Array(24), 1, () => {})).toThrow(/multiple of 16/);
  });

  it('run the binary built from vector-kernels.wat (scripts/build-kernels.mjs was run after the last edit)', async () => {
    const committed = readFileSync(join(import.meta.dirname, '../../../src/core/library/vector-kernels-wasm.ts'), 'utf8');
    expect(committed).toBe(await generated('vector-kernels.wat', 'VECTOR_KERNELS_WASM'));
  });
});
