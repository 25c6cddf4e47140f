/**
 * Layer 1 (bytes → typed evidence): the NVIDIA H100 "attestation report", which is an SPDM 1.1
 * GET_MEASUREMENTS request followed by the MEASUREMENTS response (DMTF DSP0274 1.1, "GET_MEASUREMENTS
 * request and MEASUREMENTS response messages"; libspdm calls this pair the standard
 * all-measurements report).
 * Integers are little-endian. Every length is parsed and bounds-checked; the signature offset is
 * computed from the parsed lengths. This layer checks no signature and applies no policy.
 *
 * Layout (offsets relative to the response, which starts at byte 37 of the blob):
 *
 *   request  0  SPDMVersion 0x11 | 1 RequestResponseCode 0xE0 | 2 Param1 0x01 (signature
 *            requested) | 3 Param2 0xFF (all blocks) | 4 Nonce (32) | 36 SlotIDParam
 *   response 0  SPDMVersion | 1 code 0x60 | 2 Param1 | 3 Param2 (slot id, bits 3:0) |
 *            4 NumberOfBlocks | 5 MeasurementRecordLength (u24) | 8 MeasurementRecord (L) |
 *            8+L Nonce (32, the responder's) | 40+L OpaqueLength (u16) | 42+L OpaqueData (O) |
 *            42+L+O Signature (96: ECDSA P-384 raw r‖s, the algorithm H100 negotiates)
 *
 * Measurement block (DSP0274 "Measurement block format"): Index u8 | MeasurementSpecification u8
 * (bit 0 = DMTF) | MeasurementSize u16 | Measurement. DMTF measurement ("DMTF measurement
 * specification format"): DMTFSpecMeasurementValueType u8 | DMTFSpecMeasurementValueSize u16 | value.
 *
 * Opaque data is NVIDIA's TLV list: type u16 | length u16 | value (section 2 of
 * tests/fixtures/vectors/h100/FACTS.md, cross-read with NVIDIA's verifier).
 *
 * Trailing bytes rule: bytes after the signature are not signed. They are tolerated only when
 * they are all 0x00 and at most MAX_TRAILING_ZERO_BYTES long (the trustee CoCo capture carries
 * one such byte); they are reported in `notes`. Anything else after the signature is a
 * ParseError, so an oversized or concatenated blob is never silently accepted.
 */
import { ParseError } from '../../errors.ts';
import { hexByte, toHex } from '../../bytes.ts';

export const SPDM_VERSION_11 = 0x11;
export const GET_MEASUREMENTS = 0xe0;
export const MEASUREMENTS = 0x60;
export const REQUEST_LENGTH = 37;
export const NONCE_LENGTH = 32;
export const RESPONSE_HEADER_LENGTH = 8;
export const SIGNATURE_LENGTH = 96;
export const MAX_TRAILING_ZERO_BYTES = 16;
/** Far above any real report (4–5 KiB); bounds work on hostile input. */
export const MAX_REPORT_BYTES = 64 * 1024;
/** DSP0274 1.1 caps OpaqueLength at 1024. */
export const MAX_OPAQUE_LENGTH = 1024;

/** NVIDIA opaque-data TLV types. */
export const OpaqueType = {
  CERT_ISSUER_NAME: 1,
  CERT_AUTHORITY_KEY_IDENTIFIER: 2,
  DRIVER_VERSION: 3,
  GPU_INFO: 4,
  SKU: 5,
  VBIOS_VERSION: 6,
  MANUFACTURER_ID: 7,
  TAMPER_DETECTION: 8,
  SMC: 9,
  VPR: 10,
  NVDEC0_STATUS: 11,
  MSRSCNT: 12,
  CPRINFO: 13,
  BOARD_ID: 14,
  CHIP_SKU: 15,
  CHIP_SKU_MOD: 16,
  PROJECT: 17,
  PROJECT_SKU: 18,
  PROJECT_SKU_MOD: 19,
  FWID: 20,
  PROTECTED_PCIE_STATUS: 21,
  SWITCH_PDI: 22,
  FLOORSWEPT_PORTS: 23,
  POSITION_ID: 24,
  LOCK_SWITCH_STATUS: 25,
  GPU_LINK_CONN: 32,
  SYS_ENABLE_STATUS: 33,
  OPAQUE_DATA_VERSION: 34,
  CHIP_INFO: 35,
  FEATURE_FLAG: 36,
} as const;

