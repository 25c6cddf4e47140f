/**
 * Certificate generation for development-only evidence (scripts/make-dev-roots.ts and the
 * simulated provider). Shapes follow the real chains (snp FACTS §4, h100 FACTS §3); every name
 * carries "Confidant DEVELOPMENT ONLY" so no one can mistake these for AMD's or NVIDIA's.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { derInt, derIa5, derOctets, derOid, derSeq, tlv } from './der.ts';
import { concatBytes } from '../../src/core/bytes.ts';
import type { TcbParts } from '../../src/core/attest/sevsnp/abi.ts';
import { readElement } from '../../src/core/attest/x509/der.ts';

x509.cryptoProvider.set(globalThis.crypto);

export const DEV_ORG = 'Confidant DEVELOPMENT ONLY';
export const RSA_PSS_SHA384 = { name: 'RSA-PSS', hash: 'SHA-384', saltLength: 48 } as const;
export const ECDSA_SHA384 = { name: 'ECDSA', hash: 'SHA-384' } as const;
const RSA_PSS_KEYGEN = { name: 'RSA-PSS', modulusLength: 4096, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-384' };
const P384 = { name: 'ECDSA', namedCurve: 'P-384' };

export function amdName(cn: string): string {
  return `OU=Engineering, C=US, L=Santa Clara, ST=CA, O=${DEV_ORG}, CN=${cn}`;
}

export async function generateRsaPss(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(RSA_PSS_KEYGEN, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}
export async function generateP384(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(P384, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

export async function exportPkcs8Pem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Imports a PKCS#8 PEM private key plus its public half taken from the certificate. */
export async function importSigner(pkcs8Pem: string, certPem: string, kind: 'rsa-pss' | 'p384'): Promise<{ privateKey: CryptoKey; cert: x509.X509Certificate }> {
  const der = x509.PemConverter.decodeFirst(pkcs8Pem);
  const alg = kind === 'rsa-pss' ? { name: 'RSA-PSS', hash: 'SHA-384' } : P384;
  const privateKey = await crypto.subtle.importKey('pkcs8', der, alg, false, ['sign']);
  return { privateKey, cert: new x509.X509Certificate(certPem) };
}

function serialHex(n: number | string): string {
  return typeof n === 'string' ? n : n.toString(16).padStart(2, '0');
}

export async function selfSignedRoot(args: {
  name: string;
  keys: CryptoKeyPair;
  alg: Algorithm | EcdsaParams;
  serial: number | string;
  notBefore: Date;
  notAfter: Date;
  pathLength?: number;
}): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialHex(args.serial),
    name: args.name,
    notBefore: args.notBefore,
    notAfter: args.notAfter,
    keys: args.keys,
    signingAlgorithm: args.alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, args.pathLength, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(args.keys.publicKey),
    ],
  });
}

export async function issue(args: {
  subject: string;
  publicKey: CryptoKey;
  issuer: x509.X509Certificate;
  signingKey: CryptoKey;
  alg: Algorithm | EcdsaParams;
  serial: number | string;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  pathLength?: number;
  extra?: x509.Extension[];
}): Promise<x509.X509Certificate> {
  const ext: x509.Extension[] = [];
  if (args.ca) {
    ext.push(new x509.BasicConstraintsExtension(true, args.pathLength, true));
    ext.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true));
  } else {
    ext.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true));
  }
  ext.push(await x509.SubjectKeyIdentifierExtension.create(args.publicKey));
  ext.push(await x509.AuthorityKeyIdentifierExtension.create(args.issuer));
  ext.push(...(args.extra ?? []));
  return x509.X509CertificateGenerator.create({
    serialNumber: serialHex(args.serial),
    subject: args.subject,
    issuer: args.issuer.subject,
    notBefore: args.notBefore,
    notAfter: args.notAfter,
    publicKey: args.publicKey,
    signingKey: args.signingKey,
    signingAlgorithm: args.alg,
    extensions: ext,
  });
}

/** The VCEK extensions (snp FACTS §4): structVersion, productName, SPLs, hwID (raw 64 octets). */
export function vcekExtensions(productName: string, tcb: TcbParts, chipId: Uint8Array): x509.Extension[] {
  const P = '1.3.6.1.4.1.3704.1';
  const e = (oid: string, value: Uint8Array) => new x509.Extension(oid, false, value as BufferSource);
  return [
    e(`${P}.1`, derInt(0)),
    e(`${P}.2`, derIa5(productName)),
    e(`${P}.3.1`, derInt(tcb.bl)),
    e(`${P}.3.2`, derInt(tcb.tee)),
    e(`${P}.3.4`, derInt(0)),
    e(`${P}.3.5`, derInt(0)),
    e(`${P}.3.6`, derInt(0)),
    e(`${P}.3.7`, derInt(0)),
    e(`${P}.3.3`, derInt(tcb.snp)),
    e(`${P}.3.8`, derInt(tcb.ucode)),
    e(`${P}.4`, chipId),
  ];
}

/**
 * The TCG DICE TcbInfo extension (2.23.133.5.4.1) in the shape NVIDIA's FMC leaf carries it:
 * SEQUENCE { INTEGER 1, SubjectPublicKeyInfo, SEQUENCE { OID sha384, OCTET STRING fwid } };
 * verifiers take the last 48 bytes as the FWID (h100 FACTS §3).
 */
export async function tcbInfoExtension(spkiKey: CryptoKey, fwid: Uint8Array): Promise<x509.Extension> {
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', spkiKey));
  const value = derSeq(derInt(1), spki, derSeq(derOid('2.16.840.1.101.3.4.2.2'), derOctets(fwid)));
  return new x509.Extension('2.23.133.5.4.1', false, value as BufferSource);
}

export function pemOf(cert: x509.X509Certificate): string {
  return cert.toString('pem').replace(/\r\n/g, '\n').trim() + '\n';
}

export function pemChain(certs: x509.X509Certificate[]): string {
  return certs.map(pemOf).join('');
}

export { concatBytes, x509 };

/**
 * Re-issues `cert` with serial number 0, as AMD's VCEKs and VLEKs have (snp FACTS §4); the
 * generator refuses a zero serial, so the TBS is rewritten here and signed again by `signingKey`.
 */
export async function withZeroSerial(cert: x509.X509Certificate, signingKey: CryptoKey, alg: Algorithm | EcdsaParams): Promise<x509.X509Certificate> {
  const der = new Uint8Array(cert.rawData);
  const outer = readElement('certificate', der, 0);
  const tbs = readElement('tbsCertificate', der, outer.contentStart);
  const tbsBody = tbs.content;
  const version = readElement('version', tbsBody, 0);
  if (version.tag !== 0xa0) throw new Error('TBS has no explicit version');
  const serial = readElement('serialNumber', tbsBody, version.end);
  const newTbs = derSeq(tbsBody.subarray(0, version.end), new Uint8Array([0x02, 0x01, 0x00]), tbsBody.subarray(serial.end));
  const sigAlg = readElement('signatureAlgorithm', der, tbs.end).raw;
  if (alg.name !== 'RSA-PSS') throw new Error('zero-serial re-signing is only wired for RSA-PSS issuers (raw signature = BIT STRING)');
  const sig = new Uint8Array(await crypto.subtle.sign(alg, signingKey, newTbs as BufferSource));
  const bitString = tlv(0x03, concatBytes([new Uint8Array([0]), sig]));
  return new x509.X509Certificate(derSeq(newTbs, sigAlg, bitString) as BufferSource);
}
