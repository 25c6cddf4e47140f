import { describe, expect, it } from 'vitest';
import { ConfidantError, ParseError } from '../../../../src/core/errors.ts';
import type { Check } from '../../../../src/core/attest/types.ts';
import { type GpuPolicy, MAX_REPORT_BYTES, defaultGpuPolicy, parseSpdmEvidence, verifyGpu } from '../../../../src/core/attest/nvidia/index.ts';
import { FAKE_NOW, makeFakeGpuChain, resign } from './fake.ts';
import { OTHER_JWKS, RIM_TIME, h100Vectors, hex, nvtrustNras, rimText } from './h100.ts';

const vectors = h100Vectors();
const byName = (n: string) => vectors.find((v) => v.name === n)!;
const failed = (checks: Check[]) => checks.filter((c) => !c.passed).map((c) => c.id);
const get = (checks: Check[], id: string) => checks.find((c) => c.id === id)!;
const noAppraisal: GpuPolicy = { ...defaultGpuPolicy, measurements: 'none' };

async function parseErrorOf(p: Promise<unknown>): Promise<ParseError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error('expected a ParseError');
}

describe('verifyGpu on every H100 vector (FACTS.md §7)', () => {
  it.each(vectors)('$name: every check passes and the claims are the expected values', async (v) => {
    const { checks, claims } = await verifyGpu({ report: v.report, certChainPem: v.certChainPem }, noAppraisal, { now: RIM_TIME, expectedNonce: hex(v.nonce) });
    expect(failed(checks)).toEqual([]);
    expect(claims).toMatchObject({
      requesterNonce: v.nonce,
      driverVersion: v.driver,
      vbiosVersion: v.vbios,
      project: v.project,
      projectSku: v.projectSku,
      chipSku: v.chipSku,
      ppcie: v.ppcie,
      featureFlag: v.featureFlag,
      nvdec0Enabled: false,
      measurementBlocks: 64,
    });
    expect(claims.fwid === null).toBe(v.fwid === 'absent');
    if (v.fwidEnds) expect(claims.fwid).toMatch(new RegExp(`^${v.fwidEnds[0]}[0-9a-f]{80}${v.fwidEnds[1]}$`));
    expect(claims.deviceId).toMatch(/^NVIDIA:GH100:/);
    expect(claims.ueid).toBe(BigInt(`0x${claims.leafSerial}`).toString());
    expect(claims.rimIds.driver).toBe(`NV_GPU_DRIVER_GH100_${v.driver}`);
    expect(claims.rimIds.vbios).toBe(`NV_GPU_VBIOS_${v.project}_${v.projectSku}_${v.chipSku}_${v.vbios.replace(/\./g, '')}`);
    expect(get(checks, 'gpu.measurements').detail).toMatch(/not appraised/);
  });

  it('nvtrust-sample: the RIM ids NVIDIA’s service uses, and its ueid', async () => {
    const v = byName('nvtrust-sample');
    const { claims } = await verifyGpu({ report: v.report, certChainPem: v.certChainPem }, noAppraisal, { now: RIM_TIME, expectedNonce: hex(v.nonce) });
    expect(claims.rimIds).toEqual({ driver: 'NV_GPU_DRIVER_GH100_550.90.07', vbios: 'NV_GPU_VBIOS_1010_0200_882_96009F0001' });
    expect(claims.ueid).toBe(nvtrustNras.ueid);
  });

  it('trustee-coco (4130 bytes, one trailing zero byte) verifies and says so', async () => {
    const v = byName('trustee-coco');
    const { checks, claims } = await verifyGpu({ report: v.report, certChainPem: v.certChainPem }, noAppraisal, { now: RIM_TIME, expectedNonce: hex(v.nonce) });
    expect(failed(checks)).toEqual([]);
    expect(get(checks, 'gpu.spdm.parse').detail).toMatch(/signature at offset 4033; note: 1 zero byte after the signature ignored/);
    expect(claims.notes).toHaveLength(1);
    expect(claims.featureMode).toBe('SPT');
  });

  it('evidence-json: protected PCIe mode with 18 switch PDIs', async () => {
    const v = byName('evidence-json');
    const { checks, claims } = await verifyGpu({ report: v.report, certChainPem: v.certChainPem }, noAppraisal, { now: RIM_TIME, expectedNonce: hex(v.nonce) });
    expect(failed(checks)).toEqual([]);
    expect([claims.ppcie, claims.featureFlag, claims.featureMode]).toEqual([true, 2, 'PPCIE']);
  });
});

