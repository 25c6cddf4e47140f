/**
 * Layer 2 ("is this really signed by an NVIDIA GPU?"): the 5-certificate device chain to the
 * pinned NVIDIA Device Identity CA, the leaf's ECDSA P-384 signature over the SPDM transcript,
 * and the FWID binding between the report and the leaf certificate. No policy here: the nonce,
 * versions and measurements are judged in validate.ts.
 *
 * Sources: DMTF DSP0274 1.1, GET_MEASUREMENTS / MEASUREMENTS (the signature covers the L1/L2
 * transcript: the GET_MEASUREMENTS request and the MEASUREMENTS response up to the signature,
 * hashed with the negotiated SHA-384); NVIDIA's
 * local verifier (exactly 5 certificates, root pinned, FWID compared with the leaf's
 * TCG DICE TcbInfo extension 2.23.133.5.4.1); RFC 5280 for the chain.
 */
import type { Check } from '../types.ts';
import { toHex } from '../../bytes.ts';
import { type Cert, OID_ECDSA_SHA384, checkChain, importP384, verifyP384 } from './certs.ts';
import { TAG_OCTET_STRING, TAG_OID, TAG_SEQUENCE, TAG_UTF8_STRING, decodeOid, expectTag, readChildren, readWhole } from '../x509/der.ts';
import type { SpdmEvidence } from './spdm.ts';

/** NVIDIA's verifier expects exactly this many certificates: FMC leaf, BROM, provisioner ICA, GH100 identity, root. */
export const GPU_CHAIN_LENGTH = 5;
export const OID_TCG_DICE_TCB_INFO = '2.23.133.5.4.1';
const OID_SHA384 = '2.16.840.1.101.3.4.2.2';
const OID_SAN = '2.5.29.17';
/** NVIDIA device identifier otherName in the leaf's SubjectAltName, e.g. NVIDIA:GH100:48B02D92494BADF4. */
const OID_NVIDIA_DEVICE_ID = '1.3.6.1.4.1.412.274.1';

/**
 * The FWID in the leaf's TcbInfo extension: the extension's SEQUENCE ends with
 * FWID ::= SEQUENCE { hashAlg OID (sha384), digest OCTET STRING (48) } — its digest is the last
 * 48 bytes of the extension. Returns null when the extension is absent.
 */
export function leafFwid(leaf: Cert): { fwid: Uint8Array | null; error?: string } {
  const ext = leaf.extensions.find((e) => e.oid === OID_TCG_DICE_TCB_INFO);
  if (!ext) return { fwid: null };
  try {
    const f = 'TcbInfo';
    const seq = readWhole(f, ext.value, TAG_SEQUENCE);
    const kids = readChildren(f, seq, ext.value);
    const last = kids[kids.length - 1];
    if (!last) return { fwid: null, error: 'TcbInfo extension is empty' };
    expectTag(f, last, TAG_SEQUENCE);
    const [alg, digest, ...rest] = readChildren(f, last, ext.value);
    if (!alg || !digest || rest.length) return { fwid: null, error: 'TcbInfo FWID is not SEQUENCE { hashAlg, digest }' };
    expectTag(f, alg, TAG_OID);
    expectTag(f, digest, TAG_OCTET_STRING);
    const oid = decodeOid(f, alg.content);
    if (oid !== OID_SHA384) return { fwid: null, error: `TcbInfo FWID hash algorithm: got ${oid}, want ${OID_SHA384} (SHA-384)` };
    if (digest.content.length !== 48) return { fwid: null, error: `TcbInfo FWID digest: got ${digest.content.length} bytes, want 48` };
    return { fwid: digest.content };
  } catch (e) {
    return { fwid: null, error: e instanceof Error ? e.message : String(e) };
  }
}

/** The leaf's NVIDIA device id from SubjectAltName otherName 1.3.6.1.4.1.412.274.1, or null. */
export function leafDeviceId(leaf: Cert): string | null {
  const ext = leaf.extensions.find((e) => e.oid === OID_SAN);
  if (!ext) return null;
  try {
    const f = 'SubjectAltName';
    const seq = readWhole(f, ext.value, TAG_SEQUENCE);
    for (const gn of readChildren(f, seq, ext.value)) {
      if (gn.tag !== 0xa0) continue; // [0] otherName
      const [oidEl, valEl] = readChildren(f, gn, ext.value);
      if (!oidEl || !valEl || oidEl.tag !== TAG_OID || valEl.tag !== 0xa0) continue;
      if (decodeOid(f, oidEl.content) !== OID_NVIDIA_DEVICE_ID) continue;
      const [str] = readChildren(f, valEl, ext.value);
      if (str?.tag === TAG_UTF8_STRING) return new TextDecoder('utf-8', { fatal: true }).decode(str.content);
    }
  } catch {
    // Informational only: an undecodable SAN leaves the device id unknown.
  }
  return null;
}

