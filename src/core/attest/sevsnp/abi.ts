/**
 * abi: bytes of an SEV-SNP ATTESTATION_REPORT -> a typed report.
 *
 * Follows AMD's "SEV Secure Nested Paging Firmware ABI Specification" (publication 56860):
 * §7.3 "Attestation", Table 23 "ATTESTATION_REPORT Structure" (rev 1.57; Table 21 in older
 * revisions), Table 3 "TCB_VERSION Structure", §4.3 Table 10 "Guest Policy Structure", and the
 * appendix "ECDSA P-384 with SHA-384" signature format. Field names are AMD's.
 *
 * What this layer does: checks the size, the version, the must-be-zero ranges and bits, and the
 * enumerated values (SIGNATURE_ALGO, SIGNING_KEY), and decodes every field. Anything that makes the
 * bytes unusable is a ParseError naming the field, its offset, and got versus want in hex.
 *
 * What it does not do: verify the signature or any certificate (verify.ts), or judge whether a
 * genuine report is acceptable (validate.ts).
 */
import { ParseError } from '../../errors.ts';
import { fromHex, hexInt, isAllZero, toHex } from '../../bytes.ts';

/** Size of the report in bytes (Table 23). */
export const REPORT_SIZE = 0x4a0;
/** The signature covers bytes 0x000..0x29F. */
export const SIGNED_LENGTH = 0x2a0;
export const SIGNATURE_OFFSET = 0x2a0;
/** R and S are each a 72-byte little-endian integer; a P-384 value uses the low 48 bytes. */
export const ECDSA_RS_SIZE = 72;
export const P384_SCALAR_SIZE = 48;
/** SIGNATURE_ALGO value for ECDSA P-384 with SHA-384, the only one AMD defines. */
export const SIG_ALGO_ECDSA_P384_SHA384 = 1;
/** Report VERSIONs this parser knows: 2 (Milan/Genoa, older firmware), 3 (adds CPUID), 5 (adds mitigation vectors). */
export const SUPPORTED_VERSIONS: readonly number[] = [2, 3, 5];

export const FAMILY_ID_SIZE = 16;
export const IMAGE_ID_SIZE = 16;
export const REPORT_DATA_SIZE = 64;
export const MEASUREMENT_SIZE = 48;
export const HOST_DATA_SIZE = 32;
export const ID_KEY_DIGEST_SIZE = 48;
export const AUTHOR_KEY_DIGEST_SIZE = 48;
export const REPORT_ID_SIZE = 32;
export const CHIP_ID_SIZE = 64;

/** AMD EPYC product lines with SEV-SNP, as AMD's KDS names them. */
export type Product = 'Milan' | 'Genoa' | 'Turin';
export const PRODUCTS: readonly Product[] = ['Milan', 'Genoa', 'Turin'];

export function isProduct(x: unknown): x is Product {
  return typeof x === 'string' && (PRODUCTS as readonly string[]).includes(x);
}

/** Guest POLICY (offset 0x008), Table 10. `raw` is the 64-bit value. */
export interface GuestPolicy {
  raw: bigint;
  ABI_MINOR: number;
  ABI_MAJOR: number;
  SMT: boolean;
  MIGRATE_MA: boolean;
  DEBUG: boolean;
  SINGLE_SOCKET: boolean;
  CXL_ALLOW: boolean;
  MEM_AES_256_XTS: boolean;
  RAPL_DIS: boolean;
  CIPHERTEXT_HIDING: boolean;
  PAGE_SWAP_DISABLE: boolean;
}

/**
 * PLATFORM_INFO (offset 0x040). Bits AMD has not defined yet are kept in `raw` and not rejected:
 * newer firmware adds bits here, and the field is signed.
 */
export interface PlatformInfo {
  raw: bigint;
  SMT_EN: boolean;
  TSME_EN: boolean;
  ECC_EN: boolean;
  RAPL_DIS: boolean;
  CIPHERTEXT_HIDING_EN: boolean;
  ALIAS_CHECK_COMPLETE: boolean;
  TIO_EN: boolean;
}

export type SigningKey = 'VCEK' | 'VLEK' | 'NONE';

