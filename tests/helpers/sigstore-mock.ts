/**
 * Sigstore bundles made with @sigstore/mock's own certificate authority (with an embedded SCT from
 * its CT log) and transparency log (a signed entry timestamp, an inclusion proof and a signed
 * checkpoint), and a trusted root naming those keys: what GitHub's `actions/attest` produces, for
 * any repository, ref and statement a test wants, and mutations of it.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { initializeCA, initializeCTLog, initializeTLog } from '@sigstore/mock';

export const OID = {
  issuerV1: '1.3.6.1.4.1.57264.1.1',
  workflowRepository: '1.3.6.1.4.1.57264.1.5',
  workflowRef: '1.3.6.1.4.1.57264.1.6',
  issuerV2: '1.3.6.1.4.1.57264.1.8',
  sourceRepositoryUri: '1.3.6.1.4.1.57264.1.12',
  sourceRepositoryRef: '1.3.6.1.4.1.57264.1.14',
} as const;

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

const b64 = (b: Uint8Array | Buffer) => Buffer.from(b).toString('base64');
const sha256 = (b: Uint8Array | Buffer | string) => createHash('sha256').update(b).digest();

/** DSSE pre-authentication encoding. */
function pae(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);
}

export interface SignOptions {
  repo: string;
  ref: string;
  issuer?: string;
  payloadType?: string;
  /** Leave the certificate's SCT out (a CA that logged nothing). */
  noSct?: boolean;
}

export interface MockSigstore {
  trustedRoot: Record<string, unknown>;
  sign(statement: unknown, opts: SignOptions): Promise<Record<string, unknown>>;
}

function keyPair() {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

export async function mockSigstore(): Promise<MockSigstore> {
  const caKeys = keyPair();
  const ctKeys = keyPair();
  const tlogKeys = keyPair();
  // The mock reads this one Date whenever it issues or logs, and stamps its root certificates
  // with the wall clock when they are made. Moved forward once they exist, so the signing time
  // (whole seconds in the log) is never before the root's notBefore: before, a slow start
  // crossing a second boundary made "certificate is not valid at the specified date" now and then.
  const clock = new Date();
  const ctLog = await initializeCTLog(ctKeys, clock);
  const ca = await initializeCA(caKeys, ctLog, clock);
  const caNoSct = await initializeCA(caKeys, undefined, clock);
  const tlog = await initializeTLog('https://rekor.mock.invalid', tlogKeys, clock);
  clock.setTime(Date.now());
  const spki = (k: ReturnType<typeof keyPair>) => k.publicKey.export({ format: 'der', type: 'spki' });
  const start = new Date(clock.getTime() - 86_400_000).toISOString();

  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: 'https://rekor.mock.invalid',
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(spki(tlogKeys)), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: b64(sha256(spki(tlogKeys))) },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: 'https://fulcio.mock.invalid',
        certChain: { certificates: [{ rawBytes: b64(Buffer.from(ca.rootCertificate as unknown as Uint8Array)) }] },
        validFor: { start },
      },
    ],
    ctlogs: [
      {
        baseUrl: 'https://ctfe.mock.invalid',
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(spki(ctKeys)), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: b64(Buffer.from(ctLog.logID as unknown as Uint8Array)) },
      },
    ],
    timestampAuthorities: [],
  };

  async function signStatement(statement: unknown, opts: SignOptions): Promise<Record<string, unknown>> {
    const signer = keyPair();
    const issuer = opts.issuer ?? GITHUB_ISSUER;
    const cert = Buffer.from(
      (await (opts.noSct ? caNoSct : ca).issueCertificate({
        publicKey: spki(signer) as unknown as ArrayBufferView<ArrayBuffer>,
        subjectAltName: `https://github.com/${opts.repo}/.github/workflows/release.yml@${opts.ref}`,
        extensions: [
          { oid: OID.issuerV1, value: issuer, legacy: true },
          { oid: OID.workflowRepository, value: opts.repo, legacy: true },
          { oid: OID.workflowRef, value: opts.ref, legacy: true },
          { oid: OID.issuerV2, value: issuer },
          { oid: OID.sourceRepositoryUri, value: `https://github.com/${opts.repo}` },
          { oid: OID.sourceRepositoryRef, value: opts.ref },
        ],
      })) as unknown as Uint8Array,
    );
    const payloadType = opts.payloadType ?? 'application/vnd.in-toto+json';
    const payload = Buffer.from(JSON.stringify(statement));
    const sig = sign('sha256', pae(payloadType, payload), signer.privateKey);
    const pem = `-----BEGIN CERTIFICATE-----\n${b64(cert).replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
    const logged = await tlog.log({
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        envelopeHash: { algorithm: 'sha256', value: sha256(JSON.stringify({ payload: b64(payload), payloadType, signatures: [{ sig: b64(sig) }] })).toString('hex') },
        payloadHash: { algorithm: 'sha256', value: sha256(payload).toString('hex') },
        signatures: [{ signature: b64(sig), verifier: b64(Buffer.from(pem)) }],
      },
    });
    const e = Object.values(logged)[0] as {
      body: string;
      integratedTime: number;
      logID: string;
      logIndex: number;
      verification: { signedEntryTimestamp: string; inclusionProof: { logIndex: number; treeSize: number; rootHash: string; hashes: string[]; checkpoint: string } };
    };
    return {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: {
        certificate: { rawBytes: b64(cert) },
        tlogEntries: [
          {
            logIndex: String(e.logIndex),
            logId: { keyId: b64(Buffer.from(e.logID, 'hex')) },
            kindVersion: { kind: 'dsse', version: '0.0.1' },
            integratedTime: String(e.integratedTime),
            inclusionPromise: { signedEntryTimestamp: e.verification.signedEntryTimestamp },
            inclusionProof: {
              logIndex: String(e.verification.inclusionProof.logIndex),
              rootHash: b64(Buffer.from(e.verification.inclusionProof.rootHash, 'hex')),
              treeSize: String(e.verification.inclusionProof.treeSize),
              hashes: [],
              checkpoint: { envelope: e.verification.inclusionProof.checkpoint },
            },
            canonicalizedBody: e.body,
          },
        ],
      },
      dsseEnvelope: { payload: b64(payload), payloadType, signatures: [{ sig: b64(sig), keyid: '' }] },
    };
  }

  return { trustedRoot, sign: signStatement };
}

/** An in-toto Statement v1 about `digest` with `predicate` of `predicateType`. */
export function statement(digest: string, predicateType: string, predicate: unknown, name = 'release-asset'): Record<string, unknown> {
  return { _type: 'https://in-toto.io/Statement/v1', subject: [{ name, digest: { sha256: digest } }], predicateType, predicate };
}
