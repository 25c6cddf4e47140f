/**
 * The H100 attestation report: SPDM 1.1 GET_MEASUREMENTS request (37 bytes) followed by the
 * MEASUREMENTS response (h100 FACTS §1–2). Little-endian integers. The gateway builds it in
 * simulated mode and reads the opaque data of real reports to name the RIMs to fetch; it does
 * not verify (that is src/core/attest/nvidia's job). Layout constants and the opaque-data types
 * come from the verifier's parser (src/core/attest/nvidia/spdm.ts), so both read one definition.
 */
import { concatBytes } from '../../src/core/bytes.ts';
import {
  GET_MEASUREMENTS,
  MEASUREMENTS,
  NONCE_LENGTH,
  OpaqueType,
  REQUEST_LENGTH,
  RESPONSE_HEADER_LENGTH,
  SIGNATURE_LENGTH,
  SPDM_VERSION_11,
  formatVbiosVersion,
} from '../../src/core/attest/nvidia/spdm.ts';

function u16le(n: number): Uint8Array {
  return new Uint8Array([n & 0xff, (n >>> 8) & 0xff]);
}
function u24le(n: number): Uint8Array {
  return new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff]);
}
function u32le(n: number): Uint8Array {
  return new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]);
}

export function spdmRequest(nonce: Uint8Array): Uint8Array {
  if (nonce.length !== NONCE_LENGTH) throw new RangeError(`SPDM requester nonce must be ${NONCE_LENGTH} bytes`);
  // Param1 0x01: signature requested; Param2 0xff: all measurement blocks; then SlotIDParam 0.
  return concatBytes([new Uint8Array([SPDM_VERSION_11, GET_MEASUREMENTS, 0x01, 0xff]), nonce, new Uint8Array([0x00])]);
}

export function measurementRecord(digests: Uint8Array[]): Uint8Array {
  return concatBytes(
    digests.map((d, i) => {
      if (d.length !== 48) throw new RangeError('measurement digests are 48 bytes');
      return concatBytes([new Uint8Array([i + 1, 0x01]), u16le(51), new Uint8Array([0x01]), u16le(48), d]);
    }),
  );
}

export function opaqueTlv(entries: [number, Uint8Array][]): Uint8Array {
  return concatBytes(entries.map(([t, v]) => concatBytes([u16le(t), u16le(v.length), v])));
}

function asciiz(s: string, size = s.length + 1): Uint8Array {
  const out = new Uint8Array(size);
  out.set(new TextEncoder().encode(s));
  return out;
}

/** Opaque data in the shape the H100 driver returns it (order and field sizes from the vectors). */
export function simulatedOpaque(g: { driverVersion: string; vbios: Uint8Array; project: string; projectSku: string; chipSku: string; fwid: Uint8Array }): Uint8Array {
  const counts = new Uint8Array(256);
  return opaqueTlv([
    [OpaqueType.VBIOS_VERSION, g.vbios],
    [OpaqueType.BOARD_ID, u32le(0x3b1)],
    [OpaqueType.CHIP_SKU, asciiz(g.chipSku, 9)],
    [OpaqueType.CHIP_SKU_MOD, asciiz('0', 5)],
    [OpaqueType.PROJECT, asciiz(g.project, 5)],
    [OpaqueType.PROJECT_SKU, asciiz(g.projectSku, 5)],
    [OpaqueType.PROJECT_SKU_MOD, new Uint8Array(2)],
    [OpaqueType.DRIVER_VERSION, asciiz(g.driverVersion)],
    [OpaqueType.GPU_INFO, new Uint8Array([0x80, 0x01, 0, 0, 0, 0, 0, 0])],
    [OpaqueType.MSRSCNT, counts],
    [OpaqueType.CPRINFO, u32le(0x1c000)],
    [OpaqueType.NVDEC0_STATUS, new Uint8Array([0x55])],
    [OpaqueType.FWID, g.fwid],
    [OpaqueType.PROTECTED_PCIE_STATUS, new Uint8Array([0x55])],
    [OpaqueType.OPAQUE_DATA_VERSION, u16le(1)],
    [OpaqueType.FEATURE_FLAG, u16le(0)],
  ]);
}

/**
 * Request || response up to the signature: the bytes the GPU's leaf key signs (SHA-384, ECDSA P-384).
 */