/** The signer-info word at offset 0x048. */
export interface SignerInfo {
  raw: number;
  AUTHOR_KEY_EN: boolean;
  MASK_CHIP_KEY: boolean;
  SIGNING_KEY: SigningKey;
}

/** A parsed report. Byte fields are copies; TCB fields are raw 64-bit values (decode with `decodeTcb`). */
export interface SnpReport {
  /** The 1184 bytes the report was parsed from (a private copy). */
  raw: Uint8Array;
  VERSION: number;
  GUEST_SVN: number;
  POLICY: GuestPolicy;
  FAMILY_ID: Uint8Array;
  IMAGE_ID: Uint8Array;
  VMPL: number;
  SIGNATURE_ALGO: number;
  CURRENT_TCB: bigint;
  PLATFORM_INFO: PlatformInfo;
  SIGNER_INFO: SignerInfo;
  REPORT_DATA: Uint8Array;
  MEASUREMENT: Uint8Array;
  HOST_DATA: Uint8Array;
  ID_KEY_DIGEST: Uint8Array;
  AUTHOR_KEY_DIGEST: Uint8Array;
  REPORT_ID: Uint8Array;
  REPORT_ID_MA: Uint8Array;
  REPORTED_TCB: bigint;
  /** CPUID Fn0000_0001 family / model / stepping; present from VERSION 3 on, undefined in VERSION 2. */
  CPUID_FAM_ID: number | undefined;
  CPUID_MOD_ID: number | undefined;
  CPUID_STEP: number | undefined;
  CHIP_ID: Uint8Array;
  COMMITTED_TCB: bigint;
  CURRENT_BUILD: number;
  CURRENT_MINOR: number;
  CURRENT_MAJOR: number;
  COMMITTED_BUILD: number;
  COMMITTED_MINOR: number;
  COMMITTED_MAJOR: number;
  LAUNCH_TCB: bigint;
  /** Present from VERSION 5 on. */
  LAUNCH_MIT_VECTOR: bigint | undefined;
  CURRENT_MIT_VECTOR: bigint | undefined;
  SIGNATURE: { R: Uint8Array; S: Uint8Array };
}

/** Offsets of Table 23, for error messages and for tests that mutate fields. */
export const OFFSET = {
  VERSION: 0x000,
  GUEST_SVN: 0x004,
  POLICY: 0x008,
  FAMILY_ID: 0x010,
  IMAGE_ID: 0x020,
  VMPL: 0x030,
  SIGNATURE_ALGO: 0x034,
  CURRENT_TCB: 0x038,
  PLATFORM_INFO: 0x040,
  SIGNER_INFO: 0x048,
  REPORT_DATA: 0x050,
  MEASUREMENT: 0x090,
  HOST_DATA: 0x0c0,
  ID_KEY_DIGEST: 0x0e0,
  AUTHOR_KEY_DIGEST: 0x110,
  REPORT_ID: 0x140,
  REPORT_ID_MA: 0x160,
  REPORTED_TCB: 0x180,
  CPUID_FAM_ID: 0x188,
  CPUID_MOD_ID: 0x189,
  CPUID_STEP: 0x18a,
  CHIP_ID: 0x1a0,
  COMMITTED_TCB: 0x1e0,
  CURRENT_BUILD: 0x1e8,
  CURRENT_MINOR: 0x1e9,
  CURRENT_MAJOR: 0x1ea,
  COMMITTED_BUILD: 0x1ec,
  COMMITTED_MINOR: 0x1ed,
  COMMITTED_MAJOR: 0x1ee,
  LAUNCH_TCB: 0x1f0,
  LAUNCH_MIT_VECTOR: 0x1f8,
  CURRENT_MIT_VECTOR: 0x200,
  SIGNATURE_R: 0x2a0,
  SIGNATURE_S: 0x2e8,
} as const;

/**
 * Reserved (must-be-zero) byte ranges, [start, end) with the name used in errors. Some depend on
 * VERSION: the CPUID bytes are reserved in VERSION 2, the mitigation vectors before VERSION 5.
 */
