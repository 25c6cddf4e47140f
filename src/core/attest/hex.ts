/**
 * Byte helpers shared by the attestation verifiers: hex in and out, comparison, concatenation.
 * Pure (no Node or DOM APIs), so it runs in the service worker and in Node.
 */
import { ParseError } from '../errors.ts';

const HEX = '0123456789abcdef';

/** Lower-case hex, no prefix. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += HEX[b >>> 4]! + HEX[b & 15]!;
  return s;
}

/** `0x`-prefixed lower-case hex of an unsigned integer, zero-padded to `bytes` bytes. */
export function hexInt(n: number | bigint, bytes: number): string {
  return '0x' + BigInt(n).toString(16).padStart(bytes * 2, '0');
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
