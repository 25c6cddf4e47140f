/** What the gateway asks of an evidence source: real hardware (snp.ts + gpu.ts) or simulated.ts. */
import type { GpuReferenceJson } from '../../src/core/attest/bundle.ts';

export interface GpuEvidence {
  report: Uint8Array;
  /** PEM chain text exactly as the driver gave it (leaf first, root last). */
  certChainPem: string;
}

export interface SnpEvidence {
  report: Uint8Array;
  /** PEM of the VCEK or VLEK that signed the report. */
  vcekPem: string;
  /** PEM of ASK (or ASVK) then ARK, or "" when unknown. */
  certChainPem: string;
  product: string | null;
}

export interface EvidenceSource {
  readonly simulated: boolean;
  /** Called first: GPU evidence for the derived GPU nonce (binding.ts gpuNonceFor). */
  gpuEvidence(gpuNonce: Uint8Array, signal?: AbortSignal): Promise<GpuEvidence[]>;
  /** Reference values for those GPUs (RIMs, or an NRAS-style result). */
  gpuReference(gpus: GpuEvidence[], gpuNonce: Uint8Array, signal?: AbortSignal): Promise<GpuReferenceJson>;
  /** Then the SNP report carrying REPORT_DATA (binding.ts expectedReportData). */
  snpReport(reportData: Uint8Array, signal?: AbortSignal): Promise<SnpEvidence>;
}

export class EvidenceError extends Error {
  override readonly name = 'EvidenceError';
}
