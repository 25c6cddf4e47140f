/**
 * SEV-SNP attestation report bytes (snp FACTS §1) and the GHCB certificate table that
 * configfs-tsm returns as `auxblob`. The gateway builds v3 reports in simulated mode and reads a
 * few fields of real ones (CHIP_ID, REPORTED_TCB, CPUID) to fetch the VCEK; it verifies nothing.
 */
import { concatBytes } from '../../src/core/channel/bytes.ts';

export const REPORT_BYTES = 0x4a0;
export const SIGNED_BYTES = 0x2a0;
const OFF = {
  VERSION: 0x000,
  GUEST_SVN: 0x004,
  POLICY: 0x008,
  VMPL: 0x030,
  SIGNATURE_ALGO: 0x034,
  CURRENT_TCB: 0x038,
  PLATFORM_INFO: 0x040,
  SIGNER_INFO: 0x048,
  REPORT_DATA: 0x050,
  MEASUREMENT: 0x090,
  REPORT_ID: 0x140,
  REPORT_ID_MA: 0x160,
  REPORTED_TCB: 0x180,
  CPUID: 0x188,
  CHIP_ID: 0x1a0,
  COMMITTED_TCB: 0x1e0,
  CURRENT_BUILD: 0x1e8,
  COMMITTED_BUILD: 0x1ec,
  LAUNCH_TCB: 0x1f0,
  SIGNATURE: 0x2a0,
} as const;

export interface Tcb {
  bl: number;
  tee: number;
  snp: number;
  ucode: number;
  fmc?: number;
}

/** TCB_VERSION for Milan/Genoa: byte0 bl, byte1 tee, byte6 snp, byte7 ucode (FACTS §3). */
export function encodeTcb(t: Tcb): Uint8Array {
  const b = new Uint8Array(8);
  b[0] = t.bl;
  b[1] = t.tee;
  b[6] = t.snp;
  b[7] = t.ucode;
  return b;
}

export function decodeTcb(b: Uint8Array, turin: boolean): Tcb {
  return turin ? { fmc: b[0]!, bl: b[1]!, tee: b[2]!, snp: b[3]!, ucode: b[7]! } : { bl: b[0]!, tee: b[1]!, snp: b[6]!, ucode: b[7]! };
}

/** The unsigned part of a v3 report (0x000..0x29F) plus zeroed signature area. */
export function buildReportV3(args: {
  reportData: Uint8Array;
  measurement: Uint8Array;
  chipId: Uint8Array;
  tcb: Tcb;
  policy: bigint;
  fw: { build: number; minor: number; major: number };
  reportId: Uint8Array;
  cpuid: [number, number, number];
}): Uint8Array {
  if (args.reportData.length !== 64 || args.measurement.length !== 48 || args.chipId.length !== 64 || args.reportId.length !== 32) {
    throw new RangeError('report field of the wrong size');
  }
  const r = new Uint8Array(REPORT_BYTES);
  const dv = new DataView(r.buffer);
  dv.setUint32(OFF.VERSION, 3, true);
  dv.setUint32(OFF.GUEST_SVN, 0, true);
  dv.setBigUint64(OFF.POLICY, args.policy, true);
  dv.setUint32(OFF.VMPL, 0, true);
  dv.setUint32(OFF.SIGNATURE_ALGO, 1, true);
  const tcb = encodeTcb(args.tcb);
  r.set(tcb, OFF.CURRENT_TCB);
  dv.setBigUint64(OFF.PLATFORM_INFO, 0x1n, true); // SMT enabled
  dv.setUint32(OFF.SIGNER_INFO, 0, true); // VCEK, chip key not masked
  r.set(args.reportData, OFF.REPORT_DATA);
  r.set(args.measurement, OFF.MEASUREMENT);
  r.set(args.reportId, OFF.REPORT_ID);
  r.fill(0xff, OFF.REPORT_ID_MA, OFF.REPORT_ID_MA + 32);
  r.set(tcb, OFF.REPORTED_TCB);
  r.set(args.cpuid, OFF.CPUID);
  r.set(args.chipId, OFF.CHIP_ID);
  r.set(tcb, OFF.COMMITTED_TCB);
  r.set([args.fw.build, args.fw.minor, args.fw.major], OFF.CURRENT_BUILD);
  r.set([args.fw.build, args.fw.minor, args.fw.major], OFF.COMMITTED_BUILD);
  r.set(tcb, OFF.LAUNCH_TCB);
  return r;
}

