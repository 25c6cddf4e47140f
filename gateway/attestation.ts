/** Builds the evidence bundle for one client nonce (docs/protocol.md, "Bundle" and "Binding"). */
import { expectedReportData, gpuNonceFor, type BindingVersion } from '../src/core/attest/binding.ts';
import { BUNDLE_VERSION, type EvidenceBundleJson } from '../src/core/attest/bundle.ts';
import { toBase64, toBase64Url } from '../src/core/bytes.ts';
import { AEAD_ID, KDF_ID, KEM_ID, SUITE_NAME } from '../src/core/channel/suite.ts';
import type { GatewayKey } from './keys.ts';
import type { EvidenceSource } from './evidence/types.ts';

export async function buildBundle(args: {
  nonce: Uint8Array;
  key: GatewayKey;
  source: EvidenceSource;
  model: string;
  signal?: AbortSignal;
  /** 2 (default) binds expiresAt and model; 1 only to test clients in the transition. */
  version?: BindingVersion;
}): Promise<EvidenceBundleJson> {
  const { nonce, key, source } = args;
  const version = args.version ?? BUNDLE_VERSION;
  const gpuNonce = await gpuNonceFor(nonce);
  const gpus = await source.gpuEvidence(gpuNonce, args.signal);
  const gpuReference = await source.gpuReference(gpus, gpuNonce, args.signal);
  // Version 2 binds whole seconds (keys.ts makes notAfter whole seconds; floor in case a test key is not).
  const expiresAt = new Date(Math.floor(key.notAfter / 1000) * 1000);
  const reportData = await expectedReportData({ clientNonce: nonce, hpkePublicKey: key.publicKey, keyId: key.keyId, gpus, version, expiresAt, model: args.model });
  const snp = await source.snpReport(reportData, args.signal);
  return {
    version,
    simulated: source.simulated,
    nonce: toBase64Url(nonce),
    issuedAt: new Date().toISOString(),
    expiresAt: expiresAt.toISOString(),
    model: args.model,
    channel: { suite: SUITE_NAME, kemId: KEM_ID, kdfId: KDF_ID, aeadId: AEAD_ID, publicKey: toBase64(key.publicKey), keyId: key.keyId },
    snp: { report: toBase64(snp.report), product: snp.product, vcek: snp.vcekPem, certChain: snp.certChainPem },
    gpus: gpus.map((g) => ({ arch: 'HOPPER' as const, report: toBase64(g.report), certChain: g.certChainPem })),
    gpuReference,
  };
}
