import { describe, expect, it } from 'vitest';
import { toHex } from '../../../../src/core/bytes.ts';
import {
  OFFSET,
  REPORT_SIZE,
  decodeTcb,
  encodeTcb,
  parseReport,
  parseReportHex,
  productFromCpuid,
  reportBytesFromFile,
  reportBytesFromHex,
  reportProduct,
  signatureP1363,
  tcbHex,
} from '../../../../src/core/attest/sevsnp/abi.ts';
import { readVectorText } from '../../../helpers/vectors.ts';
import { VECTORS, vector } from './fixtures.ts';
import { putLE } from './fake.ts';
import { parseError } from '../helpers.ts';

describe('parseReport: every vector, every FACTS.md value', () => {
  it.each(VECTORS)('$name', (v) => {
    const r = parseReport(v.report());
    expect(r.VERSION).toBe(v.version);
    expect(r.POLICY.raw).toBe(v.policy);
    expect(r.VMPL).toBe(v.vmpl);
    expect(r.SIGNATURE_ALGO).toBe(1);
    expect(r.REPORTED_TCB).toBe(v.reportedTcb);
    expect(tcbHex(r.REPORTED_TCB)).toBe('0x' + v.reportedTcb.toString(16).padStart(16, '0'));
    expect(decodeTcb(r.REPORTED_TCB, v.product)).toEqual(v.reportedTcbParts);
    expect([r.CURRENT_MAJOR, r.CURRENT_MINOR, r.CURRENT_BUILD]).toEqual([v.firmware.major, v.firmware.minor, v.firmware.build]);
    expect(toHex(r.MEASUREMENT)).toBe(v.measurement);
    if (v.reportData) expect(toHex(r.REPORT_DATA)).toBe(v.reportData);
    if (v.chipIdPrefix) expect(toHex(r.CHIP_ID.subarray(0, 16))).toBe(v.chipIdPrefix);
    else expect(r.CHIP_ID.every((b) => b === 0)).toBe(true);
    expect(r.SIGNER_INFO.SIGNING_KEY).toBe(v.signingKey);
    expect(r.CURRENT_TCB).toBe(v.currentTcb ?? r.CURRENT_TCB);
    if (v.cpuid) {
      expect([r.CPUID_FAM_ID, r.CPUID_MOD_ID, r.CPUID_STEP]).toEqual(v.cpuid);
      expect(reportProduct(r)).toBe(v.product);
    } else {
      expect(r.CPUID_FAM_ID).toBeUndefined();
      expect(reportProduct(r)).toBeUndefined();
    }
    // Versions before 5 have no mitigation vectors.
    expect(r.LAUNCH_MIT_VECTOR).toBeUndefined();
    expect(r.CURRENT_MIT_VECTOR).toBeUndefined();
    // Bit 17 of POLICY is always set in a valid report; SMT is allowed in all vectors.
    expect(r.POLICY.SMT).toBe(true);
  });

  it('decodes the POLICY bits (go-sev-guest: DEBUG set; trustee: ABI minor 31)', () => {
    const g = parseReport(vector('milan-go-sev-guest').report());
    expect(g.POLICY).toMatchObject({ DEBUG: true, MIGRATE_MA: false, SMT: true, ABI_MAJOR: 0, ABI_MINOR: 0, SINGLE_SOCKET: false });
    const t = parseReport(vector('milan-trustee').report());
    expect(t.POLICY).toMatchObject({ DEBUG: false, ABI_MINOR: 31, ABI_MAJOR: 0 });
  });

  it('reads the milan-trustee ID block (FAMILY_ID 01.., IMAGE_ID 02..) and its CURRENT_TCB differing from REPORTED_TCB', () => {
    const r = parseReport(vector('milan-trustee').report());
    expect(toHex(r.FAMILY_ID)).toBe('01' + '00'.repeat(15));
    expect(toHex(r.IMAGE_ID)).toBe('02' + '00'.repeat(15));
    expect(tcbHex(r.CURRENT_TCB)).toBe('0xce08000000000003');
    expect(decodeTcb(r.CURRENT_TCB, 'Milan').ucode).toBe(0xce);
    expect(decodeTcb(r.REPORTED_TCB, 'Milan').ucode).toBe(0x73);
    expect(r.REPORT_ID_MA.every((b) => b === 0xff)).toBe(true);
  });

  it('reads the VLEK signer info (0x4) and VMPL 1', () => {
    const r = parseReport(vector('milan-vlek-trustee').report());
    expect(r.SIGNER_INFO).toEqual({ raw: 4, AUTHOR_KEY_EN: false, MASK_CHIP_KEY: false, SIGNING_KEY: 'VLEK' });
    expect(r.VMPL).toBe(1);
  });

  it('copies its input: changing the caller buffer afterwards changes nothing', () => {
    const bytes = vector('milan-trustee').report();
    const r = parseReport(bytes);
    bytes.fill(0);
    expect(r.VERSION).toBe(2);
    expect(r.raw[0]).toBe(2);
  });

  it('builds the WebCrypto signature as reverse(R[0:48]) || reverse(S[0:48])', () => {
    const r = parseReport(vector('milan-virtee').report());
    const sig = signatureP1363(r);
    expect(sig.length).toBe(96);
    expect(sig[0]).toBe(r.SIGNATURE.R[47]);
    expect(sig[47]).toBe(r.SIGNATURE.R[0]);
    expect(sig[48]).toBe(r.SIGNATURE.S[47]);
    expect(sig[95]).toBe(r.SIGNATURE.S[0]);
  });
});

