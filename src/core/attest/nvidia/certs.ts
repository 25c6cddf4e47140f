/**
 * X.509 for the NVIDIA verifier: PEM splitting, certificate decoding and chain checks to a
 * pinned root. Shared by the GPU device chain (verify.ts), the RIM KeyInfo chain (rim.ts) and
 * the NRAS signing key's x5c (nras.ts).
 *
 * Certificates are decoded by the strict DER reader (der.ts), not a general ASN.1 library:
 * the signed TBSCertificate is sliced from the certificate as received, never re-encoded; BER
 * leniency (indefinite or non-minimal lengths, non-DER booleans, non-canonical ECDSA integers)
 * is rejected, so one certificate has one accepted encoding; it needs no global polyfill
 * (@peculiar/x509 needs a Reflect metadata shim) and is about 100 times faster (bench/attest-gpu.ts).
 * The decoded fields are cross-checked against @peculiar/x509 in the tests. Signatures are
 * checked with Web Crypto.
 *
 * Not done here: revocation (CRL / OCSP), name constraints, policy constraints — see
 * docs/attestation-nvidia.md.
 */
import { ConfidantError, ParseError } from '../../errors.ts';
import type { Check } from '../types.ts';
import { parsePemChain as parsePem } from '../x509/pem.ts';
import { bytesEqual, sha256, toHex } from '../../bytes.ts';
import {
  type DerElement,
  TAG_BIT_STRING,
  TAG_BOOLEAN,
  TAG_GENERALIZED_TIME,
  TAG_IA5_STRING,
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_PRINTABLE_STRING,
  TAG_SEQUENCE,
  TAG_SET,
  TAG_UTC_TIME,
  TAG_UTF8_STRING,
  decodeOid,
  ecdsaDerToRaw,
  expectTag,
  readChildren,
  readWhole,
} from '../x509/der.ts';

export const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';
export const OID_ECDSA_SHA384 = '1.2.840.10045.4.3.3';
export const OID_RSA_SHA256 = '1.2.840.113549.1.1.11';
export const OID_RSA_SHA384 = '1.2.840.113549.1.1.12';
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const OID_P256 = '1.2.840.10045.3.1.7';
const OID_P384 = '1.3.132.0.34';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';

/** Critical extensions this verifier understands; any other critical extension fails the chain (RFC 5280 §4.2). */
const UNDERSTOOD_CRITICAL = new Set([OID_BASIC_CONSTRAINTS, OID_KEY_USAGE, '2.5.29.17', '2.5.29.37']);

export const MAX_PEM_CHAIN_CHARS = 64 * 1024;
const MAX_CERTS = 16;

export type KeyType = 'EC P-384' | 'EC P-256' | 'RSA';

export interface Cert {
  /** The certificate exactly as received. */
  der: Uint8Array;
  /** TBSCertificate bytes as received: what the issuer signed. */
  tbs: Uint8Array;
  /** Outer signatureAlgorithm OID (equal to the one inside TBSCertificate, checked). */
  sigAlgOid: string;
  /** signatureValue without the BIT STRING unused-bits byte. */
  signature: Uint8Array;
  subject: string;
  issuer: string;
  /** Subject common name (or the whole subject when it has none), for messages. */
  name: string;
  subjectDer: Uint8Array;
  issuerDer: Uint8Array;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  keyType: KeyType | string;
  /** basicConstraints.cA, null when the extension is absent. */
  ca: boolean | null;
  pathLength: number | null;
  /** KeyUsage flags (@peculiar/x509 KeyUsageFlags), null when absent. */
  keyUsage: number | null;
  extensions: { oid: string; critical: boolean; value: Uint8Array }[];
}

function describeKeyType(field: string, spki: Uint8Array): KeyType | string {
  const seq = readWhole(field, spki, TAG_SEQUENCE);
  const [alg, key] = readChildren(field, seq, spki);
  if (!alg || !key) throw new ParseError(field, 'SubjectPublicKeyInfo: want algorithm and key');
  expectTag(field, key, TAG_BIT_STRING);
  const algParts = readChildren(field, alg, spki);
  const oidEl = algParts[0];
  if (!oidEl) throw new ParseError(field, 'SubjectPublicKeyInfo algorithm is empty');
  expectTag(field, oidEl, TAG_OID);
  const oid = decodeOid(field, oidEl.content);
  if (oid === OID_RSA_ENCRYPTION) return 'RSA';
  if (oid === OID_EC_PUBLIC_KEY) {
    const p = algParts[1];
    if (!p || p.tag !== TAG_OID) return 'EC (no named curve)';
    const curve = decodeOid(field, p.content);
    if (curve === OID_P384) return 'EC P-384';
    if (curve === OID_P256) return 'EC P-256';
    return `EC ${curve}`;
  }
  return oid;
}

