/**
 * Published releases as a trust source: read a GitHub repository's newest tagged releases, find the
 * artefact each release's provenance is about, fetch the Sigstore bundles GitHub keeps for that
 * artefact's digest (`actions/attest`), and verify them (verify.ts). What verifies is a release
 * whose measurements the extension may trust, with its tag and transparency-log entry.
 *
 * Which artefact a release attests:
 *  - `tinfoil.hash` (Tinfoil's releases): a text file holding the hex SHA-256 of the attested
 *    subject;
 *  - `confidant-gateway.predicate.json` (this project's gateway, docs/provenance.md): the predicate
 *    file itself is the subject; its digest comes from GitHub's asset metadata, or is computed.
 *
 * Network: the injected `fetch` (GitHub's REST API at `api`, and the asset downloads it redirects
 * to). Nothing is trusted for being served by GitHub: only a bundle that verifies counts.
 */
import { sha256, toHex } from '../bytes.ts';
import { ConfidantError } from '../errors.ts';
import type { VerifiedRelease } from '../trust/types.ts';
import { verifyProvenance, type ProvenanceResult } from './verify.ts';

export const TINFOIL_HASH_ASSET = 'tinfoil.hash';
export const CONFIDANT_PREDICATE_ASSET = 'confidant-gateway.predicate.json';

export interface ReleaseSourceOptions {
  fetch: typeof fetch;
  /** GitHub's REST API base, e.g. https://api.github.com. */
  api: string;
  trustedRoot: unknown;
  now: Date;
  signal?: AbortSignal;
}

interface GithubAsset {
  id: number;
  name: string;
  url: string;
  browser_download_url?: string;
  digest?: string | null;
}

interface GithubRelease {
  tag_name: string;
  draft?: boolean;
  prerelease?: boolean;
  assets: GithubAsset[];
}

