/**
 * AES-256-GCM for values stored in the library: single fields, and segments of many vectors.
 * Pure Web Crypto; the key is the data key from keys.ts.
 *
 * Sealed format (both kinds), bytes:
 *   [0]        format version, 0x01
 *   [1, 13)    IV: 12 random bytes, fresh for every seal
 *   [13, end)  AES-256-GCM ciphertext, then its 16-byte tag
 * so a sealed value is 29 bytes longer than its plaintext.
 *
 * Additional data binds every ciphertext to where it belongs, so a value copied to another row,
 * column or segment does not open (E_DB, detail.reason "integrity"):
 *   field:    "confidant/v1|field|"   + table + "|" + column + "|" + rowid
 *   segment:  "confidant/v1|segment|" + segmentId + "|" + modelId + "|" + dims + "|" + count
 * Names and ids may not contain "|", so no two references share an AD string.
 *
 * Vector segment plaintext (little-endian, as Float32Array is on every platform we ship on):
 *   [0, 4)            count   u32
 *   [4, 8)            dims    u32
 *   [8, 8+8n)         count chunk ids, i64 (non-negative safe integers)
 *   [8+8n, +4·n·dims) count × dims float32, vector i at 8 + 8n + 4·dims·i
 * The vectors start at a multiple of 8, so openSegment hands back Float32Array views of the
 * decrypted buffer, no copy. One seal per segment: WebCrypto costs ~50 µs a call, so 10k vectors
 * in one call instead of 10k calls.
 */
import { ConfidantError } from '../errors.ts';
import { randomBytes, utf8, fromUtf8 } from '../bytes.ts';

export const SEAL_VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES;
/** Bytes a sealed value adds to its plaintext. */
export const SEAL_OVERHEAD = HEADER_BYTES + TAG_BYTES;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('seal.ts assumes a little-endian platform (Float32Array views of stored vectors)');
}

export interface FieldRef {
  table: string;
  column: string;
  rowid: number | bigint | string;
}

export interface SegmentRef {
  segmentId: number | bigint | string;
  /** The embedding model that made the vectors, e.g. "Xenova/all-MiniLM-L6-v2@q8". */
  modelId: string;
  dims: number;
}

export interface VectorSegment {
  count: number;
  dims: number;
  ids: number[];
  /** All vectors, row after row: vector i is data.subarray(i * dims, (i + 1) * dims). */
  data: Float32Array;
  vector(i: number): Float32Array;
}

// ---------------------------------------------------------------------------------------------
// Fields

export async function sealField(key: CryptoKey, ref: FieldRef, plaintext: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof plaintext === 'string' ? utf8(plaintext) : plaintext;
  return seal(key, fieldAd(ref), bytes);
}

export async function openField(key: CryptoKey, ref: FieldRef, sealed: Uint8Array): Promise<Uint8Array> {
  return open(key, fieldAd(ref), sealed, { table: ref.table, column: ref.column, rowid: String(ref.rowid) });
}

export async function openFieldText(key: CryptoKey, ref: FieldRef, sealed: Uint8Array): Promise<string> {
  return fromUtf8(await openField(key, ref, sealed));
}

function fieldAd(ref: FieldRef): Uint8Array {
  return utf8(`confidant/v1|field|${name(ref.table, 'table')}|${name(ref.column, 'column')}|${id(ref.rowid, 'rowid')}`);
}

// ---------------------------------------------------------------------------------------------
// Vector segments

/**
 * Packs `ids.length` vectors into one segment plaintext. `vectors` is either one flat array
 * (count × dims) or one array per vector.
 */
export function packSegment(ids: ArrayLike<number>, vectors: Float32Array | readonly Float32Array[], dims: number): Uint8Array {
  const count = ids.length;
  checkDims(dims);
  if (count > 0xffffffff) throw new ConfidantError('E_BAD_REQUEST', `a segment holds at most 2^32-1 vectors, got ${count}`);
  const out = new Uint8Array(8 + 8 * count + 4 * count * dims);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, count, true);
  dv.setUint32(4, dims, true);
  for (let i = 0; i < count; i++) {
    const v = ids[i]!;
    if (!Number.isSafeInteger(v) || v < 0) throw new ConfidantError('E_BAD_REQUEST', `chunk id ${i} is not a non-negative safe integer: ${v}`);
    dv.setBigInt64(8 + 8 * i, BigInt(v), true);
  }
  const floats = new Float32Array(out.buffer, 8 + 8 * count, count * dims);
  if (vectors instanceof Float32Array) {
    if (vectors.length !== count * dims) {
      throw new ConfidantError('E_BAD_REQUEST', `got ${vectors.length} floats for ${count} vectors of ${dims}, want ${count * dims}`);
    }
    floats.set(vectors);
  } else {
    if (vectors.length !== count) throw new ConfidantError('E_BAD_REQUEST', `got ${vectors.length} vectors for ${count} ids`);
    vectors.forEach((v, i) => {
      if (v.length !== dims) throw new ConfidantError('E_BAD_REQUEST', `vector ${i} has ${v.length} dimensions, want ${dims}`);
      floats.set(v, i * dims);
    });
  }
  return out;
}

/**
 * Reads a segment plaintext. Returns views into `plain` (which must start at a 4-byte aligned
 * offset, as a decrypted buffer does); copies nothing but the ids.
 */