describe('hex-text form', () => {
  const text = readVectorText('snp/milan-virtee/report_milan.hex');

  it('parses the virtee hex file (upper case) like the binary', () => {
    const a = parseReportHex(text);
    const b = parseReport(reportBytesFromHex(text.toLowerCase()));
    expect(toHex(a.raw)).toBe(toHex(b.raw));
  });

  it('ignores whitespace and a 0x prefix', () => {
    const spaced = '0x' + text.replace(/(.{64})/g, '$1\n  ');
    expect(toHex(parseReportHex(spaced).raw)).toBe(text.toLowerCase());
  });

  it('reportBytesFromFile takes binary as is and decodes hex text', () => {
    const bin = vector('milan-trustee').report();
    expect(reportBytesFromFile(bin)).toBe(bin);
    expect(toHex(reportBytesFromFile(new TextEncoder().encode(text + '\n')))).toBe(text.toLowerCase());
  });

  it.each([
    ['a non-hex character', text.slice(0, 100) + 'zz' + text.slice(102), /non-hex character "z"/],
    ['an odd number of digits', text.slice(0, -1), /odd number of digits/],
    ['no digits', '  \n', /empty/],
  ])('rejects %s, naming the report', (_n, t, msg) => {
    const e = parseError(() => parseReportHex(t));
    expect(e.field).toBe('report');
    expect(e.message).toMatch(msg);
  });

  it('rejects a hex text of the wrong length as a truncated report', () => {
    const e = parseError(() => parseReportHex(text.slice(0, 200)));
    expect(e.field).toBe('report');
    expect(e.message).toMatch(/truncated: got 100 bytes/);
  });
});

describe('size: exactly 0x4A0 bytes', () => {
  const good = vector('milan-trustee').report();
  it.each([
    ['empty', new Uint8Array(0), /empty: got 0 bytes/],
    ['truncated by one byte', good.subarray(0, REPORT_SIZE - 1), /truncated: got 1183 bytes/],
    ['truncated to the signed region', good.subarray(0, 0x2a0), /truncated: got 672 bytes \(0x02a0\)/],
    ['oversized by one byte', new Uint8Array([...good, 0]), /oversized: got 1185 bytes/],
    ['twice the size', new Uint8Array([...good, ...good]), /oversized: got 2368 bytes/],
  ])('%s -> ParseError naming the report', (_n, bytes, msg) => {
    const e = parseError(() => parseReport(bytes));
    expect(e.code).toBe('E_PARSE');
    expect(e.field).toBe('report');
    expect(e.message).toMatch(msg);
    expect(e.message).toMatch(/want exactly 1184 \(0x04a0\)/);
  });

  it('rejects something that is not bytes', () => {
    expect(parseError(() => parseReport('abc' as unknown as Uint8Array)).field).toBe('report');
  });
});