const NAME_ATTRS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
};

/** Name (RFC 5280 §4.1.2.4) rendered for people: RDNs in encoded order, `CN=…, O=…`. */
function nameToString(field: string, buf: Uint8Array, name: DerElement): string {
  const parts: string[] = [];
  for (const rdn of readChildren(field, name, buf)) {
    expectTag(field, rdn, TAG_SET);
    for (const atv of readChildren(field, rdn, buf)) {
      expectTag(field, atv, TAG_SEQUENCE);
      const [oidEl, valEl] = readChildren(field, atv, buf);
      if (!oidEl || !valEl) throw new ParseError(field, 'AttributeTypeAndValue: want type and value');
      expectTag(field, oidEl, TAG_OID);
      const oid = decodeOid(field, oidEl.content);
      let v: string;
      if (valEl.tag === TAG_UTF8_STRING || valEl.tag === TAG_PRINTABLE_STRING || valEl.tag === TAG_IA5_STRING) {
        v = new TextDecoder('utf-8', { fatal: true }).decode(valEl.content);
      } else {
        v = `#${toHex(valEl.raw)}`;
      }
      parts.push(`${NAME_ATTRS[oid] ?? oid}=${v}`);
    }
  }
  return parts.join(', ');
}

/** UTCTime (YYMMDDHHMMSSZ, RFC 5280 §4.1.2.5.1) or GeneralizedTime (YYYYMMDDHHMMSSZ, §4.1.2.5.2). */
function decodeTime(field: string, el: DerElement): Date {
  const s = String.fromCharCode(...el.content);
  let m: RegExpExecArray | null;
  let year: number;
  if (el.tag === TAG_UTC_TIME && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s))) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (el.tag === TAG_GENERALIZED_TIME && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s))) {
    year = Number(m[1]);
  } else {
    throw new ParseError(field, `time at offset ${el.start}: got ${JSON.stringify(s)}, want UTCTime or GeneralizedTime in UTC`);
  }
  const [mo, d, h, mi, se] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  const t = Date.UTC(year, mo - 1, d, h, mi, se);
  const back = new Date(t);
  if (mo < 1 || mo > 12 || back.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) throw new ParseError(field, `time at offset ${el.start}: ${JSON.stringify(s)} is not a calendar time`);
  return back;
}

function decodeBoolean(field: string, el: DerElement): boolean {
  expectTag(field, el, TAG_BOOLEAN);
  if (el.content.length !== 1 || (el.content[0] !== 0 && el.content[0] !== 0xff)) throw new ParseError(field, `BOOLEAN at offset ${el.start} is not DER (0x00 or 0xff)`);
  return el.content[0] === 0xff;
}

function decodeSmallInt(field: string, el: DerElement): number {
  expectTag(field, el, TAG_INTEGER);
  const c = el.content;
  if (c.length === 0 || c.length > 4 || c[0]! & 0x80) throw new ParseError(field, `INTEGER at offset ${el.start}: want a small non-negative integer`);
  if (c.length > 1 && c[0] === 0 && !(c[1]! & 0x80)) throw new ParseError(field, `INTEGER at offset ${el.start} is not minimally encoded`);
  return c.reduce((a, b) => a * 256 + b, 0);
}

/** KeyUsage bits (RFC 5280 §4.2.1.3) as flags: bit n → 1 << n. */
export const KeyUsage = {
  digitalSignature: 1,
  nonRepudiation: 2,
  keyEncipherment: 4,
  dataEncipherment: 8,
  keyAgreement: 16,
  keyCertSign: 32,
  cRLSign: 64,
  encipherOnly: 128,
  decipherOnly: 256,
} as const;