export function unpackSegment(plain: Uint8Array, dims: number): VectorSegment {
  const bad = (why: string) => new ConfidantError('E_DB', `A vector segment is malformed: ${why}.`, { reason: 'integrity' });
  if (plain.length < 8) throw bad(`${plain.length} bytes is shorter than its header`);
  const dv = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
  const count = dv.getUint32(0, true);
  const got = dv.getUint32(4, true);
  if (got !== dims) throw bad(`it holds ${got}-dimensional vectors, want ${dims}`);
  const want = 8 + 8 * count + 4 * count * dims;
  if (plain.length !== want) throw bad(`${plain.length} bytes for ${count} vectors of ${dims}, want ${want}`);
  if ((plain.byteOffset + 8 + 8 * count) % 4 !== 0) throw bad('its vectors are not 4-byte aligned in memory');
  const ids = new Array<number>(count);
  for (let i = 0; i < count; i++) ids[i] = Number(dv.getBigInt64(8 + 8 * i, true));
  const data = new Float32Array(plain.buffer, plain.byteOffset + 8 + 8 * count, count * dims);
  return { count, dims, ids, data, vector: (i) => data.subarray(i * dims, (i + 1) * dims) };
}

export async function sealSegment(
  key: CryptoKey,
  ref: SegmentRef,
  ids: ArrayLike<number>,
  vectors: Float32Array | readonly Float32Array[],
): Promise<Uint8Array> {
  const plain = packSegment(ids, vectors, ref.dims);
  return seal(key, segmentAd(ref, ids.length), plain);
}

/** `count` is what the segment's row says it holds; a segment holding another count does not open. */
export async function openSegment(key: CryptoKey, ref: SegmentRef & { count: number }, sealed: Uint8Array): Promise<VectorSegment> {
  const ad = segmentAd(ref, ref.count);
  const plain = await open(key, ad, sealed, { segmentId: String(ref.segmentId), modelId: ref.modelId });
  const seg = unpackSegment(plain, ref.dims);
  if (seg.count !== ref.count) {
    // Unreachable unless the writer packed one count and sealed under another.
    throw new ConfidantError('E_DB', `A vector segment holds ${seg.count} vectors, its row says ${ref.count}.`, { reason: 'integrity' });
  }
  return seg;
}

function segmentAd(ref: SegmentRef, count: number): Uint8Array {
  checkDims(ref.dims);
  if (!Number.isInteger(count) || count < 0) throw new ConfidantError('E_BAD_REQUEST', `segment count must be a non-negative integer, got ${count}`);
  const model = ref.modelId;
  if (typeof model !== 'string' || model.length === 0 || model.includes('|')) {
    throw new ConfidantError('E_BAD_REQUEST', `modelId must be a non-empty string without "|", got ${JSON.stringify(model)}`);
  }
  return utf8(`confidant/v1|segment|${id(ref.segmentId, 'segmentId')}|${model}|${ref.dims}|${count}`);
}

function checkDims(dims: number): void {
  if (!Number.isInteger(dims) || dims < 1 || dims > 65536) throw new ConfidantError('E_BAD_REQUEST', `dims must be an integer from 1 to 65536, got ${dims}`);
}

// ---------------------------------------------------------------------------------------------

function name(s: string, what: string): string {
  if (typeof s !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) {
    throw new ConfidantError('E_BAD_REQUEST', `${what} must be an SQL identifier, got ${JSON.stringify(s)}`);
  }
  return s;
}

function id(v: number | bigint | string, what: string): string {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string' && v.length > 0 && !v.includes('|')) return v;
  throw new ConfidantError('E_BAD_REQUEST', `${what} must be a safe integer, a bigint or a non-empty string without "|", got ${String(v)}`);
}

async function seal(key: CryptoKey, ad: Uint8Array, plain: Uint8Array): Promise<Uint8Array> {
  const iv = randomBytes(IV_BYTES);
  const ct = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv as BufferSource, additionalData: ad as BufferSource }, key, plain as BufferSource),
  );
  const out = new Uint8Array(HEADER_BYTES + ct.length);
  out[0] = SEAL_VERSION;
  out.set(iv, 1);
  out.set(ct, HEADER_BYTES);
  return out;
}

async function open(key: CryptoKey, ad: Uint8Array, sealed: Uint8Array, where: Record<string, string>): Promise<Uint8Array> {
  if (!(sealed instanceof Uint8Array) || sealed.length < SEAL_OVERHEAD) {
    throw new ConfidantError('E_DB', `A stored value is truncated (${sealed?.length ?? 0} bytes, at least ${SEAL_OVERHEAD} needed).`, {
      reason: 'integrity',
      ...where,
    });
  }
  if (sealed[0] !== SEAL_VERSION) {
    throw new ConfidantError('E_DB', `A stored value has format version ${sealed[0]}; this build reads version ${SEAL_VERSION}.`, {
      reason: 'version',
      got: sealed[0],
      want: SEAL_VERSION,
      ...where,
    });
  }
  // Copies, taken before the first await, so a caller reusing its buffer cannot change what we check.
  const iv = sealed.slice(1, HEADER_BYTES);
  const ct = sealed.slice(HEADER_BYTES);
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv as BufferSource, additionalData: ad as BufferSource }, key, ct as BufferSource),
    );
  } catch (e) {
    if (e instanceof DOMException && e.name === 'OperationError') {
      throw new ConfidantError('E_DB', 'A stored value failed its integrity check (damaged, or not from this place or this key).', {
        reason: 'integrity',
        ...where,
      });
    }
    throw e;
  }
}