describe('must-be-zero fields, reserved values and enumerations', () => {
  const v2 = vector('milan-trustee').report();
  const v3 = vector('milan-vlek-trustee').report();

  type Case = [name: string, base: Uint8Array, edit: (r: Uint8Array) => void, field: string, msg: RegExp];
  const cases: Case[] = [
    ['VERSION 4 (unknown)', v2, (r) => putLE(r, OFFSET.VERSION, 4, 4), 'report.VERSION', /offset 0x0000..0x0003: got 0x00000004, want one of 0x00000002, 0x00000003, 0x00000005/],
    ['VERSION 1', v2, (r) => putLE(r, OFFSET.VERSION, 4, 1), 'report.VERSION', /got 0x00000001/],
    ['POLICY bit 17 clear', v2, (r) => (r[OFFSET.POLICY + 2]! &= ~0x02), 'report.POLICY', /offset 0x0008..0x000f: bit 17 is reserved and must be 1: got 0x000000000001001f, want bit 0x0000000000020000 set/],
    ['POLICY bit 26 set', v2, (r) => (r[OFFSET.POLICY + 3]! |= 0x04), 'report.POLICY', /bits 26..63 must be zero: got 0x000000000403001f, want 0x000000000003001f/],
    ['POLICY bit 63 set', v2, (r) => (r[OFFSET.POLICY + 7]! |= 0x80), 'report.POLICY', /bits 26..63 must be zero: got 0x800000000003001f/],
    ['SIGNATURE_ALGO 0', v2, (r) => putLE(r, OFFSET.SIGNATURE_ALGO, 4, 0), 'report.SIGNATURE_ALGO', /offset 0x0034..0x0037: unknown algorithm: got 0x00000000, want 0x00000001/],
    ['SIGNATURE_ALGO 2', v2, (r) => putLE(r, OFFSET.SIGNATURE_ALGO, 4, 2), 'report.SIGNATURE_ALGO', /got 0x00000002/],
    ['signer info bit 5', v2, (r) => putLE(r, OFFSET.SIGNER_INFO, 4, 0x20), 'report.SIGNER_INFO', /offset 0x0048..0x004b: bits 5..31 must be zero: got 0x00000020, want 0x00000000/],
    ['signer info bit 31', v3, (r) => putLE(r, OFFSET.SIGNER_INFO, 4, 0x80000004), 'report.SIGNER_INFO', /got 0x80000004, want 0x00000004/],
    ['SIGNING_KEY 2 (reserved)', v2, (r) => putLE(r, OFFSET.SIGNER_INFO, 4, 2 << 2), 'report.SIGNER_INFO.SIGNING_KEY', /reserved value: got 0x02/],
    ['SIGNING_KEY 6 (reserved)', v2, (r) => putLE(r, OFFSET.SIGNER_INFO, 4, 6 << 2), 'report.SIGNER_INFO.SIGNING_KEY', /got 0x06/],
    ['reserved 0x04C', v2, (r) => (r[0x04e] = 1), 'report.RESERVED(0x04C)', /offset 0x004c..0x004f: must be zero: got 0x00000100, want 0x00000000/],
    ['CPUID bytes in a VERSION 2 report', v2, (r) => (r[0x188] = 0x19), 'report.RESERVED(0x188, CPUID before VERSION 3)', /offset 0x0188..0x018a: must be zero: got 0x190000/],
    ['reserved 0x18B (VERSION 3)', v3, (r) => (r[0x18b] = 0xff), 'report.RESERVED(0x18B)', /offset 0x018b..0x019f: must be zero: got 0xff0000/],
    ['reserved 0x19F', v2, (r) => (r[0x19f] = 1), 'report.RESERVED(0x18B)', /0x019f/],
    ['reserved 0x1EB', v2, (r) => (r[0x1eb] = 7), 'report.RESERVED(0x1EB)', /offset 0x01eb: must be zero: got 0x07, want 0x00/],
    ['reserved 0x1EF', v3, (r) => (r[0x1ef] = 7), 'report.RESERVED(0x1EF)', /offset 0x01ef: must be zero/],
    ['mitigation vector in a VERSION 3 report', v3, (r) => (r[0x200] = 1), 'report.RESERVED(0x1F8, MIT_VECTORs before VERSION 5)', /offset 0x01f8..0x0207/],
    ['reserved 0x208', v2, (r) => (r[0x208] = 1), 'report.RESERVED(0x208)', /offset 0x0208..0x029f: must be zero: got 0x01000000000000000000000000000000 \(from the first non-zero byte at 0x0208\)/],
    ['reserved 0x29F', v2, (r) => (r[0x29f] = 0x80), 'report.RESERVED(0x208)', /first non-zero byte at 0x029f/],
    ['SIGNATURE.R upper byte 0x2D0', v2, (r) => (r[0x2a0 + 48] = 1), 'report.SIGNATURE.R upper bytes', /offset 0x02d0..0x02e7: must be zero: got 0x01(00){23}, want 0x(00){24}$/],
    ['SIGNATURE.R top byte 0x2E7', v2, (r) => (r[0x2e7] = 1), 'report.SIGNATURE.R upper bytes', /0x02d0..0x02e7/],
    ['SIGNATURE.S upper byte 0x318', v2, (r) => (r[0x2e8 + 48] = 1), 'report.SIGNATURE.S upper bytes', /offset 0x0318..0x032f/],
    ['signature reserved 0x330', v2, (r) => (r[0x330] = 1), 'report.SIGNATURE reserved', /offset 0x0330..0x049f/],
    ['signature reserved 0x49F', v3, (r) => (r[0x49f] = 1), 'report.SIGNATURE reserved', /first non-zero byte at 0x049f/],
  ];

  it.each(cases)('%s', (_name, base, edit, field, msg) => {
    const r = base.slice();
    edit(r);
    const e = parseError(() => parseReport(r));
    expect(e.code).toBe('E_PARSE');
    expect(e.field).toBe(field);
    expect(e.message).toMatch(msg);
    expect(e.message).toMatch(/got 0x[0-9a-f]+/);
    expect(e.message).toMatch(/want/);
  });

  it('accepts SIGNING_KEY 7 (none) at parse time; verification rejects it', () => {
    const r = v2.slice();
    putLE(r, OFFSET.SIGNER_INFO, 4, 7 << 2);
    expect(parseReport(r).SIGNER_INFO.SIGNING_KEY).toBe('NONE');
  });

  it('reads the mitigation vectors of a VERSION 5 report', () => {
    const r = v3.slice();
    putLE(r, OFFSET.VERSION, 4, 5);
    putLE(r, OFFSET.LAUNCH_MIT_VECTOR, 8, 0x11n);
    putLE(r, OFFSET.CURRENT_MIT_VECTOR, 8, 0x8000000000000003n);
    const p = parseReport(r);
    expect(p.VERSION).toBe(5);
    expect(p.LAUNCH_MIT_VECTOR).toBe(0x11n);
    expect(p.CURRENT_MIT_VECTOR).toBe(0x8000000000000003n);
  });
});

