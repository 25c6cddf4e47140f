/**
 * Fake NVIDIA device chains from test keys (P-384, ECDSA SHA-384, five certificates shaped like
 * the GH100 ones) and real H100 reports re-signed with the fake leaf. They reach branches the
 * real vectors cannot: a development root supplied by policy, FWID mismatches, CA flags, expiry.
 * @peculiar/x509 builds the certificates (tests only; the verifier decodes them with its own DER
 * reader, which also shows the two agree).
 */
import '../../../../src/core/attest/x509/peculiar.ts';
import * as x509 from '@peculiar/x509';
import { parseSpdmEvidence } from '../../../../src/core/attest/nvidia/index.ts';
import { derInt, derOctets, derOid, derSeq } from '../../../../gateway/evidence/der.ts';

const EC: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-384' };
const SIG = { name: 'ECDSA', hash: 'SHA-384' } as const;
export const FAKE_NOW = new Date('2026-01-01T00:00:00Z');
const NB = new Date('2024-01-01T00:00:00Z');
const NA = new Date('2034-01-01T00:00:00Z');

export interface FakeGpuChain {
  pem: string;
  rootPem: string;
  certs: x509.X509Certificate[];
  leafKeys: CryptoKeyPair;
}

export interface FakeChainOptions {
  /** FWID put in the leaf's TcbInfo extension; null leaves the extension out. */
  fwid?: Uint8Array | null;
  leafIsCa?: boolean;
  leafNotAfter?: Date;
  /** Key usage of the leaf (default digitalSignature). */
  leafKeyUsage?: number;
}

const gen = async (): Promise<CryptoKeyPair> => (await crypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;

/** DER of SEQUENCE { INTEGER 1, SEQUENCE { OID sha384, OCTET STRING fwid } }, the shape NVIDIA's TcbInfo value ends with. */
export function tcbInfo(fwid: Uint8Array): Uint8Array {
  return derSeq(derInt(1), derSeq(derOid('2.16.840.1.101.3.4.2.2'), derOctets(fwid)));
}

export async function makeFakeGpuChain(o: FakeChainOptions = {}): Promise<FakeGpuChain> {
  const keys = [await gen(), await gen(), await gen(), await gen(), await gen()]; // leaf .. root
  const names = ['CN=GH100 A01 GSP FMC LF, O=Confidant Test', 'CN=GH100 A01 GSP BROM, O=Confidant Test', 'CN=NVIDIA GH100 Provisioner ICA 1, O=Confidant Test', 'CN=NVIDIA GH100 Identity, O=Confidant Test', 'CN=Test Device Identity CA, O=Confidant Test'];
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '2d01',
    name: names[4]!,
    notBefore: NB,
    notAfter: NA,
    keys: keys[4]!,
    signingAlgorithm: SIG,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const certs: x509.X509Certificate[] = [root];
  for (let i = 3; i >= 0; i--) {
    const leaf = i === 0;
    const exts: x509.Extension[] = [];
    if (!leaf || o.leafIsCa) exts.push(new x509.BasicConstraintsExtension(true, undefined, true));
    exts.push(new x509.KeyUsagesExtension(leaf ? (o.leafKeyUsage ?? x509.KeyUsageFlags.digitalSignature) : x509.KeyUsageFlags.keyCertSign, true));
    if (leaf && o.fwid) exts.push(new x509.Extension('2.23.133.5.4.1', false, tcbInfo(o.fwid) as BufferSource));
    const c = await x509.X509CertificateGenerator.create({
      serialNumber: `0${i + 1}a1b2c3`,
      subject: names[i]!,
      issuer: certs[0]!.subject,
      notBefore: NB,
      notAfter: leaf && o.leafNotAfter ? o.leafNotAfter : NA,
      publicKey: keys[i]!.publicKey,
      signingKey: keys[i + 1]!.privateKey,
      signingAlgorithm: SIG,
      extensions: exts,
    });
    certs.unshift(c);
  }
  return { pem: certs.map((c) => c.toString('pem')).join('\n'), rootPem: root.toString('pem'), certs, leafKeys: keys[0]! };
}

/**
 * A real report with the nonce (and FWID, when given) replaced and the signature redone with
 * `key`, so the result is a well-formed report signed by a fake leaf.
 */
export async function resign(report: Uint8Array, key: CryptoKey, change: { nonce?: Uint8Array; fwid?: Uint8Array } = {}): Promise<Uint8Array> {
  const ev = parseSpdmEvidence(report);
  const out = report.slice();
  if (change.nonce) out.set(change.nonce, 4);
  if (change.fwid) {
    const e = ev.response.opaque.entries.find((x) => x.type === 20);
    if (!e) throw new Error('report has no FWID to replace');
    out.set(change.fwid, e.offset + 4);
  }
  const sig = new Uint8Array(await crypto.subtle.sign(SIG, key, out.subarray(0, ev.signatureOffset)));
  out.set(sig, ev.signatureOffset);
  return out;
}