describe('verifyGpu with RIMs (default policy: RIMs required)', () => {
  const v = byName('sdk-535-sample');
  const opts = { now: RIM_TIME, expectedNonce: hex(v.nonce) };

  it('sdk-535-sample with its VBIOS RIM: all 12 VBIOS indexes match; the missing driver RIM fails', async () => {
    const { checks } = await verifyGpu({ report: v.report, certChainPem: v.certChainPem, rims: [rimText.vbios535()] }, defaultGpuPolicy, opts);
    expect(failed(checks)).toEqual(['gpu.rim.driver.present', 'gpu.measurements']);
    const blocks = checks.filter((c) => c.id.startsWith('gpu.measurement.block'));
    expect(blocks.map((c) => c.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13].map((b) => `gpu.measurement.block${b}`));
    expect(blocks.every((c) => c.passed)).toBe(true);
    expect(get(checks, 'gpu.rim.vbios.signature').passed).toBe(true);
    expect(get(checks, 'gpu.rim.vbios.version').passed).toBe(true);
  });

  it('after the VBIOS RIM’s signer expired (2025-06-22) its measurements no longer count', async () => {
    const { checks } = await verifyGpu({ report: v.report, certChainPem: v.certChainPem, rims: [rimText.vbios535()] }, defaultGpuPolicy, { ...opts, now: new Date('2025-07-01T00:00:00Z') });
    const f = failed(checks);
    expect(f).toContain('gpu.rim.vbios.chain.validity');
    expect(f.filter((id) => id.startsWith('gpu.measurement.block'))).toHaveLength(12);
  });

  it('a driver RIM for another driver fails gpu.rim.driver.version and its blocks', async () => {
    const { checks } = await verifyGpu({ report: v.report, certChainPem: v.certChainPem, rims: [rimText.vbios535(), rimText.driver550_144_03()] }, defaultGpuPolicy, opts);
    expect(get(checks, 'gpu.rim.driver.version')).toMatchObject({ passed: false, got: '550.144.03', want: '535.86.09' });
    expect(get(checks, 'gpu.rim.driver.signature').passed).toBe(true);
    expect(get(checks, 'gpu.rim.overlap').passed).toBe(true);
    expect(get(checks, 'gpu.measurement.block36').detail).toMatch(/^skipped/);
    expect(failed(checks)).toContain('gpu.measurements');
  });

  it('a RIM with a broken signature fails gpu.rim.driver.signature and every block it covers', async () => {
    const { checks } = await verifyGpu({ report: v.report, certChainPem: v.certChainPem, rims: [rimText.incorrectSignature()] }, defaultGpuPolicy, opts);
    expect(get(checks, 'gpu.rim.driver.signature').passed).toBe(false);
    const blocks = checks.filter((c) => c.id.startsWith('gpu.measurement.block') && !c.detail.startsWith('skipped'));
    expect(blocks.length).toBe(20);
    expect(blocks.every((c) => !c.passed)).toBe(true);
  });

  it('unreadable RIMs become failed checks, not exceptions', async () => {
    const { checks } = await verifyGpu({ report: v.report, certChainPem: v.certChainPem, rims: ['<not-xml', rimText.vbios535(), rimText.vbios535()] }, defaultGpuPolicy, opts);
    expect(get(checks, 'gpu.rim[0].parse')).toMatchObject({ passed: false, field: 'rims[0]' });
    expect(get(checks, 'gpu.rim.vbios.count').passed).toBe(false);
  });
});

