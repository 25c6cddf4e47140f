/**
 * The attestation gate. For the active gateway profile it attests through the profile's provider
 * (a fresh verification of the endpoint's evidence, in this service worker), appraises the
 * software against the profile's trust source, and holds the result until it expires. Sending
 * needs `sendable()`, which returns a provider session only for a verdict that
 *  - was made under the current settings (a verdict is keyed by a fingerprint of the profile and
 *    the policy; an attestation that finishes after the settings changed is discarded),
 *  - has not expired (at most MAX_VERDICT_MS after the check, and no later than the evidence says),
 *  - passed every check, and whose software is trusted (or, by the person's explicit choice for
 *    this gateway, unknown; a change is never sent to until the person decides).
 * There is no other way to reach an endpoint with page text.
 */
import { ConfidantError, toErrorData, type ErrorCode } from '../core/errors.ts';
import { policyJsonFor, policyFor } from '../core/settings/policy.ts';
import { activeProfile, type GatewayProfile, type Settings } from '../core/settings/settings.ts';
import { parseGatewayUrl } from '../core/settings/input.ts';
import { revocationOf } from '../core/providers/claims.ts';
import type { Attested, ProviderSession } from '../core/providers/types.ts';
import { accept, appraise, remember, type Appraisal } from '../core/trust/appraise.ts';
import type { TrustState } from '../core/trust/types.ts';
import { sha256, toHex, utf8 } from '../core/bytes.ts';
import { EMPTY_VIEW, type AttestationView, type SoftwareView } from '../messaging/views.ts';
import { apiKeyFor } from './api-keys.ts';
import { showBadge } from './badge.ts';
import { endpoints } from './endpoints.ts';
import { providerFor } from './providers.ts';
import { refreshReleases } from './releases.ts';
import { getSettings, setSettings } from './settings-store.ts';
import { getTrustState, setTrustState } from './trust-store.ts';

const VIEW_KEY = 'attest.view';
const TRANSCRIPT_KEY = 'attest.transcript';
/** Re-attest a little before expiry, so a send never races it. */
const EXPIRY_MARGIN_MS = 30_000;
/** An attestation that takes longer than this is a timeout (NRAS keys, RIMs, CRLs included). */
const ATTEST_TIMEOUT_MS = 45_000;


interface Held {
  fingerprint: string;
  profile: GatewayProfile;
  attested: Attested;
  appraisal: Appraisal | null;
  view: AttestationView;
}

let held: Held | null = null;
let inFlight: { fingerprint: string; promise: Promise<AttestationView> } | null = null;
let expiryTimer: ReturnType<typeof setTimeout> | undefined;

/** What a verdict depends on. A different fingerprint means the verdict is not about these settings. */
async function fingerprint(settings: Settings, profile: GatewayProfile): Promise<string> {
  const { label: _l, allowUnknownSoftware: _a, ...trustRelevant } = profile;
  return toHex(await sha256(utf8(JSON.stringify({ profile: trustRelevant, policy: policyJsonFor(settings, profile) }))));
}

export async function getView(): Promise<AttestationView> {
  const v = (await chrome.storage.session.get(VIEW_KEY))[VIEW_KEY] as AttestationView | undefined;
  if (!v) {
    const s = await getSettings();
    const p = activeProfile(s);
    return p ? { ...EMPTY_VIEW, profileId: p.id, provider: p.provider, gatewayLabel: p.label, gatewayUrl: p.url } : { ...EMPTY_VIEW };
  }
  if (v.state !== 'failed' && v.state !== 'not-configured' && v.state !== 'checking' && v.expiresAt !== null && v.expiresAt <= Date.now()) return { ...v, state: 'expired' };
  return v;
}

async function publish(v: AttestationView): Promise<AttestationView> {
  await chrome.storage.session.set({ [VIEW_KEY]: v });
  await showBadge(v);
  chrome.runtime.sendMessage({ target: 'panel', type: 'attest.changed', payload: v }).catch(() => {});
  return v;
}

