import { describe, it, expect, beforeAll } from 'vitest';
import {
  sealField,
  openField,
  openFieldText,
  packSegment,
  unpackSegment,
  sealSegment,
  openSegment,
  SEAL_OVERHEAD,
  SEAL_VERSION,
  type FieldRef,
} from '../../../src/core/crypto/seal.ts';

let key: CryptoKey;
let otherKey: CryptoKey;

beforeAll(async () => {
  const gen = () => crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  key = await gen();
  otherKey = await gen();
});

async function rejectsWith(p: Promise<unknown>, code: string, reason?: string): Promise<void> {
  await expect(p).rejects.toMatchObject({ name: 'ConfidantError', code, ...(reason ? { detail: expect.objectContaining({ reason }) } : {}) });
}

/** Deterministic pseudo-random floats. */
function floats(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Bitwise equality of two float arrays (vitest's deep equality is far too slow for 3.8M floats). */
function sameFloats(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

const REF: FieldRef = { table: 'chunks', column: 'text', rowid: 42 };

describe('fields', () => {
  it.each([
    ['text', 'The passage a user saved, with accents: café, naïve.'],
    ['empty text', ''],
  ])('round-trip %s', async (_l, text) => {
    const s = await sealField(key, REF, text);
    expect(s.length).toBe(new TextEncoder().encode(text).length + SEAL_OVERHEAD);
    expect(s[0]).toBe(SEAL_VERSION);
    expect(await openFieldText(key, REF, s)).toBe(text);
  });

  it('round-trip bytes, with a fresh IV every time', async () => {
    const bytes = new Uint8Array([0, 1, 2, 255, 254]);
    const a = await sealField(key, REF, bytes);
    const b = await sealField(key, REF, bytes);
    expect(a).not.toEqual(b);
    expect(await openField(key, REF, a)).toEqual(bytes);
    expect(await openField(key, REF, b)).toEqual(bytes);
  });

  it('accept bigint and string row ids', async () => {
    for (const rowid of [2n ** 62n, 'doc-7f3a']) {
      const ref = { ...REF, rowid };
      expect(await openFieldText(key, ref, await sealField(key, ref, 'x'))).toBe('x');
    }
  });

  it('detect a changed bit in every byte', async () => {
    const s = await sealField(key, REF, 'tamper with me');
    for (let i = 0; i < s.length; i++) {
      const t = s.slice();
      t[i]! ^= 0x80;
      await rejectsWith(openField(key, REF, t), 'E_DB', i === 0 ? 'version' : 'integrity');
    }
  });

  it.each([
    ['another row', { ...REF, rowid: 43 }],
    ['another column', { ...REF, column: 'title' }],
    ['another table', { ...REF, table: 'documents' }],
    ['a row id that only differs in type', { ...REF, rowid: '42x' }],
  ])('do not open in %s (ciphertexts cannot be swapped)', async (_l, ref) => {
    const s = await sealField(key, REF, 'belongs to row 42');
    await rejectsWith(openField(key, ref, s), 'E_DB', 'integrity');
  });

  it('do not open under another key, or truncated', async () => {
    const s = await sealField(key, REF, 'secret');
    await rejectsWith(openField(otherKey, REF, s), 'E_DB', 'integrity');
    await rejectsWith(openField(key, REF, s.subarray(0, s.length - 1)), 'E_DB', 'integrity');
    await rejectsWith(openField(key, REF, s.subarray(0, SEAL_OVERHEAD - 1)), 'E_DB', 'integrity');
    await rejectsWith(openField(key, REF, new Uint8Array()), 'E_DB', 'integrity');
  });

  it('refuse another format version, saying so', async () => {
    const s = await sealField(key, REF, 'v1');
    s[0] = 2;
    await expect(openField(key, REF, s)).rejects.toMatchObject({ code: 'E_DB', detail: { reason: 'version', got: 2, want: 1 } });
  });

  it('refuse references that could collide in the additional data', async () => {
    await rejectsWith(sealField(key, { ...REF, table: 'a|b' }, 'x'), 'E_BAD_REQUEST');
    await rejectsWith(sealField(key, { ...REF, column: '' }, 'x'), 'E_BAD_REQUEST');
    await rejectsWith(sealField(key, { ...REF, rowid: '1|2' }, 'x'), 'E_BAD_REQUEST');
    await rejectsWith(sealField(key, { ...REF, rowid: 1.5 }, 'x'), 'E_BAD_REQUEST');
  });
});

describe('vector segments', () => {
  const DIMS = 384;
  const COUNT = 10_000;
  const SEG = { segmentId: 3, modelId: 'Xenova/all-MiniLM-L6-v2@q8', dims: DIMS };

  it(`pack and unpack ${COUNT}×${DIMS} exactly, as views of one buffer`, () => {
    const ids = Array.from({ length: COUNT }, (_, i) => i * 3 + 1);
    const data = floats(COUNT * DIMS, 1);
    const plain = packSegment(ids, data, DIMS);
    expect(plain.length).toBe(8 + 8 * COUNT + 4 * COUNT * DIMS);
    const seg = unpackSegment(plain, DIMS);
    expect(seg.count).toBe(COUNT);
    expect(seg.ids).toEqual(ids);
    expect(seg.data.buffer).toBe(plain.buffer);
    expect(sameFloats(seg.data, data)).toBe(true);
    expect(sameFloats(seg.vector(9_999), data.subarray(9_999 * DIMS))).toBe(true);
  });

  it('seal and open 10k×384 in one call each', async () => {
    const ids = Array.from({ length: COUNT }, (_, i) => 1_000_000 + i);
    const data = floats(COUNT * DIMS, 2);
    const t0 = performance.now();
    const sealed = await sealSegment(key, SEG, ids, data);
    const t1 = performance.now();
    const seg = await openSegment(key, { ...SEG, count: COUNT }, sealed);
    const t2 = performance.now();
    expect(seg.ids).toEqual(ids);
    expect(sameFloats(seg.data, data)).toBe(true);
    expect(sameFloats(seg.vector(0), data.subarray(0, DIMS))).toBe(true);
    // Informational only (never asserted): the worker's budget for opening a segment.
    console.log(`segment ${COUNT}x${DIMS} (${(sealed.length / 1e6).toFixed(1)} MB): seal ${(t1 - t0).toFixed(0)} ms, open+unpack ${(t2 - t1).toFixed(0)} ms`);
  });

  it('take one Float32Array per vector too, and an empty segment', async () => {
    const vs = [floats(4, 3), floats(4, 4)];
    const small = { ...SEG, dims: 4 };
    const seg = await openSegment(key, { ...small, count: 2 }, await sealSegment(key, small, [5, 6], vs));
    expect(seg.vector(1)).toEqual(vs[1]);
    const empty = await openSegment(key, { ...small, count: 0 }, await sealSegment(key, small, [], []));
    expect(empty.count).toBe(0);
    expect(empty.data.length).toBe(0);
  });

  it.each([
    ['another segment id', { segmentId: 4 }],
    ['another model', { modelId: 'Xenova/bge-small-en-v1.5@q8' }],
    ['another count', { count: 2 }],
  ])('do not open as %s', async (_l, change) => {
    const small = { ...SEG, dims: 4 };
    const sealed = await sealSegment(key, small, [1, 2, 3], floats(12, 5));
    await rejectsWith(openSegment(key, { ...small, count: 3, ...change }, sealed), 'E_DB', 'integrity');
  });

  it('do not open under other dimensions', async () => {
    const sealed = await sealSegment(key, { ...SEG, dims: 4 }, [1, 2], floats(8, 6));
    await rejectsWith(openSegment(key, { ...SEG, dims: 8, count: 2 }, sealed), 'E_DB', 'integrity');
  });

  it('detect a changed byte in the ciphertext', async () => {
    const sealed = await sealSegment(key, { ...SEG, dims: 4 }, [1], floats(4, 7));
    for (const i of [1, 12, 13, 20, sealed.length - 1]) {
      const t = sealed.slice();
      t[i]! ^= 1;
      await rejectsWith(openSegment(key, { ...SEG, dims: 4, count: 1 }, t), 'E_DB', 'integrity');
    }
  });

  it('refuse inconsistent input when packing, and malformed plaintext when unpacking', () => {
    expect(() => packSegment([1, 2], floats(7, 1), 4)).toThrow(expect.objectContaining({ code: 'E_BAD_REQUEST' }));
    expect(() => packSegment([1], [floats(3, 1)], 4)).toThrow(expect.objectContaining({ code: 'E_BAD_REQUEST' }));
    expect(() => packSegment([-1], floats(4, 1), 4)).toThrow(expect.objectContaining({ code: 'E_BAD_REQUEST' }));
    expect(() => packSegment([1.5], floats(4, 1), 4)).toThrow(expect.objectContaining({ code: 'E_BAD_REQUEST' }));
    const plain = packSegment([1, 2], floats(8, 1), 4);
    expect(() => unpackSegment(plain.subarray(0, plain.length - 4), 4)).toThrow(expect.objectContaining({ code: 'E_DB' }));
    expect(() => unpackSegment(plain, 8)).toThrow(expect.objectContaining({ code: 'E_DB' }));
    expect(() => unpackSegment(plain.subarray(0, 4), 4)).toThrow(expect.objectContaining({ code: 'E_DB' }));
  });
});
