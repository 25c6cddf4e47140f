/**
 * certs: turning certificate and CRL bytes (DER or PEM) into @peculiar/x509 objects, reading the
 * AMD-specific VCEK/VLEK extensions, and the few DER details AMD's certificates need.
 *
 * AMD's "Versioned Chip Endorsement Key (VCEK) Certificate and KDS Interface Specification"
 * (publication 57230), §3 "VCEK Certificate": VCEK and VLEK carry their TCB and chip identity in
 * extensions under 1.3.6.1.4.1.3704.1 (Table 11 in rev 1.00; hwID is 64 bytes, 8 on Turin). Their
 * serial number is 0, which @peculiar/x509 accepts.
 *
 * What this module does not do: decide whether anything is trusted (verify.ts).
 */
import { toHex } from '../../bytes.ts';
import { ParseError } from '../../errors.ts';
import { derIa5, derUint, readChildren, readWhole, TAG_BIT_STRING, TAG_OCTET_STRING, TAG_OID, TAG_SEQUENCE, type DerElement } from '../x509/der.ts';
import { X509Certificate, X509Crl } from '../x509/peculiar.ts';
import type { HashedAlgorithm } from '../x509/peculiar.ts';
import { isPemText, pemBlocks } from '../x509/pem.ts';

/** OIDs of the AMD certificate extensions (57230 §3). */
export const OID = {
  structVersion: '1.3.6.1.4.1.3704.1.1',
  productName: '1.3.6.1.4.1.3704.1.2',
  blSPL: '1.3.6.1.4.1.3704.1.3.1',
  teeSPL: '1.3.6.1.4.1.3704.1.3.2',
  snpSPL: '1.3.6.1.4.1.3704.1.3.3',
  ucodeSPL: '1.3.6.1.4.1.3704.1.3.8',
  fmcSPL: '1.3.6.1.4.1.3704.1.3.9',
  hwID: '1.3.6.1.4.1.3704.1.4',
  cspID: '1.3.6.1.4.1.3704.1.5',
} as const;

export type SplName = 'blSPL' | 'teeSPL' | 'snpSPL' | 'ucodeSPL' | 'fmcSPL';

/**
 * The VCEK/VLEK extensions as found. Each entry is a value, `undefined` when the extension is
 * absent, or an Error when present but malformed (or repeated), so that checks can say which.
 */
export interface VcekExtensions {
  structVersion: number | undefined | Error;
  productName: string | undefined | Error;
  blSPL: number | undefined | Error;
  teeSPL: number | undefined | Error;
  snpSPL: number | undefined | Error;
  ucodeSPL: number | undefined | Error;
  fmcSPL: number | undefined | Error;
  hwID: Uint8Array | undefined | Error;
  cspID: string | undefined | Error;
}

/** Text of a PEM input given as bytes or string. */
function asText(input: Uint8Array | string): string {
  return typeof input === 'string' ? input : new TextDecoder().decode(input);
}

// ---- certificates ----

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Parses one DER certificate; the DER must be exactly one SEQUENCE with nothing after it. */
function certFromDer(der: Uint8Array, field: string): X509Certificate {
  try {
    readWhole('certificate', der, TAG_SEQUENCE);
  } catch (e) {
    throw new ParseError(field, `not a DER X.509 certificate (${describe(e)})`);
  }
  try {
    const cert = new X509Certificate(der.slice());
    // Touch the fields the verifier reads, so a malformed certificate fails here, not mid-verification.
    void cert.subject;
    void cert.issuer;
    void cert.notBefore.getTime();
    void cert.notAfter.getTime();
    void cert.serialNumber;
    void cert.publicKey.rawData;
    void cert.extensions;
    return cert;
  } catch (e) {
    throw new ParseError(field, `not a usable X.509 certificate (${describe(e)})`);
  }
}

/**
 * One certificate, DER or PEM. A PEM input must hold exactly one CERTIFICATE block.
 * `field` names the input in errors (e.g. `vcek`).
 */
export function parseCertificate(input: Uint8Array | string, field: string): X509Certificate {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) throw new ParseError(field, 'not bytes or text');
  if (input.length === 0) throw new ParseError(field, 'empty');
  if (typeof input === 'string' || isPemText(input)) {
    const blocks = pemBlocks(asText(input), 'CERTIFICATE', field);
    if (blocks.length !== 1) throw new ParseError(field, `PEM must hold exactly one CERTIFICATE block, found ${blocks.length}`);
    return certFromDer(blocks[0]!, field);
  }
  return certFromDer(input, field);
}

