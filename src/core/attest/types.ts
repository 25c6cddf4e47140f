/**
 * Shared shapes of the attestation verifier. The SEV-SNP and NVIDIA modules each
 * produce checks and claims; `verifyEvidence` (evidence.ts) runs both and joins them.
 */

/** One check that was run. Every check runs; `passed: false` never throws. */
export interface Check {
  /** Stable id, e.g. `snp.report.signature`, `snp.policy.DEBUG`, `gpu0.nonce`. */
  id: string;
  passed: boolean;
  /** One human sentence. For failures: names the field as the spec names it, with got versus want. */
  detail: string;
  /** The field as AMD or NVIDIA name it (REPORT_DATA, CHIP_ID, POLICY.DEBUG, ...), when there is one. */
  field?: string;
  got?: string;
  want?: string;
}

/** The clock and the network are injected, so verification is offline and deterministic in tests. */
export interface AttestOptions {
  /** Time at which certificates, CRLs, RIMs and tokens must be valid. */
  now: Date;
  /** Used to fetch AMD CRLs or NRAS keys when the policy allows; absent means offline. */
  fetch?: typeof fetch;
  signal?: AbortSignal;
}
