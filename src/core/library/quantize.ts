/**
 * The index's compact forms of embedding vectors. Pure.
 *
 * 1-bit codes find candidates (a Hamming scan in vector-kernels.ts); int8 rows rescore them.
 *
 * Bit layout of the codes, identical to sqlite-vec's vec_quantize_binary(), so codes made here and
 * in SQL are interchangeable: element i sets bit (i % 8) of byte floor(i / 8), least significant
 * bit first, when it is > 0 (zero and negatives give 0). sqlite-vec's guide
 * (site/guides/binary-quant.md) shows [-0.73, -0.80, 0.12, -0.73, 0.79, -0.11, 0.23, 0.97] → X'd4';
 * checked against sqlite-vec-wasm-demo 0.1.7-alpha.2 by tests/core/library/sqlite-crosscheck.test.ts.
 * The codes are packed in 32-bit words (what the kernels scan and the index snapshot stores): on
 * little-endian machines (all WebAssembly and every browser CPU) their bytes are sqlite-vec's bytes,
 * padded with zero bits to whole words. 384 dimensions → 12 words, 48 bytes: 32× smaller than float32.
 */

/** 32-bit words per code of `dims` dimensions. */
export function codeWords(dims: number): number {
  return (dims + 31) >>> 5;
}

/** 1-bit codes of `data.length / dims` vectors stored row after row, `codeWords(dims)` words each. */
export function binaryCodes(data: Float32Array, dims: number): Uint32Array {
  const rows = wholeRows(data, dims);
  const words = codeWords(dims);
  const out = new Uint32Array(rows * words);
  for (let r = 0; r < rows; r++) {
    const base = r * dims;
    const o = r * words;
    for (let i = 0; i < dims; i++) if (data[base + i]! > 0) out[o + (i >>> 5)]! |= 1 << (i & 31);
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
  const count = wholeRows(data, dims);
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

/** The dot product of `a` with `n` elements of `b` from `bOffset`. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>, bOffset = 0, n = a.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]! * b[bOffset + i]!;
  return s;
}

function wholeRows(data: Float32Array, dims: number): number {
  if (!Number.isInteger(dims) || dims < 1 || data.length % dims !== 0) throw new RangeError(`${data.length} floats are not rows of ${dims}`);
  return data.length / dims;
}