export function spdmSignedPart(args: { nonce: Uint8Array; digests: Uint8Array[]; responderNonce: Uint8Array; opaque: Uint8Array }): Uint8Array {
  const record = measurementRecord(args.digests);
  return concatBytes([
    spdmRequest(args.nonce),
    new Uint8Array([SPDM_VERSION_11, MEASUREMENTS, 0x00, 0x00, args.digests.length]),
    u24le(record.length),
    record,
    args.responderNonce,
    u16le(args.opaque.length),
    args.opaque,
  ]);
}

export interface ParsedSpdm {
  requesterNonce: Uint8Array;
  opaque: Map<number, Uint8Array>;
  signatureOffset: number;
}

/** Reads what the gateway needs from a report (nonce, opaque fields); throws RangeError when malformed. */
export function parseSpdm(blob: Uint8Array): ParsedSpdm {
  const need = (n: number) => {
    if (blob.length < n) throw new RangeError(`SPDM blob too short (${blob.length} < ${n})`);
  };
  need(REQUEST_LENGTH + RESPONSE_HEADER_LENGTH);
  if (blob[0] !== SPDM_VERSION_11 || blob[1] !== GET_MEASUREMENTS) throw new RangeError('not an SPDM 1.1 GET_MEASUREMENTS request');
  const r = REQUEST_LENGTH;
  if (blob[r] !== SPDM_VERSION_11 || blob[r + 1] !== MEASUREMENTS) throw new RangeError('not an SPDM 1.1 MEASUREMENTS response');
  const recLen = blob[r + 5]! | (blob[r + 6]! << 8) | (blob[r + 7]! << 16);
  const nonceOff = r + RESPONSE_HEADER_LENGTH + recLen;
  need(nonceOff + NONCE_LENGTH + 2);
  const opLen = blob[nonceOff + NONCE_LENGTH]! | (blob[nonceOff + NONCE_LENGTH + 1]! << 8);
  const opOff = nonceOff + NONCE_LENGTH + 2;
  need(opOff + opLen + SIGNATURE_LENGTH);
  const opaque = new Map<number, Uint8Array>();
  for (let i = opOff; i + 4 <= opOff + opLen; ) {
    const t = blob[i]! | (blob[i + 1]! << 8);
    const l = blob[i + 2]! | (blob[i + 3]! << 8);
    if (i + 4 + l > opOff + opLen) throw new RangeError('opaque TLV runs past the opaque data');
    opaque.set(t, blob.slice(i + 4, i + 4 + l));
    i += 4 + l;
  }
  return { requesterNonce: blob.slice(4, 4 + NONCE_LENGTH), opaque, signatureOffset: opOff + opLen };
}

export function asciiField(b: Uint8Array | undefined): string {
  if (!b) return '';
  return new TextDecoder().decode(b).replace(/\0+$/g, '').replace(/\0.*$/s, '').trim();
}

/** VBIOS text per h100 FACTS §2: raw b0..b7 -> b3.b2.b1.b0.b4 in upper-case hex; '' when absent or short. */
export function vbiosText(b: Uint8Array | undefined): string {
  if (!b || b.length < 5) return '';
  return formatVbiosVersion(b);
}

/** RIM ids on NVIDIA's RIM service for one GPU's report (h100 FACTS §5). */
export function rimIdsFor(parsed: ParsedSpdm): { driver: string; vbios: string } {
  const driver = asciiField(parsed.opaque.get(OpaqueType.DRIVER_VERSION));
  const project = asciiField(parsed.opaque.get(OpaqueType.PROJECT)).toUpperCase();
  const projectSku = asciiField(parsed.opaque.get(OpaqueType.PROJECT_SKU)).toUpperCase();
  const chipSku = asciiField(parsed.opaque.get(OpaqueType.CHIP_SKU)).toUpperCase();
  const vbios = vbiosText(parsed.opaque.get(OpaqueType.VBIOS_VERSION)).replace(/\./g, '');
  if (!driver || !project || !projectSku || !chipSku || !vbios) throw new RangeError('the report lacks the opaque fields that name its RIMs');
  return { driver: `NV_GPU_DRIVER_GH100_${driver}`, vbios: `NV_GPU_VBIOS_${project}_${projectSku}_${chipSku}_${vbios}` };
}
