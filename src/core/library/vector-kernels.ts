/**
 * The hot loops of vector search in WebAssembly SIMD (vector-kernels.wat): Hamming distances
 * from a query's 1-bit code to every saved chunk's code (i8x16.popcnt over 16-byte blocks), and
 * the int8 dot products that rescore the nearest of them. Plain JS took 2–4 ms and ~0.5 ms at
 * 100k chunks here (a popcount table or bit tricks measured the same); these take a tenth.
 *
 * Codes are bit i of a vector set when element i > 0, packed in 32-bit words (search-index.ts);
 * here each code is padded with zero words to whole 16-byte blocks, which adds nothing to a
 * distance since the query is padded alike.
 */
import { fromBase64 } from '../bytes.ts';
import { VECTOR_KERNELS_WASM } from './vector-kernels-wasm.ts';

interface Exports {
  memory: WebAssembly.Memory;
  hamming(codes: number, n: number, blocks: number, query: number, dist: number, hist: number): void;
  dots(query: number, rows: number, n: number, dims: number, out: number): void;
}

let compiled: WebAssembly.Module | null = null;

const PAGE = 65536;
const align16 = (n: number) => (n + 15) & ~15;

/** One kernel instance: codes packed once (until the library changes), scanned once per search. */
export class VectorKernels {
  private readonly k: Exports;
  private readonly blocks: number;
  private readonly queryAt: number;
  private readonly distAt: number;
  private readonly histAt: number;
  private readonly histLength: number;
  /** Where the dot products' query, rows and results go (after everything else). */
  private readonly dotsAt: number;
  /** How many codes, in the order given. */
  readonly count: number;
  /** Whether `dots` can run: rows of a multiple of 16 values (all-MiniLM-L6-v2's 384 are). */
  readonly canDot: boolean;

  /** `codes`: arrays of whole codes of `words` 32-bit words each, packed in this order; `dims` per vector. */
  constructor(
    codes: readonly Uint32Array[],
    words: number,
    private readonly dims: number,
  ) {
    if (!(words > 0 && words <= 31 * 4)) throw new RangeError(`1-bit codes of ${words} words are not supported (1 to 124)`);
    compiled ??= new WebAssembly.Module(fromBase64(VECTOR_KERNELS_WASM, 'vector kernels') as Uint8Array<ArrayBuffer>);
    this.k = new WebAssembly.Instance(compiled, {}).exports as unknown as Exports;
    this.blocks = Math.ceil(words / 4);
    this.canDot = dims > 0 && dims % 16 === 0;
    const stride = this.blocks * 16;
    this.count = codes.reduce((n, c) => n + c.length / words, 0);
    if (!Number.isInteger(this.count)) throw new RangeError(`code arrays must hold whole codes of ${words} words`);
    this.queryAt = this.count * stride;
    this.distAt = this.queryAt + stride;
    this.histAt = align16(this.distAt + this.count * 2);
    this.histLength = this.blocks * 128 + 1;
    this.dotsAt = align16(this.histAt + this.histLength * 4);
    this.reserve(this.dotsAt);
    const mem = new Uint32Array(this.k.memory.buffer, 0, this.queryAt / 4);
    let at = 0;
    for (const c of codes) {
      if (words === this.blocks * 4) {
        mem.set(c, at);
        at += c.length;
        continue;
      }
      for (let o = 0; o < c.length; o += words, at += this.blocks * 4) mem.set(c.subarray(o, o + words), at);
    }
  }

  private reserve(bytes: number): void {
    const have = this.k.memory.buffer.byteLength;
    if (bytes > have) this.k.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  /**
   * The distance from `query` (one code of the same words) to every code, in packing order, and
   * how many codes are at each distance. Views into the kernel's memory: valid until the next call.
   */
  scan(query: Uint32Array): { dist: Uint16Array; histogram: Uint32Array } {
    const { memory, hamming } = this.k;
    const q = new Uint32Array(memory.buffer, this.queryAt, this.blocks * 4);
    q.fill(0);
    q.set(query);
    const histogram = new Uint32Array(memory.buffer, this.histAt, this.histLength);
    histogram.fill(0);
    if (this.count > 0) hamming(0, this.count, this.blocks, this.queryAt, this.distAt, this.histAt);
    return { dist: new Uint16Array(memory.buffer, this.distAt, this.count), histogram };
  }

  /**
   * Dot products of `query` (dims floats) with n int8 rows, which `fill` copies into the view it
   * is given (row i at i · dims). A view of the n results: valid until the next call. Needs `canDot`.
   */
  dots(query: Float32Array, n: number, fill: (rows: Int8Array) => void): Float32Array {
    if (!this.canDot) throw new RangeError(`rows of ${this.dims} values are not a multiple of 16`);
    const dims = this.dims;
    const rowsAt = this.dotsAt + dims * 4;
    const outAt = align16(rowsAt + n * dims);
    this.reserve(outAt + n * 4);
    const buffer = this.k.memory.buffer;
    new Float32Array(buffer, this.dotsAt, dims).set(query);
    fill(new Int8Array(buffer, rowsAt, n * dims));
    this.k.dots(this.dotsAt, rowsAt, n, dims, outAt);
    return new Float32Array(buffer, outAt, n);
  }
}
