/**
 * The evidence bundle the gateway returns from `GET /v1/attestation?nonce=…` (docs/protocol.md,
 * "Bundle"). This module only turns JSON into typed bytes (shape, encodings, sizes); it checks
 * no signature and applies no policy — that is verifyEvidence's job.
 *
 * Encodings: binary fields are base64 (RFC 4648 §4, padded) except `nonce`, which is base64url
 * (§5, unpadded) as in the request URL; certificates are PEM text; times are ISO 8601 UTC.
 */
import { ParseError } from '../errors.ts';
import { fromBase64Lenient } from '../bytes.ts';
import { AEAD_ID, KDF_ID, KEM_ID, KEY_ID_PATTERN, PUBLIC_KEY_BYTES, SUITE_NAME } from '../channel/suite.ts';
import { BINDING_VERSIONS, CLIENT_NONCE_BYTES, expectedReportData, type BindingVersion } from './binding.ts';
import { REPORT_SIZE } from './sevsnp/abi.ts';

/** The version gateways emit: 2 binds expiresAt and model into REPORT_DATA (binding.ts). */
export const BUNDLE_VERSION = 2;

/** One GPU's evidence as the driver returns it. */
export interface GpuEvidenceJson {
  arch: 'HOPPER';
  /** base64 of the SPDM GET_MEASUREMENTS request + response blob. */
  report: string;
  /** The driver's 5-certificate PEM chain text, leaf first; hashed exactly as carried. */
  certChain: string;
}

/** Reference values for the GPUs: RIMs from NVIDIA's RIM service, or an NRAS (or dev NRAS-style) result. */
export type GpuReferenceJson =
  | { kind: 'rims'; rims: { id: string; xml: string }[] }
  | {
      kind: 'nras';
      /** NRAS's detached EAT exactly as returned: [["JWT", overall], { "GPU-0": deviceToken, … }]. */
      eat: [[string, string], Record<string, string>];
    };

export interface EvidenceBundleJson {
  /** 2; 1 is accepted during a transition (its expiry and model are not bound). */
  version: BindingVersion;
  /** true when the gateway signed the evidence itself with development keys (gateway --simulated). */
  simulated: boolean;
  /** The client's nonce, echoed (base64url, 32 bytes). */
  nonce: string;
  issuedAt: string;
  /**
   * After this the channel key is retired: re-attest (the gateway still accepts it for a grace
   * period). Version 2 binds it (whole seconds) into REPORT_DATA.
   */
  expiresAt: string;
  /** The model the gateway forwards to (the upstream's model id). */
  model: string;
  channel: {
    suite: typeof SUITE_NAME;
    kemId: typeof KEM_ID;
    kdfId: typeof KDF_ID;
    aeadId: typeof AEAD_ID;
    /** base64 of the X-Wing public key (1216 bytes). */
    publicKey: string;
    keyId: string;
  };
  snp: {
    /** base64 of the 1184-byte attestation report. */
    report: string;
    /** Product line when known (Milan, Genoa, Turin), else null. */
    product: string | null;
    /** PEM of the VCEK (or VLEK) that signed the report. */
    vcek: string;
    /** PEM of the ASK (or ASVK) then the ARK; informative only, the verifier pins the ARK. May be "". */
    certChain: string;
  };
  gpus: GpuEvidenceJson[];
  gpuReference: GpuReferenceJson;
}

/** The bundle with its binary fields decoded. The JSON is kept for fields a verifier reads as text. */
export interface EvidenceBundle {
  json: EvidenceBundleJson;
  version: BindingVersion;
  nonce: Uint8Array;
  publicKey: Uint8Array;
  keyId: string;
  snpReport: Uint8Array;
  gpus: { report: Uint8Array; certChainPem: string }[];
  issuedAt: Date;
  expiresAt: Date;
}

function obj(x: unknown, field: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ParseError(field, 'must be an object');
  return x as Record<string, unknown>;
}
function str(x: unknown, field: string): string {
  if (typeof x !== 'string') throw new ParseError(field, 'must be a string');
  return x;
}
function b64(x: unknown, field: string, size?: number): Uint8Array {
  let out: Uint8Array;
  try {
    out = fromBase64Lenient(str(x, field));
  } catch (e) {
    if (e instanceof ParseError) throw e;
    throw new ParseError(field, (e as Error).message);
  }
  if (size !== undefined && out.length !== size) throw new ParseError(field, `must be ${size} bytes, got ${out.length}`);
  return out;
}
function date(x: unknown, field: string): Date {
  const d = new Date(str(x, field));
  if (Number.isNaN(d.getTime())) throw new ParseError(field, 'is not an ISO 8601 time');
  return d;
}

