/**
 * The attestation gate. It attests the gateway with a fresh nonce (at start, when settings
 * change, before a send when it holds no valid verdict, and on expiry), verifies the evidence
 * itself with src/core/attest under the user's policy, and keeps the verified channel for that
 * gateway key until it expires. Sending needs a VerifiedChannel, which only a passing verdict
 * produces (src/core/channel): there is no other way to reach the gateway with page text.
 */
import { verifyEvidence } from '../core/attest/evidence.ts';
import { parsePolicy, type PolicyJson } from '../core/attest/policy.ts';
import type { EvidenceBundle } from '../core/attest/bundle.ts';
import { toHex } from '../core/bytes.ts';
import { channelFromVerdict, fetchBundle, type VerifiedChannel } from '../core/channel/index.ts';
import { ConfidantError, toErrorData } from '../core/errors.ts';
import type { AttestationView, AttestClaimsView, Settings } from '../messaging/background.ts';
import { showBadge } from './badge.ts';
import { getSettings } from './settings.ts';

const VIEW_KEY = 'attest.view';
const TRANSCRIPT_KEY = 'attest.transcript';
/** Re-attest a little before the key expires, so a send never races the expiry. */
const EXPIRY_MARGIN_MS = 30_000;
let expiryTimer: ReturnType<typeof setTimeout> | undefined;
let channel: VerifiedChannel | null = null;
let inFlight: Promise<AttestationView> | null = null;

const EMPTY: AttestationView = {
  state: 'not-configured',
  gatewayUrl: null,
  checkedAt: null,
  expiresAt: null,
  keyId: null,
  model: null,
  simulated: false,
  checks: [],
  claims: null,
  error: null,
};

/** The user's settings as a policy document; parsePolicy turns it into typed options in one place. */
export function policyFromSettings(s: Settings): PolicyJson {
  return {
    allowSimulated: s.trustDev,
    snp: {
      measurements: s.trustedMeasurements,
      minTcb: s.minTcb,
    },
  } as PolicyJson;
}

export async function getView(): Promise<AttestationView> {
  const v = (await chrome.storage.session.get(VIEW_KEY))[VIEW_KEY] as AttestationView | undefined;
  if (!v) return { ...EMPTY, gatewayUrl: (await getSettings()).gatewayUrl };
  if ((v.state === 'verified' || v.state === 'dev') && v.expiresAt !== null && v.expiresAt <= Date.now()) return { ...v, state: 'expired' };
  return v;
}

async function publish(v: AttestationView): Promise<AttestationView> {
  await chrome.storage.session.set({ [VIEW_KEY]: v });
  await showBadge(v);
  chrome.runtime.sendMessage({ target: 'panel', type: 'attest.changed', payload: v }).catch(() => {});
  return v;
}

function claimsView(claims: Record<string, unknown> | undefined, bundle: EvidenceBundle): AttestClaimsView {
  const c = (claims ?? {}) as {
    measurement?: string;
    reportedTcb?: { text?: string; bl?: number; tee?: number; snp?: number; ucode?: number; fmc?: number } | string;
    chipId?: string;
    product?: string;
    reportData?: string;
    nonce?: string;
    gpus?: { driverVersion?: string; vbiosVersion?: string; fwid?: string | null }[];
  };
  const tcb =
    typeof c.reportedTcb === 'string'
      ? c.reportedTcb
      : c.reportedTcb
        ? (c.reportedTcb.text ?? ['bl', 'tee', 'snp', 'ucode', 'fmc'].filter((k) => (c.reportedTcb as Record<string, unknown>)[k] !== undefined).map((k) => `${k} ${(c.reportedTcb as Record<string, number>)[k]}`).join(' · '))
        : null;
  return {
    measurement: c.measurement ?? null,
    tcb,
    chipId: c.chipId ?? null,
    product: c.product ?? bundle.json.snp.product ?? null,
    reportData: c.reportData ?? null,
    nonce: c.nonce ?? toHex(bundle.nonce),
    gpus: (c.gpus ?? []).map((g) => ({ driverVersion: g.driverVersion ?? null, vbiosVersion: g.vbiosVersion ?? null, fwid: g.fwid ?? null })),
  };
}

