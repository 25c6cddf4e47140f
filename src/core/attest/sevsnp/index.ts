/**
 * SEV-SNP verification entry point: parse (abi.ts, certs.ts), verify the AMD signature chain
 * (verify.ts), validate against the policy (validate.ts), and summarise what the report claims.
 *
 * `verifySnp` never throws for a failed check; it throws ParseError (code E_PARSE) only when an
 * input cannot be used at all, naming that input (`report`, `vcek`, `certChain`, `crl`).
 * Pure: Web Crypto and @peculiar/x509 only; runs in the service worker and in Node.
 */
import { ParseError } from '../../errors.ts';
import type { Check } from '../types.ts';
import { hexInt, toHex } from '../../bytes.ts';
import { decodeTcb, parseReport, tcbHex } from './abi.ts';
import type { GuestPolicy, Product, SnpReport, TcbParts } from './abi.ts';
import { parseCertificate, parseCertificateChain, parseCrl } from './certs.ts';
import { verifyReport } from './verify.ts';
import type { SnpVerifyOptions } from './verify.ts';
import { validateReport } from './validate.ts';
import type { SnpPolicy } from './validate.ts';

export * from './abi.ts';
export { parseCertificate, parseCertificateChain, parseCrl, vcekExtensions } from './certs.ts';
export { verifyReport, clearVerifyCaches, trustAnchorProblems } from './verify.ts';
export type { CrlPolicy, SnpVerifyInput, SnpVerifyOptions, SnpVerifyResult } from './verify.ts';
export { validateReport, defaultSnpPolicy } from './validate.ts';
export type { SnpPolicy, TcbMinimum, TcbField } from './validate.ts';
export { AMD_TRUST_ANCHORS, kdsCrlUrl } from './roots.ts';
export type { SnpTrustAnchor } from './roots.ts';

export interface SnpInput {
  /** The 1184-byte binary report (for hex text, convert with `reportBytesFromHex` first). */
  report: Uint8Array;
  /** The VCEK or VLEK, DER or PEM. */
  vcek: Uint8Array;
  /** PEM ASK(or ASVK)+ARK carried in the evidence: only compared with the pinned chain. */
  certChain?: string;
  /** AMD's CRL (DER or PEM). */
  crl?: Uint8Array;
}

export interface TcbClaim extends TcbParts {
  /** The raw TCB_VERSION, `0x` + 16 hex digits. */
  hex: string;
}

export interface FirmwareClaim {
  major: number;
  minor: number;
  build: number;
  /** `major.minor` */
  version: string;
}

/** What a report says, in JSON-safe form (hex strings for bytes and 64-bit values). */
export interface SnpClaims {
  product: Product;
  signingKey: 'VCEK' | 'VLEK';
  /** Which trust anchor the chain ended in: AMD's, development (simulated), or none matched. */
  rootSource: 'amd' | 'dev' | 'none';
  version: number;
  measurement: string;
  reportData: string;
  hostData: string;
  chipId: string;
  vmpl: number;
  guestSvn: number;
  familyId: string;
  imageId: string;
  idKeyDigest: string;
  authorKeyDigest: string;
  reportId: string;
  reportIdMa: string;
  /** The decoded POLICY, with the raw 64-bit value as hex (claims travel as JSON). */
  policy: Omit<GuestPolicy, 'raw'> & { hex: string };
  platformInfo: {
    hex: string;
    SMT_EN: boolean;
    TSME_EN: boolean;
    ECC_EN: boolean;
    RAPL_DIS: boolean;
    CIPHERTEXT_HIDING_EN: boolean;
    ALIAS_CHECK_COMPLETE: boolean;
    TIO_EN: boolean;
  };
  signerInfo: { AUTHOR_KEY_EN: boolean; MASK_CHIP_KEY: boolean };
  reportedTcb: TcbClaim;
  currentTcb: TcbClaim;
  committedTcb: TcbClaim;
  launchTcb: TcbClaim;
  firmware: { current: FirmwareClaim; committed: FirmwareClaim };
  cpuid?: { family: number; model: number; stepping: number };
  /** The VCEK/VLEK productName extension, e.g. `Milan-B0`. */
  productName?: string;
  /** The VLEK cspID extension (which cloud the VLEK was issued to). */
  cspId?: string;
}

export interface SnpResult {
  checks: Check[];
  claims: SnpClaims;
}

