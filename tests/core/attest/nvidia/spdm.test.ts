import { describe, expect, it } from 'vitest';
import { ConfidantError } from '../../../../src/core/errors.ts';
import {
  MAX_REPORT_BYTES,
  MAX_TRAILING_ZERO_BYTES,
  formatVbiosVersion,
  parseOpaqueData,
  parseReportHex,
  parseSpdmEvidence,
} from '../../../../src/core/attest/nvidia/index.ts';
import { parseError } from '../helpers.ts';
import { h100Vectors, hex } from './h100.ts';

const vectors = h100Vectors();
const nvtrust = vectors.find((v) => v.name === 'nvtrust-sample')!.report;

function set(b: Uint8Array, at: number, ...bytes: number[]): Uint8Array {
  const c = b.slice();
  c.set(bytes, at);
  return c;
}

describe('parseSpdmEvidence: the four H100 vectors (FACTS.md §7)', () => {
  it.each(vectors)('$name', (v) => {
    const ev = parseSpdmEvidence(v.report);
    const o = ev.response.opaque;
    expect(v.report.length).toBe(v.length);
    expect(Buffer.from(ev.request.nonce).toString('hex')).toBe(v.nonce);
    expect(ev.request).toMatchObject({ version: 0x11, param1: 0x01, param2: 0xff, slotId: 0 });
    expect(ev.response).toMatchObject({ version: 0x11, numberOfBlocks: 64, measurementRecordLength: 3520, slotId: 0 });
    expect(ev.response.blocks).toHaveLength(64);
    expect(ev.response.blocks.map((b) => b.index)).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
    for (const b of ev.response.blocks) expect(b.value).toHaveLength(48);
    expect(o.driverVersion).toBe(v.driver);
    expect(o.vbiosVersion).toBe(v.vbios);
    expect([o.project, o.projectSku, o.chipSku]).toEqual([v.project, v.projectSku, v.chipSku]);
    if (v.fwid === 'absent') expect(o.fwid).toBeNull();
    else {
      expect(o.fwid).toMatch(/^[0-9a-f]{96}$/);
      if (v.fwidEnds) {
        expect(o.fwid!.startsWith(v.fwidEnds[0])).toBe(true);
        expect(o.fwid!.endsWith(v.fwidEnds[1])).toBe(true);
      }
    }
    expect(o.featureFlag).toBe(v.featureFlag);
    expect(o.protectedPcieStatus === null ? null : o.protectedPcieStatus === 0xaa).toBe(v.ppcie);
    expect(o.switchPdis?.length ?? 0).toBe(v.switchPdis);
    expect(o.nvdec0Status).toBe(0x55);
    expect(o.measurementCounts).toHaveLength(64);
    expect(ev.trailingZeroBytes).toBe(v.trailing);
    expect(ev.signatureOffset).toBe(v.length - v.trailing - 96);
    expect(ev.signedBytes).toEqual(v.report.subarray(0, ev.signatureOffset));
    expect(ev.response.signature).toEqual(v.report.subarray(ev.signatureOffset, ev.signatureOffset + 96));
    expect(ev.notes).toHaveLength(v.trailing ? 1 : 0);
  });

  it('finds every field of the nvtrust sample at the offsets FACTS.md §1 lists', () => {
    const ev = parseSpdmEvidence(nvtrust);
    expect(ev.request.nonce).toEqual(nvtrust.subarray(4, 36));
    expect(ev.response.blocks[0]!.offset).toBe(45);
    expect(ev.response.blocks[63]!.offset).toBe(45 + 63 * 55);
    expect(ev.response.responderNonce).toEqual(nvtrust.subarray(3565, 3597));
    expect(ev.response.opaqueLength).toBe(422);
    expect(ev.response.opaqueData).toEqual(nvtrust.subarray(3599, 4021));
    expect(ev.response.opaque.entries[0]).toMatchObject({ type: 6, name: 'VBIOS_VERSION', offset: 3599 });
    expect(ev.signatureOffset).toBe(4021);
  });

  it('decodes the trustee-coco opaque version 1 and feature flag 0 (SPT), and the PPCIe sample as mode PPCIE', () => {
    const coco = parseSpdmEvidence(vectors.find((v) => v.name === 'trustee-coco')!.report).response.opaque;
    expect([coco.opaqueDataVersion, coco.featureFlag, coco.featureMode]).toEqual([1, 0, 'SPT']);
    const pp = parseSpdmEvidence(vectors.find((v) => v.name === 'evidence-json')!.report).response.opaque;
    expect([pp.opaqueDataVersion, pp.featureFlag, pp.featureMode, pp.protectedPcieStatus]).toEqual([1, 2, 'PPCIE', 0xaa]);
    expect(pp.switchPdis![0]).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps undecoded TLV types raw by type number', () => {
    const o = parseSpdmEvidence(nvtrust).response.opaque;
    expect(Object.keys(o.raw).map(Number).sort((a, b) => a - b)).toEqual([4, 13, 14]);
    expect(o.raw[14]).toEqual(hex('b1030000'));
  });

  it('copies its input: changing the caller’s bytes afterwards changes nothing', () => {
    const b = nvtrust.slice();
    const ev = parseSpdmEvidence(b);
    b.fill(0);
    expect(Buffer.from(ev.request.nonce).toString('hex')).toBe(vectors[0]!.nonce);
    expect(ev.signedBytes[0]).toBe(0x11);
  });
});

