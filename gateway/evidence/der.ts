/** Minimal DER writers for the few hand-built structures the simulated evidence needs. */
import { concatBytes } from '../../src/core/bytes.ts';

export function derLength(n: number): Uint8Array {
  if (n < 0x80) return new Uint8Array([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>>= 8;
  }
  return new Uint8Array([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, value: Uint8Array): Uint8Array {
  return concatBytes([new Uint8Array([tag]), derLength(value.length), value]);
}

/** DER INTEGER of a non-negative number. */
export function derInt(n: number): Uint8Array {
  const bytes: number[] = [];
  do {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  } while (n > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(0x02, new Uint8Array(bytes));
}

export function derIa5(s: string): Uint8Array {
  return tlv(0x16, new TextEncoder().encode(s));
}

export function derOctets(b: Uint8Array): Uint8Array {
  return tlv(0x04, b);
}

export function derSeq(...parts: Uint8Array[]): Uint8Array {
  return tlv(0x30, concatBytes(parts));
}

/** DER OBJECT IDENTIFIER from dotted text. */
export function derOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => parseInt(a, 10));
  const out: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const a of arcs.slice(2)) {
    const stack: number[] = [a & 0x7f];
    let v = Math.floor(a / 128);
    while (v > 0) {
      stack.unshift((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(...stack);
  }
  return tlv(0x06, new Uint8Array(out));
}
