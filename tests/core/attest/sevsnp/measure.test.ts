import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../../src/core/bytes.ts';
import { cpuSignature, extendForVcpus, guidBytes, launchMeasurement, ovmfDigest, parseOvmf, VCPU_SIGNATURES } from '../../../../src/core/attest/sevsnp/measure.ts';

// Vectors from virtee/sev-snp-measure tests/test_guest.py (tests/fixtures/measure/SOURCES.md).
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../fixtures/measure/${name}`, import.meta.url)));
const amdSev = fixture('ovmf_AmdSev_suffix.bin');
const ovmfX64 = fixture('ovmf_OvmfX64_suffix.bin');
const EPYC_V4 = VCPU_SIGNATURES['EPYC-v4']!;
const EMPTY = new Uint8Array(0);
const hex = (...parts: string[]) => parts.join('');

describe('SEV-SNP launch measurement', () => {
  it('computes the OVMF image digest', async () => {
    expect(toHex(await ovmfDigest(amdSev))).toBe(hex('086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2', 'c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74'));
  });

  it.each([
    [0x21, '', hex('329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae', '15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7ef198')],
    [0x1, '', hex('ddc5224521617a536ee7ce9dd6224d1b58a8d4fda1c741f3', 'ac99fc4bfa04ba6e9fc98646d4a07a9079397fa3852819b5')],
    [0x21, 'console=ttyS0 loglevel=7', hex('803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb2', '8c653360fe4b3aba7e534442e7e1e17895dfe778d0228977')],
    [0x1, 'console=ttyS0 loglevel=7', hex('6d287813eb5222d770f75005c664e34c204f385ce832cc2c', 'e7d0d6f354454362f390ef83a92046c042e706363b4b08fa')],
  ])('measured direct boot, features %s, append %j', async (guestFeatures, append, want) => {
    const m = await launchMeasurement({ ovmf: amdSev, vcpus: 1, vcpuSig: EPYC_V4, guestFeatures, kernel: EMPTY, initrd: EMPTY, append });
    expect(toHex(m)).toBe(want);
  });

  it('takes a precomputed OVMF digest instead of hashing the image', async () => {
    const ovmfHash = fromHex('086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74', 'ovmfHash');
    const m = await launchMeasurement({ ovmf: amdSev, ovmfHash, vcpus: 1, vcpuSig: EPYC_V4, guestFeatures: 0x21, kernel: EMPTY, initrd: EMPTY, append: '' });
    expect(toHex(m)).toBe(hex('329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae', '15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7ef198'));
  });

  it.each([
    [amdSev, 0x21, hex('e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af', '9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b')],
    [amdSev, 0x1, hex('19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6', '013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d')],
    [ovmfX64, 0x21, hex('28797ae0afaba4005a81e629acebfb59e6687949d6be4400', '7cd5506823b0dd66f146aaae26ff291eed7b493d8a64c385')],
    [ovmfX64, 0x1, hex('da0296de8193586a5512078dcd719eccecbd87e2b825ad41', '48c44f665dc87df21e5b49e21523a9ad993afdb6a30b4005')],
  ])('without a kernel (%#)', async (ovmf, guestFeatures, want) => {
    expect(toHex(await launchMeasurement({ ovmf, vcpus: 1, vcpuSig: EPYC_V4, guestFeatures }))).toBe(want);
  });

  it.each([
    [0x21, hex('4953b1fb416fa874980e8442b3706d345926d5f38879134e', '00813c5d7abcbe78eafe7b422907be0b4698e2414a631942')],
    [0x1, hex('5061fffb019493a903613d56d54b94912a1a2f9e4502385f', '5c194616753720a92441310ba6c4933de877c36e23046ad5')],
  ])('four vCPUs, features %s; the same from one vCPU extended by three AP pages', async (guestFeatures, want) => {
    const base = { ovmf: amdSev, vcpuSig: EPYC_V4, guestFeatures, kernel: EMPTY, initrd: EMPTY, append: '' };
    expect(toHex(await launchMeasurement({ ...base, vcpus: 4 }))).toBe(want);
    const one = await launchMeasurement({ ...base, vcpus: 1 });
    const apEip = parseOvmf(amdSev).apResetEip;
    expect(toHex(await extendForVcpus(one, 1, 4, { apEip, vcpuSig: EPYC_V4, guestFeatures }))).toBe(want);
  });

  it('refuses a kernel when OVMF cannot measure one, and names what is wrong', async () => {
    await expect(launchMeasurement({ ovmf: ovmfX64, vcpus: 1, vcpuSig: EPYC_V4, guestFeatures: 1, kernel: EMPTY })).rejects.toThrow(/ovmf: a kernel is given/);
    await expect(launchMeasurement({ ovmf: amdSev, vcpus: 0, vcpuSig: EPYC_V4, guestFeatures: 1 })).rejects.toThrow(/vcpus: got 0, want 1\.\.512/);
    expect(() => parseOvmf(amdSev.subarray(0, 2048))).toThrow(/ovmf: no OVMF GUIDed footer table/);
    await expect(extendForVcpus(new Uint8Array(48), 4, 2, { apEip: 0, vcpuSig: 0, guestFeatures: 0 })).rejects.toThrow(/cannot extend from 4 to 2/);
  });

  it('computes CPUID signatures and EFI GUID byte order as QEMU and EFI do', () => {
    expect(cpuSignature(23, 1, 2)).toBe(0x800f12);
    expect(cpuSignature(25, 17, 0)).toBe(0xa10f10);
    expect(toHex(guidBytes('96b582de-1fb2-45f7-baea-a366c55a082d'))).toBe('de82b596b21ff745baeaa366c55a082d');
  });
});