/** Writes an IEEE-P1363 P-384 signature (r||s big-endian) as two 72-byte little-endian fields. */
export function setSignature(report: Uint8Array, p1363: Uint8Array): void {
  if (p1363.length !== 96) throw new RangeError('P-384 signature must be 96 bytes');
  const rLe = p1363.slice(0, 48).reverse();
  const sLe = p1363.slice(48, 96).reverse();
  report.fill(0, OFF.SIGNATURE, REPORT_BYTES);
  report.set(rLe, OFF.SIGNATURE);
  report.set(sLe, OFF.SIGNATURE + 72);
}

export function reportFields(report: Uint8Array): {
  version: number;
  reportData: Uint8Array;
  chipId: Uint8Array;
  reportedTcb: Uint8Array;
  cpuid: [number, number, number];
  signingKey: number;
} {
  if (report.length !== REPORT_BYTES) throw new RangeError(`SNP report must be ${REPORT_BYTES} bytes, got ${report.length}`);
  const dv = new DataView(report.buffer, report.byteOffset, report.byteLength);
  return {
    version: dv.getUint32(OFF.VERSION, true),
    reportData: report.slice(OFF.REPORT_DATA, OFF.REPORT_DATA + 64),
    chipId: report.slice(OFF.CHIP_ID, OFF.CHIP_ID + 64),
    reportedTcb: report.slice(OFF.REPORTED_TCB, OFF.REPORTED_TCB + 8),
    cpuid: [report[OFF.CPUID]!, report[OFF.CPUID + 1]!, report[OFF.CPUID + 2]!],
    signingKey: (dv.getUint32(OFF.SIGNER_INFO, true) >>> 2) & 7,
  };
}

/** Product line from the CPUID bytes of a v3+ report (family 0x19: model 0x0x Milan, 0x1x Genoa; family 0x1A Turin). */
export function productFromCpuid(cpuid: [number, number, number]): 'Milan' | 'Genoa' | 'Turin' | null {
  const [family, model] = cpuid;
  if (family === 0x19 && model < 0x10) return 'Milan';
  if (family === 0x19 && model >= 0x10 && model < 0x20) return 'Genoa';
  if (family === 0x1a) return 'Turin';
  return null;
}

// GHCB spec 56421 §4.1.8.1: entries of { GUID (16 bytes, RFC 4122 mixed-endian as Linux guid_t), offset u32le, length u32le },
// terminated by an all-zero entry; offsets are from the start of the table.
export const CERT_GUIDS = {
  VCEK: '63da758d-e664-4564-adc5-f4b93be8accd',
  VLEK: 'a8074bc2-a25a-483e-aae6-39c045a0b8a1',
  ASK: '4ab7b379-bbac-4fe4-a02f-05aef327c782',
  ARK: 'c0b406a4-a803-4952-9743-3fb6014cd0ae',
} as const;

export function guidToBytes(guid: string): Uint8Array {
  const h = guid.replace(/-/g, '');
  const b = new Uint8Array(16);
  for (let i = 0; i < 16; i++) b[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  // first three fields little-endian
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

export function guidFromBytes(b: Uint8Array): string {
  const c = b.slice(0, 16);
  c.subarray(0, 4).reverse();
  c.subarray(4, 6).reverse();
  c.subarray(6, 8).reverse();
  const h = Array.from(c, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function parseCertTable(aux: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const dv = new DataView(aux.buffer, aux.byteOffset, aux.byteLength);
  for (let i = 0; i + 24 <= aux.length; i += 24) {
    const guidBytes = aux.subarray(i, i + 16);
    const offset = dv.getUint32(i + 16, true);
    const length = dv.getUint32(i + 20, true);
    if (guidBytes.every((x) => x === 0) && offset === 0 && length === 0) return out;
    if (offset + length > aux.length) throw new RangeError(`certificate table entry ${i / 24} runs past the table`);
    out.set(guidFromBytes(guidBytes), aux.slice(offset, offset + length));
  }
  if (aux.length === 0) return out;
  throw new RangeError('certificate table has no terminating entry');
}

export function buildCertTable(entries: [string, Uint8Array][]): Uint8Array {
  const headerLen = (entries.length + 1) * 24;
  const head = new Uint8Array(headerLen);
  const dv = new DataView(head.buffer);
  let offset = headerLen;
  entries.forEach(([guid, data], i) => {
    head.set(guidToBytes(guid), i * 24);
    dv.setUint32(i * 24 + 16, offset, true);
    dv.setUint32(i * 24 + 20, data.length, true);
    offset += data.length;
  });
  return concatBytes([head, ...entries.map(([, d]) => d)]);
}
