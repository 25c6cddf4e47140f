/**
 * Verifying an endpoint's bare SEV-SNP report, for providers whose evidence is a report and a VCEK
 * rather than a Confidant bundle (Tinfoil, Privatemode's Contrast coordinator). The same verifier
 * as the gateway's (src/core/attest/sevsnp): AMD chain, signature, policy. One set of roots, never
 * mixed: AMD's, or, for a development profile only, the development roots the stand-ins sign with.
 */
import { DEV_ROOTS, PRODUCTION_ROOTS, type EvidenceClaims } from '../attest/evidence.ts';
import type { Policy } from '../attest/policy.ts';
import { verifySnp, type SnpPolicy } from '../attest/sevsnp/index.ts';
import type { Check } from '../attest/types.ts';
import { ParseError } from '../errors.ts';

export interface EndpointSnpInput {
  report: Uint8Array;
  /** DER or PEM. */
  vcek: Uint8Array;
  /** PEM ASK+ARK as the endpoint sent them (compared with the pinned ones, never trusted). */
  certChain?: string;
}

export interface EndpointSnp {
  ok: boolean;
  checks: Check[];
  claims: EvidenceClaims;
  simulated: boolean;
}

function pass(id: string, detail: string, extra: Partial<Check> = {}): Check {
  return { id, passed: true, detail, ...extra };
}
function fail(id: string, detail: string, extra: Partial<Check> = {}): Check {
  return { id, passed: false, detail, ...extra };
}

/**
 * Runs the SEV-SNP checks under `policy` (plus `extra`, e.g. an exact REPORT_DATA or HOST_DATA),
 * and says whether the evidence is simulated. `gpuNote` is the check that stands for the GPU when
 * the provider gives the browser no GPU evidence.
 */
export async function verifyEndpointSnp(
  input: EndpointSnpInput,
  policy: Policy,
  opts: { now: Date; fetch?: typeof fetch; signal?: AbortSignal; extra?: Partial<SnpPolicy>; nonce?: string | null; gpuNote: string },
): Promise<EndpointSnp> {
  const roots = policy.allowSimulated ? DEV_ROOTS : PRODUCTION_ROOTS;
  let snp;
  try {
    snp = await verifySnp({ report: input.report, vcek: input.vcek, ...(input.certChain ? { certChain: input.certChain } : {}) }, { ...policy.snp, ...(opts.extra ?? {}) }, {
      now: opts.now,
      roots: roots.snp,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (e) {
    if (e instanceof ParseError) throw new ParseError(`snp.${e.field}`, e.message.slice(e.field.length + 2));
    throw e;
  }
  const simulated = snp.claims.rootSource === 'dev';
  const simulatedCheck = !simulated
    ? pass('evidence.simulated', 'hardware evidence: the SEV-SNP chain ends in a pinned AMD root')
    : policy.allowSimulated
      ? pass('evidence.simulated', 'the SEV-SNP chain ends in a development root; allowed for this development profile only')
      : fail('evidence.simulated', 'the SEV-SNP chain ends in a development root; the policy does not allow simulated evidence', { got: 'simulated', want: 'hardware' });
  const checks = [simulatedCheck, ...snp.checks, pass('evidence.gpu', opts.gpuNote)];
  return { ok: checks.every((c) => c.passed), checks, claims: { ...snp.claims, gpus: [], nonce: opts.nonce ?? null, simulated }, simulated };
}
