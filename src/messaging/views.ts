/**
 * What the background shows the panel: the attestation view, receipts, stored conversations.
 * Plain data (structured-cloneable), shared by every context that displays or stores them.
 */
import type { Check } from '../core/attest/types.ts';
import type { ProviderKind } from '../core/settings/settings.ts';
import type { ReleaseRef, SoftwareIdentityKind, TrustVia } from '../core/trust/types.ts';
import type { Passage, Retrieval } from './library.ts';

/**
 * The attestation state, the same words on the toolbar badge and in the panel:
 *  - verified: genuine hardware, every check passed, and the software is the build a trust source names;
 *  - dev: simulated evidence from a development gateway on this machine (never Verified);
 *  - unknown-software: genuine hardware, but no trust source covers its software;
 *  - changed: the software differs from what was pinned or published: nothing is sent until the person decides;
 *  - failed: a check failed, or the evidence could not be had.
 */
export type AttestState = 'not-configured' | 'checking' | 'verified' | 'dev' | 'unknown-software' | 'changed' | 'failed' | 'expired';

export interface GpuClaimsView {
  driverVersion: string | null;
  vbiosVersion: string | null;
  fwid: string | null;
}

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

/** The software the endpoint runs, and what the gateway's trust source says of it. */
export interface SoftwareView {
  kind: SoftwareIdentityKind;
  /** hex */
  value: string;
  status: 'trusted' | 'unknown' | 'changed';
  via: TrustVia | null;
  release: ReleaseRef | null;
  /** What was expected before, for a change. */
  previous: { value: string; release: ReleaseRef | null } | null;
  /** One sentence saying why. */
  detail: string;
}

export interface AttestationView {
  state: AttestState;
  profileId: string | null;
  provider: ProviderKind | null;
  gatewayLabel: string | null;
  gatewayUrl: string | null;
  /** ms since epoch */
  checkedAt: number | null;
  /** When this verdict stops being used (capped on the client; see gate). */
  expiresAt: number | null;
  /** The key the requests are sealed to (key id, secret id, or key fingerprint). */
  keyId: string | null;
  model: string | null;
  simulated: boolean;
  checks: Check[];
  claims: AttestClaimsView | null;
  software: SoftwareView | null;
  /** What was proven, in plain sentences (provider-specific). */
  proven: string[];
  /** checked: every revocation list that applies was read; not-checked: at least one could not be. */
  revocation: 'checked' | 'not-checked' | null;
  /** The wire protocol and whether it binds the verdict's expiry (e.g. "Confidant v2"). */
  protocol: string | null;
  /** The person chose to send to this gateway although its software is unknown. */
  sendingUnknownAllowed: boolean;
  /** Why the last attempt could not even be checked (unreachable gateway, bad bundle…). */
  error: string | null;
  /** What kind of trouble `error` is, so the panel can say what to do. */
  errorKind: 'unreachable' | 'timeout' | 'not-a-gateway' | 'bad-evidence' | 'permission' | null;
}

/** What an answer was sent under, kept with the answer and shown on demand. */
export interface Receipt {
  gatewayUrl: string;
  provider: ProviderKind;
  keyId: string;
  measurement: string | null;
  /** The software identity (measurement or manifest digest) and why it was trusted. */
  software: { kind: SoftwareIdentityKind; value: string; via: TrustVia | null; release: ReleaseRef | null } | null;
  checkedAt: number;
  sentAt: number;
  simulated: boolean;
  model: string;
  protocol: string | null;
  /** How many passages (and characters) left the device with the question. */
  passages: number;
  characters: number;
}

export interface ConversationSummary {
  id: number;
  title: string;
  updatedAt: number;
  messages: number;
}

/** A stored conversation; `id` 0 means new. */
export interface ConversationRecord {
  id: number;
  title: string;
  createdAt: number;
  updatedAt: number;
  messages: Array<{
    role: 'user' | 'assistant';
    content: string;
    reasoning?: string;
    passages?: Passage[];
    /** Absent: 'hybrid'. */
    retrieval?: Retrieval;
    receipt?: Receipt;
    error?: string;
  }>;
}

/** The view before anything is known. */
export const EMPTY_VIEW: Readonly<AttestationView> = Object.freeze({
  state: 'not-configured',
  profileId: null,
  provider: null,
  gatewayLabel: null,
  gatewayUrl: null,
  checkedAt: null,
  expiresAt: null,
  keyId: null,
  model: null,
  simulated: false,
  checks: [],
  claims: null,
  software: null,
  proven: [],
  revocation: null,
  protocol: null,
  sendingUnknownAllowed: false,
  error: null,
  errorKind: null,
});
