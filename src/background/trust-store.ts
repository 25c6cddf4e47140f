/**
 * The trust state of each gateway profile (src/core/trust/types.ts): identities the person
 * accepted, releases verified for it, the identity last used. Kept in extension storage, which
 * only trusted contexts can reach (settings-store.ts), and validated on read.
 */
import { EMPTY_TRUST_STATE, type TrustState } from '../core/trust/types.ts';

const key = (profileId: string) => `trust.${profileId}`;

function valid(x: unknown): x is TrustState {
  if (typeof x !== 'object' || x === null) return false;
  const t = x as TrustState;
  const hex = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64,96}$/.test(v);
  return (
    Array.isArray(t.accepted) &&
    t.accepted.every((a) => hex(a?.value) && typeof a.at === 'number') &&
    Array.isArray(t.releases) &&
    t.releases.every((r) => typeof r?.repo === 'string' && typeof r.tag === 'string' && Array.isArray(r.measurements) && r.measurements.every(hex)) &&
    (t.last === null || (typeof t.last === 'object' && hex(t.last.value)))
  );
}

export async function getTrustState(profileId: string): Promise<TrustState> {
  const raw = (await chrome.storage.local.get(key(profileId)))[key(profileId)];
  if (raw === undefined) return { ...EMPTY_TRUST_STATE, accepted: [], releases: [] };
  if (!valid(raw)) {
    console.error(`Confidant: the trust state of gateway ${profileId} is invalid; starting afresh`);
    return { ...EMPTY_TRUST_STATE, accepted: [], releases: [] };
  }
  return raw;
}

export async function setTrustState(profileId: string, state: TrustState): Promise<void> {
  await chrome.storage.local.set({ [key(profileId)]: state });
}

export async function dropTrustState(profileId: string): Promise<void> {
  await chrome.storage.local.remove(key(profileId));
}
