/** Evidence from the real platform: configfs-tsm for the CPU, the evidence command and RIM service for GPUs. */
import type { GpuReferenceJson } from '../../src/core/attest/bundle.ts';
import { CommandGpuProvider, type GpuProviderOptions } from './gpu.ts';
import { ConfigfsSnpProvider, type SnpProviderOptions } from './snp.ts';
import type { EvidenceSource, GpuEvidence, SnpEvidence } from './types.ts';

export class HardwareEvidence implements EvidenceSource {
  readonly simulated = false;
  private readonly snp: ConfigfsSnpProvider;
  private readonly gpu: CommandGpuProvider;
  constructor(opts: { snp: SnpProviderOptions; gpu: GpuProviderOptions }) {
    this.snp = new ConfigfsSnpProvider(opts.snp);
    this.gpu = new CommandGpuProvider(opts.gpu);
  }
  gpuEvidence(gpuNonce: Uint8Array, signal?: AbortSignal): Promise<GpuEvidence[]> {
    return this.gpu.evidence(gpuNonce, signal);
  }
  gpuReference(gpus: GpuEvidence[], _gpuNonce: Uint8Array, signal?: AbortSignal): Promise<GpuReferenceJson> {
    return this.gpu.reference(gpus, signal);
  }
  snpReport(reportData: Uint8Array): Promise<SnpEvidence> {
    return this.snp.report(reportData);
  }
}