/** Every CERTIFICATE block of a PEM text, in order; at least one. */
export function parseCertificateChain(text: string, field: string): X509Certificate[] {
  if (typeof text !== 'string') throw new ParseError(field, 'not text');
  const blocks = pemBlocks(text, 'CERTIFICATE', field);
  if (blocks.length === 0) throw new ParseError(field, 'no PEM CERTIFICATE block found');
  return blocks.map((der, i) => certFromDer(der, `${field}[${i}]`));
}

/** A CRL, DER or PEM (`X509 CRL` block). */
export function parseCrl(input: Uint8Array, field: string): X509Crl {
  if (!(input instanceof Uint8Array)) throw new ParseError(field, 'not bytes');
  if (input.length === 0) throw new ParseError(field, 'empty');
  let der = input;
  if (isPemText(input)) {
    const blocks = pemBlocks(asText(input), 'X509 CRL', field);
    if (blocks.length !== 1) throw new ParseError(field, `PEM must hold exactly one X509 CRL block, found ${blocks.length}`);
    der = blocks[0]!;
  }
  try {
    readWhole('CRL', der, TAG_SEQUENCE);
    const crl = new X509Crl(der.slice());
    void crl.issuer;
    void crl.thisUpdate.getTime();
    void crl.nextUpdate?.getTime();
    void crl.entries;
    return crl;
  } catch (e) {
    throw new ParseError(field, `not a usable DER X.509 CRL (${describe(e)})`);
  }
}

/** The CN of a distinguished name string as @peculiar/x509 prints it (`..., CN=SEV-VCEK`). */
export function commonName(dn: string): string | undefined {
  const m = /(?:^|,\s*)CN=([^,]*)/.exec(dn);
  return m?.[1];
}

/** DER of a certificate, as bytes. */
export function certDer(cert: X509Certificate): Uint8Array {
  return new Uint8Array(cert.rawData);
}

// ---- AMD's signature algorithm, checked on the DER ----

const OID_RSASSA_PSS = '2a864886f70d01010a'; // 1.2.840.113549.1.1.10
const OID_MGF1 = '2a864886f70d010108'; // 1.2.840.113549.1.1.8
const OID_SHA384 = '608648016503040202'; // 2.16.840.1.101.3.4.2.2

const F = 'signatureAlgorithm';

/** AlgorithmIdentifier { OID, parameters } -> [OID hex, parameters or undefined]. */
function algId(b: Uint8Array, t: DerElement): [string, DerElement | undefined] {
  if (t.tag !== TAG_SEQUENCE) throw new ParseError(F, 'AlgorithmIdentifier is not a SEQUENCE');
  const [oid, params, ...rest] = readChildren(F, t, b);
  if (!oid || oid.tag !== TAG_OID || rest.length) throw new ParseError(F, 'malformed AlgorithmIdentifier');
  return [toHex(oid.content), params];
}

function isSha384(b: Uint8Array, t: DerElement): boolean {
  const [oid, params] = algId(b, t);
  return oid === OID_SHA384 && (!params || (params.tag === 0x05 && params.content.length === 0));
}

function explicitInt(b: Uint8Array, t: DerElement): number {
  const [inner, ...rest] = readChildren(F, t, b);
  if (!inner || rest.length) throw new ParseError(F, 'malformed explicit INTEGER');
  return derUint(F, inner.raw);
}

/** Why an RSASSA-PSS AlgorithmIdentifier is not SHA-384 / MGF1-SHA-384 / salt 48 / trailer 1, or undefined. */
function pssProblem(b: Uint8Array, t: DerElement): string | undefined {
  const [oid, params] = algId(b, t);
  if (oid !== OID_RSASSA_PSS) return 'not RSASSA-PSS';
  if (!params || params.tag !== TAG_SEQUENCE) return 'RSASSA-PSS without parameters (defaults are SHA-1)';
  let hashOk = false;
  let mgfOk = false;
  let salt: number | undefined;
  for (const p of readChildren(F, params, b)) {
    const [inner] = readChildren(F, p, b);
    if (!inner) return 'empty RSASSA-PSS parameter';
    if (p.tag === 0xa0) hashOk = isSha384(b, inner);
    else if (p.tag === 0xa1) {
      const [mgf, mgfParams] = algId(b, inner);
      mgfOk = mgf === OID_MGF1 && mgfParams !== undefined && isSha384(b, mgfParams);
    } else if (p.tag === 0xa2) salt = explicitInt(b, p);
    else if (p.tag === 0xa3) {
      if (explicitInt(b, p) !== 1) return 'trailerField is not 1';
    } else return `unknown RSASSA-PSS parameter tag 0x${p.tag.toString(16)}`;
  }
  if (!hashOk) return 'hash is not SHA-384';
  if (!mgfOk) return 'mask generation is not MGF1 with SHA-384';
  if (salt !== 48) return `salt length is ${salt ?? 20}, not 48`;
  return undefined;
}

