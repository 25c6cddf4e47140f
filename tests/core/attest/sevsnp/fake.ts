/**
 * Fake AMD chains from test keys: an ARK and ASK/ASVK (RSA-PSS SHA-384 salt 48, like AMD's), VCEKs
 * or VLEKs with chosen extensions, CRLs, and real reports re-signed with a fake VCEK. They let tests
 * reach every branch of verify.ts that the real vectors cannot (wrong hwID, stale CRL, Turin, ...).
 * Keys are RSA-1024 rather than AMD's 4096 to keep key generation fast (test keys only; PSS with
 * SHA-384 and salt 48 needs at least 784 bits); the verifier does not check key sizes.
 */
import '../../../../src/core/attest/x509/peculiar.ts';
import * as x509 from '@peculiar/x509';
import { SIGNED_LENGTH } from '../../../../src/core/attest/sevsnp/abi.ts';
import type { Product } from '../../../../src/core/attest/sevsnp/abi.ts';
import { OID } from '../../../../src/core/attest/sevsnp/certs.ts';
import type { SnpTrustAnchor } from '../../../../src/core/attest/sevsnp/roots.ts';
import { derIa5, derInt } from '../../../../gateway/evidence/der.ts';
import { setSignature } from '../../../../gateway/evidence/snp-report.ts';

export const PSS: x509.X509CertificateCreateParamsBase['signingAlgorithm'] = { name: 'RSA-PSS', hash: 'SHA-384', saltLength: 48 } as Algorithm;
const RSA_GEN: RsaHashedKeyGenParams = { name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-384' };
const EC_GEN: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-384' };

export const FAKE_NOT_BEFORE = new Date('2024-01-01T00:00:00Z');
export const FAKE_NOT_AFTER = new Date('2034-01-01T00:00:00Z');
/** A time inside every fake certificate's validity. */
export const FAKE_NOW = new Date('2026-01-01T00:00:00Z');

const DN_TAIL = 'OU=Engineering, C=US, L=Santa Clara, ST=CA, O=Confidant Test Devices';

export interface FakeChain {
  product: Product;
  anchor: SnpTrustAnchor;
  arkKeys: CryptoKeyPair;
  midKeys: CryptoKeyPair;
  ark: x509.X509Certificate;
  mid: x509.X509Certificate;
}

function pem(c: x509.X509Certificate): string {
  return c.toString('pem');
}

export async function makeFakeChain(product: Product = 'Milan', kind: 'VCEK' | 'VLEK' = 'VCEK', arkKeys?: CryptoKeyPair): Promise<FakeChain> {
  const ak = arkKeys ?? ((await crypto.subtle.generateKey(RSA_GEN, true, ['sign', 'verify'])) as CryptoKeyPair);
  const mk = (await crypto.subtle.generateKey(RSA_GEN, true, ['sign', 'verify'])) as CryptoKeyPair;
  const arkName = `CN=ARK-${product}, ${DN_TAIL}`;
  const midName = `CN=${kind === 'VLEK' ? `SEV-VLEK-${product}` : `SEV-${product}`}, ${DN_TAIL}`;
  const ark = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '010000',
    name: arkName,
    notBefore: FAKE_NOT_BEFORE,
    notAfter: FAKE_NOT_AFTER,
    keys: ak,
    signingAlgorithm: PSS,
    extensions: [new x509.BasicConstraintsExtension(true, 1, true)],
  });
  const mid = await x509.X509CertificateGenerator.create({
    serialNumber: '010001',
    subject: midName,
    issuer: ark.subject,
    notBefore: FAKE_NOT_BEFORE,
    notAfter: FAKE_NOT_AFTER,
    publicKey: mk.publicKey,
    signingKey: ak.privateKey,
    signingAlgorithm: PSS,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
  });
  const anchor: SnpTrustAnchor = { product, source: 'dev', ark: pem(ark), ...(kind === 'VLEK' ? { asvk: pem(mid) } : { ask: pem(mid) }) };
  return { product, anchor, arkKeys: ak, midKeys: mk, ark, mid };
}

