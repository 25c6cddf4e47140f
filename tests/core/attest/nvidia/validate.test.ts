import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../../src/core/errors.ts';
import type { Check } from '../../../../src/core/attest/types.ts';
import {
  type Rim,
  type RimMeasurement,
  checkAppraisal,
  checkMeasurements,
  checkNonce,
  checkRimVersion,
  checkVersion,
  compareVersions,
  defaultGpuPolicy,
  parseGpuPolicy,
  parseRim,
  parseSpdmEvidence,
} from '../../../../src/core/attest/nvidia/index.ts';
import { h100Vectors, hex, rimText } from './h100.ts';

const vectors = h100Vectors();
const ev535 = parseSpdmEvidence(vectors.find((v) => v.name === 'sdk-535-sample')!.report);
const evNv = parseSpdmEvidence(vectors.find((v) => v.name === 'nvtrust-sample')!.report);
const failed = (checks: Check[]) => checks.filter((c) => !c.passed).map((c) => c.id);
const blockHex = (ev: typeof ev535, spdmIndex: number) => Buffer.from(ev.response.blocks.find((b) => b.index === spdmIndex)!.value).toString('hex');

/** A RIM object with chosen measurements (signature parts are irrelevant to validate.ts). */
function fakeRim(kind: 'driver' | 'vbios', version: string, ms: Partial<RimMeasurement>[]): Rim {
  return {
    kind,
    tagId: 't',
    name: 'GH100',
    colloquialVersion: version,
    product: 'GH100',
    measurements: ms.map((m, i) => ({ index: i, active: true, alternatives: m.hashes?.length ?? 1, hashes: ['00'.repeat(48)], name: null, size: 48, ...m })),
    signature: { signedInfo: new Uint8Array(), referenced: new Uint8Array(), digestValue: new Uint8Array(), signatureValue: new Uint8Array(), certs: [] },
  };
}

describe('gpu.nonce', () => {
  it('passes on the nonce each vector carries (FACTS.md §7)', () => {
    for (const v of vectors) expect(checkNonce(parseSpdmEvidence(v.report), hex(v.nonce)).passed).toBe(true);
  });
  it('names GET_MEASUREMENTS.Nonce with got and want on a wrong nonce', () => {
    const want = 'ff'.repeat(32);
    const c = checkNonce(evNv, hex(want));
    expect(c).toMatchObject({ passed: false, field: 'GET_MEASUREMENTS.Nonce', got: vectors[0]!.nonce, want });
    expect(c.detail).toBe(`GET_MEASUREMENTS.Nonce: got ${vectors[0]!.nonce}, want ${want}`);
  });
  it('fails without an expected nonce', () => expect(checkNonce(evNv, undefined).passed).toBe(false));
  it('fails on a nonce of another length', () => expect(checkNonce(evNv, hex(vectors[0]!.nonce).subarray(0, 31)).passed).toBe(false));
});

describe('versions', () => {
  it.each([
    ['550.90.07', '550.90.7', 'driver', 0],
    ['550.90.07', '550.144.03', 'driver', -1],
    ['590.12', '580.95.05', 'driver', 1],
    ['96.00.9F.00.01', '96.00.5E.00.01', 'vbios', 1],
    ['96.00.5e.00.01', '96.00.5E.00.01', 'vbios', 0],
    ['96.00.74.00.1A', '96.00.74.00.1B', 'vbios', -1],
    ['550.90.07', '96.00.9F.00.01', 'driver', null],
  ] as const)('compareVersions(%s, %s, %s) = %s', (a, b, kind, want) => expect(compareVersions(a, b, kind)).toBe(want));

  it.each([
    ['any version', 'driver', '535.86.09', {}, true],
    ['at least 550', 'driver', '535.86.09', { min: '550.0' }, false],
    ['at least 535.86.09', 'driver', '535.86.09', { min: '535.86.09' }, true],
    ['a list', 'driver', '580.95.05', { allowed: ['550.90.07', '580.95.05'] }, true],
    ['not in the list', 'driver', '590.12', { allowed: ['550.90.07'] }, false],
    ['VBIOS minimum', 'vbios', '96.00.5E.00.01', { min: '96.00.74.00.00' }, false],
    ['VBIOS list, case-insensitive', 'vbios', '96.00.9F.00.01', { allowed: ['96.00.9f.00.01'] }, true],
  ] as const)('%s', (_, kind, got, rule, pass) => {
    const c = checkVersion(kind, got, rule);
    expect(c.passed).toBe(pass);
    expect(c.id).toBe(`gpu.${kind}.version`);
    if (!pass) expect(c.detail).toMatch(/version: got .*, want /);
  });

  it('a RIM for another driver fails gpu.rim.driver.version', () => {
    const rim = parseRim(rimText.driver550_144_03());
    const c = checkRimVersion('driver', { rim, trusted: true }, '550.90.07');
    expect(c).toMatchObject({ passed: false, got: '550.144.03', want: '550.90.07' });
  });
});

