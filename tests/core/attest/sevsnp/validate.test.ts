/** validate.ts: policy checks on genuine reports, each failure naming AMD's field with got/want. */
import { describe, expect, it } from 'vitest';
import { defaultSnpPolicy, parseReport, validateReport } from '../../../../src/core/attest/sevsnp/index.ts';
import type { SnpPolicy } from '../../../../src/core/attest/sevsnp/index.ts';
import { fromHex } from '../../../../src/core/bytes.ts';
import { vector } from './fixtures.ts';
import { check, failedIds } from '../helpers.ts';

const trustee = parseReport(vector('milan-trustee').report()); // ABI 0.31, CURRENT_TCB ucode 0xCE, REPORTED 0x73, GUEST_SVN 4, fw 1.52 b4
const gsg = parseReport(vector('milan-go-sev-guest').report()); // DEBUG
const vlek = parseReport(vector('milan-vlek-trustee').report()); // VMPL 1, VLEK
const azure = parseReport(vector('genoa-azure-trustee').report());
const milan = { product: 'Milan', signingKey: 'VCEK' } as const;

function run(r = trustee, p: Partial<SnpPolicy> = {}, ctx: { product: 'Milan' | 'Genoa' | 'Turin'; signingKey: 'VCEK' | 'VLEK' } = milan) {
  return validateReport(r, ctx, { ...defaultSnpPolicy, ...p });
}

const hex = (s: string) => fromHex(s, 'test');

describe('the default policy', () => {
  it('passes a plain guest, and says that any MEASUREMENT and any TCB are accepted', () => {
    const checks = run();
    expect(failedIds(checks)).toEqual([]);
    expect(check(checks, 'snp.policy.MEASUREMENT').detail).toMatch(/no trusted MEASUREMENT list is configured: any launch measurement is accepted/);
    expect(check(checks, 'snp.policy.REPORTED_TCB').detail).toMatch(/no minimum TCB is configured/);
    expect(checks.map((c) => c.id)).toEqual([
      'snp.policy.MEASUREMENT',
      'snp.policy.REPORTED_TCB',
      'snp.policy.DEBUG',
      'snp.policy.MIGRATE_MA',
      'snp.policy.SMT',
      'snp.policy.SIGNING_KEY',
    ]);
  });

  it('rejects DEBUG (go-sev-guest vector)', () => {
    const checks = run(gsg);
    expect(failedIds(checks)).toEqual(['snp.policy.DEBUG']);
    expect(check(checks, 'snp.policy.DEBUG')).toMatchObject({ field: 'POLICY.DEBUG', got: '1', want: '0' });
  });

  it('allows DEBUG only when the policy says so', () => {
    expect(failedIds(run(gsg, { allowDebug: true }))).toEqual([]);
  });
});