function softwareView(attested: Attested, a: Appraisal | null): SoftwareView | null {
  if (!attested.identity || !a) return null;
  return {
    kind: attested.identity.kind,
    value: attested.identity.value,
    status: a.status,
    via: a.status === 'trusted' ? a.via : null,
    release: a.status === 'unknown' ? null : a.release,
    previous: a.status === 'changed' ? a.previous : null,
    detail: a.check.detail,
  };
}

/** The state the badge shows, from the hardware verdict and the software appraisal. */
function stateOf(profile: GatewayProfile, attested: Attested, a: Appraisal | null): AttestationView['state'] {
  if (!attested.ok) return 'failed';
  // A development gateway with no trust source of its own: DEV, as simulated evidence always is.
  if (attested.simulated && profile.trust.kind === 'none') return 'dev';
  if (!a || a.status === 'unknown') return 'unknown-software';
  if (a.status === 'changed') return 'changed';
  return attested.simulated ? 'dev' : 'verified';
}

function viewOf(profile: GatewayProfile, attested: Attested, a: Appraisal | null, checkedAt: number): AttestationView {
  return {
    ...EMPTY_VIEW,
    state: stateOf(profile, attested, a),
    profileId: profile.id,
    provider: profile.provider,
    gatewayLabel: profile.label,
    gatewayUrl: profile.url,
    checkedAt,
    expiresAt: attested.expiresAt.getTime(),
    keyId: attested.keyId,
    model: attested.model,
    simulated: attested.simulated,
    // The hardware and evidence checks; the software appraisal has its own section (software).
    checks: attested.checks,
    claims: attested.claims,
    software: softwareView(attested, a),
    proven: attested.proven,
    revocation: revocationOf(attested.checks),
    protocol: attested.protocol,
    sendingUnknownAllowed: profile.allowUnknownSoftware,
  };
}

const ERROR_KINDS: Partial<Record<ErrorCode, AttestationView['errorKind']>> = {
  E_NETWORK: 'unreachable',
  E_TIMEOUT: 'timeout',
  E_NOT_A_GATEWAY: 'not-a-gateway',
  E_PARSE: 'bad-evidence',
  E_PERMISSION: 'permission',
};

/** Attests the active gateway now. Callers with the same settings share one attempt. */
export async function attest(reason: string): Promise<AttestationView> {
  const settings = await getSettings();
  const profile = activeProfile(settings);
  if (!profile) {
    held = null;
    return publish({ ...EMPTY_VIEW });
  }
  const fp = await fingerprint(settings, profile);
  if (inFlight && inFlight.fingerprint === fp) return inFlight.promise;
  // Settings changed while another attempt runs: start a new one; the old one's result is dropped.
  const attempt = doAttest(reason, settings, profile, fp);
  inFlight = { fingerprint: fp, promise: attempt };
  try {
    return await attempt;
  } finally {
    if (inFlight?.promise === attempt) inFlight = null;
  }
}

/** Is `fp` still what the current settings give? */
async function stillCurrent(fp: string): Promise<boolean> {
  const s = await getSettings();
  const p = activeProfile(s);
  return p !== null && (await fingerprint(s, p)) === fp;
}