function reservedRanges(version: number): Array<[string, number, number]> {
  const r: Array<[string, number, number]> = [['RESERVED(0x04C)', 0x04c, 0x050]];
  if (version < 3) r.push(['RESERVED(0x188, CPUID before VERSION 3)', 0x188, 0x18b]);
  r.push(['RESERVED(0x18B)', 0x18b, 0x1a0], ['RESERVED(0x1EB)', 0x1eb, 0x1ec], ['RESERVED(0x1EF)', 0x1ef, 0x1f0]);
  if (version < 5) r.push(['RESERVED(0x1F8, MIT_VECTORs before VERSION 5)', 0x1f8, 0x208]);
  r.push(
    ['RESERVED(0x208)', 0x208, SIGNED_LENGTH],
    ['SIGNATURE.R upper bytes', OFFSET.SIGNATURE_R + P384_SCALAR_SIZE, OFFSET.SIGNATURE_R + ECDSA_RS_SIZE],
    ['SIGNATURE.S upper bytes', OFFSET.SIGNATURE_S + P384_SCALAR_SIZE, OFFSET.SIGNATURE_S + ECDSA_RS_SIZE],
    ['SIGNATURE reserved', OFFSET.SIGNATURE_S + ECDSA_RS_SIZE, REPORT_SIZE],
  );
  return r;
}

/** POLICY bit 17 is reserved and must be 1; bits 26..63 must be 0 (Table 10). */
const POLICY_MBO_BIT = 17n;
const POLICY_MBZ_MASK = ~((1n << 26n) - 1n) & 0xffff_ffff_ffff_ffffn;
/** Signer info bits 5..31 must be 0. */
const SIGNER_INFO_MBZ_MASK = 0xffff_ffe0;

function u32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

function u64(b: Uint8Array, off: number): bigint {
  return (BigInt(u32(b, off + 4)) << 32n) | BigInt(u32(b, off));
}

function bit(v: bigint, n: number): boolean {
  return ((v >> BigInt(n)) & 1n) === 1n;
}

function fieldError(field: string, offset: number, end: number, what: string): ParseError {
  const where = end - offset > 1 ? `offset ${hexInt(offset, 2)}..${hexInt(end - 1, 2)}` : `offset ${hexInt(offset, 2)}`;
  return new ParseError(`report.${field}`, `${where}: ${what}`);
}

function checkZero(b: Uint8Array, field: string, start: number, end: number): void {
  const slice = b.subarray(start, end);
  if (isAllZero(slice)) return;
  let first = 0;
  while (slice[first] === 0) first++;
  const shown = slice.length <= 32 ? slice : slice.subarray(first, first + 16);
  const from = slice.length <= 32 ? '' : ` (from the first non-zero byte at ${hexInt(start + first, 2)})`;
  throw fieldError(
    field,
    start,
    end,
    `must be zero: got 0x${toHex(shown)}${from}, want 0x${'00'.repeat(shown.length)}`,
  );
}

export function decodeGuestPolicy(raw: bigint): GuestPolicy {
  return {
    raw,
    ABI_MINOR: Number(raw & 0xffn),
    ABI_MAJOR: Number((raw >> 8n) & 0xffn),
    SMT: bit(raw, 16),
    MIGRATE_MA: bit(raw, 18),
    DEBUG: bit(raw, 19),
    SINGLE_SOCKET: bit(raw, 20),
    CXL_ALLOW: bit(raw, 21),
    MEM_AES_256_XTS: bit(raw, 22),
    RAPL_DIS: bit(raw, 23),
    CIPHERTEXT_HIDING: bit(raw, 24),
    PAGE_SWAP_DISABLE: bit(raw, 25),
  };
}

export function decodePlatformInfo(raw: bigint): PlatformInfo {
  return {
    raw,
    SMT_EN: bit(raw, 0),
    TSME_EN: bit(raw, 1),
    ECC_EN: bit(raw, 2),
    RAPL_DIS: bit(raw, 3),
    CIPHERTEXT_HIDING_EN: bit(raw, 4),
    ALIAS_CHECK_COMPLETE: bit(raw, 5),
    TIO_EN: bit(raw, 7),
  };
}

/**
 * Parses a binary report. `bytes` must be exactly REPORT_SIZE long. The result holds copies, so the
 * caller's buffer may change afterwards without changing the report.
 */