function tcbClaim(raw: bigint, product: Product): TcbClaim {
  return { ...decodeTcb(raw, product), hex: tcbHex(raw) };
}

function fw(major: number, minor: number, build: number): FirmwareClaim {
  return { major, minor, build, version: `${major}.${minor}` };
}

/** Claims of a parsed report, TCBs decoded with `product`'s layout. */
export function snpClaims(r: SnpReport, product: Product, extra: Pick<SnpClaims, 'signingKey' | 'rootSource' | 'productName' | 'cspId'>): SnpClaims {
  const { raw: policyRaw, ...policyBits } = r.POLICY;
  const { raw: piRaw, ...piBits } = r.PLATFORM_INFO;
  const claims: SnpClaims = {
    product,
    signingKey: extra.signingKey,
    rootSource: extra.rootSource,
    version: r.VERSION,
    measurement: toHex(r.MEASUREMENT),
    reportData: toHex(r.REPORT_DATA),
    hostData: toHex(r.HOST_DATA),
    chipId: toHex(r.CHIP_ID),
    vmpl: r.VMPL,
    guestSvn: r.GUEST_SVN,
    familyId: toHex(r.FAMILY_ID),
    imageId: toHex(r.IMAGE_ID),
    idKeyDigest: toHex(r.ID_KEY_DIGEST),
    authorKeyDigest: toHex(r.AUTHOR_KEY_DIGEST),
    reportId: toHex(r.REPORT_ID),
    reportIdMa: toHex(r.REPORT_ID_MA),
    policy: { hex: hexInt(policyRaw, 8), ...policyBits },
    platformInfo: { hex: hexInt(piRaw, 8), ...piBits },
    signerInfo: { AUTHOR_KEY_EN: r.SIGNER_INFO.AUTHOR_KEY_EN, MASK_CHIP_KEY: r.SIGNER_INFO.MASK_CHIP_KEY },
    reportedTcb: tcbClaim(r.REPORTED_TCB, product),
    currentTcb: tcbClaim(r.CURRENT_TCB, product),
    committedTcb: tcbClaim(r.COMMITTED_TCB, product),
    launchTcb: tcbClaim(r.LAUNCH_TCB, product),
    firmware: {
      current: fw(r.CURRENT_MAJOR, r.CURRENT_MINOR, r.CURRENT_BUILD),
      committed: fw(r.COMMITTED_MAJOR, r.COMMITTED_MINOR, r.COMMITTED_BUILD),
    },
  };
  if (r.CPUID_FAM_ID !== undefined) claims.cpuid = { family: r.CPUID_FAM_ID, model: r.CPUID_MOD_ID!, stepping: r.CPUID_STEP! };
  if (extra.productName !== undefined) claims.productName = extra.productName;
  if (extra.cspId !== undefined) claims.cspId = extra.cspId;
  return claims;
}

/**
 * Verifies one SEV-SNP report end to end. Every input is parsed (and so copied) before the first
 * await, so a caller changing its buffers afterwards cannot change what is verified.
 * `opts.roots` selects the trust anchors (default: AMD's pinned roots only).
 */
export async function verifySnp(input: SnpInput, policy: SnpPolicy, opts: Omit<SnpVerifyOptions, 'crl'>): Promise<SnpResult> {
  if (typeof input !== 'object' || input === null) throw new ParseError('input', 'not an object');
  const report = parseReport(input.report);
  const vcek = parseCertificate(input.vcek, 'vcek');
  const evidenceChain = input.certChain !== undefined ? parseCertificateChain(input.certChain, 'certChain') : undefined;
  const crl = input.crl !== undefined ? parseCrl(input.crl, 'crl') : undefined;

  const verified = await verifyReport(
    { report, vcek, ...(evidenceChain ? { evidenceChain } : {}), ...(crl ? { crl } : {}) },
    { ...opts, crl: policy.crl },
  );
  const checks = [...verified.checks, ...validateReport(report, { product: verified.product, signingKey: verified.keyKind }, policy)];
  const ext = verified.extensions;
  const claims = snpClaims(report, verified.product, {
    signingKey: verified.keyKind,
    rootSource: verified.anchor?.source ?? 'none',
    ...(typeof ext.productName === 'string' ? { productName: ext.productName } : {}),
    ...(typeof ext.cspID === 'string' ? { cspId: ext.cspID } : {}),
  });
  return { checks, claims };
}
