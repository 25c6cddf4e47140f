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

const enc = new TextEncoder();
const GPU_NONCE_LABEL = enc.encode('confidant/gpu-nonce/v1');
const REPORT_DATA_LABEL = enc.encode('confidant/report-data/v1');

export const CLIENT_NONCE_BYTES = 32;

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function u16be(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError(`length ${n} does not fit in 16 bits`);
  return new Uint8Array([n >>> 8, n & 0xff]);
}

function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
}

async function digest(alg: 'SHA-256' | 'SHA-512', data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(alg, data as BufferSource));
}

function checkNonce(clientNonce: Uint8Array): void {
  if (clientNonce.length !== CLIENT_NONCE_BYTES) {
    throw new RangeError(`client nonce must be ${CLIENT_NONCE_BYTES} bytes, got ${clientNonce.length}`);
  }
}

export async function gpuNonceFor(clientNonce: Uint8Array): Promise<Uint8Array> {
  checkNonce(clientNonce);
  return digest('SHA-256', concat([GPU_NONCE_LABEL, clientNonce]));
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
    const pem = enc.encode(g.certChainPem);
    parts.push(u32be(g.report.length), g.report, u32be(pem.length), pem);
  }
  return digest('SHA-256', concat(parts));
}

export async function expectedReportData(args: {
  clientNonce: Uint8Array;
  hpkePublicKey: Uint8Array;
  keyId: string;
  gpus: readonly GpuEvidenceBytes[];
}): Promise<Uint8Array> {
  checkNonce(args.clientNonce);
  const keyId = enc.encode(args.keyId);
  const gpuDigest = await gpuEvidenceDigest(args.gpus);
  return digest(
    'SHA-512',
    concat([REPORT_DATA_LABEL, args.clientNonce, u16be(args.hpkePublicKey.length), args.hpkePublicKey, u16be(keyId.length), keyId, gpuDigest]),
  );
}