/** The leaf serial number as a decimal string: NRAS reports it as `ueid`. */
export function serialToDecimal(serialHex: string): string {
  return serialHex.length ? BigInt(`0x${serialHex}`).toString(10) : '0';
}

export interface VerifyGpuOptions {
  now: Date;
  /** Pinned device roots (the NVIDIA Device Identity CA by default, see policy.ts). */
  trustedRoots: readonly Cert[];
}

/** Checks the device chain (gpu.chain.*). */
export async function verifyDeviceChain(certs: readonly Cert[], opts: VerifyGpuOptions): Promise<Check[]> {
  return checkChain(certs, {
    prefix: 'gpu.chain',
    label: 'GPU device certificate chain',
    now: opts.now,
    length: GPU_CHAIN_LENGTH,
    trustedRoots: opts.trustedRoots,
    sigAlgs: [OID_ECDSA_SHA384],
    keyTypes: ['EC P-384'],
  });
}

/** gpu.spdm.signature: the leaf key's ECDSA P-384 signature over SHA-384(request ‖ response up to the signature). */
export async function verifyReportSignature(ev: SpdmEvidence, leaf: Cert | undefined): Promise<Check> {
  const base = { id: 'gpu.spdm.signature', field: 'MEASUREMENTS.Signature' };
  if (!leaf) return { ...base, passed: false, detail: 'no leaf certificate to verify the report signature with', got: 'no certificate', want: 'leaf certificate' };
  if (leaf.keyType !== 'EC P-384') {
    return { ...base, passed: false, detail: `leaf key: got ${leaf.keyType}, want EC P-384`, got: leaf.keyType, want: 'EC P-384' };
  }
  let ok = false;
  try {
    ok = await verifyP384(await importP384(leaf.spki), ev.response.signature, ev.signedBytes);
  } catch {
    ok = false;
  }
  return {
    ...base,
    passed: ok,
    detail: ok
      ? `the report (bytes 0..${ev.signatureOffset}) is signed by the leaf key (${leaf.name})`
      : `the ECDSA P-384 signature at offset ${ev.signatureOffset} does not verify over bytes 0..${ev.signatureOffset} under the leaf key (${leaf.name})`,
    got: ok ? 'valid' : 'invalid',
    want: 'valid',
  };
}

/** gpu.fwid: opaque FWID (type 20) equals the leaf's TcbInfo FWID; skipped when the report has none. */
export function verifyFwid(ev: SpdmEvidence, leaf: Cert | undefined, requireFwid: boolean): Check {
  const base = { id: 'gpu.fwid', field: 'OpaqueData FWID (type 20)' };
  const reported = ev.response.opaque.fwid;
  if (reported === null) {
    return {
      ...base,
      passed: !requireFwid,
      detail: requireFwid
        ? 'the report has no FWID (opaque type 20) and the policy requires one'
        : 'skipped: the report has no FWID (opaque type 20), as on older firmware; NVIDIA’s verifier skips this check too',
      got: 'absent',
      want: requireFwid ? 'present and equal to the leaf certificate FWID' : 'equal to the leaf certificate FWID when present',
    };
  }
  if (!leaf) return { ...base, passed: false, detail: 'no leaf certificate to compare the FWID with', got: reported, want: 'leaf TcbInfo FWID' };
  const { fwid, error } = leafFwid(leaf);
  if (!fwid) {
    return { ...base, passed: false, detail: `the leaf certificate has no usable TcbInfo FWID (${error ?? `extension ${OID_TCG_DICE_TCB_INFO} absent`})`, got: reported, want: 'leaf TcbInfo FWID' };
  }
  const want = toHex(fwid);
  const ok = want === reported;
  return {
    ...base,
    passed: ok,
    detail: ok ? 'the report FWID equals the FWID in the leaf certificate (TCG DICE TcbInfo)' : `report FWID differs from the leaf certificate: got ${reported}, want ${want}`,
    got: reported,
    want,
  };
}

/** All layer-2 checks for one GPU: chain, report signature, FWID. */
export async function verifyGpuReport(ev: SpdmEvidence, certs: readonly Cert[], opts: VerifyGpuOptions & { requireFwid?: boolean }): Promise<Check[]> {
  const checks = await verifyDeviceChain(certs, opts);
  checks.push(await verifyReportSignature(ev, certs[0]));
  checks.push(verifyFwid(ev, certs[0], opts.requireFwid ?? false));
  return checks;
}
