/**
 * verifyProvenance: does this Sigstore bundle prove that the expected repository's tagged release
 * workflow signed an in-toto statement about the expected artefact, logged in Rekor, and what
 * measurements does it name? Pure (Web Crypto): it runs in the service worker and in Node.
 *
 * The Sigstore verification itself (Fulcio certificate chain at the signing time, SCTs, the Rekor
 * entry with its inclusion proof and signed checkpoint or inclusion promise, the log body matching
 * the bundle, the DSSE signature) is @freedomofpress/sigstore-browser's, not ours. Around it, this
 * module checks the bundle's form, the signer's identity (GitHub Actions as the OIDC issuer, the
 * workflow's repository equal to the expected one, its ref starting with `refs/tags/`), the payload
 * type, the statement (in-toto Statement v1, first subject's sha256 equal to the expected digest),
 * an allow-listed predicate type, and that the log entry is not from the future. Every rejection
 * is a failed check with a stable id, like the attestation checks.
 */
import { SigstoreVerifier, type SigstoreBundle, type TrustedRoot, type X509Certificate } from '@freedomofpress/sigstore-browser';
import type { Check } from '../attest/types.ts';
import { fromUtf8 } from '../bytes.ts';
import { ParseError } from '../errors.ts';
import { ALLOWED_PREDICATES, measurementsOf, type PredicateMeasurements } from './predicates.ts';

export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';
export const BUNDLE_MEDIA_TYPES = ['application/vnd.dev.sigstore.bundle.v0.3+json', 'application/vnd.dev.sigstore.bundle+json;version=0.3'];
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';

export interface ProvenanceOptions {
  /** A Sigstore trusted root (trusted_root.json): the public-good instance's is bundled. */
  trustedRoot: unknown;
  /** GitHub owner/name whose release workflow must have signed. */
  repo: string;
  /** SHA-256 (hex) of the artefact the statement must be about. */
  digest: string;
  /** A log entry integrated after this is refused (default: now). */
  at?: Date;
  /** Allowed predicate types (default: ALLOWED_PREDICATES). */
  predicateTypes?: readonly string[];
}

export interface ProvenanceResult {
  ok: boolean;
  checks: Check[];
  /** Only when ok. */
  predicateType?: string;
  measurements?: PredicateMeasurements;
  workflowRef?: string;
  repo?: string;
  rekorLogIndex?: number;
  integratedTime?: number;
}

const pass = (id: string, detail: string, extra: Partial<Check> = {}): Check => ({ id, passed: true, detail, ...extra });
const fail = (id: string, detail: string, extra: Partial<Check> = {}): Check => ({ id, passed: false, detail, ...extra });

/** The signer's identity as the certificate states it (v2 extensions first, v1 as a fallback). */
function identityOf(cert: X509Certificate): { issuer: string | undefined; repo: string | undefined; ref: string | undefined } {
  const repoUri = cert.extSourceRepositoryURI?.sourceRepositoryURI;
  return {
    issuer: cert.extFulcioIssuerV2?.issuer ?? cert.extFulcioIssuerV1?.issuer,
    repo: repoUri?.startsWith('https://github.com/') ? repoUri.slice('https://github.com/'.length) : cert.extGitHubWorkflowRepository?.workflowRepository,
    ref: cert.extSourceRepositoryRef?.sourceRepositoryRef ?? cert.extGitHubWorkflowRef?.workflowRef,
  };
}

class IdentityRefused extends Error {
  constructor(readonly check: Check) {
    super(check.detail);
  }
}