async function getJson(opts: ReleaseSourceOptions, url: string): Promise<unknown> {
  let res: Response;
  try {
    res = await opts.fetch(url, { headers: { accept: 'application/vnd.github+json' }, ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (e) {
    throw new ConfidantError('E_NETWORK', `Could not reach ${new URL(url).origin}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!res.ok) throw new ConfidantError(res.status === 404 ? 'E_NOT_FOUND' : 'E_NETWORK', `GET ${url} answered HTTP ${res.status}`, { status: res.status });
  try {
    return (await res.json()) as unknown;
  } catch {
    throw new ConfidantError('E_PARSE', `GET ${url} did not answer JSON`);
  }
}

async function getBytes(opts: ReleaseSourceOptions, asset: GithubAsset, limit: number): Promise<Uint8Array> {
  const res = await opts.fetch(asset.url, { headers: { accept: 'application/octet-stream' }, ...(opts.signal ? { signal: opts.signal } : {}) }).catch((e: unknown) => {
    throw new ConfidantError('E_NETWORK', `Could not download ${asset.name}: ${e instanceof Error ? e.message : String(e)}`);
  });
  if (!res.ok) throw new ConfidantError('E_NETWORK', `Downloading ${asset.name} answered HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > limit) throw new ConfidantError('E_PARSE', `${asset.name} is larger than ${limit} bytes`);
  return bytes;
}

function parseReleases(x: unknown): GithubRelease[] {
  if (!Array.isArray(x)) throw new ConfidantError('E_PARSE', 'The releases list is not a JSON array.');
  return x.flatMap((r) => {
    const o = r as Partial<GithubRelease>;
    if (typeof o?.tag_name !== 'string' || !Array.isArray(o.assets) || o.draft) return [];
    const assets = o.assets.filter((a): a is GithubAsset => typeof a?.name === 'string' && typeof a.url === 'string' && typeof a.id === 'number');
    return [{ tag_name: o.tag_name, assets, ...(o.prerelease ? { prerelease: true } : {}) }];
  });
}

/** The SHA-256 (hex) of what a release's provenance is about, or null when it names none. */
async function subjectDigest(opts: ReleaseSourceOptions, release: GithubRelease): Promise<string | null> {
  const hashFile = release.assets.find((a) => a.name === TINFOIL_HASH_ASSET);
  if (hashFile) {
    const text = new TextDecoder().decode(await getBytes(opts, hashFile, 1024)).trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(text)) throw new ConfidantError('E_PARSE', `${TINFOIL_HASH_ASSET} of ${release.tag_name} does not hold a SHA-256 digest`);
    return text;
  }
  const predicate = release.assets.find((a) => a.name === CONFIDANT_PREDICATE_ASSET);
  if (predicate) {
    if (predicate.digest && /^sha256:[0-9a-f]{64}$/.test(predicate.digest)) return predicate.digest.slice('sha256:'.length);
    return toHex(await sha256(await getBytes(opts, predicate, 1 << 20)));
  }
  return null;
}

/** Verifies one release: its subject, the bundles GitHub holds for it. Null when it carries no provenance. */
export async function verifyRelease(repo: string, release: GithubRelease, opts: ReleaseSourceOptions): Promise<{ release: VerifiedRelease | null; result: ProvenanceResult | null }> {
  const digest = await subjectDigest(opts, release);
  if (!digest) return { release: null, result: null };
  const att = (await getJson(opts, `${opts.api}/repos/${repo}/attestations/sha256:${digest}`)) as { attestations?: { bundle?: unknown }[] };
  const bundles = (Array.isArray(att?.attestations) ? att.attestations : []).map((a) => a?.bundle).filter((b) => b !== undefined);
  let last: ProvenanceResult | null = null;
  for (const bundle of bundles.slice(0, 5)) {
    const r = await verifyProvenance(bundle, { trustedRoot: opts.trustedRoot, repo, digest, at: opts.now });
    last = r;
    if (r.ok) {
      return {
        release: {
          repo,
          tag: release.tag_name,
          digest,
          predicateType: r.predicateType!,
          rekorLogIndex: r.rekorLogIndex!,
          integratedTime: r.integratedTime!,
          measurements: r.measurements!.snp,
          verifiedAt: opts.now.getTime(),
        },
        result: r,
      };
    }
  }
  return { release: null, result: last };
}

/**
 * The newest releases of `repo`, verified, newest first: at most `max` releases are looked at,
 * and `known` (already verified, by tag) are not fetched again. Stops early once a release names
 * `wanted` (the measurement the endpoint proved), since older ones cannot matter more.
 */
export async function verifiedReleases(
  repo: string,
  opts: ReleaseSourceOptions & { max?: number; known?: readonly VerifiedRelease[]; wanted?: string },
): Promise<{ releases: VerifiedRelease[]; failures: { tag: string; detail: string }[] }> {
  const list = parseReleases(await getJson(opts, `${opts.api}/repos/${repo}/releases?per_page=${opts.max ?? 5}`)).filter((r) => !r.prerelease);
  const known = new Map((opts.known ?? []).filter((k) => k.repo === repo).map((k) => [k.tag, k]));
  const releases: VerifiedRelease[] = [];
  const failures: { tag: string; detail: string }[] = [];
  for (const r of list.slice(0, opts.max ?? 5)) {
    const cached = known.get(r.tag_name);
    if (cached) {
      releases.push(cached);
      if (opts.wanted && cached.measurements.includes(opts.wanted)) break;
      continue;
    }
    try {
      const { release, result } = await verifyRelease(repo, r, opts);
      if (release) releases.push(release);
      else if (result) failures.push({ tag: r.tag_name, detail: result.checks.find((c) => !c.passed)?.detail ?? 'did not verify' });
      if (release && opts.wanted && release.measurements.includes(opts.wanted)) break;
    } catch (e) {
      failures.push({ tag: r.tag_name, detail: e instanceof Error ? e.message : String(e) });
    }
  }
  return { releases, failures };
}