describe('GPU revocation (gpu.ocsp)', () => {
  it('without an NRAS answer: "revocation not checked", a failure when the policy requires revocation', async () => {
    const v = vectors[0]!;
    const soft = await verifyGpu({ report: v.report, certChainPem: v.certChainPem }, noAppraisal, { now: RIM_TIME, expectedNonce: hex(v.nonce) });
    expect(get(soft.checks, 'gpu.ocsp')).toMatchObject({ passed: true, got: 'not checked' });
    expect(get(soft.checks, 'gpu.ocsp').detail).toMatch(/^revocation not checked/);
    const hard = await verifyGpu({ report: v.report, certChainPem: v.certChainPem }, noAppraisal, { now: RIM_TIME, expectedNonce: hex(v.nonce), revocation: 'require' });
    expect(failed(hard.checks)).toEqual(['gpu.ocsp']);
  });

  it('an NRAS token whose signature does not verify says nothing about revocation', async () => {
    const v = byName('nvtrust-sample');
    const { checks } = await verifyGpu(
      { report: v.report, certChainPem: v.certChainPem, nras: { token: nvtrustNras.token(), jwks: OTHER_JWKS } },
      { ...defaultGpuPolicy, measurements: 'nras' },
      { now: new Date(nvtrustNras.iat * 1000), expectedNonce: hex(v.nonce) },
    );
    expect(get(checks, 'gpu.ocsp')).toMatchObject({ got: 'not checked' });
  });
});

describe('verifyGpu with NRAS', () => {
  it('nvtrust-sample with its NRAS result: the signing key is unknown, everything else checks out', async () => {
    const v = byName('nvtrust-sample');
    const { checks } = await verifyGpu(
      { report: v.report, certChainPem: v.certChainPem, nras: { token: nvtrustNras.token(), jwks: OTHER_JWKS } },
      { ...defaultGpuPolicy, measurements: 'nras' },
      { now: new Date(nvtrustNras.iat * 1000), expectedNonce: hex(v.nonce) },
    );
    expect(failed(checks)).toEqual(['gpu.nras.key', 'gpu.nras.chain', 'gpu.nras.signature', 'gpu.nras.GPU-0.signature', 'gpu.measurements']);
    expect(get(checks, 'gpu.nras.key').detail).toMatch(/^unknown kid/);
    expect(get(checks, 'gpu.nras.device').passed).toBe(true);
  });

  it('an unreadable token is a failed gpu.nras.parse check', async () => {
    const v = byName('nvtrust-sample');
    const { checks } = await verifyGpu({ report: v.report, certChainPem: v.certChainPem, nras: { token: 'x.y', jwks: {} } }, { ...defaultGpuPolicy, measurements: 'nras' }, { now: RIM_TIME, expectedNonce: hex(v.nonce) });
    expect(get(checks, 'gpu.nras.parse').passed).toBe(false);
    expect(failed(checks)).toEqual(['gpu.nras.parse', 'gpu.measurements']);
  });

  it('the default policy requires RIMs even when an NRAS result is given', async () => {
    const v = byName('nvtrust-sample');
    const { checks } = await verifyGpu({ report: v.report, certChainPem: v.certChainPem, nras: { token: nvtrustNras.token(), jwks: OTHER_JWKS } }, defaultGpuPolicy, { now: new Date(nvtrustNras.iat * 1000), expectedNonce: hex(v.nonce) });
    expect(failed(checks)).toContain('gpu.rim.driver.present');
  });
});

