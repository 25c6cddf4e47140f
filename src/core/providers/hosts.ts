/**
 * The hosts each gateway profile needs, as host-permission patterns: the extension asks for them
 * when the profile is added (and never for all sites). docs/providers.md says what each is for.
 */
import type { GatewayProfile } from '../settings/settings.ts';
import { parseGatewayUrl } from '../settings/input.ts';
import type { Endpoints } from './types.ts';

function pattern(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}/*`;
  } catch {
    return null;
  }
}

/** `profile` may be a draft (no id yet). */
export function hostPatternsFor(profile: Pick<GatewayProfile, 'provider' | 'url' | 'development' | 'trust' | 'manifestUrl'>, endpoints: Endpoints): string[] {
  const out = new Set<string>();
  const gw = parseGatewayUrl(profile.url);
  if (gw.ok) out.add(gw.pattern);
  // AMD KDS: the CRL for every SEV-SNP chain; the VCEK when the endpoint does not send it (Tinfoil).
  if (!profile.development || profile.provider === 'tinfoil') out.add(pattern(endpoints.kds)!);
  // GitHub: the releases and their Sigstore attestations, for a releases trust source.
  if (profile.trust.kind === 'releases') {
    out.add(pattern(endpoints.githubApi)!);
    // Release files (Tinfoil's tinfoil.hash) are served from GitHub's download hosts.
    if (new URL(endpoints.githubApi).hostname === 'api.github.com') {
      out.add('https://github.com/*');
      out.add('https://objects.githubusercontent.com/*');
      out.add('https://release-assets.githubusercontent.com/*');
    }
  }
  if (profile.provider === 'privatemode' && profile.manifestUrl) {
    const m = pattern(profile.manifestUrl);
    if (m) out.add(m);
  }
  return [...out];
}
