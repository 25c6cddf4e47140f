/**
 * SEV-SNP attestation report bytes (snp FACTS §1) and the GHCB certificate table that
 * configfs-tsm returns as `auxblob`. The gateway builds v3 reports in simulated mode and reads a
 * few fields of real ones (CHIP_ID, REPORTED_TCB, CPUID) to fetch the VCEK; it verifies nothing.
 * Offsets, sizes and the TCB_VERSION layout are the verifier's (src/core/attest/sevsnp/abi.ts).
 */
import { concatBytes, toHex } from '../../src/core/bytes.ts';
import {
  CHIP_ID_SIZE,
  MEASUREMENT_SIZE,
  OFFSET,
  P384_SCALAR_SIZE,
  REPORT_DATA_SIZE,
  REPORT_ID_SIZE,
  REPORT_SIZE,
  SIG_ALGO_ECDSA_P384_SHA384,
  type TcbParts,
  decodeTcb,
  encodeTcb,
} from '../../src/core/attest/sevsnp/abi.ts';

/** A TCB_VERSION is 8 bytes, little-endian (Table 3). */
const TCB_SIZE = 8;

/** The SPLs of the raw TCB_VERSION bytes `b`, in Turin's layout or in Milan's and Genoa's. */
export function decodeTcbBytes(b: Uint8Array, turin: boolean): TcbParts {
  const raw = new DataView(b.buffer, b.byteOffset, TCB_SIZE).getBigUint64(0, true);
  return decodeTcb(raw, turin ? 'Turin' : 'Milan');
}

/** The unsigned part of a v3 report (0x000..0x29F) plus zeroed signature area. */
export function buildReportV3(args: {
  reportData: Uint8Array;
  measurement: Uint8Array;
  chipId: Uint8Array;
  tcb: TcbParts;
  policy: bigint;
  fw: { build: number; minor: number; major: number };
  reportId: Uint8Array;
  cpuid: [number, number, number];
  /** HOST_DATA (32 bytes) and ID_KEY_DIGEST (48): zero unless given (stand-ins of other providers set them). */
  hostData?: Uint8Array;
  idKeyDigest?: Uint8Array;
}): Uint8Array {
  if (args.reportData.length !== REPORT_DATA_SIZE || args.measurement.length !== MEASUREMENT_SIZE || args.chipId.length !== CHIP_ID_SIZE || args.reportId.length !== REPORT_ID_SIZE) {
    throw new RangeError('report field of the wrong size');
  }
  const r = new Uint8Array(REPORT_SIZE);
  const dv = new DataView(r.buffer);
  dv.setUint32(OFFSET.VERSION, 3, true);
  dv.setUint32(OFFSET.GUEST_SVN, 0, true);
  dv.setBigUint64(OFFSET.POLICY, args.policy, true);
  dv.setUint32(OFFSET.VMPL, 0, true);
  dv.setUint32(OFFSET.SIGNATURE_ALGO, SIG_ALGO_ECDSA_P384_SHA384, true);
  // Milan's and Genoa's TCB layout (a v3 report built here is never Turin's).
  const tcb = encodeTcb(args.tcb, 'Milan');
  dv.setBigUint64(OFFSET.CURRENT_TCB, tcb, true);
  dv.setBigUint64(OFFSET.PLATFORM_INFO, 0x1n, true); // SMT enabled
  dv.setUint32(OFFSET.SIGNER_INFO, 0, true); // VCEK, chip key not masked
  r.set(args.reportData, OFFSET.REPORT_DATA);
  r.set(args.measurement, OFFSET.MEASUREMENT);
  if (args.hostData) r.set(args.hostData.subarray(0, 32), OFFSET.HOST_DATA);
  if (args.idKeyDigest) r.set(args.idKeyDigest.subarray(0, 48), OFFSET.ID_KEY_DIGEST);
  r.set(args.reportId, OFFSET.REPORT_ID);
  r.fill(0xff, OFFSET.REPORT_ID_MA, OFFSET.REPORT_ID_MA + REPORT_ID_SIZE);
  dv.setBigUint64(OFFSET.REPORTED_TCB, tcb, true);
  r.set(args.cpuid, OFFSET.CPUID_FAM_ID);
  r.set(args.chipId, OFFSET.CHIP_ID);
  dv.setBigUint64(OFFSET.COMMITTED_TCB, tcb, true);
  r.set([args.fw.build, args.fw.minor, args.fw.major], OFFSET.CURRENT_BUILD);
  r.set([args.fw.build, args.fw.minor, args.fw.major], OFFSET.COMMITTED_BUILD);
  dv.setBigUint64(OFFSET.LAUNCH_TCB, tcb, true);
  return r;
}

/** Writes an IEEE-P1363 P-384 signature (r||s big-endian) as two 72-byte little-endian fields. */
export function setSignature(report: Uint8Array, p1363: Uint8Array): void {
  if (p1363.length !== 2 * P384_SCALAR_SIZE) throw new RangeError(`P-384 signature must be ${2 * P384_SCALAR_SIZE} bytes`);
  const rLe = p1363.slice(0, P384_SCALAR_SIZE).reverse();
  const sLe = p1363.slice(P384_SCALAR_SIZE, 2 * P384_SCALAR_SIZE).reverse();
  report.fill(0, OFFSET.SIGNATURE_R, REPORT_SIZE);
  report.set(rLe, OFFSET.SIGNATURE_R);
  report.set(sLe, OFFSET.SIGNATURE_S);
}

export function reportFields(report: Uint8Array): {
  version: number;
  reportData: Uint8Array;
  chipId: Uint8Array;
  reportedTcb: Uint8Array;
  cpuid: [number, number, number];
  signingKey: number;
} {
  if (report.length !== REPORT_SIZE) throw new RangeError(`SNP report must be ${REPORT_SIZE} bytes, got ${report.length}`);
  const dv = new DataView(report.buffer, report.byteOffset, report.byteLength);
  return {
    version: dv.getUint32(OFFSET.VERSION, true),
    reportData: report.slice(OFFSET.REPORT_DATA, OFFSET.REPORT_DATA + REPORT_DATA_SIZE),
    chipId: report.slice(OFFSET.CHIP_ID, OFFSET.CHIP_ID + CHIP_ID_SIZE),
    reportedTcb: report.slice(OFFSET.REPORTED_TCB, OFFSET.REPORTED_TCB + TCB_SIZE),
    cpuid: [report[OFFSET.CPUID_FAM_ID]!, report[OFFSET.CPUID_MOD_ID]!, report[OFFSET.CPUID_STEP]!],
    signingKey: (dv.getUint32(OFFSET.SIGNER_INFO, true) >>> 2) & 7,
  };
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
  const h = toHex(c);
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
