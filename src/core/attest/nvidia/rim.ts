/**
 * NVIDIA reference integrity manifests (RIMs): ISO/IEC 19770-2 SWID tags with TCG RIM
 * attributes, signed with an enveloped XML signature (W3C XMLDSig 1.1):
 *   CanonicalizationMethod  http://www.w3.org/2006/12/xml-c14n11
 *   SignatureMethod         http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384 (RFC 6931; value is raw r‖s)
 *   Reference URI=""        transforms: enveloped-signature, then C14N 1.1
 *   DigestMethod            http://www.w3.org/2001/04/xmldsig-more#sha384
 *   KeyInfo/X509Data        4 certificates: HCC RIM L4 Signer ← NVIDIA Reference Value L3 GH100 ←
 *                           NVIDIA Reference Value GH100 CA ← NVIDIA CoRIM signing Root CA (pinned)
 *
 * parseRim: text → typed RIM (measurements, versions, signature parts); ParseError on anything
 *   malformed or on algorithms other than the above.
 * verifyRim: is it really signed by NVIDIA's RIM signing hierarchy at `now`? (checks, no throw)
 * Matching measurements against a report is policy: validate.ts.
 *
 * Only elements inside the signed document are read, and the Signature must be a direct child
 * of the root whose Reference covers the whole document, so no data outside the signature's
 * coverage can be substituted (XML signature wrapping).
 */
import { ParseError } from '../../errors.ts';
import type { Check } from '../types.ts';
import { bytesEqual, fromBase64, sha384, toHex } from '../../bytes.ts';
import { type Cert, OID_ECDSA_SHA384, checkChain, importP384, parseCert, verifyP384 } from './certs.ts';
import { type XElement, attr, canonicalizeDocument, canonicalizeSubtree, childElements, parseXml, textOf, walk } from './xml.ts';

export const SWID_NS = 'http://standards.iso.org/iso/19770/-2/2015/schema.xsd';
export const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const HASH_NS = 'http://www.w3.org/2001/04/xmlenc#sha384';
export const C14N11 = 'http://www.w3.org/2006/12/xml-c14n11';
export const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const ECDSA_SHA384 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384';
export const DIGEST_SHA384 = 'http://www.w3.org/2001/04/xmldsig-more#sha384';
/** The RIM signing chain NVIDIA's verifier expects: L4 signer, L3, GH100 CA, root. */
export const RIM_CHAIN_LENGTH = 4;

export interface RimMeasurement {
  /** 0-based RIM index; it describes SPDM measurement block index + 1. */
  index: number;
  active: boolean;
  alternatives: number;
  /** Hash0..Hash(alternatives−1), lower-case hex; any one may match. */
  hashes: string[];
  name: string | null;
  size: number;
}

export type RimKind = 'driver' | 'vbios';

export interface Rim {
  /** driver when colloquialVersion looks like a driver version (550.144.03), vbios when like 96.00.5E.00.01. */
  kind: RimKind;
  tagId: string;
  name: string;
  colloquialVersion: string;
  product: string | null;
  measurements: RimMeasurement[];
  signature: {
    /** C14N 1.1 of SignedInfo: what SignatureValue signs. */
    signedInfo: Uint8Array;
    /** C14N 1.1 of the document without the Signature: what DigestValue digests. */
    referenced: Uint8Array;
    digestValue: Uint8Array;
    signatureValue: Uint8Array;
    certs: Cert[];
  };
}

const VBIOS_VERSION_RE = /^[0-9A-Fa-f]{2}(\.[0-9A-Fa-f]{2}){4}$/;

function one(field: string, parent: XElement, ns: string, name: string): XElement {
  const els = childElements(parent, ns, name);
  if (els.length !== 1) throw new ParseError(`${field}.${name}`, `got ${els.length} <${name}> elements in <${parent.localName}>, want exactly 1`);
  return els[0]!;
}

function algorithm(field: string, el: XElement, want: string): void {
  const got = attr(el, 'Algorithm');
  if (got !== want) throw new ParseError(`${field}.${el.localName}`, `Algorithm: got ${JSON.stringify(got)}, want ${want}`);
}

function b64Text(field: string, el: XElement): Uint8Array {
  return fromBase64(textOf(el).replace(/[ \t\r\n]+/g, ''), field);
}

