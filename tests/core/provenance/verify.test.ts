/**
 * verifyProvenance on bundles made with @sigstore/mock (a CA with a CT log, a Rekor log, a trusted
 * root of those keys) and on a real public-good bundle against the real trusted root, offline.
 * Every rejection names its check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Identity, SigstoreVerifier } from '@freedomofpress/sigstore-browser';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIDANT_PREDICATE, TINFOIL_PREDICATE } from '../../../src/core/provenance/predicates.ts';
import { PUBLIC_GOOD_TRUSTED_ROOT } from '../../../src/core/provenance/trusted-root.ts';
import { verifyProvenance, type ProvenanceResult } from '../../../src/core/provenance/verify.ts';
import { mockSigstore, statement, type MockSigstore } from '../../helpers/sigstore-mock.ts';

const REPO = 'tinfoilsh/confidential-model-router';
const DIGEST = '5e'.repeat(32);
const SNP = 'cd'.repeat(48);
const TINFOIL = { snp_measurement: SNP, tdx_measurement: { rtmr1: 'ef'.repeat(48), rtmr2: '01'.repeat(48) } };

let sigstore: MockSigstore;
let other: MockSigstore;
let good: Record<string, unknown>;

beforeAll(async () => {
  [sigstore, other] = await Promise.all([mockSigstore(), mockSigstore()]);
  good = await sigstore.sign(statement(DIGEST, TINFOIL_PREDICATE, TINFOIL), { repo: REPO, ref: 'refs/tags/v0.2.31' });
});

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const failedId = (r: ProvenanceResult) => r.checks.find((c) => !c.passed)?.id;
const verify = (bundle: unknown, over: Partial<Parameters<typeof verifyProvenance>[1]> = {}) =>
  verifyProvenance(bundle, { trustedRoot: sigstore.trustedRoot, repo: REPO, digest: DIGEST, ...over });

describe('a release bundle that verifies', () => {
  it('returns the measurements, the workflow ref and the Rekor entry', async () => {
    const r = await verify(good);
    expect(r.ok).toBe(true);
    expect(r).toMatchObject({ predicateType: TINFOIL_PREDICATE, workflowRef: 'refs/tags/v0.2.31', repo: REPO, measurements: { snp: [SNP], tdx: { rtmr1: 'ef'.repeat(48) } } });
    expect(r.rekorLogIndex).toBeGreaterThanOrEqual(0);
    expect(r.integratedTime).toBeGreaterThan(1_700_000_000);
    expect(r.checks.every((c) => c.passed)).toBe(true);
  });

  it("Confidant's gateway predicate: every SEV-SNP measurement per VM shape, and the GPU versions", async () => {
    const b = await sigstore.sign(
      statement(DIGEST, CONFIDANT_PREDICATE, {
        snp: [
          { vcpus: 8, cpu: 'EPYC-v4', product: 'Genoa', measurement: 'aa'.repeat(48) },
          { vcpus: 16, cpu: 'EPYC-v4', product: 'Genoa', measurement: 'bb'.repeat(48) },
        ],
        gpu: { driver: '570.172.08', vbios: '96.00.CF.00.02' },
      }),
      { repo: 'confidant/gateway', ref: 'refs/tags/v1.0.0' },
    );
    const r = await verify(b, { repo: 'confidant/gateway' });
    expect(r.ok).toBe(true);
    expect(r.measurements).toMatchObject({ snp: ['aa'.repeat(48), 'bb'.repeat(48)], gpu: { driver: '570.172.08' } });
    expect(r.measurements!.snpShapes).toHaveLength(2);
  });
});

describe('rejections, each naming its check', () => {
  it('a workflow of another repository: provenance.identity.repository, got and want', async () => {
    const r = await verify(await sigstore.sign(statement(DIGEST, TINFOIL_PREDICATE, TINFOIL), { repo: 'attacker/router', ref: 'refs/tags/v1' }));
    expect(r.ok).toBe(false);
    expect(r.checks.at(-1)).toMatchObject({ id: 'provenance.identity.repository', got: 'attacker/router', want: REPO });
  });

  it('a branch build (refs/heads/main): provenance.identity.ref', async () => {
    const r = await verify(await sigstore.sign(statement(DIGEST, TINFOIL_PREDICATE, TINFOIL), { repo: REPO, ref: 'refs/heads/main' }));
    expect(r.checks.at(-1)).toMatchObject({ id: 'provenance.identity.ref', got: 'refs/heads/main' });
  });

  it('a ref that merely contains refs/tags/ is not a tag (a prefix match, not a substring)', async () => {
    const r = await verify(await sigstore.sign(statement(DIGEST, TINFOIL_PREDICATE, TINFOIL), { repo: REPO, ref: 'refs/heads/refs/tags/v1' }));
    expect(failedId(r)).toBe('provenance.identity.ref');
  });

  it('another OIDC issuer than GitHub Actions: provenance.identity.issuer', async () => {
    const r = await verify(await sigstore.sign(statement(DIGEST, TINFOIL_PREDICATE, TINFOIL), { repo: REPO, ref: 'refs/tags/v1', issuer: 'https://accounts.google.com' }));
    expect(failedId(r)).toBe('provenance.identity.issuer');
  });

  it('a statement about another artefact: provenance.subject, got and want', async () => {
    const r = await verify(good, { digest: '00'.repeat(32) });
    expect(r.checks.at(-1)).toMatchObject({ id: 'provenance.subject', got: DIGEST, want: '00'.repeat(32) });
  });

  it('a statement without a subject: provenance.subject', async () => {
    const s = statement(DIGEST, TINFOIL_PREDICATE, TINFOIL);
    s.subject = [];
    expect(failedId(await verify(await sigstore.sign(s, { repo: REPO, ref: 'refs/tags/v1' })))).toBe('provenance.subject');
  });

  it('a certificate with no SCT: provenance.sct', async () => {
    const r = await verify(await sigstore.sign(statement(DIGEST, TINFOIL_PREDICATE, TINFOIL), { repo: REPO, ref: 'refs/tags/v1', noSct: true }));
    expect(failedId(r)).toBe('provenance.sct');
  });

  it('a certificate from a Fulcio the trusted root does not name: provenance.fulcio.chain', async () => {
    const r = await verify(good, { trustedRoot: other.trustedRoot });
    expect(failedId(r)).toBe('provenance.fulcio.chain');
  });

  it('a tampered checkpoint: provenance.rekor', async () => {
    const b = clone(good) as { verificationMaterial: { tlogEntries: { inclusionProof: { checkpoint: { envelope: string } } }[] } };
    const cp = b.verificationMaterial.tlogEntries[0]!.inclusionProof.checkpoint;
    cp.envelope = cp.envelope.replace(/\n1\n/, '\n2\n');
    expect(failedId(await verify(b))).toBe('provenance.rekor');
  });

  it('a bundle never recorded in Rekor: provenance.rekor', async () => {
    const b = clone(good) as { verificationMaterial: { tlogEntries: unknown[] } };
    b.verificationMaterial.tlogEntries = [];
    expect(failedId(await verify(b))).toBe('provenance.rekor');
  });

  it('a changed payload (the DSSE signature no longer matches): provenance.dsse.signature or provenance.rekor', async () => {
    const b = clone(good) as { dsseEnvelope: { payload: string } };
    const s = JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString()) as { predicate: { snp_measurement: string } };
    s.predicate.snp_measurement = 'ee'.repeat(48);
    b.dsseEnvelope.payload = Buffer.from(JSON.stringify(s)).toString('base64');
    const r = await verify(b);
    expect(r.ok).toBe(false);
    expect(['provenance.dsse.signature', 'provenance.rekor']).toContain(failedId(r));
  });

  it('a predicate type not on the allow-list: provenance.predicateType', async () => {
    const r = await verify(await sigstore.sign(statement(DIGEST, 'https://slsa.dev/provenance/v1', {}), { repo: REPO, ref: 'refs/tags/v1' }));
    expect(r.checks.at(-1)).toMatchObject({ id: 'provenance.predicateType', got: 'https://slsa.dev/provenance/v1' });
  });

  it('a predicate missing its measurement: provenance.predicate naming the field', async () => {
    const r = await verify(await sigstore.sign(statement(DIGEST, TINFOIL_PREDICATE, { tdx_measurement: TINFOIL.tdx_measurement }), { repo: REPO, ref: 'refs/tags/v1' }));
    expect(r.checks.at(-1)).toMatchObject({ id: 'provenance.predicate', field: 'predicate.snp_measurement' });
  });

  it('another payload type: provenance.payloadType', async () => {
    const r = await verify(await sigstore.sign(statement(DIGEST, TINFOIL_PREDICATE, TINFOIL), { repo: REPO, ref: 'refs/tags/v1', payloadType: 'text/plain' }));
    expect(failedId(r)).toBe('provenance.payloadType');
  });

  it('a log entry from the future (checked "at" an earlier time): provenance.time', async () => {
    expect(failedId(await verify(good, { at: new Date('2020-01-01T00:00:00Z') }))).toBe('provenance.time');
  });

  it.each([
    ['not an object', () => 'x'],
    ['another media type', () => ({ ...clone(good), mediaType: 'application/vnd.dev.sigstore.bundle.v0.1+json' })],
    ['no DSSE envelope', () => ({ ...clone(good), dsseEnvelope: undefined })],
  ])('an unusable bundle (%s): provenance.bundle', async (_, make) => {
    expect(failedId(await verify(make()))).toBe('provenance.bundle');
  });
});

describe('a real public-good bundle, offline, against the real trusted root', () => {
  const real = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'provenance', 'sigstore-js-bundleV03-dsse.sigstore.json'), 'utf8')) as Record<string, unknown>;

  it("verifies with the library (Fulcio chain at its signing time 2023-07-12, SCT, Rekor entry 27246114 and proof, DSSE signature)", async () => {
    const v = new SigstoreVerifier({ tlogThreshold: 1, ctlogThreshold: 1 });
    await v.loadSigstoreRoot(PUBLIC_GOOD_TRUSTED_ROOT as never);
    const { payloadType } = await v.verifyDsse(real as never, new Identity({ identity: 'brian@dehamer.com', issuer: 'https://github.com/login/oauth' }));
    expect(payloadType).toBe('application/vnd.in-toto+json');
  });

  it('is refused by verifyProvenance for its signer, an e-mail identity, not a GitHub release workflow', async () => {
    const r = await verifyProvenance(real, { trustedRoot: PUBLIC_GOOD_TRUSTED_ROOT, repo: 'sigstore/sigstore-js', digest: 'ab'.repeat(32), at: new Date('2026-01-01T00:00:00Z') });
    expect(r.checks.at(-1)).toMatchObject({ id: 'provenance.identity.issuer', got: 'https://github.com/login/oauth', want: 'https://token.actions.githubusercontent.com' });
  });

  it('a flipped byte in its signature fails under the real root too', async () => {
    const b = clone(real) as { dsseEnvelope: { signatures: { sig: string }[] } };
    const sig = Buffer.from(b.dsseEnvelope.signatures[0]!.sig, 'base64');
    sig[sig.length - 5]! ^= 1;
    b.dsseEnvelope.signatures[0]!.sig = sig.toString('base64');
    const v = new SigstoreVerifier({ tlogThreshold: 1, ctlogThreshold: 1 });
    await v.loadSigstoreRoot(PUBLIC_GOOD_TRUSTED_ROOT as never);
    await expect(v.verifyDsse(b as never, new Identity({ identity: 'brian@dehamer.com', issuer: 'https://github.com/login/oauth' }))).rejects.toThrow();
  });
});
