/**
 * How one client nonce proves freshness of both the CPU and the GPU evidence and binds the
 * gateway's channel key (docs/protocol.md, "Binding"). Shared by the gateway, which builds the
 * values, and the verifier, which recomputes them; pure Web Crypto.
 *
 *   gpuNonce     = SHA-256("confidant/gpu-nonce/v1" || clientNonce)                 (32 bytes)
 *   gpuDigest    = SHA-256( for each GPU in bundle order:
 *                             u32be(len(report)) || report || u32be(len(certChainPem)) || certChainPem )
 *   REPORT_DATA v2 (bundle version 2) =
 *                SHA-512("confidant/report-data/v2" || clientNonce
 *                             || u16be(len(hpkePublicKey)) || hpkePublicKey
 *                             || u16be(len(keyId)) || keyId(UTF-8)
 *                             || u64be(expiresAt, Unix seconds)
 *                             || u16be(len(model)) || model(UTF-8) || gpuDigest)   (64 bytes)
 *   REPORT_DATA v1 (bundle version 1, accepted during the transition) = the same without expiresAt
 *                and model, under the label "confidant/report-data/v1".
 *
 * Binding expiresAt means a host or load balancer in front of the gateway cannot stretch how long a
 * client keeps using a verdict; binding the model means the receipt's model name was attested too.
 */
import { concatBytes, sha256, sha512, u16be, u32be, utf8 } from '../bytes.ts';

const GPU_NONCE_LABEL = utf8('confidant/gpu-nonce/v1');
const REPORT_DATA_LABEL_V1 = utf8('confidant/report-data/v1');
const REPORT_DATA_LABEL_V2 = utf8('confidant/report-data/v2');

/** Bundle versions a client accepts; 1 only for a transition period (its expiry is not bound). */
export const BINDING_VERSIONS = [1, 2] as const;
export type BindingVersion = (typeof BINDING_VERSIONS)[number];

export const CLIENT_NONCE_BYTES = 32;

function checkNonce(clientNonce: Uint8Array): void {
  if (clientNonce.length !== CLIENT_NONCE_BYTES) {
    throw new RangeError(`client nonce must be ${CLIENT_NONCE_BYTES} bytes, got ${clientNonce.length}`);
  }
}

export async function gpuNonceFor(clientNonce: Uint8Array): Promise<Uint8Array> {
  checkNonce(clientNonce);
  return sha256(concatBytes([GPU_NONCE_LABEL, clientNonce]));
}

export interface GpuEvidenceBytes {
  /** The raw SPDM request+response blob. */
  report: Uint8Array;
  /** The PEM certificate chain text exactly as carried in the bundle. */
  certChainPem: string;
}

export async function gpuEvidenceDigest(gpus: readonly GpuEvidenceBytes[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (const g of gpus) {
    const pem = utf8(g.certChainPem);
    parts.push(u32be(g.report.length), g.report, u32be(pem.length), pem);
  }
  return sha256(concatBytes(parts));
}

function u64be(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`expiresAt must be whole non-negative seconds, got ${n}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

export async function expectedReportData(args: {
  clientNonce: Uint8Array;
  hpkePublicKey: Uint8Array;
  keyId: string;
  gpus: readonly GpuEvidenceBytes[];
  /** 2 (default) binds `expiresAt` and `model` too. */
  version?: BindingVersion;
  /** Version 2: when the channel key expires (whole seconds are bound). */
  expiresAt?: Date;
  /** Version 2: the model the gateway serves. */
  model?: string;
}): Promise<Uint8Array> {
  checkNonce(args.clientNonce);
  const keyId = utf8(args.keyId);
  const gpuDigest = await gpuEvidenceDigest(args.gpus);
  const head = [args.clientNonce, u16be(args.hpkePublicKey.length), args.hpkePublicKey, u16be(keyId.length), keyId];
  if ((args.version ?? 2) === 1) return sha512(concatBytes([REPORT_DATA_LABEL_V1, ...head, gpuDigest]));
  if (!args.expiresAt || args.model === undefined) throw new RangeError('binding v2 needs expiresAt and model');
  const ms = args.expiresAt.getTime();
  if (ms % 1000 !== 0) throw new RangeError(`binding v2 binds whole seconds; expiresAt has ${ms % 1000} ms`);
  const model = utf8(args.model);
  return sha512(concatBytes([REPORT_DATA_LABEL_V2, ...head, u64be(ms / 1000), u16be(model.length), model, gpuDigest]));
}
