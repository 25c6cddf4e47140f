/**
 * verifyEvidence: one verdict over everything a confidential endpoint presents — the SEV-SNP
 * report (sevsnp/), every GPU's SPDM report (nvidia/), and, for the gateway's bundle, the binding
 * of both to the client's nonce and the channel key (binding.ts, docs/protocol.md §2).
 *
 * Evidence comes in two forms:
 *  - the gateway's bundle (`{ bundle, nonce }`, bundle.ts): REPORT_DATA must equal
 *    expectedReportData(nonce, channel key, key id, GPU evidence), the bundle must echo the nonce,
 *    and every GPU's requester nonce must equal gpuNonceFor(nonce);
 *  - raw parts (`{ snp, gpus?, nonce?, reportData? }`), e.g. from the CLI: the same checks where
 *    the caller supplies what to bind (an expected REPORT_DATA, a client nonce, or per-GPU nonces).
 *
 * Trust anchors are an explicit parameter, and exactly one set verifies all of the evidence:
 * `opts.roots.production` (default AMD's and NVIDIA's pinned roots), or `opts.roots.dev` (default
 * src/core/attest/roots/dev) when the policy says `allowSimulated` and the bundle says `simulated`
 * (raw parts: whenever the policy allows it). Never a mix, so a hardware bundle cannot lean on a
 * development GPU root. Simulated evidence never passes PRODUCTION_POLICY: its chains end in roots
 * that are not loaded, and a bundle marked simulated fails `evidence.simulated` besides.
 *
 * Every check runs and is returned; `ok` is true only when all passed. Throws ParseError (naming
 * the input, e.g. `snp.vcek`, `gpus[0].report`) only for evidence that cannot be used at all, and
 * ConfidantError E_ABORTED when `opts.signal` aborts.
 */
import { ConfidantError, ParseError } from '../errors.ts';
import { gpuNonceFor } from './binding.ts';
import type { GpuEvidenceBytes } from './binding.ts';
import { expectedReportDataFor, parseBundle } from './bundle.ts';
import type { EvidenceBundle } from './bundle.ts';
import { bytesEqual, toHex } from '../bytes.ts';
import { NRAS_ISSUER } from './nvidia/nras.ts';
import { defaultGpuPolicy, verifyGpu } from './nvidia/index.ts';
import type { GpuClaims, GpuPolicy } from './nvidia/index.ts';
import type { Policy } from './policy.ts';
import { DEV_AMD_PRODUCT, DEV_ARK_PEM, DEV_ASK_PEM, DEV_NRAS_INTERMEDIATE_SHA256, DEV_NRAS_ISSUER, DEV_NRAS_JWKS, DEV_NVIDIA_DEVICE_ROOT_PEM } from './roots/dev/index.ts';
import { AMD_TRUST_ANCHORS, verifySnp } from './sevsnp/index.ts';
import type { SnpClaims, SnpInput, SnpTrustAnchor } from './sevsnp/index.ts';
import type { AttestOptions, Check } from './types.ts';

export interface GpuParts {
  /** The SPDM GET_MEASUREMENTS request ‖ MEASUREMENTS response blob. */
  report: Uint8Array;
  /** The driver's PEM chain, leaf first, exactly as carried. */
  certChainPem: string;
  /** Driver and VBIOS RIMs (XML text). */
  rims?: string[];
  /** An NRAS result (detached EAT JSON or JWT) and the JWKS holding its key. */
  nras?: { token: string; jwks: unknown };
  /** The requester nonce this report must carry, when no client nonce is given. */
  expectedNonce?: Uint8Array;
}

/** Evidence as separate parts (CLI, tests, other transports). */
export interface EvidenceParts {
  snp: SnpInput;
  gpus?: GpuParts[];
  /** The client's nonce (32 bytes): every GPU's requester nonce must be gpuNonceFor(nonce). */
  nonce?: Uint8Array;
  /** The REPORT_DATA the report must carry (64 bytes). */
  reportData?: Uint8Array;
}