describe('trailing bytes after the signature', () => {
  it.each([1, 2, MAX_TRAILING_ZERO_BYTES])('accepts %i zero byte(s) and says so in a note', (n) => {
    const ev = parseSpdmEvidence(new Uint8Array([...nvtrust, ...new Uint8Array(n)]));
    expect(ev.trailingZeroBytes).toBe(n);
    expect(ev.signatureOffset).toBe(4021);
    expect(ev.notes[0]).toContain('after the signature ignored');
  });

  it.each([
    ['one non-zero byte', [0x01]],
    ['a zero then a non-zero byte', [0x00, 0x7f]],
    ['more zero bytes than allowed', new Array(MAX_TRAILING_ZERO_BYTES + 1).fill(0)],
    ['a second report', [...nvtrust]],
  ])('rejects %s', (_, tail) => {
    const e = parseError(() => parseSpdmEvidence(new Uint8Array([...nvtrust, ...(tail as number[])])));
    expect(e.field).toBe('report.trailing');
    expect(e.message).toMatch(/offset 4117: got \d+ bytes after the signature/);
  });
});

describe('malformed reports: ParseError naming field, offset, got and want', () => {
  const cases: [string, Uint8Array, string, RegExp?][] = [
    ['empty input', new Uint8Array(0), 'report', /got 0 bytes/],
    ['oversized input', new Uint8Array(MAX_REPORT_BYTES + 1), 'report', /got 65537 bytes, want at most 65536/],
    ['SPDM version 1.2', set(nvtrust, 0, 0x12), 'report.request.SPDMVersion', /offset 0: got 0x12, want 0x11/],
    ['not GET_MEASUREMENTS', set(nvtrust, 1, 0x81), 'report.request.RequestResponseCode', /got 0x81, want 0xe0/],
    ['no signature requested', set(nvtrust, 2, 0x00), 'report.request.Param1', /offset 2: got 0x00, want 0x01/],
    ['one block requested', set(nvtrust, 3, 0x01), 'report.request.Param2', /want 0xff/],
    ['slot 8', set(nvtrust, 36, 0x08), 'report.request.SlotIDParam', /offset 36: got 8/],
    ['response version differs', set(nvtrust, 37, 0x10), 'report.response.SPDMVersion', /offset 37: got 0x10, want 0x11/],
    ['not MEASUREMENTS', set(nvtrust, 38, 0x7f), 'report.response.RequestResponseCode', /offset 38: got 0x7f, want 0x60/],
    ['response from another slot', set(nvtrust, 40, 0x01), 'report.response.Param2', /got slot 1, want 0/],
    ['block count 63', set(nvtrust, 41, 63), 'report.response.NumberOfBlocks', /got 63, but the record holds 64 blocks/],
    ['record length beyond the blob', set(nvtrust, 42, 0xff, 0xff, 0xff), 'report.response.MeasurementRecordLength', /offset 42: got 16777215, want at most/],
    ['record length one byte longer', set(nvtrust, 42, 0xc1, 0x0d, 0x00), 'report.response.MeasurementRecord.block[64]', /want a 4-byte block header/],
    ['block index 0', set(nvtrust, 45, 0), 'report.response.MeasurementRecord.block[0].Index', /offset 45: got 0, want 1\.\.254/],
    ['block index repeated', set(nvtrust, 100, 1), 'report.response.MeasurementRecord.block[1].Index', /index 1 appears twice/],
    ['non-DMTF block', set(nvtrust, 46, 0x02), 'report.response.MeasurementRecord.block[0].MeasurementSpecification', /got 0x02, want 0x01/],
    ['block size disagrees with value size', set(nvtrust, 50, 47, 0), 'report.response.MeasurementRecord.block[0].DMTFSpecMeasurementValueSize', /got 47, want 48/],
    ['block size past the record', set(nvtrust, 47 + 63 * 55, 0xff, 0x00), 'report.response.MeasurementRecord.block[63].MeasurementSize', /got 255, want at most 51/],
    ['opaque length above 1024', set(nvtrust, 3597, 0x01, 0x04), 'report.response.OpaqueLength', /got 1025, want at most 1024/],
    ['opaque length one too long', set(nvtrust, 3597, 423 & 0xff, 423 >> 8), 'report.response.OpaqueLength', /offset 3597: got 423, want at most 422/],
    ['opaque length one too short', set(nvtrust, 3597, 421 & 0xff, 421 >> 8), 'report.response.OpaqueData.PROTECTED_PCIE_STATUS', /got length 1, want at most 0/],
    ['VBIOS TLV claims 511 bytes', set(nvtrust, 3601, 0xff, 0x01), 'report.response.OpaqueData.VBIOS_VERSION', /offset 3601: got length 511, want at most 418/],
  ];
  it.each(cases)('%s', (_, blob, field, msg) => {
    const e = parseError(() => parseSpdmEvidence(blob));
    expect(e.field).toBe(field);
    expect(e.code).toBe('E_PARSE');
    if (msg) expect(e.message).toMatch(msg);
  });

  it('every truncation of every vector is a ParseError naming the report', () => {
    for (const v of vectors) {
      const end = v.length - v.trailing;
      for (let n = 0; n < end; n += n < 60 ? 1 : 37) {
        const e = parseError(() => parseSpdmEvidence(v.report.subarray(0, n)));
        expect(e.field.startsWith('report')).toBe(true);
      }
      for (const n of [end - 96, end - 1]) expect(parseError(() => parseSpdmEvidence(v.report.subarray(0, n))).field).toMatch(/^report\.response\.(Signature|OpaqueLength)/);
    }
  });

  it('names the input a caller chooses', () => {
    expect(parseError(() => parseSpdmEvidence(new Uint8Array([0x11]), 'gpus[2].report')).field).toBe('gpus[2].report.request.RequestResponseCode');
  });

  it('rejects what is not bytes', () => {
    expect(parseError(() => parseSpdmEvidence('11e0' as unknown as Uint8Array)).field).toBe('report');
  });
});

