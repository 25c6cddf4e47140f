/**
 * Shapes of the software appraisal: which software an endpoint runs (its identity, proven by
 * attestation), and what the extension remembers about which identities it trusts.
 */

/**
 * What names the software: a SEV-SNP launch MEASUREMENT (the Confidant gateway, Tinfoil), or the
 * SHA-256 of the deployment manifest whose reference values the measurement was checked against
 * (Privatemode).
 */
export type SoftwareIdentityKind = 'snp-measurement' | 'manifest-sha256';

export interface SoftwareIdentity {
  kind: SoftwareIdentityKind;
  /** Lower-case hex. */
  value: string;
}

/** How a trusted identity came to be trusted. */
export type TrustVia = 'release' | 'pinned' | 'tofu' | 'accepted';

/** A verified, transparency-logged release whose provenance names the identity. */
export interface ReleaseRef {
  /** GitHub owner/name. */
  repo: string;
  tag: string;
  /** SHA-256 (hex) of the release artefact the provenance is about. */
  digest: string;
  predicateType: string;
  rekorLogIndex: number;
  /** Unix seconds the log integrated the entry. */
  integratedTime: number;
}

/** A release whose provenance verified, with the identities its predicate allows. */
export interface VerifiedRelease extends ReleaseRef {
  /** SNP measurements (hex) the release's predicate carries. */
  measurements: string[];
  /** ms since epoch. */
  verifiedAt: number;
}

/** What the extension keeps per gateway profile (in trusted-context storage). */
export interface TrustState {
  /** Identities the person accepted: first use, a change they approved, a value they chose to trust. */
  accepted: Array<{ value: string; at: number; release: ReleaseRef | null }>;
  /** Releases verified for a `releases` trust source, newest first. */
  releases: VerifiedRelease[];
  /** The identity last seen trusted, to tell a change from a first sight. */
  last: { value: string; release: ReleaseRef | null; at: number } | null;
}

export const EMPTY_TRUST_STATE: Readonly<TrustState> = Object.freeze({ accepted: [], releases: [], last: null });