function intAttr(field: string, el: XElement, name: string, min: number, max: number): number {
  const v = attr(el, name);
  if (v === null || !/^[0-9]{1,6}$/.test(v)) throw new ParseError(`${field}.${name}`, `got ${JSON.stringify(v)}, want an integer ${min}..${max}`);
  const n = Number(v);
  if (n < min || n > max) throw new ParseError(`${field}.${name}`, `got ${n}, want ${min}..${max}`);
  return n;
}

/** Parses a RIM. `field` names it in errors, e.g. `rims[0]`. */
export function parseRim(text: string, field = 'rim'): Rim {
  const root = parseXml(field, text);
  if (root.ns !== SWID_NS || root.localName !== 'SoftwareIdentity') {
    throw new ParseError(`${field}.SoftwareIdentity`, `root element: got {${root.ns}}${root.localName}, want {${SWID_NS}}SoftwareIdentity`);
  }

  // Exactly one signature in the whole document, a direct child of the root.
  const sigs = [...walk(root)].filter((e) => e.ns === DSIG_NS && e.localName === 'Signature');
  if (sigs.length !== 1) throw new ParseError(`${field}.Signature`, `got ${sigs.length} ds:Signature elements, want exactly 1`);
  const sig = sigs[0]!;
  if (sig.parent !== root) throw new ParseError(`${field}.Signature`, 'ds:Signature is not a child of the root element (want an enveloped signature)');
  const sf = `${field}.Signature`;
  const signedInfo = one(sf, sig, DSIG_NS, 'SignedInfo');
  algorithm(`${sf}.SignedInfo`, one(`${sf}.SignedInfo`, signedInfo, DSIG_NS, 'CanonicalizationMethod'), C14N11);
  algorithm(`${sf}.SignedInfo`, one(`${sf}.SignedInfo`, signedInfo, DSIG_NS, 'SignatureMethod'), ECDSA_SHA384);
  const ref = one(`${sf}.SignedInfo`, signedInfo, DSIG_NS, 'Reference');
  if (attr(ref, 'URI') !== '') throw new ParseError(`${sf}.Reference`, `URI: got ${JSON.stringify(attr(ref, 'URI'))}, want "" (the whole document)`);
  const transforms = childElements(one(`${sf}.Reference`, ref, DSIG_NS, 'Transforms'), DSIG_NS, 'Transform').map((t) => attr(t, 'Algorithm'));
  if (transforms.length !== 2 || transforms[0] !== ENVELOPED || transforms[1] !== C14N11) {
    throw new ParseError(`${sf}.Reference.Transforms`, `got [${transforms.join(', ')}], want [${ENVELOPED}, ${C14N11}]`);
  }
  algorithm(`${sf}.Reference`, one(`${sf}.Reference`, ref, DSIG_NS, 'DigestMethod'), DIGEST_SHA384);
  const digestValue = b64Text(`${sf}.DigestValue`, one(`${sf}.Reference`, ref, DSIG_NS, 'DigestValue'));
  if (digestValue.length !== 48) throw new ParseError(`${sf}.DigestValue`, `got ${digestValue.length} bytes, want 48 (SHA-384)`);
  const signatureValue = b64Text(`${sf}.SignatureValue`, one(sf, sig, DSIG_NS, 'SignatureValue'));
  if (signatureValue.length !== 96) throw new ParseError(`${sf}.SignatureValue`, `got ${signatureValue.length} bytes, want 96 (ECDSA P-384 r‖s)`);
  const x509Data = one(`${sf}.KeyInfo`, one(sf, sig, DSIG_NS, 'KeyInfo'), DSIG_NS, 'X509Data');
  const certEls = childElements(x509Data, DSIG_NS, 'X509Certificate');
  if (certEls.length === 0) throw new ParseError(`${sf}.KeyInfo.X509Data`, 'got no X509Certificate, want the signing chain');
  const certs = certEls.map((c, i) => parseCert(`${sf}.KeyInfo.X509Certificate[${i}]`, b64Text(`${sf}.KeyInfo.X509Certificate[${i}]`, c)));

  const meta = one(field, root, SWID_NS, 'Meta');
  const colloquialVersion = attr(meta, 'colloquialVersion');
  if (!colloquialVersion) throw new ParseError(`${field}.Meta.colloquialVersion`, 'missing');
  const kind: RimKind = VBIOS_VERSION_RE.test(colloquialVersion) ? 'vbios' : 'driver';

  const payload = one(field, root, SWID_NS, 'Payload');
  const measurements: RimMeasurement[] = [];
  const seen = new Set<number>();
  childElements(payload, SWID_NS, 'Resource').forEach((r, i) => {
    if (attr(r, 'type') !== 'Measurement') return;
    const rf = `${field}.Payload.Resource[${i}]`;
    const index = intAttr(rf, r, 'index', 0, 254);
    if (seen.has(index)) throw new ParseError(`${rf}.index`, `index ${index} appears twice, want each once`);
    seen.add(index);
    const activeText = attr(r, 'active');
    if (activeText !== 'True' && activeText !== 'False' && activeText !== 'true' && activeText !== 'false') {
      throw new ParseError(`${rf}.active`, `got ${JSON.stringify(activeText)}, want True or False`);
    }
    const alternatives = intAttr(rf, r, 'alternatives', 1, 64);
    const size = intAttr(rf, r, 'size', 1, 64);
    const hashes: string[] = [];
    for (let h = 0; h < alternatives; h++) {
      const v = attr(r, `Hash${h}`, HASH_NS);
      if (v === null || v.length !== 2 * size || !/^[0-9a-fA-F]+$/.test(v)) {
        throw new ParseError(`${rf}.Hash${h}`, `got ${v === null ? 'nothing' : JSON.stringify(v.slice(0, 16)) + '…'}, want ${2 * size} hex digits`);
      }
      hashes.push(v.toLowerCase());
    }
    measurements.push({ index, active: activeText === 'True' || activeText === 'true', alternatives, hashes, name: attr(r, 'name'), size });
  });

  const enc = new TextEncoder();
  return {
    kind,
    tagId: attr(root, 'tagId') ?? '',
    name: attr(root, 'name') ?? '',
    colloquialVersion,
    product: attr(meta, 'product'),
    measurements,
    signature: {
      signedInfo: enc.encode(canonicalizeSubtree(signedInfo)),
      referenced: enc.encode(canonicalizeDocument(root, sig)),
      digestValue,
      signatureValue,
      certs,
    },
  };
}