describe('TCB_VERSION and product', () => {
  it.each([
    ['Milan', 0x7308000000000003n, { bl: 3, tee: 0, snp: 8, ucode: 115 }],
    ['Genoa', 0x541700000000000an, { bl: 10, tee: 0, snp: 23, ucode: 84 }],
    ['Milan', 0xd918000000000004n, { bl: 4, tee: 0, snp: 24, ucode: 217 }],
    ['Turin', 0x5200000004010101n, { fmc: 1, bl: 1, tee: 1, snp: 4, ucode: 0x52 }],
    ['Turin', 0x5200000003020100n, { fmc: 0, bl: 1, tee: 2, snp: 3, ucode: 0x52 }],
  ] as const)('%s %s', (product, raw, parts) => {
    expect(decodeTcb(raw, product)).toEqual(parts);
    expect(encodeTcb(parts, product)).toBe(raw);
  });

  it('the same bytes mean different things on Turin (fmc byte first)', () => {
    expect(decodeTcb(0x541700000000000an, 'Turin')).toEqual({ fmc: 10, bl: 0, tee: 0, snp: 0, ucode: 84 });
  });

  it.each([
    [0x19, 0x01, 'Milan'],
    [0x19, 0x00, 'Milan'],
    [0x19, 0x11, 'Genoa'],
    [0x19, 0xa0, 'Genoa'],
    [0x1a, 0x02, 'Turin'],
    [0x1a, 0x11, 'Turin'],
    [0x19, 0x21, undefined],
    [0x17, 0x01, undefined],
    [0x00, 0x00, undefined],
  ])('CPUID family %i model %i -> %s', (f, m, p) => {
    expect(productFromCpuid(f, m)).toBe(p);
  });
});