export interface FakeLeafOptions {
  kind?: 'VCEK' | 'VLEK';
  productName?: string;
  spl?: { bl: number; tee: number; snp: number; ucode: number; fmc?: number };
  hwID?: Uint8Array;
  /** Extension OIDs to leave out. */
  omit?: readonly string[];
  /** Raw extension values to use instead of the encoded ones, by OID. */
  rawExt?: Record<string, Uint8Array>;
  notBefore?: Date;
  notAfter?: Date;
  /** Sign with this key instead of the chain's ASK. */
  signingKey?: CryptoKey;
  keys?: CryptoKeyPair;
  /** Override the leaf key type (e.g. P-256 to test the key check). */
  keyGen?: EcKeyGenParams;
}

export interface FakeLeaf {
  der: Uint8Array;
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

export async function makeFakeLeaf(chain: FakeChain, o: FakeLeafOptions = {}): Promise<FakeLeaf> {
  const kind = o.kind ?? 'VCEK';
  const keys = o.keys ?? ((await crypto.subtle.generateKey(o.keyGen ?? EC_GEN, true, ['sign', 'verify'])) as CryptoKeyPair);
  const spl = o.spl ?? { bl: 3, tee: 0, snp: 8, ucode: 115 };
  const values: Array<[string, Uint8Array]> = [
    [OID.structVersion, derInt(0)],
    [OID.productName, derIa5(o.productName ?? (chain.product === 'Milan' ? 'Milan-B0' : chain.product))],
    [OID.blSPL, derInt(spl.bl)],
    [OID.teeSPL, derInt(spl.tee)],
    [OID.snpSPL, derInt(spl.snp)],
    [OID.ucodeSPL, derInt(spl.ucode)],
  ];
  if (spl.fmc !== undefined) values.push([OID.fmcSPL, derInt(spl.fmc)]);
  if (kind === 'VCEK') values.push([OID.hwID, o.hwID ?? new Uint8Array(64).fill(0xab)]);
  else values.push([OID.cspID, derIa5('CN=test-cloud.example')]);
  const extensions = values
    .filter(([oid]) => !o.omit?.includes(oid))
    .map(([oid, v]) => new x509.Extension(oid, false, (o.rawExt?.[oid] ?? v) as BufferSource));
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${kind === 'VLEK' ? 'SEV-VLEK' : 'SEV-VCEK'}, ${DN_TAIL}`,
    issuer: chain.mid.subject,
    notBefore: o.notBefore ?? FAKE_NOT_BEFORE,
    notAfter: o.notAfter ?? FAKE_NOT_AFTER,
    publicKey: keys.publicKey,
    signingKey: o.signingKey ?? chain.midKeys.privateKey,
    signingAlgorithm: PSS,
    extensions,
  });
  return { der: new Uint8Array(cert.rawData), cert, keys };
}

export async function makeFakeCrl(
  chain: FakeChain,
  o: { revoked?: string[]; thisUpdate?: Date; nextUpdate?: Date; signingKey?: CryptoKey } = {},
): Promise<Uint8Array> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: chain.ark.subject,
    thisUpdate: o.thisUpdate ?? new Date('2025-12-01T00:00:00Z'),
    nextUpdate: o.nextUpdate ?? new Date('2026-12-01T00:00:00Z'),
    entries: (o.revoked ?? []).map((serialNumber) => ({ serialNumber, revocationDate: new Date('2025-06-01T00:00:00Z') })),
    signingKey: o.signingKey ?? chain.arkKeys.privateKey,
    signingAlgorithm: PSS as Algorithm,
  });
  return new Uint8Array(crl.rawData);
}

/** Writes little-endian `value` of `size` bytes at `offset`. */
export function putLE(report: Uint8Array, offset: number, size: number, value: bigint | number): void {
  let v = BigInt(value);
  for (let i = 0; i < size; i++) {
    report[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** A copy of `report` with fields changed by `edit`, then signed by `key` (ECDSA P-384 SHA-384, AMD's layout). */
export async function resign(report: Uint8Array, key: CryptoKey, edit?: (r: Uint8Array) => void): Promise<Uint8Array> {
  const r = report.slice();
  edit?.(r);
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-384' }, key, r.subarray(0, SIGNED_LENGTH)));
  setSignature(r, sig);
  return r;
}