async function doAttest(_reason: string, settings: Settings, profile: GatewayProfile, fp: string): Promise<AttestationView> {
  if (held && held.fingerprint !== fp) held = null;
  const base: AttestationView = { ...EMPTY_VIEW, profileId: profile.id, provider: profile.provider, gatewayLabel: profile.label, gatewayUrl: profile.url };
  await publish({ ...(await getView()), ...base, state: 'checking' });
  const provider = providerFor(profile.provider);
  if (!provider) return publish({ ...base, state: 'failed', checkedAt: Date.now(), error: `This version of Confidant cannot talk to ${profile.provider} endpoints.` });

  const failed = async (e: unknown): Promise<AttestationView> => {
    const err = toErrorData(e);
    const v: AttestationView = { ...base, state: 'failed', checkedAt: Date.now(), error: err.message, errorKind: ERROR_KINDS[err.code] ?? null };
    return (await stillCurrent(fp)) ? publish(v) : v;
  };

  const parsed = parseGatewayUrl(profile.url);
  if (parsed.ok && !(await chrome.permissions.contains({ origins: [parsed.pattern] }))) {
    return failed(new ConfidantError('E_PERMISSION', `Confidant may not reach ${parsed.origin} yet: allow it in Settings (Gateway), then check again.`));
  }

  const now = new Date();
  let attested: Attested;
  try {
    attested = await provider.attest({
      profile,
      policy: policyFor(settings, profile),
      fetch: globalThis.fetch.bind(globalThis),
      now,
      signal: AbortSignal.timeout(ATTEST_TIMEOUT_MS),
      endpoints: await endpoints(),
      // Privatemode asks for the key to attest; a locked library just means attesting without it.
      apiKey: profile.provider === 'privatemode' ? await apiKeyFor(profile).catch(() => null) : null,
    });
  } catch (e) {
    return failed(e);
  }

  let appraisal: Appraisal | null = null;
  let trust: TrustState = await getTrustState(profile.id);
  if (attested.ok && attested.identity) {
    if (profile.trust.kind === 'releases') {
      try {
        trust = await refreshReleases(profile, trust, attested.identity, { fetch: globalThis.fetch.bind(globalThis), now, endpoints: await endpoints() });
        await setTrustState(profile.id, trust);
      } catch (e) {
        // The releases could not be checked now: the appraisal uses those verified before.
        console.error('Confidant: could not refresh releases:', toErrorData(e).message);
      }
    }
    appraisal = appraise(attested.identity, profile.trust, trust);
  }

  // The settings changed while this ran: this verdict is about old settings, drop it.
  if (!(await stillCurrent(fp))) return viewOf(profile, attested, appraisal, now.getTime());

  const view = viewOf(profile, attested, appraisal, now.getTime());
  held = { fingerprint: fp, profile, attested, appraisal, view };
  await chrome.storage.session.set({
    [TRANSCRIPT_KEY]: JSON.stringify(
      {
        format: 'confidant-attestation-transcript',
        version: 2,
        provider: profile.provider,
        gateway: profile.url,
        checkedAt: now.toISOString(),
        policy: policyJsonFor(settings, profile),
        verdict: { ok: attested.ok, checks: attested.checks },
        software: view.software,
        ...attested.transcript,
      },
      null,
      2,
    ),
  });
  scheduleRecheck(attested.expiresAt.getTime());
  return publish(view);
}

/** Re-attest shortly before expiry. The timer lives only as long as this service worker (we ask
 * for no "alarms" permission); after a restart the held verdict is gone, and the next send or panel
 * view re-attests. */
function scheduleRecheck(expiresAt: number): void {
  clearTimeout(expiryTimer);
  expiryTimer = setTimeout(() => void attest('expiry'), Math.max(1000, expiresAt - marginFor(expiresAt) - Date.now()));
}

/** 30 s, or a tenth of the remaining life if shorter. */
function marginFor(expiresAt: number): number {
  return Math.min(EXPIRY_MARGIN_MS, Math.max(0, expiresAt - Date.now()) / 10);
}

export interface Sendable {
  session: ProviderSession;
  profile: GatewayProfile;
  view: AttestationView;
}

/**
 * A session to send on, re-checked against the current settings at every send; attests first when
 * nothing usable is held. Refuses, with the reason, whatever may not be sent to.
 */