function decodeKeyUsage(field: string, value: Uint8Array): number {
  const bs = readWhole(field, value, TAG_BIT_STRING);
  const c = bs.content;
  if (c.length < 1 || c[0]! > 7 || (c.length === 1 && c[0] !== 0)) throw new ParseError(field, 'KeyUsage BIT STRING is malformed');
  let flags = 0;
  for (let i = 1; i < c.length; i++) {
    for (let b = 0; b < 8; b++) if (c[i]! & (0x80 >> b)) flags |= 1 << ((i - 1) * 8 + b);
  }
  return flags;
}

function decodeBasicConstraints(field: string, value: Uint8Array): { ca: boolean; pathLength: number | null } {
  const seq = readWhole(field, value, TAG_SEQUENCE);
  const kids = readChildren(field, seq, value);
  let ca = false;
  let pathLength: number | null = null;
  let i = 0;
  if (kids[i]?.tag === TAG_BOOLEAN) ca = decodeBoolean(field, kids[i++]!);
  if (kids[i]) pathLength = decodeSmallInt(field, kids[i++]!);
  if (kids[i]) throw new ParseError(field, 'BasicConstraints has extra elements');
  return { ca, pathLength };
}

/**
 * Decodes one certificate (RFC 5280 §4.1) with the strict DER reader. Any malformed input is a
 * ParseError naming `field`. Decoded: serial, issuer, validity, subject, SubjectPublicKeyInfo,
 * extensions (basicConstraints and keyUsage interpreted, the rest kept raw).
 */
export function parseCert(field: string, der: Uint8Array): Cert {
  try {
    return decodeCert(field, der);
  } catch (e) {
    if (e instanceof ConfidantError) throw e;
    throw new ParseError(field, `not a decodable X.509 certificate (${e instanceof Error ? e.message : String(e)})`);
  }
}

