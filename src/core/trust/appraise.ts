/**
 * appraise: is the software an attested endpoint runs the software this gateway's trust source
 * names? Pure: the caller supplies the identity the attestation proved, the trust source from the
 * settings, and the remembered trust state (with any releases it verified beforehand).
 *
 *  - trusted:  a release, a pinned value, or an identity the person accepted covers it;
 *  - unknown:  nothing covers it and nothing was expected yet (no trust source, or trust on first
 *              use before the first acceptance, or no published release matched on first sight);
 *  - changed:  something else was expected (pinned, published, or accepted before): a blocking
 *              alert showing the old and the new value, and the release that explains the new one
 *              when there is one. Nothing is sent until the person decides.
 *
 * It never says "trusted" because a value merely looks familiar: only `accepted`, `pinned` and
 * verified releases count, and the attestation that proved the identity must have passed first.
 */
import type { Check } from '../attest/types.ts';
import type { TrustSource } from '../settings/settings.ts';
import type { ReleaseRef, SoftwareIdentity, TrustState, TrustVia } from './types.ts';

export type Appraisal =
  | { status: 'trusted'; via: TrustVia; release: ReleaseRef | null; check: Check }
  | { status: 'unknown'; check: Check }
  | { status: 'changed'; previous: { value: string; release: ReleaseRef | null }; release: ReleaseRef | null; check: Check };

const ID = 'software.identity';

function refOf(r: ReleaseRef): ReleaseRef {
  return { repo: r.repo, tag: r.tag, digest: r.digest, predicateType: r.predicateType, rekorLogIndex: r.rekorLogIndex, integratedTime: r.integratedTime };
}

function what(identity: SoftwareIdentity): string {
  return identity.kind === 'snp-measurement' ? 'MEASUREMENT' : 'manifest SHA-256';
}

function short(v: string): string {
  return v.length > 24 ? `${v.slice(0, 16)}…${v.slice(-8)}` : v;
}

export function appraise(identity: SoftwareIdentity, source: TrustSource, state: TrustState): Appraisal {
  const value = identity.value.toLowerCase();
  const field = what(identity);
  const trusted = (via: TrustVia, release: ReleaseRef | null, detail: string): Appraisal => ({
    status: 'trusted',
    via,
    release,
    check: { id: ID, passed: true, detail, field, got: value },
  });
  const changed = (previous: { value: string; release: ReleaseRef | null }, release: ReleaseRef | null, detail: string): Appraisal => ({
    status: 'changed',
    previous,
    release,
    check: { id: ID, passed: false, detail, field, got: value, want: previous.value },
  });
  const unknown = (detail: string, want?: string): Appraisal => ({
    status: 'unknown',
    check: want === undefined ? { id: ID, passed: false, detail, field, got: value } : { id: ID, passed: false, detail, field, got: value, want },
  });

  // 1. Pinned values are the whole list: nothing else counts, not even a value accepted before
  //    (accepting under a pinned source adds to the pinned list instead, in the settings).
  if (source.kind === 'pinned') {
    if (source.values.includes(value)) return trusted('pinned', null, `${field} ${short(value)} is one you pinned`);
    return changed(
      { value: state.last && source.values.includes(state.last.value) ? state.last.value : source.values[0]!, release: null },
      null,
      `${field} ${short(value)} is not one you pinned (${source.values.length} pinned): nothing is sent until you decide`,
    );
  }
  // 2. What the person decided: an identity they accepted (first use, an approved change).
  const acc = state.accepted.find((a) => a.value === value);
  if (acc) return trusted(source.kind === 'tofu' ? 'tofu' : 'accepted', acc.release, `${field} ${short(value)} is one you accepted on ${new Date(acc.at).toISOString().slice(0, 10)}`);

  // 3. A verified release that names it. A different build than the one used before is still a
  //    change the person must see, even when a newer release explains it.
  const covering = source.kind === 'releases' ? state.releases.find((r) => r.repo === source.repo && r.measurements.includes(value)) : undefined;
  const explains = covering ? refOf(covering) : null;
  if (state.last && state.last.value !== value) {
    return changed(
      { value: state.last.value, release: state.last.release },
      explains,
      `${field} changed from ${short(state.last.value)} to ${short(value)}${explains ? ` (release ${explains.tag} of ${explains.repo} explains it)` : ', and no release you trust explains it'}: nothing is sent until you decide`,
    );
  }
  if (covering && explains) return trusted('release', explains, `${field} ${short(value)} is the build of release ${covering.tag} of ${covering.repo} (Rekor entry ${covering.rekorLogIndex})`);

  // 4. Not covered, and seen for the first time.
  switch (source.kind) {
    case 'releases': {
      const latest = state.releases.find((r) => r.repo === source.repo);
      if (latest) {
        return changed(
          { value: latest.measurements[0] ?? '', release: refOf(latest) },
          null,
          `${field} ${short(value)} is not the build of any verified release of ${source.repo} (latest: ${latest.tag}): nothing is sent until you decide`,
        );
      }
      return unknown(`no verified release of ${source.repo} is known yet, so ${field} ${short(value)} cannot be matched to a published build`);
    }
    case 'tofu':
      return unknown(`first use: ${field} ${short(value)} has not been accepted yet; check it and accept it to trust this software from now on`);
    case 'none':
      return unknown(`no trust source is set for this gateway: the hardware is genuine, but which software it runs (${field} ${short(value)}) is not known`);
  }
}

/** The trust state after the person accepted `value` (first use, a change, or an unknown value). */
export function accept(state: TrustState, value: string, release: ReleaseRef | null, now: number): TrustState {
  const v = value.toLowerCase();
  if (state.accepted.some((a) => a.value === v)) return state;
  return { ...state, accepted: [{ value: v, at: now, release }, ...state.accepted].slice(0, 50) };
}

/** The trust state after `value` was used as trusted (so a later different value is a change). */
export function remember(state: TrustState, value: string, release: ReleaseRef | null, now: number): TrustState {
  return { ...state, last: { value: value.toLowerCase(), release, at: now } };
}
