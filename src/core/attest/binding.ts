/**
 * How one client nonce proves freshness of both the CPU and the GPU evidence and binds the
 * gateway's channel key (docs/protocol.md, "Binding"). Shared by the gateway, which builds the
 * values, and the verifier, which recomputes them; pure Web Crypto.
 *
 *   gpuNonce     = SHA-256("confidant/gpu-nonce/v1" || clientNonce)                 (32 bytes)
 *   gpuDigest    = SHA-256( for each GPU in bundle order:
 *                             u32be(len(report)) || report || u32be(len(certChainPem)) || certChainPem )
 *   REPORT_DATA  = SHA-512("confidant/report-data/v1" || clientNonce
 *                             || u16be(len(hpkePublicKey)) || hpkePublicKey
 *                             || u16be(len(keyId)) || keyId(UTF-8) || gpuDigest)   (64 bytes)
 */
import { concatBytes, sha256, sha512, u16be, u32be, utf8 } from '../bytes.ts';

const GPU_NONCE_LABEL = utf8('confidant/gpu-nonce/v1');
const REPORT_DATA_LABEL = utf8('confidant/report-data/v1');

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

export async function expectedReportData(args: {
  clientNonce: Uint8Array;
  hpkePublicKey: Uint8Array;
  keyId: string;
  gpus: readonly GpuEvidenceBytes[];
}): Promise<Uint8Array> {
  checkNonce(args.clientNonce);
  const keyId = utf8(args.keyId);
  const gpuDigest = await gpuEvidenceDigest(args.gpus);
  return sha512(
    concatBytes([REPORT_DATA_LABEL, args.clientNonce, u16be(args.hpkePublicKey.length), args.hpkePublicKey, u16be(keyId.length), keyId, gpuDigest]),
  );
}