function decodeCert(field: string, der: Uint8Array): Cert {
  const outer = readWhole(field, der, TAG_SEQUENCE);
  const parts = readChildren(field, outer, der);
  if (parts.length !== 3) throw new ParseError(field, `Certificate: got ${parts.length} elements, want 3`);
  const [tbsEl, algEl, sigEl] = parts as [DerElement, DerElement, DerElement];
  expectTag(field, tbsEl, TAG_SEQUENCE);
  expectTag(field, algEl, TAG_SEQUENCE);
  expectTag(field, sigEl, TAG_BIT_STRING);
  if (sigEl.content.length < 2 || sigEl.content[0] !== 0) throw new ParseError(field, 'signatureValue: want a BIT STRING with 0 unused bits');
  const algParts = readChildren(field, algEl, der);
  if (!algParts[0]) throw new ParseError(field, 'signatureAlgorithm is empty');
  expectTag(field, algParts[0], TAG_OID);
  const sigAlgOid = decodeOid(field, algParts[0].content);

  const t = readChildren(field, tbsEl, der);
  let i = 0;
  let version = 1;
  if (t[0]?.tag === 0xa0) {
    const [v] = readChildren(field, t[0], der);
    if (!v) throw new ParseError(field, 'TBSCertificate.version is empty');
    version = decodeSmallInt(field, v) + 1;
    i = 1;
  }
  const serialEl = t[i++];
  const innerAlg = t[i++];
  const issuerEl = t[i++];
  const validityEl = t[i++];
  const subjectEl = t[i++];
  const spkiEl = t[i++];
  if (!serialEl || !innerAlg || !issuerEl || !validityEl || !subjectEl || !spkiEl) throw new ParseError(field, 'TBSCertificate is missing fields');
  expectTag(field, serialEl, TAG_INTEGER);
  for (const el of [innerAlg, issuerEl, validityEl, subjectEl, spkiEl]) expectTag(field, el, TAG_SEQUENCE);
  if (!bytesEqual(innerAlg.raw, algEl.raw)) throw new ParseError(field, 'TBSCertificate.signature differs from Certificate.signatureAlgorithm (RFC 5280 §4.1.1.2)');
  if (serialEl.content.length === 0 || serialEl.content.length > 21) throw new ParseError(field, `serialNumber: got ${serialEl.content.length} bytes, want 1..21`);
  const times = readChildren(field, validityEl, der);
  if (times.length !== 2) throw new ParseError(field, `Validity: got ${times.length} times, want 2`);

  const extensions: Cert['extensions'] = [];
  for (; i < t.length; i++) {
    const el = t[i]!;
    if (el.tag === 0x81 || el.tag === 0x82 || el.tag === 0xa1 || el.tag === 0xa2) continue; // issuer/subject unique ids
    if (el.tag !== 0xa3 || i !== t.length - 1) throw new ParseError(field, `TBSCertificate: unexpected element ${el.tag.toString(16)} at offset ${el.start}`);
    if (version !== 3) throw new ParseError(field, `extensions in a version ${version} certificate`);
    const [list, extra] = readChildren(field, el, der);
    if (!list || extra) throw new ParseError(field, 'extensions: want one SEQUENCE');
    expectTag(field, list, TAG_SEQUENCE);
    for (const ext of readChildren(field, list, der)) {
      expectTag(field, ext, TAG_SEQUENCE);
      const e = readChildren(field, ext, der);
      const oidEl = e[0];
      if (!oidEl) throw new ParseError(field, 'empty Extension');
      expectTag(field, oidEl, TAG_OID);
      let critical = false;
      let k = 1;
      if (e[k]?.tag === TAG_BOOLEAN) critical = decodeBoolean(field, e[k++]!);
      const val = e[k++];
      if (!val || e[k]) throw new ParseError(field, 'Extension: want extnID, critical, extnValue');
      expectTag(field, val, TAG_OCTET_STRING);
      const oid = decodeOid(field, oidEl.content);
      if (extensions.some((x) => x.oid === oid)) throw new ParseError(field, `extension ${oid} appears twice (RFC 5280 §4.2)`);
      extensions.push({ oid, critical, value: val.content });
    }
  }
  const bcExt = extensions.find((e) => e.oid === OID_BASIC_CONSTRAINTS);
  const bc = bcExt ? decodeBasicConstraints(`${field}.basicConstraints`, bcExt.value) : null;
  const kuExt = extensions.find((e) => e.oid === OID_KEY_USAGE);

  let serial = serialEl.content;
  if (serial.length > 1 && serial[0] === 0) serial = serial.subarray(1);
  const subject = nameToString(field, der, subjectEl);
  const spki = spkiEl.raw;
  return {
    der,
    tbs: tbsEl.raw,
    sigAlgOid,
    signature: sigEl.content.subarray(1),
    subject,
    issuer: nameToString(field, der, issuerEl),
    name: /(?:^|, )CN=([^,]+)/.exec(subject)?.[1] ?? subject,
    subjectDer: subjectEl.raw,
    issuerDer: issuerEl.raw,
    serialHex: toHex(serial),
    notBefore: decodeTime(field, times[0]!),
    notAfter: decodeTime(field, times[1]!),
    spki,
    keyType: describeKeyType(field, spki),
    ca: bc ? bc.ca : null,
    pathLength: bc ? bc.pathLength : null,
    keyUsage: kuExt ? decodeKeyUsage(`${field}.keyUsage`, kuExt.value) : null,
    extensions,
  };
}

/** Splits PEM text into DER certificates, in order (strict: only whitespace outside the blocks). */
export function parsePemChain(field: string, text: string): Uint8Array[] {
  return parsePem(field, text, { maxCerts: MAX_CERTS, maxChars: MAX_PEM_CHAIN_CHARS });
}

export function parsePemCerts(field: string, text: string): Cert[] {
  return parsePemChain(field, text).map((der, i) => parseCert(`${field}[${i}]`, der));
}

function importParams(keyType: string, sigAlgOid: string): { importAlg: EcKeyImportParams | RsaHashedImportParams; verifyAlg: EcdsaParams | AlgorithmIdentifier } | null {
  const hash = sigAlgOid === OID_ECDSA_SHA256 || sigAlgOid === OID_RSA_SHA256 ? 'SHA-256' : 'SHA-384';
  if ((sigAlgOid === OID_ECDSA_SHA256 || sigAlgOid === OID_ECDSA_SHA384) && (keyType === 'EC P-384' || keyType === 'EC P-256')) {
    return { importAlg: { name: 'ECDSA', namedCurve: keyType.slice(3) }, verifyAlg: { name: 'ECDSA', hash } };
  }
  if ((sigAlgOid === OID_RSA_SHA256 || sigAlgOid === OID_RSA_SHA384) && keyType === 'RSA') {
    return { importAlg: { name: 'RSASSA-PKCS1-v1_5', hash }, verifyAlg: { name: 'RSASSA-PKCS1-v1_5' } };
  }
  return null;
}