/** The gateway's evidence bundle (docs/protocol.md §1), parsed or as JSON, and the nonce this client sent. */
export interface BundleEvidence {
  bundle: EvidenceBundle | unknown;
  nonce: Uint8Array;
}

export type Evidence = EvidenceParts | BundleEvidence;

/** One set of trust anchors for both verifiers. */
export interface TrustRoots {
  snp: readonly SnpTrustAnchor[];
  gpuDeviceRootsPem: readonly string[];
  gpuRimRootsPem: readonly string[];
  /** DER SHA-256 (hex) of accepted NRAS intermediates. */
  nrasIntermediateSha256: readonly string[];
  nrasIssuer: string;
  /** A pinned NRAS JWKS (development). Production's is supplied with the evidence or fetched from NVIDIA. */
  nrasJwks?: unknown;
}

/** AMD's and NVIDIA's pinned roots. */
export const PRODUCTION_ROOTS: Readonly<TrustRoots> = Object.freeze({
  snp: AMD_TRUST_ANCHORS,
  gpuDeviceRootsPem: defaultGpuPolicy.deviceRootsPem,
  gpuRimRootsPem: defaultGpuPolicy.rimRootsPem,
  nrasIntermediateSha256: defaultGpuPolicy.nras.intermediateSha256,
  nrasIssuer: NRAS_ISSUER,
});

/** The development roots that sign `gateway --simulated` evidence (src/core/attest/roots/dev). */
export const DEV_ROOTS: Readonly<TrustRoots> = Object.freeze({
  snp: Object.freeze([{ product: DEV_AMD_PRODUCT, source: 'dev', ark: DEV_ARK_PEM, ask: DEV_ASK_PEM }] as SnpTrustAnchor[]),
  gpuDeviceRootsPem: Object.freeze([DEV_NVIDIA_DEVICE_ROOT_PEM]),
  gpuRimRootsPem: Object.freeze([]),
  nrasIntermediateSha256: Object.freeze([DEV_NRAS_INTERMEDIATE_SHA256]),
  nrasIssuer: DEV_NRAS_ISSUER,
  nrasJwks: DEV_NRAS_JWKS,
});

/** Where NVIDIA publishes the NRAS signing keys. */
export const NRAS_JWKS_URL = `${NRAS_ISSUER}/.well-known/jwks.json`;

export interface VerifyEvidenceOptions extends AttestOptions {
  /** `production` is always trusted; `dev` only when policy.allowSimulated. Defaults: PRODUCTION_ROOTS, DEV_ROOTS. */
  roots?: { production: TrustRoots; dev?: TrustRoots };
}

export interface EvidenceClaims extends Partial<SnpClaims> {
  gpus: GpuClaims[];
  /** The client nonce the evidence was bound to, hex (null when none was given). */
  nonce: string | null;
  /** The evidence is simulated: the bundle says so, or its SEV-SNP chain ends in a development root. */
  simulated: boolean;
  /** From the bundle: the channel key id and model. */
  keyId?: string;
  model?: string;
}

export interface Verdict {
  ok: boolean;
  checks: Check[];
  claims: EvidenceClaims;
}

function pass(id: string, detail: string, extra: Partial<Check> = {}): Check {
  return { id, passed: true, detail, ...extra };
}
function fail(id: string, detail: string, extra: Partial<Check> = {}): Check {
  return { id, passed: false, detail, ...extra };
}

function isBundleEvidence(e: Evidence): e is BundleEvidence {
  return typeof e === 'object' && e !== null && 'bundle' in e;
}

function isParsedBundle(b: unknown): b is EvidenceBundle {
  return typeof b === 'object' && b !== null && 'json' in b && 'snpReport' in b && (b as EvidenceBundle).snpReport instanceof Uint8Array;
}

function jsonCopy(v: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(v ?? null)) as unknown;
  } catch {
    return null;
  }
}

