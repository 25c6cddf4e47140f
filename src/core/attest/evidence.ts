// TEMPORARY STUB so the extension builds while the verifier's entry point is written.
// The colleague writing src/core/attest phase 2 replaces this whole file.
import type { EvidenceBundle } from './bundle.ts';
import type { AttestOptions, Check } from './types.ts';
import type { Policy } from './policy.ts';

export interface Verdict {
  ok: boolean;
  checks: Check[];
  claims: Record<string, unknown>;
}

export async function verifyEvidence(_evidence: { bundle: EvidenceBundle; nonce: Uint8Array }, _policy: Policy, _opts: AttestOptions): Promise<Verdict> {
  return { ok: false, checks: [{ id: 'verifier.missing', passed: false, detail: 'The verifier entry point is not built yet.' }], claims: {} };
}