export interface VerifyRimOptions {
  now: Date;
  /** Pinned RIM roots (NVIDIA CoRIM signing Root CA by default, see policy.ts). */
  trustedRoots: readonly Cert[];
  /** Check id prefix, e.g. `gpu.rim.driver`. */
  prefix: string;
}

/**
 * `<prefix>.signature`: the Reference digest equals SHA-384 of the canonical document and the
 * SignatureValue verifies over canonical SignedInfo under the first KeyInfo certificate;
 * `<prefix>.chain.*`: that certificate chains to a pinned RIM root, all valid at `now`.
 */
export async function verifyRim(rim: Rim, opts: VerifyRimOptions): Promise<Check[]> {
  const { prefix } = opts;
  const digest = await sha384(rim.signature.referenced);
  const digestOk = bytesEqual(digest, rim.signature.digestValue);
  const signer = rim.signature.certs[0]!;
  let sigOk = false;
  if (signer.keyType === 'EC P-384') {
    try {
      sigOk = await verifyP384(await importP384(signer.spki), rim.signature.signatureValue, rim.signature.signedInfo);
    } catch {
      sigOk = false;
    }
  }
  const passed = digestOk && sigOk;
  const checks: Check[] = [
    {
      id: `${prefix}.signature`,
      passed,
      detail: passed
        ? `the ${rim.kind} RIM ${rim.colloquialVersion} carries a valid XML signature by ${signer.name}`
        : [
            digestOk ? null : `Reference DigestValue: got ${toHex(rim.signature.digestValue)}, want ${toHex(digest)} (SHA-384 of the canonical document): the signed content was changed`,
            sigOk ? null : `SignatureValue does not verify over the canonical SignedInfo under ${signer.name} (${signer.keyType})`,
          ]
            .filter(Boolean)
            .join('; '),
      field: 'ds:Signature',
      got: passed ? 'valid' : 'invalid',
      want: 'valid',
    },
  ];
  checks.push(
    ...(await checkChain(rim.signature.certs, {
      prefix: `${prefix}.chain`,
      label: `${rim.kind} RIM signing chain`,
      now: opts.now,
      length: RIM_CHAIN_LENGTH,
      trustedRoots: opts.trustedRoots,
      sigAlgs: [OID_ECDSA_SHA384],
      keyTypes: ['EC P-384'],
    })),
  );
  return checks;
}