/** Re-throws a ParseError with its field placed under `prefix` (e.g. `vcek` -> `snp.vcek`). */
function underField<T>(prefix: string, p: Promise<T>): Promise<T> {
  return p.catch((e: unknown) => {
    if (e instanceof ParseError) throw new ParseError(`${prefix}.${e.field}`, e.message.slice(e.field.length + 2));
    throw e;
  });
}

/** The internal, copied form both evidence shapes reduce to. */
interface Normalised {
  snp: SnpInput;
  gpus: GpuParts[];
  nonce: Uint8Array | undefined;
  reportData: Uint8Array | undefined;
  bundle: EvidenceBundle | undefined;
}

function normalise(evidence: Evidence): Normalised {
  if (typeof evidence !== 'object' || evidence === null) throw new ParseError('evidence', 'want {bundle, nonce} or {snp, gpus?}');
  if (isBundleEvidence(evidence)) {
    const bundle = isParsedBundle(evidence.bundle) ? parseBundle(evidence.bundle.json) : parseBundle(evidence.bundle);
    if (!(evidence.nonce instanceof Uint8Array)) throw new ParseError('nonce', 'want the 32-byte nonce this client sent');
    const ref = bundle.json.gpuReference;
    const enc = new TextEncoder();
    return {
      snp: {
        report: bundle.snpReport,
        vcek: enc.encode(bundle.json.snp.vcek),
        ...(bundle.json.snp.certChain ? { certChain: bundle.json.snp.certChain } : {}),
      },
      gpus: bundle.gpus.map((g) => ({
        report: g.report,
        certChainPem: g.certChainPem,
        ...(ref.kind === 'rims' ? { rims: ref.rims.map((r) => r.xml) } : { nras: { token: JSON.stringify(ref.eat), jwks: null } }),
      })),
      nonce: evidence.nonce.slice(),
      reportData: undefined,
      bundle,
    };
  }
  const e = evidence as EvidenceParts;
  if (typeof e.snp !== 'object' || e.snp === null) throw new ParseError('snp', 'want {report, vcek, certChain?, crl?}');
  if (e.gpus !== undefined && !Array.isArray(e.gpus)) throw new ParseError('gpus', 'want a list');
  const copy = (b: unknown, field: string): Uint8Array => {
    if (!(b instanceof Uint8Array)) throw new ParseError(field, 'want bytes');
    return b.slice();
  };
  return {
    snp: {
      report: copy(e.snp.report, 'snp.report'),
      vcek: copy(e.snp.vcek, 'snp.vcek'),
      ...(e.snp.certChain !== undefined ? { certChain: String(e.snp.certChain) } : {}),
      ...(e.snp.crl !== undefined ? { crl: copy(e.snp.crl, 'snp.crl') } : {}),
    },
    gpus: (e.gpus ?? []).map((g, i) => ({
      report: copy(g.report, `gpus[${i}].report`),
      certChainPem: String(g.certChainPem),
      ...(g.rims ? { rims: [...g.rims].map(String) } : {}),
      ...(g.nras ? { nras: { token: String(g.nras.token), jwks: jsonCopy(g.nras.jwks) } } : {}),
      ...(g.expectedNonce ? { expectedNonce: copy(g.expectedNonce, `gpus[${i}].expectedNonce`) } : {}),
    })),
    nonce: e.nonce === undefined ? undefined : copy(e.nonce, 'nonce'),
    reportData: e.reportData === undefined ? undefined : copy(e.reportData, 'reportData'),
    bundle: undefined,
  };
}

