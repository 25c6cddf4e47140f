/**
 * Byte helpers for all of src/core, and for the gateway, scripts and tests that share its code:
 * hex, base64 / base64url, UTF-8, concatenation, big-endian integers, comparison, SHA digests and
 * random bytes. Web APIs only (no node:), so it runs in the service worker, a worker, a page and Node.
 *
 * Base64 is RFC 4648: section 4 (`toBase64`, padded, "+/") and section 5 (`toBase64Url`, unpadded,
 * "-_"). There are two kinds of decoder:
 *  - strict (`fromBase64`, `fromBase64Url`): one alphabet, its padding rule, canonical only; a
 *    ParseError names the field. For evidence (certificates, RIMs, NRAS tokens).
 *  - lenient (`fromBase64Lenient`): either alphabet, padded or not, and unused low bits ignored;
 *    throws RangeError, for the caller to turn into its own error. Callers that need one form
 *    check it themselves (keys.ts re-encodes and compares, the gateway matches a pattern first).
 */
import { ParseError } from './errors.ts';

// ---- hex ----

const HEX = '0123456789abcdef';

/** Lower-case hex, no prefix. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += HEX[b >>> 4]! + HEX[b & 15]!;
  return s;
}

/**
 * Strict hex to bytes: an optional `0x` prefix, then an even number of hex digits and nothing else.
 * `field` names the input in the ParseError; `wantBytes` (when given) is the exact length required.
 */
export function fromHex(text: string, field: string, wantBytes?: number): Uint8Array {
  const s = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
  if (s.length % 2 !== 0) throw new ParseError(field, `hex text has an odd number of digits (${s.length})`);
  const bad = s.search(/[^0-9a-fA-F]/);
  if (bad >= 0) throw new ParseError(field, `hex text has a non-hex character ${JSON.stringify(s[bad])} at position ${bad}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  if (wantBytes !== undefined && out.length !== wantBytes) {
    throw new ParseError(field, `got ${out.length} bytes of hex, want ${wantBytes}`);
  }
  return out;
}

/** `0x`-prefixed lower-case hex of an unsigned integer, zero-padded to `bytes` bytes. */
export function hexInt(n: number | bigint, bytes: number): string {
  return '0x' + BigInt(n).toString(16).padStart(bytes * 2, '0');
}

/** `0x`-prefixed two-digit hex of one byte value, for error messages (`0x0a`). */
export function hexByte(n: number): string {
  return hexInt(n, 1);
}

// ---- base64 ----

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function indexTable(...alphabets: string[]): Int8Array {
  const t = new Int8Array(128).fill(-1);
  for (const a of alphabets) for (let i = 0; i < 64; i++) t[a.charCodeAt(i)] = i;
  return t;
}
const B64_INDEX = indexTable(B64);
const B64URL_INDEX = indexTable(B64URL);
const ANY_INDEX = indexTable(B64, B64URL);

function encodeWith(alphabet: string, b: Uint8Array, pad: boolean): string {
  let s = '';
  let i = 0;
  for (; i + 3 <= b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]! + alphabet[(n >>> 6) & 63]! + alphabet[n & 63]!;
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = b[i]! << 16;
    s += alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]! + (pad ? '==' : '');
  } else if (rest === 2) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8);
    s += alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]! + alphabet[(n >>> 6) & 63]! + (pad ? '=' : '');
  }
  return s;
}

/** RFC 4648 section 4, padded. */
export function toBase64(b: Uint8Array): string {
  return encodeWith(B64, b, true);
}

/** RFC 4648 section 5, unpadded. */
export function toBase64Url(b: Uint8Array): string {
  return encodeWith(B64URL, b, false);
}

/**
 * Decodes base64 digits (padding already removed) through `index`. `bad` is the position of the
 * first character outside the alphabet (-1 when none); `unusedBits` is the value of the low bits
 * of the last character that make no whole byte (0 in canonical text).
 */
function decodeDigits(body: string, index: Int8Array): { out: Uint8Array; bad: number; unusedBits: number } {
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    const v = c < 128 ? index[c]! : -1;
    if (v < 0) return { out, bad: i, unusedBits: 0 };
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  return { out, bad: -1, unusedBits: acc & ((1 << bits) - 1) };
}

function decodeStrict(text: string, field: string, padded: boolean): Uint8Array {
  let body = text;
  if (padded) {
    if (text.length % 4 !== 0) throw new ParseError(field, `base64 length ${text.length} is not a multiple of 4`);
    body = text.replace(/={1,2}$/, '');
  } else if (text.length % 4 === 1) {
    throw new ParseError(field, `base64url length ${text.length} cannot encode whole bytes`);
  }
  const { out, bad, unusedBits } = decodeDigits(body, padded ? B64_INDEX : B64URL_INDEX);
  if (bad >= 0) throw new ParseError(field, `character ${JSON.stringify(body[bad])} at ${bad} is not ${padded ? 'base64' : 'base64url'}`);
  // Canonical only: the unused low bits of the last character must be zero, otherwise two
  // different texts would decode to the same bytes.
  if (unusedBits !== 0) throw new ParseError(field, 'base64 has non-zero padding bits (not canonical)');
  return out;
}

/** Strict: standard base64 with `=` padding, canonical, no whitespace. */
export function fromBase64(text: string, field: string): Uint8Array {
  return decodeStrict(text, field, true);
}

/** Strict: base64url without padding (JWS, RFC 7515 §2), canonical. */
export function fromBase64Url(text: string, field: string): Uint8Array {
  return decodeStrict(text, field, false);
}

/**
 * Lenient: either alphabet, padded or not, unused low bits ignored. Throws RangeError on any other
 * character or an impossible length, so a caller can turn it into a ParseError naming the field.
 */
export function fromBase64Lenient(text: string): Uint8Array {
  const body = text.replace(/=+$/, '');
  if (body.length % 4 === 1) throw new RangeError('base64 text has an impossible length');
  const { out, bad } = decodeDigits(body, ANY_INDEX);
  if (bad >= 0) throw new RangeError(`base64 text has a bad character at ${bad}`);
  return out;
}

// ---- UTF-8 ----

export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Fatal on malformed UTF-8. */
export function fromUtf8(b: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(b);
}

// ---- building byte strings ----

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function u16be(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError(`${n} does not fit in 16 bits`);
  return new Uint8Array([n >>> 8, n & 0xff]);
}

export function u32be(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`${n} does not fit in 32 bits`);
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
}

export function u64be(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${n} is not a non-negative safe integer`);
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), false);
  return b;
}

// ---- comparing ----

/** Constant-time in the contents (not the length): safe for MACs, keys and nonces. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export function isAllZero(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}

// ---- digests and randomness ----

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data as BufferSource));
}

export async function sha384(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-384', data as BufferSource));
}

export async function sha512(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-512', data as BufferSource));
}

export function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  crypto.getRandomValues(b);
  return b;
}
