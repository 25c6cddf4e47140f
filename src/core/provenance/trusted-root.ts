/**
 * The Sigstore public-good instance's trusted root (Fulcio CAs, Rekor and CT log keys), bundled:
 * the TUF repository that distributes it cannot be reached reliably from extension pages, and a
 * root fetched at run time would be one more thing an attacker could try to swap.
 *
 * public-good-trusted-root.json is the `trusted_root.json` target embedded in @sigstore/tuf 5.0.1
 * (its seeds.json, Apache-2.0), SHA-256 6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66.
 * `npm run update-trusted-root` refreshes it from the newest @sigstore/tuf on the registry.
 */
import root from './public-good-trusted-root.json' with { type: 'json' };

export const PUBLIC_GOOD_TRUSTED_ROOT: unknown = root;
