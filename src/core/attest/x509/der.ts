/**
 * The one DER reader of the attestation code (ITU-T X.690 §10), for what both verifiers read
 * byte-exactly: X.509 certificates and CRLs (the signed parts are sliced, never re-encoded), AMD's
 * VCEK extensions and RSASSA-PSS parameters (sevsnp/certs.ts), ECDSA-Sig-Value (to raw r‖s for
 * Web Crypto), the TCG DICE TcbInfo and SubjectAltName extensions (nvidia/certs.ts).
 *
 * Strict means: definite lengths only, minimal length encoding, single-byte tags (enough for
 * X.509), and every element lies inside its parent. Violations throw ParseError naming `field`.
 */
import { ParseError } from '../../errors.ts';
import { hexByte } from '../../bytes.ts';

export const TAG_BOOLEAN = 0x01;
export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_OID = 0x06;
export const TAG_UTF8_STRING = 0x0c;
export const TAG_PRINTABLE_STRING = 0x13;
export const TAG_IA5_STRING = 0x16;
export const TAG_UTC_TIME = 0x17;
export const TAG_GENERALIZED_TIME = 0x18;
export const TAG_SEQUENCE = 0x30;
export const TAG_SET = 0x31;

export interface DerElement {
  tag: number;
  /** Offset of the tag byte within the buffer that was read. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset one past the last content byte. */
  end: number;
  /** The whole element (tag, length and content). */
  raw: Uint8Array;
  content: Uint8Array;
}

/** Reads one element at `offset` of `buf`, which must end at or before `limit`. */
export function readElement(field: string, buf: Uint8Array, offset: number, limit = buf.length): DerElement {
  if (offset + 2 > limit) throw new ParseError(field, `DER element at offset ${offset}: got ${limit - offset} bytes, want at least 2`);
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new ParseError(field, `DER multi-byte tag at offset ${offset} is not supported`);
  const first = buf[offset + 1]!;
  let len: number;
  let p = offset + 2;
  if (first < 0x80) {
    len = first;
  } else {
    const n = first & 0x7f;
    if (n === 0) throw new ParseError(field, `DER indefinite length at offset ${offset + 1} is not allowed`);
    if (n > 3) throw new ParseError(field, `DER length of ${n} bytes at offset ${offset + 1}: want at most 3`);
    if (p + n > limit) throw new ParseError(field, `DER length at offset ${offset + 1} runs past the end`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    if (buf[p] === 0 || len < 0x80) throw new ParseError(field, `DER length at offset ${offset + 1} is not minimally encoded`);
    p += n;
  }
  const end = p + len;
  if (end > limit) {
    throw new ParseError(field, `DER element ${hexByte(tag)} at offset ${offset}: got ${limit - p} content bytes, want ${len}`);
  }
  return { tag, start: offset, contentStart: p, end, raw: buf.subarray(offset, end), content: buf.subarray(p, end) };
}

/** Reads the children of a constructed element's content. */
export function readChildren(field: string, el: DerElement, buf: Uint8Array): DerElement[] {
  const out: DerElement[] = [];
  let p = el.contentStart;
  while (p < el.end) {
    const c = readElement(field, buf, p, el.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

/** Reads exactly one element that fills `buf` completely. */
export function readWhole(field: string, buf: Uint8Array, wantTag: number): DerElement {
  const el = readElement(field, buf, 0);
  expectTag(field, el, wantTag);
  if (el.end !== buf.length) throw new ParseError(field, `got ${buf.length - el.end} bytes after the DER element, want 0`);
  return el;
}

export function expectTag(field: string, el: DerElement, want: number): void {
  if (el.tag !== want) throw new ParseError(field, `DER tag at offset ${el.start}: got ${hexByte(el.tag)}, want ${hexByte(want)}`);
}

/** Dotted text of an OBJECT IDENTIFIER's content bytes. */
export function decodeOid(field: string, content: Uint8Array): string {
  if (content.length === 0) throw new ParseError(field, 'empty OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let v = 0;
  let started = false;
  for (let i = 0; i < content.length; i++) {
    const b = content[i]!;
    if (!started && b === 0x80) throw new ParseError(field, 'OBJECT IDENTIFIER arc is not minimally encoded');
    started = true;
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 128) throw new ParseError(field, 'OBJECT IDENTIFIER arc too large');
    if ((b & 0x80) === 0) {
      arcs.push(v);
      v = 0;
      started = false;
    } else if (i === content.length - 1) {
      throw new ParseError(field, 'OBJECT IDENTIFIER ends inside an arc');
    }
  }
  const first = arcs.shift()!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

/**
 * ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3) to raw r‖s of
 * `size` bytes each, as Web Crypto wants. Rejects negative, zero-length, non-minimal or
 * oversized integers, so one signature has exactly one accepted encoding.
 */
export function ecdsaDerToRaw(field: string, der: Uint8Array, size: number): Uint8Array {
  const seq = readWhole(field, der, TAG_SEQUENCE);
  const parts = readChildren(field, seq, der);
  if (parts.length !== 2) throw new ParseError(field, `ECDSA-Sig-Value: got ${parts.length} elements, want 2 (r, s)`);
  const out = new Uint8Array(2 * size);
  parts.forEach((p, i) => {
    expectTag(field, p, TAG_INTEGER);
    let c = p.content;
    if (c.length === 0) throw new ParseError(field, 'ECDSA integer is empty');
    if (c[0]! & 0x80) throw new ParseError(field, 'ECDSA integer is negative');
    if (c.length > 1 && c[0] === 0 && (c[1]! & 0x80) === 0) throw new ParseError(field, 'ECDSA integer is not minimally encoded');
    if (c[0] === 0) c = c.subarray(1);
    if (c.length > size) throw new ParseError(field, `ECDSA integer: got ${c.length} bytes, want at most ${size}`);
    out.set(c, i * size + (size - c.length));
  });
  return out;
}

/** A whole-buffer DER INTEGER that must be non-negative and fit in 32 bits. */
export function derUint(field: string, b: Uint8Array): number {
  const el = readWhole(field, b, TAG_INTEGER);
  const c = el.content;
  if (c.length === 0) throw new ParseError(field, 'INTEGER is empty');
  if (c[0]! & 0x80) throw new ParseError(field, 'INTEGER is negative');
  if (c.length > 1 && c[0] === 0 && !(c[1]! & 0x80)) throw new ParseError(field, 'INTEGER is not minimally encoded');
  if (c.length > 5 || (c.length === 5 && c[0] !== 0)) throw new ParseError(field, `INTEGER: got ${c.length} bytes, want a 32-bit value`);
  let v = 0;
  for (const x of c) v = v * 256 + x;
  return v;
}

/** A whole-buffer DER IA5String (ASCII). */
export function derIa5(field: string, b: Uint8Array): string {
  const el = readWhole(field, b, TAG_IA5_STRING);
  let s = '';
  for (const x of el.content) {
    if (x > 0x7f) throw new ParseError(field, `IA5String: got byte ${hexByte(x)}, want ASCII`);
    s += String.fromCharCode(x);
  }
  return s;
}
