/**
 * verifyEvidence: the gateway's bundle (simulated bundles built in-process with the gateway's own
 * code and development keys) and raw evidence parts (the real vectors).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedEvidence } from '../../../gateway/evidence/simulated.ts';
import { buildBundle } from '../../../gateway/attestation.ts';
import type { GatewayKey } from '../../../gateway/keys.ts';
import type { EvidenceBundleJson } from '../../../src/core/attest/bundle.ts';
import { parseBundle } from '../../../src/core/attest/bundle.ts';
import { gpuNonceFor } from '../../../src/core/attest/binding.ts';
import { DEV_ROOTS, NRAS_JWKS_URL, PRODUCTION_ROOTS, verifyEvidence } from '../../../src/core/attest/evidence.ts';
import { PRODUCTION_POLICY, parsePolicy } from '../../../src/core/attest/policy.ts';
import type { Policy } from '../../../src/core/attest/policy.ts';
import { fromHex, toHex } from '../../../src/core/bytes.ts';
import { parseReportHex as parseGpuReportHex } from '../../../src/core/attest/nvidia/index.ts';
import { DEV_NRAS_JWKS, DEV_SNP_MEASUREMENT } from '../../../src/core/attest/roots/dev/index.ts';
import { ParseError } from '../../../src/core/errors.ts';
import { readVectorText } from '../../helpers/vectors.ts';
import { vector } from './sevsnp/fixtures.ts';

const DEV: Policy = { ...PRODUCTION_POLICY, allowSimulated: true };

let source: SimulatedEvidence;
let nonce: Uint8Array;
let json: EvidenceBundleJson;

function key(): GatewayKey {
  return { keyId: 'k-test', keyPair: undefined as unknown as CryptoKeyPair, publicKey: crypto.getRandomValues(new Uint8Array(1216)), createdAt: Date.now(), notAfter: Date.now() + 3_600_000, seen: new Set() };
}

beforeAll(async () => {
  source = await SimulatedEvidence.create();
  nonce = crypto.getRandomValues(new Uint8Array(32));
  json = await buildBundle({ nonce, key: key(), source, model: 'test-model' });
});

const failed = (checks: { id: string; passed: boolean }[]) => checks.filter((c) => !c.passed).map((c) => c.id);
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('a simulated bundle', () => {
  it('fails PRODUCTION_POLICY: marked simulated, and its chains end in roots that are not trusted', async () => {
    const v = await verifyEvidence({ bundle: json, nonce }, PRODUCTION_POLICY, { now: new Date() });
    expect(v.ok).toBe(false);
    const f = failed(v.checks);
    expect(f).toEqual(expect.arrayContaining(['evidence.simulated', 'snp.chain.ark', 'snp.chain.ask', 'snp.chain.vcek', 'gpu0.chain.root']));
    expect(v.checks.find((c) => c.id === 'evidence.simulated')!.detail).toMatch(/marked simulated.*does not allow/);
    expect(v.claims.simulated).toBe(true);
  });

  it('passes with allowSimulated, binding the nonce, the channel key and the GPU evidence', async () => {
    const v = await verifyEvidence({ bundle: json, nonce }, DEV, { now: new Date() });
    expect(failed(v.checks)).toEqual([]);
    expect(v.ok).toBe(true);
    const ids = v.checks.map((c) => c.id);
    expect(ids.slice(0, 4)).toEqual(['evidence.nonce', 'evidence.expiresAt', 'evidence.simulated', 'evidence.binding.REPORT_DATA']);
    expect(ids).toEqual(expect.arrayContaining(['snp.report.signature', 'snp.policy.DEBUG', 'evidence.gpu.count', 'gpu0.nonce', 'gpu0.spdm.signature', 'gpu0.nras.signature']));
    expect(v.claims).toMatchObject({ simulated: true, rootSource: 'dev', product: 'Genoa', measurement: DEV_SNP_MEASUREMENT, nonce: toHex(nonce), keyId: 'k-test', model: 'test-model' });
    expect(v.claims.gpus).toHaveLength(1);
    expect(v.claims.gpus[0]!.requesterNonce).toBe(toHex(await gpuNonceFor(nonce)));
    expect(v.claims.reportedTcb).toMatchObject({ bl: 10, tee: 0, snp: 23, ucode: 84 });
  });

  it('accepts the parsed bundle as well as its JSON', async () => {
    const v = await verifyEvidence({ bundle: parseBundle(json), nonce }, DEV, { now: new Date() });
    expect(v.ok).toBe(true);
  });

  it('without the dev roots supplied, allowSimulated alone does not make it pass', async () => {
    const v = await verifyEvidence({ bundle: json, nonce }, DEV, { now: new Date(), roots: { production: PRODUCTION_ROOTS } });
    expect(v.ok).toBe(false);
    expect(failed(v.checks)).toEqual(expect.arrayContaining(['snp.chain.ark', 'gpu0.chain.root']));
  });

  it('a bundle claiming hardware is checked against the production roots only, even when development is allowed: its development CPU and GPU chains fail', async () => {
    const b = clone(json);
    b.simulated = false;
    const v = await verifyEvidence({ bundle: b, nonce }, DEV, { now: new Date() });
    expect(v.ok).toBe(false);
    expect(failed(v.checks)).toEqual(expect.arrayContaining(['snp.chain.ark', 'gpu0.chain.root']));
    expect(v.claims.simulated).toBe(false);
  });
});

describe('binding (docs/protocol.md §2)', () => {
  it('another client nonce: the echo, REPORT_DATA and every GPU nonce fail', async () => {
    const other = crypto.getRandomValues(new Uint8Array(32));
    const v = await verifyEvidence({ bundle: json, nonce: other }, DEV, { now: new Date() });
    expect(failed(v.checks)).toEqual(expect.arrayContaining(['evidence.nonce', 'evidence.binding.REPORT_DATA', 'gpu0.nonce']));
    expect(v.checks.find((c) => c.id === 'evidence.nonce')).toMatchObject({ got: toHex(nonce), want: toHex(other) });
  });

  it('a substituted channel key fails only the REPORT_DATA binding', async () => {
    const b = clone(json);
    b.channel.publicKey = Buffer.from(crypto.getRandomValues(new Uint8Array(1216))).toString('base64');
    const v = await verifyEvidence({ bundle: b, nonce }, DEV, { now: new Date() });
    expect(failed(v.checks)).toEqual(['evidence.binding.REPORT_DATA']);
  });

  it('a substituted key id fails only the REPORT_DATA binding', async () => {
    const b = clone(json);
    b.channel.keyId = 'k-other';
    const v = await verifyEvidence({ bundle: b, nonce }, DEV, { now: new Date() });
    expect(failed(v.checks)).toEqual(['evidence.binding.REPORT_DATA']);
  });

  it('GPU evidence from another request fails the binding and the GPU nonce', async () => {
    const otherNonce = crypto.getRandomValues(new Uint8Array(32));
    const other = await buildBundle({ nonce: otherNonce, key: key(), source, model: 'test-model' });
    const b = clone(json);
    b.gpus = other.gpus;
    const v = await verifyEvidence({ bundle: b, nonce }, DEV, { now: new Date() });
    expect(failed(v.checks)).toEqual(expect.arrayContaining(['evidence.binding.REPORT_DATA', 'gpu0.nonce']));
  });

  it('a swapped SNP report (another request) fails the binding', async () => {
    const other = await buildBundle({ nonce: crypto.getRandomValues(new Uint8Array(32)), key: key(), source, model: 'test-model' });
    const b = clone(json);
    b.snp = other.snp;
    const v = await verifyEvidence({ bundle: b, nonce }, DEV, { now: new Date() });
    expect(failed(v.checks)).toEqual(['evidence.binding.REPORT_DATA']);
  });

  it('an expired channel key fails evidence.expiresAt', async () => {
    const v = await verifyEvidence({ bundle: json, nonce }, DEV, { now: new Date(Date.parse(json.expiresAt) + 1000) });
    expect(failed(v.checks)).toEqual(['evidence.expiresAt']);
  });

  it('no GPU evidence fails evidence.gpu.count when the policy requires a GPU', async () => {
    const b = clone(json);
    b.gpus = [];
    const v = await verifyEvidence({ bundle: b, nonce }, DEV, { now: new Date() });
    expect(failed(v.checks)).toEqual(['evidence.binding.REPORT_DATA', 'evidence.gpu.count']);
  });
});

describe('NRAS keys for a hardware bundle come from NVIDIA, through opts.fetch', () => {
  let server: ReturnType<typeof createServer>;
  let origin = '';
  const paths: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(DEV_NRAS_JWKS));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('fetches the JWKS once and checks the token against NVIDIA\u2019s pinned intermediate (which the dev key is not under)', async () => {
    const fetchVia: typeof fetch = (input, init) => fetch(origin + new URL(String(input)).pathname, init);
    const v = await verifyEvidence({ bundle: json, nonce }, PRODUCTION_POLICY, { now: new Date(), fetch: fetchVia });
    // The NRAS keys once; the AMD CRL for the chain (crl: fetch) too, which this server cannot serve.
    expect(paths.filter((p) => !p.endsWith('/crl'))).toEqual([new URL(NRAS_JWKS_URL).pathname]);
    expect(v.checks.find((c) => c.id === 'evidence.nras.jwks')!.passed).toBe(true);
    expect(failed(v.checks)).toContain('gpu0.nras.chain');
  });

  it('offline, the missing keys are a failed check', async () => {
    const v = await verifyEvidence({ bundle: json, nonce }, PRODUCTION_POLICY, { now: new Date() });
    expect(v.checks.find((c) => c.id === 'evidence.nras.jwks')).toMatchObject({ passed: false });
  });
});

describe('raw evidence parts', () => {
  // The vectors predate AMD's 2025 fixes: under the production minimum TCB they fail (tested
  // below); the other tests here drop the per-product minimum to look at one thing at a time.
  const anyTcb: Policy = { ...PRODUCTION_POLICY, snp: { ...PRODUCTION_POLICY.snp, minTcbByProduct: {} } };
  const snpOnly: Policy = { ...anyTcb, requireGpu: false };
  const t = vector('milan-trustee');

  it('a real SNP report alone passes when the policy does not require a GPU, and fails when it does', async () => {
    const v = await verifyEvidence({ snp: { report: t.report(), vcek: t.vcek() } }, snpOnly, { now: t.validAt });
    expect(failed(v.checks)).toEqual([]);
    expect(v.claims).toMatchObject({ simulated: false, rootSource: 'amd', nonce: null, gpus: [] });
    expect(v.checks[0]!.id).toBe('evidence.simulated');
    expect(v.checks.find((c) => c.id === 'snp.crl')).toMatchObject({ passed: true, got: 'not checked' });
    const p = await verifyEvidence({ snp: { report: t.report(), vcek: t.vcek() } }, anyTcb, { now: t.validAt });
    expect(failed(p.checks)).toEqual(['evidence.gpu.count']);
  });

  it('a Milan platform from before AMD-SB-3019 fails the production minimum TCB, naming each part', async () => {
    const v = await verifyEvidence({ snp: { report: t.report(), vcek: t.vcek() } }, { ...PRODUCTION_POLICY, requireGpu: false }, { now: t.validAt });
    expect(failed(v.checks)).toEqual(['snp.policy.REPORTED_TCB.SNP', 'snp.policy.REPORTED_TCB.MICROCODE']);
    expect(v.checks.find((c) => c.id === 'snp.policy.REPORTED_TCB.MICROCODE')).toMatchObject({ got: String(t.reportedTcbParts.ucode), want: '>= 213' });
  });

  it('an expected REPORT_DATA is checked exactly', async () => {
    const good = await verifyEvidence({ snp: { report: t.report(), vcek: t.vcek() }, reportData: fromHex(t.reportData!, 'x') }, snpOnly, { now: t.validAt });
    expect(failed(good.checks)).toEqual([]);
    const bad = await verifyEvidence({ snp: { report: t.report(), vcek: t.vcek() }, reportData: new Uint8Array(64) }, snpOnly, { now: t.validAt });
    expect(failed(bad.checks)).toEqual(['snp.policy.REPORT_DATA']);
  });

  it('policy failures come through: the DEBUG report under production', async () => {
    const g = vector('milan-go-sev-guest');
    const v = await verifyEvidence({ snp: { report: g.report(), vcek: g.vcek() } }, snpOnly, { now: g.validAt });
    expect(failed(v.checks)).toEqual(['snp.policy.DEBUG']);
  });

  describe('with a real H100 report (nvtrust sample)', () => {
    const gpu = () => ({
      report: parseGpuReportHex(readVectorText('h100/nvtrust-sample/hopperAttestationReport.txt')),
      certChainPem: readVectorText('h100/nvtrust-sample/hopperCertChain.txt'),
    });
    const sampleNonce = fromHex('931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb', 'x');
    const noAppraisal: Policy = { ...snpOnly, gpu: { ...PRODUCTION_POLICY.gpu, measurements: 'none' } };
    const now = new Date('2025-01-01T00:00:00Z');

    it('a per-GPU expected nonce: GPU checks are renamed gpu0.* and pass', async () => {
      const v = await verifyEvidence({ snp: { report: t.report(), vcek: t.vcek() }, gpus: [{ ...gpu(), expectedNonce: sampleNonce }] }, noAppraisal, { now });
      expect(failed(v.checks)).toEqual([]);
      expect(v.checks.some((c) => c.id === 'gpu0.spdm.signature' && c.passed)).toBe(true);
      expect(v.claims.gpus[0]!.driverVersion).toBe('550.90.07');
    });

    it('a client nonce the GPU report was not made for fails gpu0.nonce', async () => {
      const v = await verifyEvidence({ snp: { report: t.report(), vcek: t.vcek() }, gpus: [gpu()], nonce: new Uint8Array(32) }, noAppraisal, { now });
      expect(failed(v.checks)).toEqual(['gpu0.nonce']);
      expect(v.claims.nonce).toBe('00'.repeat(32));
    });

    it('production appraisal without RIMs or NRAS fails', async () => {
      const v = await verifyEvidence({ snp: { report: t.report(), vcek: t.vcek() }, gpus: [{ ...gpu(), expectedNonce: sampleNonce }] }, snpOnly, { now });
      expect(failed(v.checks).some((id) => id.startsWith('gpu0.'))).toBe(true);
    });
  });
});

describe('unusable evidence: ParseError naming the input', () => {
  it.each([
    ['a bundle of an unknown version', () => ({ bundle: { ...clone(json), version: 3 }, nonce }), 'version'],
    ['a bundle whose VCEK is not a certificate', () => ({ bundle: { ...clone(json), snp: { ...clone(json).snp, vcek: 'nope' } }, nonce }), 'snp.vcek'],
    ['a bundle whose GPU report is garbage', () => ({ bundle: { ...clone(json), gpus: [{ ...clone(json).gpus[0]!, report: 'AAAA' }] }, nonce }), 'gpus[0].report'],
    ['raw parts without an SNP report', () => ({ snp: { vcek: new Uint8Array(1) } }), 'snp.report'],
    ['raw parts with a truncated report', () => ({ snp: { report: new Uint8Array(100), vcek: vector('milan-trustee').vcek() } }), 'snp.report'],
    ['a bundle without the nonce', () => ({ bundle: json }), 'nonce'],
  ])('%s', async (_n, make, field) => {
    try {
      await verifyEvidence(make() as never, DEV, { now: new Date() });
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      // The field names the input, then (for GPU reports) the part of it that is wrong.
      expect((e as ParseError).field === field || (e as ParseError).field.startsWith(`${field}.`), (e as ParseError).field).toBe(true);
    }
  });
});

it('DEV_ROOTS hold only development anchors', () => {
  expect(DEV_ROOTS.snp.every((a) => a.source === 'dev')).toBe(true);
  expect(parsePolicy({}).allowSimulated).toBe(false);
});
