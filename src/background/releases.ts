/**
 * Releases for a `releases` trust source: the latest tagged releases of the profile's GitHub
 * repository whose provenance verifies (src/core/provenance), cached in the trust state with the
 * measurements their predicates carry. Filled in by the provenance work; until then nothing new is
 * verified and the releases verified before are used.
 */
import type { Endpoints } from '../core/providers/types.ts';
import type { GatewayProfile } from '../core/settings/settings.ts';
import type { SoftwareIdentity, TrustState } from '../core/trust/types.ts';

export async function refreshReleases(
  _profile: GatewayProfile,
  trust: TrustState,
  _identity: SoftwareIdentity,
  _opts: { fetch: typeof fetch; now: Date; endpoints: Endpoints },
): Promise<TrustState> {
  return trust;
}