/** Attests now, whatever is held. Concurrent callers share one attempt. */
export function attest(reason: string): Promise<AttestationView> {
  inFlight ??= doAttest(reason).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

async function doAttest(_reason: string): Promise<AttestationView> {
  channel = null;
  const settings = await getSettings();
  if (!settings.gatewayUrl) return publish({ ...EMPTY });
  const base: AttestationView = { ...EMPTY, gatewayUrl: settings.gatewayUrl };
  await publish({ ...(await getView()), state: 'checking', gatewayUrl: settings.gatewayUrl });
  const nonce = crypto.getRandomValues(new Uint8Array(32));
  let bundle: EvidenceBundle;
  try {
    bundle = await fetchBundle(settings.gatewayUrl, nonce);
  } catch (e) {
    return publish({ ...base, state: 'failed', checkedAt: Date.now(), error: `The gateway could not be checked: ${toErrorData(e).message}` });
  }
  const now = new Date();
  let verdict: Awaited<ReturnType<typeof verifyEvidence>>;
  try {
    verdict = await verifyEvidence({ bundle, nonce }, parsePolicy(policyFromSettings(settings)), { now, fetch: globalThis.fetch.bind(globalThis) });
  } catch (e) {
    return publish({ ...base, state: 'failed', checkedAt: now.getTime(), error: `The evidence could not be used: ${toErrorData(e).message}` });
  }
  const view: AttestationView = {
    ...base,
    checkedAt: now.getTime(),
    expiresAt: bundle.expiresAt.getTime(),
    keyId: bundle.keyId,
    model: bundle.json.model,
    simulated: bundle.json.simulated,
    checks: verdict.checks.map((c) => ({ ...c })),
    claims: claimsView(verdict.claims as unknown as Record<string, unknown>, bundle),
    state: 'failed',
  };
  await chrome.storage.session.set({
    [TRANSCRIPT_KEY]: JSON.stringify(
      {
        format: 'confidant-attestation-transcript',
        version: 1,
        gateway: settings.gatewayUrl,
        checkedAt: now.toISOString(),
        nonce: toHex(nonce),
        policy: policyFromSettings(settings),
        verdict: { ok: verdict.ok, checks: verdict.checks },
        bundle: bundle.json,
      },
      null,
      2,
    ),
  });
  if (!verdict.ok) return publish(view);
  try {
    channel = await channelFromVerdict(verdict, bundle, { gatewayUrl: settings.gatewayUrl, nonce });
  } catch (e) {
    return publish({ ...view, error: toErrorData(e).message });
  }
  // Re-attest when the key is about to expire. The timer lives only as long as this service
  // worker (the "alarms" permission would outlive it, but we ask for the fewest permissions);
  // after a restart the held verdict is gone anyway, and the next send or panel view re-attests.
  clearTimeout(expiryTimer);
  expiryTimer = setTimeout(() => void attest('expiry'), Math.max(1000, bundle.expiresAt.getTime() - marginFor(bundle.expiresAt) - Date.now()));
  return publish({ ...view, state: bundle.json.simulated ? 'dev' : 'verified' });
}

/** Re-attest this long before expiry: 30 s, or a tenth of the key's remaining life if shorter. */
function marginFor(expiresAt: Date): number {
  return Math.min(EXPIRY_MARGIN_MS, Math.max(0, expiresAt.getTime() - Date.now()) / 10);
}

/** A channel that is verified and unexpired, attesting first if needed; refuses otherwise. */
export async function verifiedChannel(): Promise<{ channel: VerifiedChannel; view: AttestationView }> {
  if (channel && channel.expiresAt.getTime() - marginFor(channel.expiresAt) > Date.now()) return { channel, view: await getView() };
  const view = await attest('send');
  if (!channel) {
    const failed = view.checks.filter((c) => !c.passed);
    throw new ConfidantError(
      'E_NOT_ATTESTED',
      view.state === 'not-configured'
        ? 'No gateway is set up yet. Add one in Settings.'
        : view.error ?? `The gateway failed attestation (${failed.length} check${failed.length === 1 ? '' : 's'} failed), so nothing was sent.`,
      { failed: failed.map((c) => c.id) },
    );
  }
  return { channel, view };
}

/** The key was refused (rotated or expired): forget it so the next send re-attests. */
export function dropChannel(): void {
  channel = null;
}

export async function transcript(): Promise<{ fileName: string; json: string }> {
  const json = (await chrome.storage.session.get(TRANSCRIPT_KEY))[TRANSCRIPT_KEY] as string | undefined;
  if (!json) throw new ConfidantError('E_NOT_FOUND', 'There is no attestation to export yet. Check the gateway first.');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return { fileName: `confidant-attestation-${stamp}.json`, json };
}
