/**
 * PEM (RFC 7468) for both verifiers: blocks of one label out of a text, and the strict form
 * evidence chains must have. Base64 is decoded by core/bytes.ts, canonical only.
 */
import { fromBase64 } from '../../bytes.ts';
import { ParseError } from '../../errors.ts';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * All PEM blocks of the given label, in order, as DER. Text outside the blocks is ignored (RFC
 * 7468 §2 allows explanatory text); the base64 inside may be wrapped at any width.
 */
export function pemBlocks(text: string, label: string, field: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    if (m[1] === label) out.push(fromBase64(m[2]!.replace(/\s+/g, ''), field));
  }
  return out;
}

/** Do these bytes look like PEM text ("-----BEGIN " near the start) rather than DER (0x30)? */
export function isPemText(bytes: Uint8Array): boolean {
  if (bytes[0] === 0x30) return false;
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, Math.min(bytes.length, 4096)));
  return head.includes('-----BEGIN ');
}

/**
 * Splits PEM text into DER certificates, in order, strictly: text outside the BEGIN/END lines
 * must be whitespace, at most `maxCerts` blocks and `maxChars` characters.
 */
export function parsePemChain(field: string, text: string, limits: { maxCerts: number; maxChars: number }): Uint8Array[] {
  if (typeof text !== 'string') throw new ParseError(field, `got ${typeof text}, want PEM text`);
  if (text.length === 0) throw new ParseError(field, 'got 0 characters, want at least one PEM certificate');
  if (text.length > limits.maxChars) throw new ParseError(field, `got ${text.length} characters, want at most ${limits.maxChars}`);
  const re = /-----BEGIN CERTIFICATE-----([^-]*)-----END CERTIFICATE-----/g;
  const out: Uint8Array[] = [];
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const gap = text.slice(last, m.index);
    if (/\S/.test(gap)) throw new ParseError(field, `unexpected text at offset ${last + gap.search(/\S/)} outside a PEM block`);
    const body = m[1]!.replace(/[ \t\r\n]+/g, '');
    const der = fromBase64(body, `${field}[${out.length}]`);
    if (der.length === 0) throw new ParseError(`${field}[${out.length}]`, 'empty PEM block');
    out.push(der);
    if (out.length > limits.maxCerts) throw new ParseError(field, `more than ${limits.maxCerts} certificates`);
    last = m.index + m[0].length;
  }
  const tail = text.slice(last);
  if (/\S/.test(tail)) throw new ParseError(field, `unexpected text at offset ${last + tail.search(/\S/)} outside a PEM block`);
  if (out.length === 0) throw new ParseError(field, 'no PEM certificate found');
  return out;
}