/** Imports an EC P-384 SubjectPublicKeyInfo for ECDSA verification. */
export async function importP384(spki: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('spki', spki as BufferSource, { name: 'ECDSA', namedCurve: 'P-384' }, false, ['verify']);
}

/** ECDSA P-384 / SHA-384 over `data` with a raw r‖s signature. False (never a throw) on any failure. */
export async function verifyP384(key: CryptoKey, rawSig: Uint8Array, data: Uint8Array): Promise<boolean> {
  if (rawSig.length !== 96) return false;
  try {
    return await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-384' }, key, rawSig as BufferSource, data as BufferSource);
  } catch {
    return false;
  }
}

/** Is `child` signed by the key of `issuer`? Returns a reason on failure. */
export async function checkSignedBy(child: Cert, issuer: Cert): Promise<{ ok: true } | { ok: false; reason: string }> {
  const p = importParams(issuer.keyType, child.sigAlgOid);
  if (!p) return { ok: false, reason: `signature algorithm ${child.sigAlgOid} with an issuer key of type ${issuer.keyType} is not supported` };
  let sig = child.signature;
  if (p.importAlg.name === 'ECDSA') {
    const size = issuer.keyType === 'EC P-384' ? 48 : 32;
    try {
      sig = ecdsaDerToRaw('signatureValue', child.signature, size);
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
  }
  try {
    const key = await crypto.subtle.importKey('spki', issuer.spki as BufferSource, p.importAlg, false, ['verify']);
    const ok = await crypto.subtle.verify(p.verifyAlg, key, sig as BufferSource, child.tbs as BufferSource);
    return ok ? { ok: true } : { ok: false, reason: 'the signature does not verify under the issuer key' };
  } catch (e) {
    return { ok: false, reason: `the issuer key cannot verify (${e instanceof Error ? e.message : String(e)})` };
  }
}

export interface ChainRules {
  /** Check id prefix, e.g. `gpu.chain`. */
  prefix: string;
  /** What the chain is, for messages: "GPU device certificate chain". */
  label: string;
  now: Date;
  /** Exact number of certificates, leaf first, root last. */
  length: number;
  /** Pinned roots; the last certificate must equal one of them byte for byte. */
  trustedRoots: readonly Cert[];
  /** Signature algorithm OIDs allowed on every link. */
  sigAlgs: readonly string[];
  /** Key types allowed on every certificate. */
  keyTypes: readonly string[];
}

const iso = (d: Date): string => (Number.isNaN(d.getTime()) ? 'invalid date' : d.toISOString());

/**
 * Checks a chain given leaf first and the pinned root last. Every check runs and is returned;
 * nothing throws. A chain shorter or longer than `rules.length` fails `<prefix>.length` and the
 * link checks still run on what is there.
 */
export async function checkChain(certs: readonly Cert[], rules: ChainRules): Promise<Check[]> {
  const { prefix, label, now } = rules;
  const checks: Check[] = [];
  const n = certs.length;
  checks.push({
    id: `${prefix}.length`,
    passed: n === rules.length,
    detail: n === rules.length ? `${label} has ${n} certificates` : `${label}: got ${n} certificates, want exactly ${rules.length}`,
    field: 'certificate count',
    got: String(n),
    want: String(rules.length),
  });

  const last = certs[n - 1];
  const rootOk = !!last && rules.trustedRoots.some((r) => bytesEqual(r.der, last.der));
  checks.push({
    id: `${prefix}.root`,
    passed: rootOk,
    detail: rootOk
      ? `the last certificate (${last!.name}) equals a pinned root byte for byte`
      : `the last certificate${last ? ` (${last.name})` : ''} is not a pinned root: got a certificate not in the ${rules.trustedRoots.length} pinned root(s)`,
    field: 'root certificate',
    ...(last ? { got: last.subject } : {}),
    want: rules.trustedRoots.map((r) => r.subject).join(' | '),
  });

  for (let i = 0; i + 1 < n; i++) {
    const child = certs[i]!;
    const parent = certs[i + 1]!;
    const nameOk = bytesEqual(child.issuerDer, parent.subjectDer);
    const sig = await checkSignedBy(child, parent);
    const passed = nameOk && sig.ok;
    checks.push({
      id: `${prefix}.signature.${i}`,
      passed,
      detail: passed
        ? `certificate ${i} (${child.name}) is signed by certificate ${i + 1} (${parent.name})`
        : !nameOk
          ? `certificate ${i} issuer does not name certificate ${i + 1}: got issuer "${child.issuer}", want "${parent.subject}"`
          : `certificate ${i} (${child.name}) is not signed by certificate ${i + 1} (${parent.name}): ${(sig as { reason: string }).reason}`,
      field: `certificate ${i} signature`,
      got: nameOk ? (sig.ok ? 'valid' : 'invalid') : child.issuer,
      want: nameOk ? 'valid' : parent.subject,
    });
  }

  const bad = certs.map((c, i) => ({ c, i })).filter(({ c }) => !(c.notBefore.getTime() <= now.getTime() && now.getTime() <= c.notAfter.getTime()));
  checks.push({
    id: `${prefix}.validity`,
    passed: n > 0 && bad.length === 0,
    detail:
      bad.length === 0
        ? `all ${n} certificates are valid at ${iso(now)}`
        : bad.map(({ c, i }) => `certificate ${i} (${c.name}) is valid ${iso(c.notBefore)} to ${iso(c.notAfter)}, not at ${iso(now)}`).join('; '),
    field: 'validity',
    got: iso(now),
    want: bad.length === 0 ? 'within every notBefore..notAfter' : bad.map(({ c }) => `${iso(c.notBefore)}..${iso(c.notAfter)}`).join(', '),
  });

  const algProblems: string[] = [];
  certs.forEach((c, i) => {
    if (i < n - 1 && !rules.sigAlgs.includes(c.sigAlgOid)) algProblems.push(`certificate ${i} signature algorithm: got ${c.sigAlgOid}, want ${rules.sigAlgs.join(' or ')}`);
    if (!rules.keyTypes.includes(c.keyType)) algProblems.push(`certificate ${i} key: got ${c.keyType}, want ${rules.keyTypes.join(' or ')}`);
  });
  checks.push({
    id: `${prefix}.algorithms`,
    passed: algProblems.length === 0,
    detail: algProblems.length === 0 ? `every certificate uses ${rules.keyTypes.join('/')} keys and ${rules.sigAlgs.join('/')} signatures` : algProblems.join('; '),
    field: 'algorithms',
  });

  const extProblems: string[] = [];
  certs.forEach((c, i) => {
    for (const e of c.extensions) if (e.critical && !UNDERSTOOD_CRITICAL.has(e.oid)) extProblems.push(`certificate ${i} has an unknown critical extension ${e.oid}`);
    if (i === 0) {
      if (c.ca === true) extProblems.push('certificate 0 (leaf) is a CA: got basicConstraints cA=true, want false');
      if (c.keyUsage !== null && !(c.keyUsage & KeyUsage.digitalSignature)) extProblems.push('certificate 0 (leaf) keyUsage lacks digitalSignature');
    } else {
      if (c.ca !== true) extProblems.push(`certificate ${i} (${c.name}) is not a CA: got basicConstraints cA=${c.ca === null ? 'absent' : 'false'}, want true`);
      if (c.keyUsage !== null && !(c.keyUsage & KeyUsage.keyCertSign)) extProblems.push(`certificate ${i} (${c.name}) keyUsage lacks keyCertSign`);
      // pathLenConstraint: number of non-self-issued intermediates below this certificate.
      const below = i - 1;
      if (c.pathLength !== null && below > c.pathLength) extProblems.push(`certificate ${i} pathLenConstraint ${c.pathLength}: got ${below} intermediates below it`);
    }
  });
  checks.push({
    id: `${prefix}.extensions`,
    passed: extProblems.length === 0 && n > 0,
    detail: extProblems.length === 0 ? 'basicConstraints, keyUsage and critical extensions are consistent with a leaf-to-root chain' : extProblems.join('; '),
    field: 'extensions',
  });
  return checks;
}

/** Hex SHA-256 of a certificate's DER, for pins and messages. */
export async function certSha256Hex(c: Cert): Promise<string> {
  return toHex(await sha256(c.der));
}