describe('opaque data TLVs', () => {
  const tlv = (type: number, value: number[]): number[] => [type & 0xff, type >> 8, value.length & 0xff, value.length >> 8, ...value];
  const ok = (bytes: number[]) => parseOpaqueData('opaque', new Uint8Array(bytes), 1000);

  it('decodes each named field', () => {
    const o = ok([
      ...tlv(3, [...Buffer.from('550.90.07'), 0]),
      ...tlv(6, [0x00, 0x9f, 0x00, 0x96, 0x01, 0x00, 0x00, 0x00]),
      ...tlv(11, [0xaa]),
      ...tlv(12, [1, 0, 0, 0, 4, 0, 0, 0]),
      ...tlv(15, [...Buffer.from('882'), 0, 0]),
      ...tlv(17, [...Buffer.from('1010'), 0]),
      ...tlv(18, [...Buffer.from('0200'), 0]),
      ...tlv(20, new Array(48).fill(0xab)),
      ...tlv(21, [0xaa]),
      ...tlv(22, new Array(16).fill(1)),
      ...tlv(34, [1, 0]),
      ...tlv(36, [1, 0, 0, 0]),
      ...tlv(99, [7, 7]),
    ]);
    expect(o).toMatchObject({
      driverVersion: '550.90.07',
      vbiosVersion: '96.00.9F.00.01',
      nvdec0Status: 0xaa,
      measurementCounts: [1, 4],
      chipSku: '882',
      project: '1010',
      projectSku: '0200',
      fwid: 'ab'.repeat(48),
      protectedPcieStatus: 0xaa,
      switchPdis: ['0101010101010101', '0101010101010101'],
      opaqueDataVersion: 1,
      featureFlag: 1,
      featureMode: 'MPT',
    });
    expect(o.raw[99]).toEqual(new Uint8Array([7, 7]));
    expect(o.entries.map((e) => e.offset)[0]).toBe(1000);
  });

  it('renders VBIOS b3.b2.b1.b0.b4 in upper-case hex', () => {
    expect(formatVbiosVersion(hex('009f009601000000'))).toBe('96.00.9F.00.01');
    expect(formatVbiosVersion(hex('00740096' + '1a000000'))).toBe('96.00.74.00.1A');
  });

  const bad: [string, number[], string, RegExp][] = [
    ['VBIOS of 7 bytes', tlv(6, [1, 2, 3, 4, 5, 6, 7]), 'opaque.VBIOS_VERSION', /offset 1000: got length 7, want 8/],
    ['FWID of 47 bytes', tlv(20, new Array(47).fill(0)), 'opaque.FWID', /got length 47, want 48/],
    ['NVDEC0 status of 2 bytes', tlv(11, [0x55, 0x55]), 'opaque.NVDEC0_STATUS', /want 1/],
    ['protected PCIe status of 0 bytes', tlv(21, []), 'opaque.PROTECTED_PCIE_STATUS', /want 1/],
    ['feature flag of 3 bytes', tlv(36, [0, 0, 0]), 'opaque.FEATURE_FLAG', /want 2 or 4/],
    ['opaque version of 1 byte', tlv(34, [1]), 'opaque.OPAQUE_DATA_VERSION', /want 2 or 4/],
    ['measurement counts of 5 bytes', tlv(12, [0, 0, 0, 0, 0]), 'opaque.MSRSCNT', /multiple of 4/],
    ['switch PDIs of 9 bytes', tlv(22, new Array(9).fill(0)), 'opaque.SWITCH_PDI', /multiple of 8/],
    ['driver version with a control byte', tlv(3, [0x35, 0x01, 0x30]), 'opaque.DRIVER_VERSION', /offset 1005: got byte 0x01, want printable ASCII/],
    ['text after NUL padding', tlv(17, [0x31, 0x00, 0x31]), 'opaque.PROJECT', /offset 1005: got byte 0x00/],
    ['a type twice', [...tlv(11, [0x55]), ...tlv(11, [0x55])], 'opaque.NVDEC0_STATUS', /type 11 appears twice/],
    ['a truncated TLV header', [6, 0, 8], 'opaque.tlv', /got 3 bytes, want a 4-byte TLV header/],
    ['a value past the end', [6, 0, 8, 0, 1, 2], 'opaque.VBIOS_VERSION', /got length 8, want at most 2/],
  ];
  it.each(bad)('rejects %s', (_, bytes, field, msg) => {
    const e = parseError(() => ok(bytes));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(msg);
  });
});

describe('parseReportHex', () => {
  it('reads hex with whitespace', () => expect(parseReportHex('11 e0\n01ff')).toEqual(hex('11e001ff')));
  it.each(['', '1', 'zz', '11e0 0'])('rejects %j', (t) => {
    try {
      parseReportHex(t);
      throw new Error('no throw');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfidantError);
    }
  });
});