/**
 * Whether a DER certificate or CRL is signed with the algorithm AMD uses for ARK, ASK, ASVK, VCEK,
 * VLEK and the CRL: RSASSA-PSS, SHA-384, MGF1 with SHA-384, salt 48, trailer 1 (57230 §2). Checked
 * on the DER, including that the unsigned outer signatureAlgorithm is identical to the signed one
 * inside the tbs (RFC 5280 §4.1.1.2) and that the signature BIT STRING has no unused bits, so no
 * unsigned byte of the structure can change without verification failing. Returns why not, or undefined.
 */
export function amdSignatureProblem(der: Uint8Array): string | undefined {
  try {
    const outer = readWhole('signed structure', der, TAG_SEQUENCE);
    const [tbs, outerAlg, sig, ...rest] = readChildren(F, outer, der);
    if (!tbs || !outerAlg || !sig || rest.length || tbs.tag !== TAG_SEQUENCE || sig.tag !== TAG_BIT_STRING) return 'not a signed X.509 structure';
    if (sig.content.length < 2 || sig.content[0] !== 0) return 'signature BIT STRING has unused bits';
    const innerAlg = readChildren(F, tbs, der).find((c) => c.tag === TAG_SEQUENCE);
    if (!innerAlg) return 'no signature algorithm inside the signed part';
    const a = innerAlg.raw;
    const c = outerAlg.raw;
    if (a.length !== c.length || a.some((x, i) => x !== c[i])) return 'signatureAlgorithm differs from the signed one';
    return pssProblem(der, innerAlg);
  } catch (e) {
    return `malformed: ${describe(e)}`;
  }
}

export function describeAlgorithm(alg: HashedAlgorithm | undefined): string {
  if (!alg) return 'unknown';
  const a = alg as HashedAlgorithm & { saltLength?: number };
  return [a.name, a.hash?.name, a.saltLength !== undefined ? `salt ${a.saltLength}` : undefined].filter(Boolean).join(' ');
}

/** `cert.signatureAlgorithm`, or undefined where the library cannot map it. */
export function signatureAlgorithmOf(x: X509Certificate | X509Crl): HashedAlgorithm | undefined {
  try {
    return x.signatureAlgorithm;
  } catch {
    return undefined;
  }
}

function readExt<T>(cert: X509Certificate, oid: string, decode: (v: Uint8Array) => T): T | undefined | Error {
  try {
    const exts = cert.getExtensions(oid);
    if (exts.length === 0) return undefined;
    if (exts.length > 1) return new Error(`extension ${oid} appears ${exts.length} times`);
    return decode(new Uint8Array(exts[0]!.value));
  } catch (e) {
    return new Error(`extension ${oid}: ${describe(e)}`);
  }
}

/** Reads the AMD extensions of a VCEK or VLEK. Never throws. */
export function vcekExtensions(cert: X509Certificate): VcekExtensions {
  return {
    structVersion: readExt(cert, OID.structVersion, (v) => derUint('structVersion', v)),
    productName: readExt(cert, OID.productName, (v) => derIa5('productName', v)),
    blSPL: readExt(cert, OID.blSPL, (v) => derUint('blSPL', v)),
    teeSPL: readExt(cert, OID.teeSPL, (v) => derUint('teeSPL', v)),
    snpSPL: readExt(cert, OID.snpSPL, (v) => derUint('snpSPL', v)),
    ucodeSPL: readExt(cert, OID.ucodeSPL, (v) => derUint('ucodeSPL', v)),
    fmcSPL: readExt(cert, OID.fmcSPL, (v) => derUint('fmcSPL', v)),
    // hwID is the raw CHIP_ID, not DER-wrapped (64 bytes; 8 on Turin). Accept an OCTET STRING wrapper too.
    hwID: readExt(cert, OID.hwID, (v) => {
      if (v.length === 64 || v.length === 8) return v.slice();
      const inner = readWhole('hwID', v, TAG_OCTET_STRING).content.slice();
      if (inner.length !== 64 && inner.length !== 8) throw new ParseError('hwID', `got ${inner.length} bytes, want 64 (or 8 on Turin)`);
      return inner;
    }),
    cspID: readExt(cert, OID.cspID, (v) => derIa5('cspID', v)),
  };
}