describe('each policy item, passing and failing', () => {
  type Case = [name: string, r: typeof trustee, policy: Partial<SnpPolicy>, id: string, passed: boolean, got?: string, want?: string];
  const m = vector('milan-trustee').measurement;
  const cases: Case[] = [
    ['MEASUREMENT on the list', trustee, { measurements: [hex('00'.repeat(48)), hex(m)] }, 'snp.policy.MEASUREMENT', true, m],
    ['MEASUREMENT not on the list', trustee, { measurements: [hex('11'.repeat(48))] }, 'snp.policy.MEASUREMENT', false, m, '11'.repeat(48)],
    ['REPORTED_TCB.MICROCODE at the minimum', trustee, { minTcb: { REPORTED_TCB: { ucode: 115 } } }, 'snp.policy.REPORTED_TCB.MICROCODE', true, '115'],
    ['REPORTED_TCB.MICROCODE below', trustee, { minTcb: { REPORTED_TCB: { ucode: 116 } } }, 'snp.policy.REPORTED_TCB.MICROCODE', false, '115', '>= 116'],
    ['REPORTED_TCB.BOOT_LOADER below', trustee, { minTcb: { REPORTED_TCB: { bl: 4 } } }, 'snp.policy.REPORTED_TCB.BOOT_LOADER', false, '3', '>= 4'],
    ['REPORTED_TCB.TEE below', trustee, { minTcb: { REPORTED_TCB: { tee: 1 } } }, 'snp.policy.REPORTED_TCB.TEE', false, '0', '>= 1'],
    ['REPORTED_TCB.SNP below', trustee, { minTcb: { REPORTED_TCB: { snp: 9 } } }, 'snp.policy.REPORTED_TCB.SNP', false, '8', '>= 9'],
    ['CURRENT_TCB.MICROCODE (0xCE) passes where REPORTED would not', trustee, { minTcb: { CURRENT_TCB: { ucode: 0xce } } }, 'snp.policy.CURRENT_TCB.MICROCODE', true, '206'],
    ['COMMITTED_TCB.SNP below', trustee, { minTcb: { COMMITTED_TCB: { snp: 99 } } }, 'snp.policy.COMMITTED_TCB.SNP', false, '8', '>= 99'],
    ['Genoa REPORTED_TCB.BOOT_LOADER 10', azure, { minTcb: { REPORTED_TCB: { bl: 10 } } }, 'snp.policy.REPORTED_TCB.BOOT_LOADER', true, '10'],
    ['MIGRATE_MA forbidden', trustee, {}, 'snp.policy.MIGRATE_MA', true, '0'],
    ['SMT allowed', trustee, { allowSmt: true }, 'snp.policy.SMT', true, '1'],
    ['SMT not allowed', trustee, { allowSmt: false }, 'snp.policy.SMT', false, '1', '0'],
    ['ABI at the minimum 0.31', trustee, { minAbi: { major: 0, minor: 31 } }, 'snp.policy.ABI', true, '0.31'],
    ['ABI below 1.0', trustee, { minAbi: { major: 1, minor: 0 } }, 'snp.policy.ABI', false, '0.31', '>= 1.0'],
    ['VMPL 1 in the allowed set', vlek, { vmpls: [0, 1] }, 'snp.policy.VMPL', true, '1'],
    ['VMPL 1 not in {0}', vlek, { vmpls: [0] }, 'snp.policy.VMPL', false, '1', 'one of 0'],
    ['VMPL 1 above max 0', vlek, { maxVmpl: 0 }, 'snp.policy.VMPL', false, '1', '<= 0'],
    ['REPORT_DATA exact', trustee, { reportData: hex(vector('milan-trustee').reportData!) }, 'snp.policy.REPORT_DATA', true],
    ['REPORT_DATA other', trustee, { reportData: new Uint8Array(64) }, 'snp.policy.REPORT_DATA', false, vector('milan-trustee').reportData, '00'.repeat(64)],
    ['CHIP_ID not allowed', trustee, { chipIds: [new Uint8Array(64)] }, 'snp.policy.CHIP_ID', false],
    ['CHIP_ID allowed', trustee, { chipIds: [trustee.CHIP_ID] }, 'snp.policy.CHIP_ID', true],
    ['HOST_DATA exact (zero)', trustee, { hostData: new Uint8Array(32) }, 'snp.policy.HOST_DATA', true],
    ['HOST_DATA other', trustee, { hostData: new Uint8Array(32).fill(1) }, 'snp.policy.HOST_DATA', false, '00'.repeat(32), '01'.repeat(32)],
    ['ID_KEY_DIGEST allowed', trustee, { idKeyDigests: [trustee.ID_KEY_DIGEST] }, 'snp.policy.ID_KEY_DIGEST', true],
    ['ID_KEY_DIGEST not allowed', trustee, { idKeyDigests: [new Uint8Array(48)] }, 'snp.policy.ID_KEY_DIGEST', false],
    ['AUTHOR_KEY_DIGEST allowed (zero)', trustee, { authorKeyDigests: [new Uint8Array(48)] }, 'snp.policy.AUTHOR_KEY_DIGEST', true],
    ['AUTHOR_KEY_DIGEST not allowed', trustee, { authorKeyDigests: [new Uint8Array(48).fill(9)] }, 'snp.policy.AUTHOR_KEY_DIGEST', false, '00'.repeat(48), '09'.repeat(48)],
    ['firmware 1.52 build 4 meets 1.52', trustee, { minFirmware: { major: 1, minor: 52 } }, 'snp.policy.FIRMWARE', true, '1.52 build 4'],
    ['firmware 1.52 build 4 below 1.52 build 5', trustee, { minFirmware: { major: 1, minor: 52, build: 5 } }, 'snp.policy.FIRMWARE', false, '1.52 build 4', '>= 1.52 build 5'],
    ['firmware 1.52 below 1.55', trustee, { minFirmware: { major: 1, minor: 55 } }, 'snp.policy.FIRMWARE', false, '1.52 build 4', '>= 1.55'],
    ['firmware 1.52 above 0.99 build 200', trustee, { minFirmware: { major: 0, minor: 99, build: 200 } }, 'snp.policy.FIRMWARE', true],
    ['GUEST_SVN 4 meets 4', trustee, { minGuestSvn: 4 }, 'snp.policy.GUEST_SVN', true, '4'],
    ['GUEST_SVN 4 below 5', trustee, { minGuestSvn: 5 }, 'snp.policy.GUEST_SVN', false, '4', '>= 5'],
    ['product Milan allowed', trustee, { products: ['Milan', 'Genoa'] }, 'snp.policy.PRODUCT', true, 'Milan'],
    ['product Milan not allowed', trustee, { products: ['Genoa'] }, 'snp.policy.PRODUCT', false, 'Milan', 'Genoa'],
  ];

  it.each(cases)('%s', (_n, r, p, id, passed, got, want) => {
    const checks = run(r, p);
    const c = check(checks, id);
    expect(c.passed).toBe(passed);
    expect(c.field).toBeTruthy();
    expect(c.detail).toContain(c.field!.split('/')[0]!.split('.')[0]!);
    if (got !== undefined) expect(c.got).toBe(got);
    if (want !== undefined) expect(c.want).toBe(want);
    if (!passed) {
      expect(c.got).toBeDefined();
      expect(c.want).toBeDefined();
    }
    // Only the check under test may fail.
    expect(failedIds(checks)).toEqual(passed ? [] : [id]);
  });

  it('MIGRATE_MA set is rejected unless allowed', () => {
    const bytes = vector('milan-trustee').report();
    bytes[0x0a]! |= 0x04; // POLICY bit 18
    const r = parseReport(bytes);
    expect(check(run(r), 'snp.policy.MIGRATE_MA')).toMatchObject({ passed: false, got: '1', want: '0' });
    expect(check(run(r, { allowMigrateMA: true }), 'snp.policy.MIGRATE_MA').passed).toBe(true);
  });

  it('signing key VLEK not allowed', () => {
    const checks = run(vlek, { signingKeys: ['VCEK'] }, { product: 'Milan', signingKey: 'VLEK' });
    expect(check(checks, 'snp.policy.SIGNING_KEY')).toMatchObject({ passed: false, got: 'VLEK', want: 'VCEK' });
  });
});