const OPAQUE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(OpaqueType).map(([k, v]) => [v, k]));

export function opaqueTypeName(t: number): string {
  return OPAQUE_NAMES[t] ?? `type${t}`;
}

/** Status bytes used by NVIDIA for NVDEC0 and protected PCIe. */
export const STATUS_ENABLED = 0xaa;
export const STATUS_DISABLED = 0x55;

export interface SpdmRequest {
  version: number;
  param1: number;
  param2: number;
  /** The verifier's nonce, echoed by the GPU inside the signed range. */
  nonce: Uint8Array;
  slotId: number;
}

export interface MeasurementBlock {
  /** SPDM measurement index, 1-based (RIM index + 1). */
  index: number;
  measurementSpecification: number;
  /** DMTFSpecMeasurementValueType (bit 7: raw bit stream; bits 6:0: what is measured). */
  valueType: number;
  value: Uint8Array;
  /** Offset of the block header within the blob. */
  offset: number;
}

export interface OpaqueEntry {
  type: number;
  name: string;
  /** Offset of the TLV header within the blob. */
  offset: number;
  value: Uint8Array;
}

export type FeatureMode = 'SPT' | 'MPT' | 'PPCIE';

/** Opaque data decoded into named fields; everything is also kept raw in `entries`. */
export interface OpaqueFields {
  entries: OpaqueEntry[];
  driverVersion: string | null;
  /** VBIOS version, dotted b3.b2.b1.b0.b4 hex upper case, e.g. 96.00.9F.00.01. */
  vbiosVersion: string | null;
  /** 48-byte firmware id (hex), null on older firmware that does not report it. */
  fwid: string | null;
  project: string | null;
  projectSku: string | null;
  projectSkuMod: string | null;
  chipSku: string | null;
  chipSkuMod: string | null;
  /** 0xAA enabled, 0x55 disabled, null absent. */
  nvdec0Status: number | null;
  protectedPcieStatus: number | null;
  featureFlag: number | null;
  featureMode: FeatureMode | null;
  /** One u32 per measurement block. */
  measurementCounts: number[] | null;
  /** 8-byte switch PDIs (hex), PPCIe mode. */
  switchPdis: string[] | null;
  opaqueDataVersion: number | null;
  /** Other types, raw, by type number. */
  raw: Record<number, Uint8Array>;
}

export interface SpdmResponse {
  version: number;
  param1: number;
  param2: number;
  slotId: number;
  numberOfBlocks: number;
  measurementRecordLength: number;
  blocks: MeasurementBlock[];
  responderNonce: Uint8Array;
  opaqueLength: number;
  opaqueData: Uint8Array;
  opaque: OpaqueFields;
  signature: Uint8Array;
}

export interface SpdmEvidence {
  request: SpdmRequest;
  response: SpdmResponse;
  /** blob[0 .. signatureOffset): what the GPU signed (SHA-384, ECDSA P-384). */
  signedBytes: Uint8Array;
  signatureOffset: number;
  /** Number of ignored 0x00 bytes after the signature. */
  trailingZeroBytes: number;
  /** Things worth telling the user that are not failures. */
  notes: string[];
  /** The blob the evidence was parsed from (a private copy). */
  blob: Uint8Array;
}

class Reader {
  constructor(
    readonly buf: Uint8Array,
    readonly field: string,
    public pos = 0,
  ) {}