/** Which check a sigstore-browser rejection is, by what it says (the library is pinned; tests cover each). */
function checkOfLibraryError(message: string): string {
  if (/SCT/i.test(message)) return 'provenance.sct';
  if (/certificate chain|trusted CA|certificate authority|issuer certificate|chain|Certificate was not valid|certificate is not valid|No valid certificate/i.test(message)) return 'provenance.fulcio.chain';
  if (/DSSE signature/i.test(message)) return 'provenance.dsse.signature';
  if (/checkpoint|inclusion|Merkle|root hash|tlog|Rekor|log entry|logged|transparency/i.test(message)) return 'provenance.rekor';
  if (/timestamp/i.test(message)) return 'provenance.timestamp';
  return 'provenance.signature';
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The bundle's form: what the Sigstore check needs, named, before it runs. */
function formChecks(b: unknown): { checks: Check[]; bundle: SigstoreBundle | null } {
  if (!isObj(b)) return { checks: [fail('provenance.bundle', 'the bundle is not a JSON object')], bundle: null };
  const media = String(b.mediaType ?? '');
  if (!BUNDLE_MEDIA_TYPES.includes(media)) {
    return { checks: [fail('provenance.bundle', `mediaType is ${JSON.stringify(media)}: want a v0.3 Sigstore bundle`, { field: 'mediaType', got: media, want: BUNDLE_MEDIA_TYPES[0] })], bundle: null };
  }
  const env = b.dsseEnvelope;
  if (!isObj(env) || typeof env.payload !== 'string' || typeof env.payloadType !== 'string' || !Array.isArray(env.signatures)) {
    return { checks: [fail('provenance.bundle', 'the bundle has no DSSE envelope (payload, payloadType, signatures)', { field: 'dsseEnvelope' })], bundle: null };
  }
  const vm = b.verificationMaterial;
  if (!isObj(vm) || !(isObj(vm.certificate) || isObj(vm.x509CertificateChain))) {
    return { checks: [fail('provenance.bundle', 'the bundle has no signing certificate', { field: 'verificationMaterial.certificate' })], bundle: null };
  }
  const entries = Array.isArray(vm.tlogEntries) ? vm.tlogEntries : [];
  if (entries.length < 1) return { checks: [fail('provenance.rekor', 'the bundle has no transparency-log entry: it was never recorded in Rekor', { field: 'tlogEntries', got: '0', want: '>= 1' })], bundle: null };
  for (const [i, e] of entries.entries()) {
    const proof = isObj(e) && isObj(e.inclusionProof) ? e.inclusionProof : null;
    const promise = isObj(e) && isObj(e.inclusionPromise) && typeof e.inclusionPromise.signedEntryTimestamp === 'string';
    if (!proof || (!isObj(proof.checkpoint) && !promise)) {
      return { checks: [fail('provenance.rekor', `log entry ${i} has no inclusion proof with a signed checkpoint or inclusion promise`, { field: `tlogEntries[${i}]` })], bundle: null };
    }
  }
  return { checks: [pass('provenance.bundle', `a v0.3 Sigstore bundle with a DSSE envelope and ${entries.length} log entr${entries.length === 1 ? 'y' : 'ies'}`)], bundle: structuredClone(b) as unknown as SigstoreBundle };
}

export async function verifyProvenance(bundleInput: unknown, opts: ProvenanceOptions): Promise<ProvenanceResult> {
  const digest = opts.digest.trim().toLowerCase();
  const repo = opts.repo.trim();
  const at = opts.at ?? new Date();
  const allowed = opts.predicateTypes ?? ALLOWED_PREDICATES;
  const { checks, bundle } = formChecks(bundleInput);
  if (!bundle) return { ok: false, checks };
  if (!/^[0-9a-f]{64}$/.test(digest)) throw new ParseError('digest', `got ${JSON.stringify(opts.digest)}, want 64 hex digits (SHA-256)`);

  // -- the signer's identity, checked as the policy the library calls on the signing certificate
  let identity: ReturnType<typeof identityOf> | undefined;
  const policy = {
    verify(cert: X509Certificate): void {
      identity = identityOf(cert);
      if (identity.issuer !== GITHUB_OIDC_ISSUER) {
        throw new IdentityRefused(fail('provenance.identity.issuer', `the signer's OIDC issuer is ${identity.issuer ?? 'absent'}: want GitHub Actions`, { got: identity.issuer ?? '', want: GITHUB_OIDC_ISSUER }));
      }
      if (identity.repo !== repo) {
        throw new IdentityRefused(fail('provenance.identity.repository', `signed by a workflow of ${identity.repo ?? 'no repository'}, not of ${repo}`, { got: identity.repo ?? '', want: repo }));
      }
      // A prefix match: "refs/heads/x-refs/tags/v1" merely contains it and is refused.
      if (!identity.ref?.startsWith('refs/tags/')) {
        throw new IdentityRefused(fail('provenance.identity.ref', `the workflow ran for ${identity.ref ?? 'no ref'}, not for a tag (refs/tags/…)`, { got: identity.ref ?? '', want: 'refs/tags/…' }));
      }
    },
  };

  let payload: Uint8Array;
  let payloadType: string;
  try {
    const verifier = new SigstoreVerifier({ tlogThreshold: 1, ctlogThreshold: 1, tsaThreshold: 0 });
    await verifier.loadSigstoreRoot(structuredClone(opts.trustedRoot) as TrustedRoot);
    ({ payload, payloadType } = await verifier.verifyDsse(bundle, policy));
  } catch (e) {
    if (e instanceof IdentityRefused) return { ok: false, checks: [...checks, e.check] };
    const message = e instanceof Error ? e.message : String(e);
    return { ok: false, checks: [...checks, fail(checkOfLibraryError(message), `Sigstore verification failed: ${message}`)] };
  }
  checks.push(
    pass('provenance.signature', 'the Fulcio certificate chains to the trusted root at the signing time, with at least one SCT; the Rekor entry and its proof verify; the DSSE signature verifies'),
    pass('provenance.identity', `signed by GitHub Actions for ${identity!.repo} at ${identity!.ref}`),
  );

  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return { ok: false, checks: [...checks, fail('provenance.payloadType', `payload type is ${payloadType}`, { got: payloadType, want: IN_TOTO_PAYLOAD_TYPE })] };
  }
  let statement: Obj;
  try {
    const s = JSON.parse(fromUtf8(payload)) as unknown;
    if (!isObj(s)) throw new Error('not an object');
    statement = s;
  } catch {
    return { ok: false, checks: [...checks, fail('provenance.statement', 'the signed payload is not an in-toto statement (JSON object)')] };
  }
  if (statement._type !== IN_TOTO_STATEMENT_V1) {
    return { ok: false, checks: [...checks, fail('provenance.statement', `statement type is ${String(statement._type)}`, { got: String(statement._type), want: IN_TOTO_STATEMENT_V1 })] };
  }
  const subjects = Array.isArray(statement.subject) ? statement.subject : [];
  const first = subjects[0];
  const subjectDigest = isObj(first) && isObj(first.digest) && typeof first.digest.sha256 === 'string' ? first.digest.sha256.toLowerCase() : null;
  if (subjectDigest === null) return { ok: false, checks: [...checks, fail('provenance.subject', 'the statement has no subject with a sha256 digest', { want: digest })] };
  if (subjectDigest !== digest) {
    return { ok: false, checks: [...checks, fail('provenance.subject', 'the statement is about another artefact', { field: 'subject[0].digest.sha256', got: subjectDigest, want: digest })] };
  }
  checks.push(pass('provenance.subject', `the statement is about sha256:${digest}`));
  const predicateType = String(statement.predicateType ?? '');
  if (!allowed.includes(predicateType)) {
    return { ok: false, checks: [...checks, fail('provenance.predicateType', `predicate type ${predicateType || '(none)'} is not allowed`, { got: predicateType, want: allowed.join(' | ') })] };
  }
  let measurements: PredicateMeasurements;
  try {
    measurements = measurementsOf(predicateType, statement.predicate);
  } catch (e) {
    const field = e instanceof ParseError ? e.field : 'predicate';
    return { ok: false, checks: [...checks, fail('provenance.predicate', e instanceof Error ? e.message : String(e), { field })] };
  }
  checks.push(pass('provenance.predicate', `${predicateType}: ${measurements.snp.length} SEV-SNP measurement(s)`));

  const entry = (bundle.verificationMaterial.tlogEntries as unknown as Array<{ logIndex: string | number; integratedTime?: string | number }>)[0]!;
  const integratedTime = Number(entry.integratedTime ?? 0);
  if (integratedTime * 1000 > at.getTime() + 60_000) {
    return { ok: false, checks: [...checks, fail('provenance.time', `the log entry is from the future (${new Date(integratedTime * 1000).toISOString()} > ${at.toISOString()})`, { got: String(integratedTime), want: `<= ${Math.floor(at.getTime() / 1000)}` })] };
  }
  checks.push(pass('provenance.time', `integrated into the log at ${new Date(integratedTime * 1000).toISOString()}`));
  return {
    ok: true,
    checks,
    predicateType,
    measurements,
    workflowRef: identity!.ref!,
    repo: identity!.repo!,
    rekorLogIndex: Number(entry.logIndex),
    integratedTime,
  };
}