describe('verifyGpu rejections', () => {
  const v = byName('nvtrust-sample');

  it('a wrong expected nonce fails gpu.nonce with got and want, and nothing else', async () => {
    const want = '00'.repeat(32);
    const { checks } = await verifyGpu({ report: v.report, certChainPem: v.certChainPem }, noAppraisal, { now: RIM_TIME, expectedNonce: hex(want) });
    expect(failed(checks)).toEqual(['gpu.nonce']);
    expect(get(checks, 'gpu.nonce')).toMatchObject({ field: 'GET_MEASUREMENTS.Nonce', got: v.nonce, want });
  });

  it('no expected nonce fails gpu.nonce', async () => {
    const { checks } = await verifyGpu({ report: v.report, certChainPem: v.certChainPem }, noAppraisal, { now: RIM_TIME });
    expect(failed(checks)).toEqual(['gpu.nonce']);
  });

  it.each([
    ['an empty report', new Uint8Array(0), 'report'],
    ['a truncated report', v.report.subarray(0, 4000), 'report.response.OpaqueLength'],
    ['an oversized report', new Uint8Array(MAX_REPORT_BYTES + 1), 'report'],
    ['a report with garbage appended', new Uint8Array([...v.report, 1, 2, 3]), 'report.trailing'],
  ])('%s is a ParseError naming %s', async (_, report, field) => {
    expect((await parseErrorOf(verifyGpu({ report, certChainPem: v.certChainPem }, noAppraisal, { now: RIM_TIME }))).field).toBe(field);
  });

  it.each([
    ['an empty chain', '', 'certChainPem'],
    ['text that is not PEM', 'hello', 'certChainPem'],
    ['an oversized chain', 'x'.repeat(70_000), 'certChainPem'],
    ['a truncated chain', v.certChainPem.slice(0, 2000), 'certChainPem'],
    ['a certificate cut short', v.certChainPem.replace(/(-----BEGIN CERTIFICATE-----\n)[A-Za-z0-9+/\n]{200}/, '$1'), 'certChainPem[0]'],
  ])('%s is a ParseError naming %s', async (_, pem, field) => {
    expect((await parseErrorOf(verifyGpu({ report: v.report, certChainPem: pem }, noAppraisal, { now: RIM_TIME }))).field).toBe(field);
  });

  it('a stopped signal is a ConfidantError E_ABORTED', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(verifyGpu({ report: v.report, certChainPem: v.certChainPem }, noAppraisal, { now: RIM_TIME, signal: ac.signal })).rejects.toMatchObject({ code: 'E_ABORTED' });
  });

  it('copies the input before the first await', async () => {
    const report = v.report.slice();
    const p = verifyGpu({ report, certChainPem: v.certChainPem }, noAppraisal, { now: RIM_TIME, expectedNonce: hex(v.nonce) });
    report.fill(0);
    expect(failed((await p).checks)).toEqual([]);
  });

  it('throws nothing but ConfidantError for odd argument shapes', async () => {
    for (const input of [null, {}, { report: 'x', certChainPem: 1 }, { report: v.report, certChainPem: v.certChainPem, rims: 'x' }]) {
      try {
        const r = await verifyGpu(input as never, noAppraisal, { now: RIM_TIME });
        expect(failed(r.checks).length).toBeGreaterThan(0);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfidantError);
      }
    }
  });
});

describe('development roots come from the policy, never from the evidence', () => {
  it('a simulated GPU verifies under a policy that pins its root, and fails the default policy', async () => {
    const real = byName('nvtrust-sample');
    const nonce = new Uint8Array(32).fill(9);
    const fake = await makeFakeGpuChain({ fwid: Buffer.from(parseSpdmEvidence(real.report).response.opaque.fwid!, 'hex') });
    const report = await resign(real.report, fake.leafKeys.privateKey, { nonce });
    const dev: GpuPolicy = { ...noAppraisal, deviceRootsPem: [fake.rootPem] };
    expect(failed((await verifyGpu({ report, certChainPem: fake.pem }, dev, { now: FAKE_NOW, expectedNonce: nonce })).checks)).toEqual([]);
    expect(failed((await verifyGpu({ report, certChainPem: fake.pem }, noAppraisal, { now: FAKE_NOW, expectedNonce: nonce })).checks)).toEqual(['gpu.chain.root']);
  });

  it('a malformed policy root is a ParseError naming the policy field', async () => {
    const v = byName('nvtrust-sample');
    expect((await parseErrorOf(verifyGpu({ report: v.report, certChainPem: v.certChainPem }, { ...noAppraisal, deviceRootsPem: ['nope'] }, { now: RIM_TIME }))).field).toBe('policy.deviceRootsPem[0]');
  });
});