  need(name: string, n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new ParseError(`${this.field}.${name}`, `at offset ${this.pos}: got ${Math.max(0, this.buf.length - this.pos)} bytes, want ${n} (input truncated)`);
    }
  }
  u8(name: string): number {
    this.need(name, 1);
    return this.buf[this.pos++]!;
  }
  u16(name: string): number {
    this.need(name, 2);
    const v = this.buf[this.pos]! | (this.buf[this.pos + 1]! << 8);
    this.pos += 2;
    return v;
  }
  u24(name: string): number {
    this.need(name, 3);
    const v = this.buf[this.pos]! | (this.buf[this.pos + 1]! << 8) | (this.buf[this.pos + 2]! << 16);
    this.pos += 3;
    return v;
  }
  bytes(name: string, n: number): Uint8Array {
    this.need(name, n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  expect(name: string, want: number): number {
    const at = this.pos;
    const got = this.u8(name);
    if (got !== want) throw new ParseError(`${this.field}.${name}`, `at offset ${at}: got ${hexByte(got)}, want ${hexByte(want)}`);
    return got;
  }
}

function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** ASCII text that may be followed by NUL padding; anything else is malformed. */
function asciiField(field: string, offset: number, v: Uint8Array): string {
  let end = v.length;
  while (end > 0 && v[end - 1] === 0) end--;
  let s = '';
  for (let i = 0; i < end; i++) {
    const c = v[i]!;
    if (c < 0x20 || c > 0x7e) throw new ParseError(field, `at offset ${offset + i}: got byte ${hexByte(c)}, want printable ASCII followed only by NUL padding`);
    s += String.fromCharCode(c);
  }
  return s;
}

function wantSize(field: string, e: OpaqueEntry, sizes: number[]): void {
  if (!sizes.includes(e.value.length)) {
    throw new ParseError(field, `at offset ${e.offset}: got length ${e.value.length}, want ${sizes.join(' or ')}`);
  }
}

/** VBIOS version bytes b0..b7 → "b3.b2.b1.b0.b4" in upper-case hex (NVIDIA's rendering). */
export function formatVbiosVersion(v: Uint8Array): string {
  const h = (i: number): string => v[i]!.toString(16).padStart(2, '0').toUpperCase();
  return `${h(3)}.${h(2)}.${h(1)}.${h(0)}.${h(4)}`;
}

export function parseOpaqueData(field: string, data: Uint8Array, baseOffset: number): OpaqueFields {
  const entries: OpaqueEntry[] = [];
  const seen = new Set<number>();
  let p = 0;
  while (p < data.length) {
    if (p + 4 > data.length) {
      throw new ParseError(`${field}.tlv`, `at offset ${baseOffset + p}: got ${data.length - p} bytes, want a 4-byte TLV header`);
    }
    const type = data[p]! | (data[p + 1]! << 8);
    const len = data[p + 2]! | (data[p + 3]! << 8);
    if (p + 4 + len > data.length) {
      throw new ParseError(`${field}.${opaqueTypeName(type)}`, `at offset ${baseOffset + p + 2}: got length ${len}, want at most ${data.length - p - 4} (the rest of the opaque data)`);
    }
    if (seen.has(type)) throw new ParseError(`${field}.${opaqueTypeName(type)}`, `at offset ${baseOffset + p}: type ${type} appears twice, want once`);
    seen.add(type);
    entries.push({ type, name: opaqueTypeName(type), offset: baseOffset + p, value: data.subarray(p + 4, p + 4 + len) });
    p += 4 + len;
  }

  const f: OpaqueFields = {
    entries,
    driverVersion: null,
    vbiosVersion: null,
    fwid: null,
    project: null,
    projectSku: null,
    projectSkuMod: null,
    chipSku: null,
    chipSkuMod: null,
    nvdec0Status: null,
    protectedPcieStatus: null,
    featureFlag: null,
    featureMode: null,
    measurementCounts: null,
    switchPdis: null,
    opaqueDataVersion: null,
    raw: {},
  };
  for (const e of entries) {
    const name = `${field}.${e.name}`;
    const at = e.offset + 4;
    switch (e.type) {
      case OpaqueType.DRIVER_VERSION:
        f.driverVersion = asciiField(name, at, e.value);
        break;
      case OpaqueType.VBIOS_VERSION:
        wantSize(name, e, [8]);
        f.vbiosVersion = formatVbiosVersion(e.value);
        break;
      case OpaqueType.FWID:
        wantSize(name, e, [48]);
        f.fwid = toHex(e.value);
        break;
      case OpaqueType.PROJECT:
        f.project = asciiField(name, at, e.value);
        break;
      case OpaqueType.PROJECT_SKU:
        f.projectSku = asciiField(name, at, e.value);
        break;
      case OpaqueType.PROJECT_SKU_MOD:
        f.projectSkuMod = toHex(e.value);
        break;
      case OpaqueType.CHIP_SKU:
        f.chipSku = asciiField(name, at, e.value);
        break;
      case OpaqueType.CHIP_SKU_MOD:
        f.chipSkuMod = asciiField(name, at, e.value);
        break;
      case OpaqueType.NVDEC0_STATUS:
        wantSize(name, e, [1]);
        f.nvdec0Status = e.value[0]!;
        break;
      case OpaqueType.PROTECTED_PCIE_STATUS:
        wantSize(name, e, [1]);
        f.protectedPcieStatus = e.value[0]!;
        break;
      case OpaqueType.FEATURE_FLAG: {
        wantSize(name, e, [2, 4]);
        const v = e.value.length === 2 ? e.value[0]! | (e.value[1]! << 8) : u32le(e.value, 0);
        f.featureFlag = v;
        f.featureMode = v === 0 ? 'SPT' : v === 1 ? 'MPT' : v === 2 ? 'PPCIE' : null;
        break;
      }
      case OpaqueType.MSRSCNT: {
        if (e.value.length % 4 !== 0) throw new ParseError(name, `at offset ${e.offset}: got length ${e.value.length}, want a multiple of 4`);
        const counts: number[] = [];
        for (let i = 0; i < e.value.length; i += 4) counts.push(u32le(e.value, i));
        f.measurementCounts = counts;
        break;
      }
      case OpaqueType.SWITCH_PDI: {
        if (e.value.length % 8 !== 0) throw new ParseError(name, `at offset ${e.offset}: got length ${e.value.length}, want a multiple of 8`);
        const pdis: string[] = [];
        for (let i = 0; i < e.value.length; i += 8) pdis.push(toHex(e.value.subarray(i, i + 8)));
        f.switchPdis = pdis;
        break;
      }
      case OpaqueType.OPAQUE_DATA_VERSION:
        wantSize(name, e, [2, 4]);
        f.opaqueDataVersion = e.value.length === 2 ? e.value[0]! | (e.value[1]! << 8) : u32le(e.value, 0);
        break;
      default:
        f.raw[e.type] = e.value;
    }
  }
  return f;
}

function parseRequest(r: Reader): SpdmRequest {
  const version = r.expect('request.SPDMVersion', SPDM_VERSION_11);
  r.expect('request.RequestResponseCode', GET_MEASUREMENTS);
  const p1at = r.pos;
  const param1 = r.u8('request.Param1');
  if (param1 !== 0x01) {
    throw new ParseError(`${r.field}.request.Param1`, `at offset ${p1at}: got ${hexByte(param1)}, want 0x01 (signature requested; an unsigned report cannot be verified)`);
  }
  const p2at = r.pos;
  const param2 = r.u8('request.Param2');
  if (param2 !== 0xff) {
    throw new ParseError(`${r.field}.request.Param2`, `at offset ${p2at}: got ${hexByte(param2)}, want 0xff (all measurement blocks)`);
  }
  const nonce = r.bytes('request.Nonce', NONCE_LENGTH);
  const slotAt = r.pos;
  const slot = r.u8('request.SlotIDParam');
  if (slot > 7) throw new ParseError(`${r.field}.request.SlotIDParam`, `at offset ${slotAt}: got ${slot}, want 0..7`);
  return { version, param1, param2, nonce, slotId: slot };
}

function parseBlocks(r: Reader, recordEnd: number, count: number): MeasurementBlock[] {
  const blocks: MeasurementBlock[] = [];
  const seen = new Set<number>();
  while (r.pos < recordEnd) {
    const offset = r.pos;
    const n = blocks.length;
    const name = `response.MeasurementRecord.block[${n}]`;
    if (offset + 4 > recordEnd) throw new ParseError(`${r.field}.${name}`, `at offset ${offset}: got ${recordEnd - offset} bytes left in the record, want a 4-byte block header`);
    const index = r.u8(`${name}.Index`);
    if (index === 0 || index === 0xff) throw new ParseError(`${r.field}.${name}.Index`, `at offset ${offset}: got ${index}, want 1..254`);
    if (seen.has(index)) throw new ParseError(`${r.field}.${name}.Index`, `at offset ${offset}: index ${index} appears twice, want each once`);
    seen.add(index);
    const spec = r.u8(`${name}.MeasurementSpecification`);
    if (spec !== 0x01) throw new ParseError(`${r.field}.${name}.MeasurementSpecification`, `at offset ${offset + 1}: got ${hexByte(spec)}, want 0x01 (DMTF)`);
    const size = r.u16(`${name}.MeasurementSize`);
    if (offset + 4 + size > recordEnd) {
      throw new ParseError(`${r.field}.${name}.MeasurementSize`, `at offset ${offset + 2}: got ${size}, want at most ${recordEnd - offset - 4} (the rest of the record)`);
    }
    if (size < 3) throw new ParseError(`${r.field}.${name}.MeasurementSize`, `at offset ${offset + 2}: got ${size}, want at least 3 (DMTF header)`);
    const valueType = r.u8(`${name}.DMTFSpecMeasurementValueType`);
    const valueSize = r.u16(`${name}.DMTFSpecMeasurementValueSize`);
    if (valueSize !== size - 3) {
      throw new ParseError(`${r.field}.${name}.DMTFSpecMeasurementValueSize`, `at offset ${offset + 5}: got ${valueSize}, want ${size - 3} (MeasurementSize − 3)`);
    }
    const value = r.bytes(`${name}.DMTFSpecMeasurementValue`, valueSize);
    blocks.push({ index, measurementSpecification: spec, valueType, value, offset });
  }
  if (blocks.length !== count) {
    throw new ParseError(`${r.field}.response.NumberOfBlocks`, `at offset ${REQUEST_LENGTH + 4}: got ${count}, but the record holds ${blocks.length} blocks`);
  }
  return blocks;
}

/**
 * Parses the raw blob (request ‖ response). Copies the input first, so nothing the caller does
 * afterwards can change what gets verified. Throws ParseError naming field, offset, got/want.
 */
export function parseSpdmEvidence(input: Uint8Array, field = 'report'): SpdmEvidence {
  if (!(input instanceof Uint8Array)) throw new ParseError(field, `got ${typeof input}, want bytes (Uint8Array)`);
  if (input.length === 0) throw new ParseError(field, 'got 0 bytes, want an SPDM GET_MEASUREMENTS request and MEASUREMENTS response');
  if (input.length > MAX_REPORT_BYTES) throw new ParseError(field, `got ${input.length} bytes, want at most ${MAX_REPORT_BYTES}`);
  const blob = input.slice();
  const r = new Reader(blob, field);

  const request = parseRequest(r);
  // Response header.
  const respStart = r.pos;
  const rv = r.u8('response.SPDMVersion');
  if (rv !== request.version) throw new ParseError(`${field}.response.SPDMVersion`, `at offset ${respStart}: got ${hexByte(rv)}, want ${hexByte(request.version)} (the request's version)`);
  r.expect('response.RequestResponseCode', MEASUREMENTS);
  const param1 = r.u8('response.Param1');
  const p2at = r.pos;
  const param2 = r.u8('response.Param2');
  const slotId = param2 & 0x0f;
  if (slotId !== request.slotId) throw new ParseError(`${field}.response.Param2`, `at offset ${p2at}: got slot ${slotId}, want ${request.slotId} (the requested slot)`);
  const numberOfBlocks = r.u8('response.NumberOfBlocks');
  const lenAt = r.pos;
  const recordLength = r.u24('response.MeasurementRecordLength');
  const recordEnd = r.pos + recordLength;
  // The record must leave room for nonce, opaque length and signature.
  const minAfter = NONCE_LENGTH + 2 + SIGNATURE_LENGTH;
  if (recordEnd + minAfter > blob.length) {
    throw new ParseError(
      `${field}.response.MeasurementRecordLength`,
      `at offset ${lenAt}: got ${recordLength}, want at most ${Math.max(0, blob.length - r.pos - minAfter)} (the blob has ${blob.length} bytes)`,
    );
  }
  const blocks = parseBlocks(r, recordEnd, numberOfBlocks);
  const responderNonce = r.bytes('response.Nonce', NONCE_LENGTH);
  const olAt = r.pos;
  const opaqueLength = r.u16('response.OpaqueLength');
  if (opaqueLength > MAX_OPAQUE_LENGTH) {
    throw new ParseError(`${field}.response.OpaqueLength`, `at offset ${olAt}: got ${opaqueLength}, want at most ${MAX_OPAQUE_LENGTH} (DSP0274 1.1)`);
  }
  if (r.pos + opaqueLength + SIGNATURE_LENGTH > blob.length) {
    throw new ParseError(
      `${field}.response.OpaqueLength`,
      `at offset ${olAt}: got ${opaqueLength}, want at most ${Math.max(0, blob.length - r.pos - SIGNATURE_LENGTH)} (room for the ${SIGNATURE_LENGTH}-byte signature)`,
    );
  }
  const opaqueStart = r.pos;
  const opaqueData = r.bytes('response.OpaqueData', opaqueLength);
  const opaque = parseOpaqueData(`${field}.response.OpaqueData`, opaqueData, opaqueStart);
  const signatureOffset = r.pos;
  const signature = r.bytes('response.Signature', SIGNATURE_LENGTH);

  const notes: string[] = [];
  const trailing = blob.length - r.pos;
  if (trailing > 0) {
    const nonZero = blob.subarray(r.pos).findIndex((b) => b !== 0);
    if (nonZero >= 0 || trailing > MAX_TRAILING_ZERO_BYTES) {
      throw new ParseError(
        `${field}.trailing`,
        `at offset ${r.pos}: got ${trailing} bytes after the signature${nonZero >= 0 ? ` (non-zero at offset ${r.pos + nonZero})` : ''}, want none, or at most ${MAX_TRAILING_ZERO_BYTES} zero bytes of padding`,
      );
    }
    notes.push(`${trailing} zero byte${trailing === 1 ? '' : 's'} after the signature ignored (unsigned padding, as in the trustee CoCo capture)`);
  }

  return {
    request,
    response: {
      version: rv,
      param1,
      param2,
      slotId,
      numberOfBlocks,
      measurementRecordLength: recordLength,
      blocks,
      responderNonce,
      opaqueLength,
      opaqueData,
      opaque,
      signature,
    },
    signedBytes: blob.subarray(0, signatureOffset),
    signatureOffset,
    trailingZeroBytes: trailing,
    notes,
    blob,
  };
}

/** The blob as it travels in text vectors and NVML dumps: hex, optionally with whitespace. */
export function parseReportHex(text: string, field = 'report'): Uint8Array {
  const t = text.replace(/\s+/g, '');
  if (t.length === 0) throw new ParseError(field, 'got empty hex text');
  if (t.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(t)) throw new ParseError(field, 'want hex digits only, even count');
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}