export function parseReport(bytes: Uint8Array): SnpReport {
  if (!(bytes instanceof Uint8Array)) throw new ParseError('report', 'not a byte array');
  if (bytes.length !== REPORT_SIZE) {
    const what = bytes.length === 0 ? 'empty' : bytes.length < REPORT_SIZE ? 'truncated' : 'oversized';
    throw new ParseError(
      'report',
      `${what}: got ${bytes.length} bytes (${hexInt(bytes.length, 2)}), want exactly ${REPORT_SIZE} (${hexInt(REPORT_SIZE, 2)})`,
    );
  }
  const b = bytes.slice();

  const VERSION = u32(b, OFFSET.VERSION);
  if (!SUPPORTED_VERSIONS.includes(VERSION)) {
    throw fieldError('VERSION', 0, 4, `got ${hexInt(VERSION, 4)}, want one of ${SUPPORTED_VERSIONS.map((v) => hexInt(v, 4)).join(', ')}`);
  }

  const policyRaw = u64(b, OFFSET.POLICY);
  if (!bit(policyRaw, Number(POLICY_MBO_BIT))) {
    throw fieldError('POLICY', OFFSET.POLICY, OFFSET.POLICY + 8, `bit 17 is reserved and must be 1: got ${hexInt(policyRaw, 8)}, want bit ${hexInt(1n << POLICY_MBO_BIT, 8)} set`);
  }
  if ((policyRaw & POLICY_MBZ_MASK) !== 0n) {
    throw fieldError('POLICY', OFFSET.POLICY, OFFSET.POLICY + 8, `bits 26..63 must be zero: got ${hexInt(policyRaw, 8)}, want ${hexInt(policyRaw & ~POLICY_MBZ_MASK, 8)}`);
  }

  const SIGNATURE_ALGO = u32(b, OFFSET.SIGNATURE_ALGO);
  if (SIGNATURE_ALGO !== SIG_ALGO_ECDSA_P384_SHA384) {
    throw fieldError('SIGNATURE_ALGO', OFFSET.SIGNATURE_ALGO, OFFSET.SIGNATURE_ALGO + 4, `unknown algorithm: got ${hexInt(SIGNATURE_ALGO, 4)}, want ${hexInt(SIG_ALGO_ECDSA_P384_SHA384, 4)} (ECDSA P-384 with SHA-384)`);
  }

  const signerRaw = u32(b, OFFSET.SIGNER_INFO);
  if ((signerRaw & SIGNER_INFO_MBZ_MASK) !== 0) {
    throw fieldError('SIGNER_INFO', OFFSET.SIGNER_INFO, OFFSET.SIGNER_INFO + 4, `bits 5..31 must be zero: got ${hexInt(signerRaw, 4)}, want ${hexInt(signerRaw & ~SIGNER_INFO_MBZ_MASK, 4)}`);
  }
  const keyCode = (signerRaw >>> 2) & 7;
  const SIGNING_KEY: SigningKey | undefined = keyCode === 0 ? 'VCEK' : keyCode === 1 ? 'VLEK' : keyCode === 7 ? 'NONE' : undefined;
  if (!SIGNING_KEY) {
    throw fieldError('SIGNER_INFO.SIGNING_KEY', OFFSET.SIGNER_INFO, OFFSET.SIGNER_INFO + 4, `reserved value: got ${hexInt(keyCode, 1)}, want 0x00 (VCEK), 0x01 (VLEK) or 0x07 (none)`);
  }

  for (const [name, start, end] of reservedRanges(VERSION)) checkZero(b, name, start, end);

  const at = (off: number, n: number): Uint8Array => b.slice(off, off + n);
  const v3 = VERSION >= 3;
  const v5 = VERSION >= 5;
  return {
    raw: b,
    VERSION,
    GUEST_SVN: u32(b, OFFSET.GUEST_SVN),
    POLICY: decodeGuestPolicy(policyRaw),
    FAMILY_ID: at(OFFSET.FAMILY_ID, FAMILY_ID_SIZE),
    IMAGE_ID: at(OFFSET.IMAGE_ID, IMAGE_ID_SIZE),
    VMPL: u32(b, OFFSET.VMPL),
    SIGNATURE_ALGO,
    CURRENT_TCB: u64(b, OFFSET.CURRENT_TCB),
    PLATFORM_INFO: decodePlatformInfo(u64(b, OFFSET.PLATFORM_INFO)),
    SIGNER_INFO: {
      raw: signerRaw,
      AUTHOR_KEY_EN: (signerRaw & 1) !== 0,
      MASK_CHIP_KEY: (signerRaw & 2) !== 0,
      SIGNING_KEY,
    },
    REPORT_DATA: at(OFFSET.REPORT_DATA, REPORT_DATA_SIZE),
    MEASUREMENT: at(OFFSET.MEASUREMENT, MEASUREMENT_SIZE),
    HOST_DATA: at(OFFSET.HOST_DATA, HOST_DATA_SIZE),
    ID_KEY_DIGEST: at(OFFSET.ID_KEY_DIGEST, ID_KEY_DIGEST_SIZE),
    AUTHOR_KEY_DIGEST: at(OFFSET.AUTHOR_KEY_DIGEST, AUTHOR_KEY_DIGEST_SIZE),
    REPORT_ID: at(OFFSET.REPORT_ID, REPORT_ID_SIZE),
    REPORT_ID_MA: at(OFFSET.REPORT_ID_MA, REPORT_ID_SIZE),
    REPORTED_TCB: u64(b, OFFSET.REPORTED_TCB),
    CPUID_FAM_ID: v3 ? b[OFFSET.CPUID_FAM_ID]! : undefined,
    CPUID_MOD_ID: v3 ? b[OFFSET.CPUID_MOD_ID]! : undefined,
    CPUID_STEP: v3 ? b[OFFSET.CPUID_STEP]! : undefined,
    CHIP_ID: at(OFFSET.CHIP_ID, CHIP_ID_SIZE),
    COMMITTED_TCB: u64(b, OFFSET.COMMITTED_TCB),
    CURRENT_BUILD: b[OFFSET.CURRENT_BUILD]!,
    CURRENT_MINOR: b[OFFSET.CURRENT_MINOR]!,
    CURRENT_MAJOR: b[OFFSET.CURRENT_MAJOR]!,
    COMMITTED_BUILD: b[OFFSET.COMMITTED_BUILD]!,
    COMMITTED_MINOR: b[OFFSET.COMMITTED_MINOR]!,
    COMMITTED_MAJOR: b[OFFSET.COMMITTED_MAJOR]!,
    LAUNCH_TCB: u64(b, OFFSET.LAUNCH_TCB),
    LAUNCH_MIT_VECTOR: v5 ? u64(b, OFFSET.LAUNCH_MIT_VECTOR) : undefined,
    CURRENT_MIT_VECTOR: v5 ? u64(b, OFFSET.CURRENT_MIT_VECTOR) : undefined,
    SIGNATURE: { R: at(OFFSET.SIGNATURE_R, ECDSA_RS_SIZE), S: at(OFFSET.SIGNATURE_S, ECDSA_RS_SIZE) },
  };
}

