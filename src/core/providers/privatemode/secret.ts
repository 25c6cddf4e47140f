/**
 * Privatemode's inference-secret exchange (MIT; privatemode-public internal/oss/secretclient and
 * secretexchange), re-implemented:
 *
 *   client: fresh X-Wing key pair (HPKE KEM 0x647A), POST /privatemode/v1/secret {"PublicKey": pk}
 *   server: {"EncapsulatedKey": enc, "Signature": sig, "MeshCert": DER}
 *   client: MeshCert must chain to the attested mesh CA; sig must be its ECDSA signature over the
 *           digest SHA-256(pk ‖ enc); then secret = HPKE export-only recipient context (HKDF-SHA256,
 *           no info) .Export("", 32), and secret ID = base64(SHA-256(pk)).
 *
 * The mesh CA is the one the coordinator's attestation bound (REPORT_DATA), so a secret exchanged
 * with anyone but the attested deployment's secret service fails here.
 */
import { CipherSuite, ExportOnly, HkdfSha256 } from '@hpke/core';
import { XWing } from '@hpke/hybridkem-x-wing';
import { p256, p384 } from '@noble/curves/nist.js';
import { X509Certificate } from '../../attest/x509/peculiar.ts';
import { concatBytes, fromBase64, sha256, toBase64 } from '../../bytes.ts';
import { ConfidantError, ParseError } from '../../errors.ts';
import { httpError, providerFetch } from '../http.ts';

export interface InferenceSecret {
  id: string;
  /** AES-256-GCM key for the fields; HMAC key material for the OCSP policy header. */
  secret: Uint8Array;
  expiresAt: Date;
}

/** Privatemode uses a secret for an hour and renews it 15 minutes early (secretmanager.go). */
export const SECRET_USE_MS = 45 * 60 * 1000;

function suite(): CipherSuite {
  return new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new ExportOnly() });
}

/** The leaf's public key as an uncompressed point, and which curve. */
async function ecPoint(cert: X509Certificate): Promise<{ point: Uint8Array; curve: 'P-256' | 'P-384' }> {
  const alg = cert.publicKey.algorithm as EcKeyAlgorithm;
  if (alg.name !== 'ECDSA' || (alg.namedCurve !== 'P-256' && alg.namedCurve !== 'P-384')) {
    throw new ConfidantError('E_ATTEST_VERIFY', `The secret service's certificate has a ${alg.name} ${alg.namedCurve ?? ''} key; want ECDSA P-256 or P-384.`, { field: 'MeshCert' });
  }
  const key = await crypto.subtle.importKey('spki', cert.publicKey.rawData, { name: 'ECDSA', namedCurve: alg.namedCurve }, true, ['verify']);
  return { point: new Uint8Array(await crypto.subtle.exportKey('raw', key)), curve: alg.namedCurve };
}

/** Checks the secret service's answer against the attested mesh CA; returns nothing or throws. */
export async function checkSecretResponse(meshCaPem: string, meshCertDer: Uint8Array, publicKey: Uint8Array, enc: Uint8Array, signature: Uint8Array, now: Date): Promise<void> {
  let ca: X509Certificate;
  let leaf: X509Certificate;
  try {
    ca = new X509Certificate(meshCaPem);
  } catch {
    throw new ParseError('mesh_ca', 'is not a PEM certificate');
  }
  try {
    leaf = new X509Certificate(meshCertDer as BufferSource);
  } catch {
    throw new ParseError('MeshCert', 'is not a DER certificate');
  }
  const chained = await leaf.verify({ publicKey: ca.publicKey, date: now }).catch(() => false);
  if (!chained) throw new ConfidantError('E_ATTEST_VERIFY', 'The secret service’s certificate is not issued by the attested mesh CA (or is not valid now).', { field: 'MeshCert' });
  const { point, curve } = await ecPoint(leaf);
  const digest = await sha256(concatBytes([publicKey, enc]));
  const ok = (curve === 'P-256' ? p256 : p384).verify(signature, digest, point, { prehash: false, format: 'der', lowS: false });
  if (!ok) throw new ConfidantError('E_ATTEST_VERIFY', 'The secret service’s signature over the key exchange does not verify.', { field: 'Signature' });
}

/** Runs the exchange against `base` (the API) and returns the inference secret. */
export async function exchangeSecret(args: {
  base: string;
  apiKey: string | null;
  meshCaPem: string;
  headers: Record<string, string>;
  fetch: typeof fetch;
  signal?: AbortSignal;
  now: Date;
}): Promise<InferenceSecret> {
  const s = suite();
  const kp = await s.kem.generateKeyPair();
  const publicKey = new Uint8Array(await s.kem.serializePublicKey(kp.publicKey));
  const headers: Record<string, string> = { ...args.headers, 'content-type': 'application/json' };
  if (args.apiKey) headers.authorization = `Bearer ${args.apiKey}`;
  const res = await providerFetch(
    args.fetch,
    `${args.base}/privatemode/v1/secret`,
    { method: 'POST', headers, body: JSON.stringify({ PublicKey: toBase64(publicKey) }), ...(args.signal ? { signal: args.signal } : {}) },
    'Privatemode',
  );
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw httpError(res, 'Privatemode', false);
  }
  let body: { EncapsulatedKey?: unknown; Signature?: unknown; MeshCert?: unknown };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new ParseError('secret', 'the answer is not JSON');
  }
  const b64 = (v: unknown, f: string) => {
    if (typeof v !== 'string') throw new ParseError(`secret.${f}`, 'missing');
    return fromBase64(v, `secret.${f}`);
  };
  const enc = b64(body.EncapsulatedKey, 'EncapsulatedKey');
  await checkSecretResponse(args.meshCaPem, b64(body.MeshCert, 'MeshCert'), publicKey, enc, b64(body.Signature, 'Signature'), args.now);
  let secret: Uint8Array;
  try {
    const ctx = await s.createRecipientContext({ recipientKey: kp, enc: enc as unknown as ArrayBuffer });
    secret = new Uint8Array(await ctx.export(new Uint8Array(0) as unknown as ArrayBuffer, 32));
  } catch {
    throw new ConfidantError('E_ATTEST_VERIFY', 'The secret service’s encapsulated key does not open with this request’s key.', { field: 'EncapsulatedKey' });
  }
  return { id: toBase64(await sha256(publicKey)), secret, expiresAt: new Date(args.now.getTime() + SECRET_USE_MS) };
}