export async function sendable(): Promise<Sendable> {
  const settings = await getSettings();
  const profile = activeProfile(settings);
  if (!profile) throw new ConfidantError('E_NOT_ATTESTED', 'No gateway is set up yet. Add one in Settings.', { messageKey: 'errNoGateway' });
  const fp = await fingerprint(settings, profile);
  let h = held;
  const usable = (x: Held | null): x is Held => !!x && x.fingerprint === fp && x.attested.expiresAt.getTime() - marginFor(x.attested.expiresAt.getTime()) > Date.now();
  if (!usable(h)) {
    await attest('send');
    h = held;
  }
  if (!usable(h)) {
    const v = await getView();
    throw new ConfidantError('E_NOT_ATTESTED', v.error ?? 'The gateway could not be attested, so nothing was sent.');
  }
  const { attested, appraisal } = h;
  if (!attested.ok || !attested.session) {
    const failedIds = attested.checks.filter((c) => !c.passed).map((c) => c.id);
    throw new ConfidantError('E_NOT_ATTESTED', `The gateway failed attestation (${failedIds.length} check${failedIds.length === 1 ? '' : 's'} failed), so nothing was sent.`, { failed: failedIds });
  }
  const state = stateOf(profile, attested, appraisal);
  if (state === 'changed') {
    throw new ConfidantError('E_UNTRUSTED_SOFTWARE', "The gateway's software changed from what you trusted. Nothing was sent: review the change in the attestation details.", { state });
  }
  if (state === 'unknown-software' && !profile.allowUnknownSoftware) {
    throw new ConfidantError('E_UNTRUSTED_SOFTWARE', "The gateway runs genuine confidential hardware, but its software is not one you trust. Nothing was sent: choose what to trust in the attestation details.", { state });
  }
  // Remember what was used, so a later different build is shown as a change.
  if (attested.identity && (appraisal?.status === 'trusted' || state === 'unknown-software')) {
    const trust = await getTrustState(profile.id);
    if (trust.last?.value !== attested.identity.value) {
      await setTrustState(profile.id, remember(trust, attested.identity.value, appraisal?.status === 'trusted' ? appraisal.release : null, Date.now()));
    }
  }
  return { session: attested.session, profile, view: h.view };
}

/** The session was refused by the endpoint (its key rotated or expired): forget it. */
export function dropSession(): void {
  held = null;
}

/**
 * The person accepted `value` for gateway `profileId` (first use, a change, or software they chose
 * to trust): it is trusted from now on, and the held verdict is appraised again.
 */
export async function acceptSoftware(profileId: string, value: string): Promise<AttestationView> {
  if (!/^[0-9a-f]{64}$|^[0-9a-f]{96}$/.test(value)) throw new ConfidantError('E_BAD_REQUEST', 'That is not a measurement or a manifest digest.');
  const h = held;
  // Only a value this gateway actually proved can be accepted here (not one typed into a message).
  if (!h || h.profile.id !== profileId || h.attested.identity?.value !== value || !h.attested.ok) {
    throw new ConfidantError('E_BAD_REQUEST', 'That software is not what this gateway currently proves; check the gateway again first.');
  }
  // Under a pinned source the decision is a new pinned value (the settings change re-attests).
  if (h.profile.trust.kind === 'pinned') {
    const s = await getSettings();
    await setSettings({ gateways: s.gateways.map((g) => (g.id === profileId && g.trust.kind === 'pinned' ? { ...g, trust: { kind: 'pinned', values: [...g.trust.values, value] } } : g)) });
    return attest('settings');
  }
  const release = h.appraisal && h.appraisal.status !== 'unknown' ? h.appraisal.release : null;
  const trust = accept(await getTrustState(profileId), value, release, Date.now());
  await setTrustState(profileId, trust);
  const appraisal = appraise(h.attested.identity, h.profile.trust, trust);
  const view = viewOf(h.profile, h.attested, appraisal, h.view.checkedAt ?? Date.now());
  held = { ...h, appraisal, view };
  return publish(view);
}

export async function transcript(): Promise<{ fileName: string; json: string }> {
  const json = (await chrome.storage.session.get(TRANSCRIPT_KEY))[TRANSCRIPT_KEY] as string | undefined;
  if (!json) throw new ConfidantError('E_NOT_FOUND', 'There is no attestation to export yet. Check the gateway first.');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return { fileName: `confidant-attestation-${stamp}.json`, json };
}