/**
 * The hex-text form of a report (as virtee/sev and some tools write it): hex digits, any case,
 * optionally `0x`-prefixed, whitespace anywhere ignored. Returns the bytes, still to be parsed.
 */
export function reportBytesFromHex(text: string): Uint8Array {
  const s = text.replace(/\s+/g, '');
  if (s.length === 0 || /^0x$/i.test(s)) throw new ParseError('report', 'empty: hex text has no digits');
  return fromHex(s, 'report');
}

/** Parses the hex-text form of a report (see `reportBytesFromHex`). */
export function parseReportHex(text: string): SnpReport {
  return parseReport(reportBytesFromHex(text));
}

/**
 * Accepts either form a file may hold: the binary report, or its hex text. Text is recognised only
 * when the bytes are all hex digits and whitespace (a binary report of 1184 such bytes would have
 * VERSION 0x30303030-ish and be rejected anyway).
 */
export function reportBytesFromFile(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== REPORT_SIZE && bytes.length > 0 && looksLikeHexText(bytes)) {
    return reportBytesFromHex(new TextDecoder().decode(bytes));
  }
  return bytes;
}

function looksLikeHexText(bytes: Uint8Array): boolean {
  for (const c of bytes) {
    const hex = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66) || c === 0x78 || c === 0x58;
    const space = c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
    if (!hex && !space) return false;
  }
  return true;
}