it('runs every check and reports every failure together', () => {
  const checks = run(gsg, {
    measurements: [new Uint8Array(48)],
    minTcb: { REPORTED_TCB: { bl: 9, ucode: 200 } },
    allowSmt: false,
    minAbi: { major: 1, minor: 0 },
    vmpls: [1],
    reportData: new Uint8Array(64),
    hostData: new Uint8Array(32).fill(1),
    minFirmware: { major: 2, minor: 0 },
    minGuestSvn: 99,
    products: ['Turin'],
    signingKeys: ['VLEK'],
  });
  expect(failedIds(checks)).toEqual([
    'snp.policy.MEASUREMENT',
    'snp.policy.REPORTED_TCB.BOOT_LOADER',
    'snp.policy.REPORTED_TCB.MICROCODE',
    'snp.policy.DEBUG',
    'snp.policy.SMT',
    'snp.policy.ABI',
    'snp.policy.VMPL',
    'snp.policy.REPORT_DATA',
    'snp.policy.HOST_DATA',
    'snp.policy.FIRMWARE',
    'snp.policy.GUEST_SVN',
    'snp.policy.PRODUCT',
    'snp.policy.SIGNING_KEY',
  ]);
  for (const c of checks.filter((x) => !x.passed)) {
    expect(c.got, c.id).toBeDefined();
    expect(c.want, c.id).toBeDefined();
  }
});
