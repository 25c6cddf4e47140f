/**
 * Small byte helpers for the NVIDIA verifier: hex, strict base64 / base64url, SHA digests,
 * constant-shape comparisons. Pure Web APIs (no node:), so they run in the service worker.
 */
import { ParseError } from '../../errors.ts';

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** Lower-case or upper-case hex, even length, nothing else. */
export function fromHex(field: string, s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) {
    throw new ParseError(field, `got ${describe(s)}, want an even number of hex digits`);
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
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

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data as BufferSource));
}

export async function sha384(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-384', data as BufferSource));
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

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

export function toBase64(b: Uint8Array): string {
  return encodeWith(B64, b, true);
}

export function toBase64Url(b: Uint8Array): string {
  return encodeWith(B64URL, b, false);
}

function decodeWith(field: string, alphabet: string, s: string, padded: boolean): Uint8Array {
  let body = s;
  if (padded) {
    if (s.length % 4 !== 0) throw new ParseError(field, `base64 length ${s.length} is not a multiple of 4`);
    body = s.replace(/={1,2}$/, '');
  } else if (s.length % 4 === 1) {
    throw new ParseError(field, `base64url length ${s.length} cannot encode whole bytes`);
  }
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < body.length; i++) {
    const v = alphabet.indexOf(body[i]!);
    if (v < 0) throw new ParseError(field, `character ${JSON.stringify(body[i])} at ${i} is not ${padded ? 'base64' : 'base64url'}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  // Canonical only: the unused low bits of the last character must be zero, otherwise two
  // different texts would decode to the same bytes.
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) throw new ParseError(field, 'base64 has non-zero padding bits (not canonical)');
  return out.subarray(0, o);
}

/** Standard base64 with `=` padding, canonical, no whitespace. */
export function fromBase64(field: string, s: string): Uint8Array {
  return decodeWith(field, B64, s, true);
}

/** base64url without padding (JWS, RFC 7515 §2), canonical. */
export function fromBase64Url(field: string, s: string): Uint8Array {
  return decodeWith(field, B64URL, s, false);
}

/** A short, safe rendering of untrusted text for error messages. */
export function describe(s: string, max = 40): string {
  const t = s.length > max ? `${s.slice(0, max)}…` : s;
  return `${JSON.stringify(t)} (${s.length} chars)`;
}

export function hexByte(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}
