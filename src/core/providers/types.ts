/**
 * The provider model. A provider is one module that knows how to
 *  1. fetch and verify its endpoint's attestation evidence (`attest`),
 *  2. establish the channel that evidence binds (the `session` a passing attestation returns),
 *  3. seal a chat request and open the streamed reply (`chat`),
 *  4. say what was proven, for the badge, receipts and the attestation details (`proven`, `claims`).
 *
 * What stays provider-independent (src/background/gate): the verdict cache and its expiry, the
 * software appraisal against the gateway's trust source (src/core/trust), the badge, receipts, and
 * the rule that nothing is sent without a passing verification: `chat` accepts only a session that
 * its own `attest` issued from a passing verdict (each provider keeps the set it issued).
 */
import type { Check } from '../attest/types.ts';
import type { Policy } from '../attest/policy.ts';
import type { ChatDelta, ChatRequestBody } from '../channel/client.ts';
import type { GatewayProfile, ProviderKind } from '../settings/settings.ts';
import type { SoftwareIdentity } from '../trust/types.ts';

export interface GpuClaimsView {
  driverVersion: string | null;
  vbiosVersion: string | null;
  fwid: string | null;
}

/** The claims the details view shows, the same shape for every provider. */
export interface AttestClaimsView {
  measurement: string | null;
  /** e.g. "bl 3 · tee 0 · snp 8 · ucode 115" */
  tcb: string | null;
  chipId: string | null;
  product: string | null;
  reportData: string | null;
  nonce: string | null;
  gpus: GpuClaimsView[];
}

/** Where the extension reaches the services around an endpoint; tests point them at stand-ins. */
export interface Endpoints {
  /** AMD Key Distribution Service (VCEKs, CRLs). */
  kds: string;
  /** GitHub's REST API (releases, attestations). */
  githubApi: string;
}

export const DEFAULT_ENDPOINTS: Readonly<Endpoints> = Object.freeze({
  kds: 'https://kdsintf.amd.com',
  githubApi: 'https://api.github.com',
});

export interface AttestContext {
  profile: GatewayProfile;
  /** The hardware policy (SEV-SNP, GPUs); `allowSimulated` only for a development profile. */
  policy: Policy;
  fetch: typeof fetch;
  now: Date;
  signal?: AbortSignal;
  endpoints: Endpoints;
  /** The profile's API key, when the library is unlocked: some endpoints ask for it to attest (Privatemode). */
  apiKey?: string | null;
}

/** What a session is sealed to, kept in receipts. */
export interface ProviderSession {
  readonly provider: ProviderKind;
  /** The key requests are sealed to: a key id, a secret id, or a key fingerprint. */
  readonly keyId: string;
  readonly expiresAt: Date;
  readonly model: string;
  readonly simulated: boolean;
}

export interface Attested {
  /** Every hardware, binding and evidence check passed (the software appraisal comes after). */
  ok: boolean;
  checks: Check[];
  claims: AttestClaimsView;
  /** The software the endpoint runs, for the trust source to appraise; null when unknown. */
  identity: SoftwareIdentity | null;
  simulated: boolean;
  /** When the verdict stops being usable, as the evidence says (the gate caps it further). */
  expiresAt: Date;
  /** Only for a passing verdict. */
  session: ProviderSession | null;
  /** What was proven, in plain sentences. */
  proven: string[];
  /** The wire protocol, and what it binds, in a few words (e.g. "Confidant v2"). */
  protocol: string;
  keyId: string | null;
  model: string | null;
  /** Everything `npm run verify` needs to re-check this attestation offline. */
  transcript: Record<string, unknown>;
}

export interface ChatOptions {
  apiKey: string | null;
  signal?: AbortSignal;
  fetch: typeof fetch;
  now?: () => Date;
}

export interface Provider {
  readonly kind: ProviderKind;
  attest(ctx: AttestContext): Promise<Attested>;
  /** Streams one answer; refuses a session this provider did not issue from a passing verdict. */
  chat(session: ProviderSession, request: ChatRequestBody, opts: ChatOptions): AsyncGenerator<ChatDelta, void, undefined>;
}