/** Checks the shape and decodes. Takes a deep copy first, so nothing can change what gets verified. */
export function parseBundle(input: unknown): EvidenceBundle {
  const json = structuredClone(input) as EvidenceBundleJson;
  const b = obj(json, 'bundle');
  if (!(BINDING_VERSIONS as readonly unknown[]).includes(b.version)) throw new ParseError('version', `must be ${BINDING_VERSIONS.join(' or ')}, got ${JSON.stringify(b.version)}`);
  const version = b.version as BindingVersion;
  if (typeof b.simulated !== 'boolean') throw new ParseError('simulated', 'must be a boolean');
  const nonce = b64(b.nonce, 'nonce', CLIENT_NONCE_BYTES);
  const issuedAt = date(b.issuedAt, 'issuedAt');
  const expiresAt = date(b.expiresAt, 'expiresAt');
  if (version === 2 && expiresAt.getTime() % 1000 !== 0) throw new ParseError('expiresAt', 'version 2 binds whole seconds: must have no fraction of a second');
  str(b.model, 'model');
  const ch = obj(b.channel, 'channel');
  if (ch.suite !== SUITE_NAME || ch.kemId !== KEM_ID || ch.kdfId !== KDF_ID || ch.aeadId !== AEAD_ID) {
    throw new ParseError('channel.suite', `must be ${SUITE_NAME} (0x${KEM_ID.toString(16)}, ${KDF_ID}, ${AEAD_ID})`);
  }
  const publicKey = b64(ch.publicKey, 'channel.publicKey', PUBLIC_KEY_BYTES);
  const keyId = str(ch.keyId, 'channel.keyId');
  if (!KEY_ID_PATTERN.test(keyId)) throw new ParseError('channel.keyId', 'must match [A-Za-z0-9_-]{1,64}');
  const snp = obj(b.snp, 'snp');
  const snpReport = b64(snp.report, 'snp.report', REPORT_SIZE);
  if (!(snp.product === null || typeof snp.product === 'string')) throw new ParseError('snp.product', 'must be a string or null');
  str(snp.vcek, 'snp.vcek');
  str(snp.certChain, 'snp.certChain');
  if (!Array.isArray(b.gpus)) throw new ParseError('gpus', 'must be an array');
  const gpus = b.gpus.map((g, i) => {
    const o = obj(g, `gpus[${i}]`);
    if (o.arch !== 'HOPPER') throw new ParseError(`gpus[${i}].arch`, 'must be "HOPPER"');
    return { report: b64(o.report, `gpus[${i}].report`), certChainPem: str(o.certChain, `gpus[${i}].certChain`) };
  });
  const ref = obj(b.gpuReference, 'gpuReference');
  if (ref.kind === 'rims') {
    if (!Array.isArray(ref.rims)) throw new ParseError('gpuReference.rims', 'must be an array');
    ref.rims.forEach((r, i) => {
      const o = obj(r, `gpuReference.rims[${i}]`);
      str(o.id, `gpuReference.rims[${i}].id`);
      str(o.xml, `gpuReference.rims[${i}].xml`);
    });
  } else if (ref.kind === 'nras') {
    const eat = ref.eat;
    if (!Array.isArray(eat) || eat.length !== 2 || !Array.isArray(eat[0]) || eat[0][0] !== 'JWT') {
      throw new ParseError('gpuReference.eat', 'must be [["JWT", token], {"GPU-0": token, …}]');
    }
    str(eat[0][1], 'gpuReference.eat[0][1]');
    for (const [k, v] of Object.entries(obj(eat[1], 'gpuReference.eat[1]'))) str(v, `gpuReference.eat[1].${k}`);
  } else {
    throw new ParseError('gpuReference.kind', 'must be "rims" or "nras"');
  }
  return { json, version, nonce, publicKey, keyId, snpReport, gpus, issuedAt, expiresAt };
}

/** The REPORT_DATA this bundle must carry for `clientNonce` (binding.ts, by the bundle's version). */
export function expectedReportDataFor(bundle: EvidenceBundle, clientNonce: Uint8Array): Promise<Uint8Array> {
  return expectedReportData({
    clientNonce,
    hpkePublicKey: bundle.publicKey,
    keyId: bundle.keyId,
    gpus: bundle.gpus,
    version: bundle.version,
    expiresAt: bundle.expiresAt,
    model: bundle.json.model,
  });
}