// ---- TCB_VERSION (Table 3) ----

/** Security patch levels of one TCB_VERSION. `fmc` exists on Turin only. */
export interface TcbParts {
  bl: number;
  tee: number;
  snp: number;
  ucode: number;
  fmc?: number;
}

/**
 * Splits a TCB_VERSION. Milan and Genoa: byte0 BOOT_LOADER, byte1 TEE, bytes 2-5 reserved, byte6 SNP,
 * byte7 MICROCODE. Turin: byte0 FMC, byte1 BOOT_LOADER, byte2 TEE, byte3 SNP, bytes 4-6 reserved,
 * byte7 MICROCODE.
 */
export function decodeTcb(raw: bigint, product: Product): TcbParts {
  const byte = (i: number): number => Number((raw >> BigInt(8 * i)) & 0xffn);
  if (product === 'Turin') return { fmc: byte(0), bl: byte(1), tee: byte(2), snp: byte(3), ucode: byte(7) };
  return { bl: byte(0), tee: byte(1), snp: byte(6), ucode: byte(7) };
}

/** The inverse of `decodeTcb` (used to build test reports and KDS queries). */
export function encodeTcb(p: TcbParts, product: Product): bigint {
  const put = (v: number, i: number): bigint => BigInt(v & 0xff) << BigInt(8 * i);
  if (product === 'Turin') return put(p.fmc ?? 0, 0) | put(p.bl, 1) | put(p.tee, 2) | put(p.snp, 3) | put(p.ucode, 7);
  return put(p.bl, 0) | put(p.tee, 1) | put(p.snp, 6) | put(p.ucode, 7);
}

/** `0x`-prefixed 16-digit hex of a TCB_VERSION, as FACTS.md and AMD tools print it. */
export function tcbHex(raw: bigint): string {
  return hexInt(raw, 8);
}

/**
 * Product line from CPUID family/model (VERSION >= 3). Family 0x19: models 0x00-0x0F Milan,
 * 0x10-0x1F and 0xA0-0xAF Genoa (incl. Bergamo/Siena). Family 0x1A: models 0x00-0x1F Turin.
 */
export function productFromCpuid(family: number, model: number): Product | undefined {
  if (family === 0x19) {
    if (model <= 0x0f) return 'Milan';
    if ((model >= 0x10 && model <= 0x1f) || (model >= 0xa0 && model <= 0xaf)) return 'Genoa';
  }
  if (family === 0x1a && model <= 0x1f) return 'Turin';
  return undefined;
}

/** The product the report itself names (CPUID, VERSION >= 3); undefined for VERSION 2 or unknown CPUIDs. */
export function reportProduct(r: SnpReport): Product | undefined {
  if (r.CPUID_FAM_ID === undefined || r.CPUID_MOD_ID === undefined) return undefined;
  return productFromCpuid(r.CPUID_FAM_ID, r.CPUID_MOD_ID);
}

/**
 * The product whose TCB layout applies when nothing better is known: the CPUID product, else
 * Milan's layout (VERSION 2 reports come only from Milan and Genoa, which share it).
 */
export function tcbLayoutProduct(r: SnpReport): Product {
  return reportProduct(r) ?? 'Milan';
}

/** Bytes of the signed region, and the signature in IEEE P1363 form (big-endian r || s, 96 bytes) for WebCrypto. */
export function signedBytes(r: SnpReport): Uint8Array {
  return r.raw.subarray(0, SIGNED_LENGTH);
}

export function signatureP1363(r: SnpReport): Uint8Array {
  const out = new Uint8Array(2 * P384_SCALAR_SIZE);
  for (let i = 0; i < P384_SCALAR_SIZE; i++) {
    out[i] = r.SIGNATURE.R[P384_SCALAR_SIZE - 1 - i]!;
    out[P384_SCALAR_SIZE + i] = r.SIGNATURE.S[P384_SCALAR_SIZE - 1 - i]!;
  }
  return out;
}