async function nrasJwks(opts: VerifyEvidenceOptions): Promise<{ jwks: unknown; check: Check }> {
  const id = 'evidence.nras.jwks';
  if (!opts.fetch) return { jwks: null, check: fail(id, `the NRAS signing keys (${NRAS_JWKS_URL}) are needed, but no network access was provided`) };
  try {
    const res = await opts.fetch(NRAS_JWKS_URL, opts.signal ? { signal: opts.signal } : {});
    if (!res.ok) return { jwks: null, check: fail(id, `GET ${NRAS_JWKS_URL} answered HTTP ${res.status}`) };
    const jwks = (await res.json()) as unknown;
    return { jwks, check: pass(id, `NRAS signing keys fetched from ${NRAS_JWKS_URL}`) };
  } catch (e) {
    if (e instanceof Error && e.name === 'AbortError') throw new ConfidantError('E_ABORTED', 'Fetching the NRAS keys was stopped.');
    return { jwks: null, check: fail(id, `GET ${NRAS_JWKS_URL} failed: ${e instanceof Error ? e.message : String(e)}`) };
  }
}

/** Verifies evidence under `policy`. See the module comment for what is checked. */
export async function verifyEvidence(evidence: Evidence, policy: Policy, opts: VerifyEvidenceOptions): Promise<Verdict> {
  // Everything untrusted is copied here, before the first await.
  const ev = normalise(evidence);
  const now = opts.now;
  const rootSets = opts.roots ?? { production: PRODUCTION_ROOTS, dev: DEV_ROOTS };
  const markedSimulated = ev.bundle?.json.simulated ?? false;
  // One set of roots for all of the evidence, never a mix: production unless the policy allows
  // simulated evidence and the evidence says it is simulated (a bundle's flag; raw parts count as
  // simulated when the policy allows it). So a hardware bundle cannot borrow a development GPU root,
  // and a simulated bundle cannot pass off a production chain as its own.
  const devActive = policy.allowSimulated && rootSets.dev !== undefined && (ev.bundle ? markedSimulated : true);
  const roots = devActive ? rootSets.dev! : rootSets.production;

  // -- the bundle: nonce echo and key lifetime
  const bundleChecks: Check[] = [];
  if (ev.bundle) {
    const b = ev.bundle;
    bundleChecks.push(
      bytesEqual(b.nonce, ev.nonce!)
        ? pass('evidence.nonce', 'the bundle echoes this client\u2019s nonce', { field: 'nonce', got: toHex(b.nonce) })
        : fail('evidence.nonce', 'the bundle answers another nonce (a replay or a mix-up)', { field: 'nonce', got: toHex(b.nonce), want: toHex(ev.nonce!) }),
      b.expiresAt.getTime() > now.getTime()
        ? pass('evidence.expiresAt', `channel key ${b.keyId} is usable until ${b.expiresAt.toISOString()}`, { field: 'expiresAt' })
        : fail('evidence.expiresAt', `channel key ${b.keyId} expired at ${b.expiresAt.toISOString()}`, { field: 'expiresAt', got: b.expiresAt.toISOString(), want: `> ${now.toISOString()}` }),
    );
  }

  // -- SEV-SNP
  const snpPolicy = ev.reportData ? { ...policy.snp, reportData: ev.reportData } : policy.snp;
  const snp = await underField('snp', verifySnp(ev.snp, snpPolicy, { now, ...(opts.fetch ? { fetch: opts.fetch } : {}), ...(opts.signal ? { signal: opts.signal } : {}), roots: roots.snp }));
  const simulated = markedSimulated || devActive || snp.claims.rootSource === 'dev';

  // -- simulated evidence only under a policy that allows it
  const why = markedSimulated ? 'the bundle is marked simulated (signed by development keys)' : 'the SEV-SNP chain ends in a development root';
  const simulatedCheck = !simulated
    ? pass('evidence.simulated', 'hardware evidence: not marked simulated, and the SEV-SNP chain ends in a pinned AMD root')
    : !policy.allowSimulated
      ? fail('evidence.simulated', `${why}; the policy does not allow simulated evidence`, { got: 'simulated', want: 'hardware' })
      : ev.bundle && !markedSimulated
        ? fail('evidence.simulated', 'the bundle claims hardware evidence, but its SEV-SNP chain ends in a development root', { got: 'development root', want: 'simulated: true' })
        : pass('evidence.simulated', `${why}; allowed by the policy (allowSimulated): development only`);

  // -- the binding of REPORT_DATA to the nonce, the channel key and the GPU evidence
  const bindingChecks: Check[] = [];
  const gpuBytes: GpuEvidenceBytes[] = ev.gpus.map((g) => ({ report: g.report, certChainPem: g.certChainPem }));
  if (ev.bundle) {
    const want = await expectedReportDataFor(ev.bundle, ev.nonce!);
    bindingChecks.push(
      snp.claims.reportData === toHex(want)
        ? pass('evidence.binding.REPORT_DATA', `REPORT_DATA binds this client\u2019s nonce, channel key ${ev.bundle.keyId} and the ${gpuBytes.length} GPU report(s) (binding.ts)`, { field: 'REPORT_DATA', got: snp.claims.reportData })
        : fail('evidence.binding.REPORT_DATA', 'REPORT_DATA does not bind this nonce, this channel key and these GPU reports: the evidence was not made for this request', { field: 'REPORT_DATA', got: snp.claims.reportData, want: toHex(want) }),
    );
  }
  const checks: Check[] = [...bundleChecks, simulatedCheck, ...bindingChecks, ...snp.checks];

  // -- GPUs
  checks.push(
    ev.gpus.length > 0
      ? pass('evidence.gpu.count', `${ev.gpus.length} GPU(s) presented evidence`, { got: String(ev.gpus.length) })
      : policy.requireGpu
        ? fail('evidence.gpu.count', 'no GPU evidence, and the policy requires at least one GPU (requireGpu)', { got: '0', want: '>= 1' })
        : pass('evidence.gpu.count', 'no GPU evidence; the policy does not require a GPU', { got: '0' }),
  );
  const gpuNonce = ev.nonce ? await gpuNonceFor(ev.nonce) : undefined;
  const devNras = devActive;
  const gpuPolicy: GpuPolicy = {
    ...policy.gpu,
    deviceRootsPem: roots.gpuDeviceRootsPem,
    rimRootsPem: roots.gpuRimRootsPem,
    nras: { ...policy.gpu.nras, intermediateSha256: roots.nrasIntermediateSha256, issuer: roots.nrasIssuer },
  };
  let fetchedJwks: { jwks: unknown; check: Check } | undefined;
  const gpuClaims: GpuClaims[] = [];
  for (const [i, g] of ev.gpus.entries()) {
    let nras = g.nras;
    if (nras && ev.bundle) {
      if (devNras) nras = { ...nras, jwks: roots.nrasJwks ?? null };
      else {
        fetchedJwks ??= await nrasJwks(opts);
        nras = { ...nras, jwks: fetchedJwks.jwks };
      }
    }
    const expectedNonce = gpuNonce ?? g.expectedNonce;
    const r = await underField(
      `gpus[${i}]`,
      verifyGpu({ report: g.report, certChainPem: g.certChainPem, ...(g.rims ? { rims: g.rims } : {}), ...(nras ? { nras } : {}) }, gpuPolicy, {
        now,
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(expectedNonce ? { expectedNonce } : {}),
        revocation: policy.snp.crl === 'require' ? 'require' : 'if-available',
      }),
    );
    checks.push(...r.checks.map((c) => ({ ...c, id: c.id.replace(/^gpu\./, `gpu${i}.`) })));
    gpuClaims.push(r.claims);
  }
  if (fetchedJwks) checks.push(fetchedJwks.check);

  const claims: EvidenceClaims = {
    ...snp.claims,
    gpus: gpuClaims,
    nonce: ev.nonce ? toHex(ev.nonce) : null,
    simulated,
    ...(ev.bundle ? { keyId: ev.bundle.keyId, model: ev.bundle.json.model } : {}),
  };
  return { ok: checks.length > 0 && checks.every((c) => c.passed), checks, claims };
}
