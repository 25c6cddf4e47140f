/**
 * The Confidant gateway (gateway/, docs/protocol.md): one bundle with the SEV-SNP report, every
 * GPU's SPDM evidence and its reference values, all bound to this client's nonce and the gateway's
 * X-Wing channel key; requests sealed with HPKE to that key, answers in numbered sealed frames.
 */
import { verifyEvidence } from '../attest/evidence.ts';
import type { EvidenceBundle } from '../attest/bundle.ts';
import { toHex } from '../bytes.ts';
import { channelFromVerdict, fetchBundle, isVerifiedChannel, openSealedChat, type VerifiedChannel } from '../channel/client.ts';
import { ConfidantError } from '../errors.ts';
import { claimsView } from './claims.ts';
import type { Attested, AttestContext, ChatOptions, Provider, ProviderSession } from './types.ts';
import type { ChatRequestBody } from '../channel/client.ts';

/** The longest a verdict is used without attesting again, whatever the gateway says. */
export const MAX_VERDICT_MS = 60 * 60 * 1000;

function proven(bundle: EvidenceBundle, claims: ReturnType<typeof claimsView>, simulated: boolean, gpus: number): string[] {
  const by = simulated ? 'signed by development keys (simulated, this machine only)' : 'signed by AMD';
  const lines = [
    `The CPU is in an AMD SEV-SNP confidential VM: its report is ${by}${claims.product ? ` (${claims.product})` : ''} and was checked in your browser.`,
  ];
  if (gpus > 0) {
    const ref = bundle.json.gpuReference.kind === 'rims' ? "NVIDIA's signed reference measurements (RIMs)" : "NVIDIA's attestation service (NRAS)";
    lines.push(`${gpus} NVIDIA H100 GPU${gpus > 1 ? 's' : ''} in confidential-computing mode: the evidence chains to NVIDIA's root and was appraised against ${ref}, in your browser.`);
  }
  lines.push(
    bundle.version === 2
      ? "Requests are sealed (X-Wing HPKE) to a key the report binds, with the key's expiry and the model name."
      : "Requests are sealed (X-Wing HPKE) to a key the report binds (protocol v1: the key's expiry is not bound).",
  );
  return lines;
}

export const confidantProvider: Provider = {
  kind: 'confidant',

  async attest(ctx: AttestContext): Promise<Attested> {
    const nonce = crypto.getRandomValues(new Uint8Array(32));
    const bundle = await fetchBundle(ctx.profile.url, nonce, { fetch: ctx.fetch, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    const verdict = await verifyEvidence({ bundle, nonce }, ctx.policy, { now: ctx.now, fetch: ctx.fetch, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    const claims = claimsView(verdict.claims, bundle.json.snp.product);
    const simulated = verdict.claims.simulated;
    const notAfter = new Date(Math.min(bundle.expiresAt.getTime(), ctx.now.getTime() + MAX_VERDICT_MS));
    let session: VerifiedChannel | null = null;
    if (verdict.ok) session = await channelFromVerdict(verdict, bundle, { gatewayUrl: ctx.profile.url, nonce, notAfter });
    return {
      ok: verdict.ok,
      checks: verdict.checks,
      claims,
      identity: verdict.claims.measurement ? { kind: 'snp-measurement', value: verdict.claims.measurement } : null,
      simulated,
      expiresAt: notAfter,
      session,
      proven: proven(bundle, claims, simulated, bundle.gpus.length),
      protocol: bundle.version === 2 ? 'Confidant v2' : 'Confidant v1 (expiry not bound; accepted during the transition)',
      keyId: bundle.keyId,
      model: bundle.json.model,
      transcript: { nonce: toHex(nonce), bundle: bundle.json },
    };
  },

  chat(session: ProviderSession, request: ChatRequestBody, opts: ChatOptions) {
    if (!isVerifiedChannel(session)) {
      throw new ConfidantError('E_NOT_ATTESTED', 'Refusing to send: this session did not come from a passing attestation of a Confidant gateway.');
    }
    return openSealedChat(session, request, { apiKey: opts.apiKey, fetch: opts.fetch, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.now ? { now: opts.now } : {}) });
  },
};