describe('measurements against RIMs', () => {
  it('the sdk-535 VBIOS RIM matches all 12 of its active indexes', () => {
    const rim = parseRim(rimText.vbios535());
    const checks = checkMeasurements(ev535, undefined, { rim, trusted: true });
    expect(checks.map((c) => c.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13].map((b) => `gpu.measurement.block${b}`));
    expect(failed(checks)).toEqual([]);
  });

  it('an untrusted RIM never makes a measurement pass', () => {
    const checks = checkMeasurements(ev535, undefined, { rim: parseRim(rimText.vbios535()), trusted: false });
    expect(failed(checks)).toHaveLength(12);
    expect(checks[0]!.detail).toMatch(/that RIM is not trusted/);
  });

  it('a mismatch names the block, the RIM index, got and want', () => {
    const rim = fakeRim('vbios', ev535.response.opaque.vbiosVersion!, [{ index: 6, hashes: ['11'.repeat(48), '22'.repeat(48)] }]);
    const [c] = checkMeasurements(ev535, undefined, { rim, trusted: true });
    expect(c).toMatchObject({ id: 'gpu.measurement.block7', passed: false, got: blockHex(ev535, 7), want: `${'11'.repeat(48)} or ${'22'.repeat(48)}` });
    expect(c!.detail).toBe(`block 7 (vbios RIM index 6): got ${blockHex(ev535, 7)}, want ${'11'.repeat(48)} or ${'22'.repeat(48)}`);
  });

  it('any alternative may match; inactive entries are not compared', () => {
    const rim = fakeRim('driver', '535.86.09', [
      { index: 21, hashes: ['11'.repeat(48), blockHex(ev535, 22)] },
      { index: 22, active: false, hashes: ['33'.repeat(48)] },
    ]);
    const checks = checkMeasurements(ev535, { rim, trusted: true }, undefined);
    expect(checks.map((c) => [c.id, c.passed])).toEqual([['gpu.measurement.block22', true]]);
  });

  it('RIM index 35 is skipped while NVDEC0 is disabled', () => {
    const rim = fakeRim('driver', '535.86.09', [{ index: 35, hashes: ['11'.repeat(48)] }]);
    const [c] = checkMeasurements(ev535, { rim, trusted: true }, undefined);
    expect(c).toMatchObject({ id: 'gpu.measurement.block36', passed: true });
    expect(c!.detail).toMatch(/^skipped: RIM index 35 .* NVDEC0 is disabled/);
  });

  it('RIM index 35 is compared when NVDEC0 is enabled', () => {
    const ev = parseSpdmEvidence(ev535.blob);
    ev.response.opaque.nvdec0Status = 0xaa;
    const [c] = checkMeasurements(ev, { rim: fakeRim('driver', '535.86.09', [{ index: 35, hashes: ['11'.repeat(48)] }]), trusted: true }, undefined);
    expect(c).toMatchObject({ id: 'gpu.measurement.block36', passed: false });
  });

  it('driver and VBIOS RIMs both active at one index fail gpu.rim.overlap and that block', () => {
    const h = blockHex(ev535, 8);
    const checks = checkMeasurements(ev535, { rim: fakeRim('driver', '535.86.09', [{ index: 7, hashes: [h] }]), trusted: true }, { rim: fakeRim('vbios', '96.00.5E.00.01', [{ index: 7, hashes: [h] }]), trusted: true });
    expect(failed(checks)).toEqual(['gpu.rim.overlap', 'gpu.measurement.block8']);
    expect(checks[0]).toMatchObject({ got: '7', want: 'none' });
  });

  it('a block the report lacks fails', () => {
    const [c] = checkMeasurements(ev535, { rim: fakeRim('driver', '535.86.09', [{ index: 100 }]), trusted: true }, undefined);
    expect(c).toMatchObject({ id: 'gpu.measurement.block101', passed: false, got: 'absent' });
  });
});

