/**
 * Releases for a `releases` trust source: the newest tagged releases of the profile's GitHub
 * repository whose provenance verifies (src/core/provenance), kept in the profile's trust state
 * with the measurements their predicates carry. Releases are immutable, so a verified one is not
 * fetched again; the network is used only when the endpoint proves a measurement no known release
 * names (a first attestation, or a new build).
 */
import { verifiedReleases } from '../core/provenance/releases.ts';
import { PUBLIC_GOOD_TRUSTED_ROOT } from '../core/provenance/trusted-root.ts';
import type { Endpoints } from '../core/providers/types.ts';
import type { GatewayProfile } from '../core/settings/settings.ts';
import type { SoftwareIdentity, TrustState, VerifiedRelease } from '../core/trust/types.ts';

/** How many of a repository's newest releases are kept and looked at. */
const KEEP = 8;

/** The Sigstore trusted root: the public-good one; the test build may use a stand-in's. */
async function trustedRoot(): Promise<unknown> {
  if (!__TEST_BUILD__) return PUBLIC_GOOD_TRUSTED_ROOT;
  return (await chrome.storage.local.get('test.trustedRoot'))['test.trustedRoot'] ?? PUBLIC_GOOD_TRUSTED_ROOT;
}

type RefreshOptions = { fetch: typeof fetch; now: Date; endpoints: Endpoints; signal?: AbortSignal };

/** Refreshes under way, by profile, repository and measurement: concurrent attestations share one. */
const inFlight = new Map<string, Promise<TrustState>>();

export function refreshReleases(profile: GatewayProfile, trust: TrustState, identity: SoftwareIdentity, opts: RefreshOptions): Promise<TrustState> {
  if (profile.trust.kind !== 'releases') return Promise.resolve(trust);
  // Two attestations of one gateway at once (a settings change and a check, say) would otherwise
  // fetch and verify the same releases twice, and store whichever finished last.
  const key = `${profile.id}|${profile.trust.repo}|${identity.value}`;
  const running = inFlight.get(key);
  if (running) return running;
  const run = refresh(profile, trust, identity, opts).finally(() => inFlight.delete(key));
  inFlight.set(key, run);
  return run;
}

async function refresh(profile: GatewayProfile, trust: TrustState, identity: SoftwareIdentity, opts: RefreshOptions): Promise<TrustState> {
  if (profile.trust.kind !== 'releases') return trust;
  const repo = profile.trust.repo;
  const known = trust.releases.filter((r) => r.repo === repo);
  // A known release names it: nothing to fetch.
  if (known.some((r) => r.measurements.includes(identity.value))) return trust;
  const { releases, failures } = await verifiedReleases(repo, {
    fetch: opts.fetch,
    api: opts.endpoints.githubApi,
    trustedRoot: await trustedRoot(),
    now: opts.now,
    max: KEEP,
    known,
    wanted: identity.value,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  for (const f of failures) console.error(`Confidant: release ${f.tag} of ${repo} did not verify: ${f.detail}`);
  const merged = new Map<string, VerifiedRelease>();
  for (const r of [...releases, ...known]) if (!merged.has(r.tag)) merged.set(r.tag, r);
  const others = trust.releases.filter((r) => r.repo !== repo);
  return { ...trust, releases: [...[...merged.values()].sort((a, b) => b.integratedTime - a.integratedTime).slice(0, KEEP), ...others] };
}