describe('appraisal policy', () => {
  const none: Check[] = [];
  const bad: Check[] = [{ id: 'gpu.nras.signature', passed: false, detail: 'x' }];
  it.each([
    ['rims, both present', 'rims', { driverRim: true, vbiosRim: true, nras: false }, none, []],
    ['rims, driver missing', 'rims', { driverRim: false, vbiosRim: true, nras: false }, none, ['gpu.rim.driver.present', 'gpu.measurements']],
    ['nras, present', 'nras', { driverRim: false, vbiosRim: false, nras: true }, none, []],
    ['nras, absent', 'nras', { driverRim: false, vbiosRim: false, nras: false }, none, ['gpu.nras.present', 'gpu.measurements']],
    ['nras, failing', 'nras', { driverRim: false, vbiosRim: false, nras: true }, bad, ['gpu.measurements']],
    ['rims-or-nras, NRAS only', 'rims-or-nras', { driverRim: false, vbiosRim: false, nras: true }, none, []],
    ['rims-or-nras, nothing', 'rims-or-nras', { driverRim: false, vbiosRim: false, nras: false }, none, ['gpu.rim.driver.present', 'gpu.rim.vbios.present', 'gpu.measurements']],
    ['none', 'none', { driverRim: false, vbiosRim: false, nras: false }, none, []],
  ] as const)('%s', (_, mode, have, earlier, want) => {
    const checks = checkAppraisal({ ...defaultGpuPolicy, measurements: mode }, have, earlier);
    expect(failed(checks)).toEqual(want);
    expect(checks.at(-1)!.id).toBe('gpu.measurements');
  });
});

describe('parseGpuPolicy', () => {
  it('absent fields take the defaults (NVIDIA production roots, RIMs required)', () => {
    const p = parseGpuPolicy({});
    expect(p.measurements).toBe('rims');
    expect(p.deviceRootsPem).toEqual(defaultGpuPolicy.deviceRootsPem);
    expect(p.nras.intermediateSha256).toEqual(['2df8907cf4d6c277b855d407ec178a649930a8e73f7294e8fce66e6ee27c5175']);
    expect(parseGpuPolicy(undefined)).toBe(defaultGpuPolicy);
  });
  it('reads every field', () => {
    const p = parseGpuPolicy({ measurements: 'nras', driver: { min: '550.0' }, vbios: { allowed: ['96.00.9F.00.01'] }, requireFwid: true, nras: { clockSkewSeconds: 5, issuer: 'x' } });
    expect(p).toMatchObject({ measurements: 'nras', driver: { min: '550.0' }, vbios: { allowed: ['96.00.9F.00.01'] }, requireFwid: true, nras: { clockSkewSeconds: 5, issuer: 'x' } });
  });
  it.each([
    [[], 'gpuPolicy'],
    [{ measurements: 'maybe' }, 'gpuPolicy.measurements'],
    [{ extra: 1 }, 'gpuPolicy.extra'],
    [{ driver: { min: '5x' } }, 'gpuPolicy.driver.min'],
    [{ vbios: { allowed: ['550.1'] } }, 'gpuPolicy.vbios.allowed'],
    [{ requireFwid: 'yes' }, 'gpuPolicy.requireFwid'],
    [{ deviceRootsPem: [] }, 'gpuPolicy.deviceRootsPem'],
    [{ nras: { intermediateSha256: ['abc'] } }, 'gpuPolicy.nras.intermediateSha256'],
    [{ nras: { clockSkewSeconds: -1 } }, 'gpuPolicy.nras.clockSkewSeconds'],
  ])('rejects %j naming %s', (json, field) => {
    try {
      parseGpuPolicy(json);
      throw new Error('no throw');
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).field).toBe(field);
    }
  });
});
