/** policy.ts: the JSON document turned into typed options, in one place, with clear errors. */
import { describe, expect, it } from 'vitest';
import { PRODUCTION_POLICY, PRODUCTION_POLICY_JSON, parsePolicy } from '../../../src/core/attest/policy.ts';
import { defaultGpuPolicy } from '../../../src/core/attest/nvidia/index.ts';
import { toHex } from '../../../src/core/bytes.ts';
import { ParseError } from '../../../src/core/errors.ts';

const M1 = 'aa'.repeat(48);
const M2 = 'BB'.repeat(48);

describe('PRODUCTION_POLICY', () => {
  it('forbids DEBUG, MIGRATE_MA and simulated evidence, requires VMPL 0, a minimum TCB per product and a GPU appraised by RIMs or NRAS', () => {
    expect(PRODUCTION_POLICY.allowSimulated).toBe(false);
    expect(PRODUCTION_POLICY.requireGpu).toBe(true);
    expect(PRODUCTION_POLICY.snp).toMatchObject({ allowDebug: false, allowMigrateMA: false, allowSmt: true, measurements: [], minTcb: {}, crl: 'fetch', vmpls: [0], signingKeys: ['VCEK', 'VLEK'] });
    expect(PRODUCTION_POLICY.snp.minTcbByProduct).toEqual({ Milan: { bl: 3, tee: 0, snp: 23, ucode: 213 }, Genoa: { bl: 7, tee: 0, snp: 23, ucode: 84 }, Turin: {} });
    expect(PRODUCTION_POLICY.gpu.measurements).toBe('rims-or-nras');
  });

  it('trusts only NVIDIA\u2019s pinned GPU roots', () => {
    expect(PRODUCTION_POLICY.gpu.deviceRootsPem).toEqual(defaultGpuPolicy.deviceRootsPem);
    expect(PRODUCTION_POLICY.gpu.rimRootsPem).toEqual(defaultGpuPolicy.rimRootsPem);
    expect(PRODUCTION_POLICY.gpu.nras.intermediateSha256).toEqual(defaultGpuPolicy.nras.intermediateSha256);
  });

  it('is parsePolicy({}) and parsePolicy(PRODUCTION_POLICY_JSON), and is frozen', () => {
    expect(parsePolicy({})).toEqual(PRODUCTION_POLICY);
    expect(parsePolicy(JSON.parse(JSON.stringify(PRODUCTION_POLICY_JSON)))).toEqual(PRODUCTION_POLICY);
    expect(Object.isFrozen(PRODUCTION_POLICY)).toBe(true);
  });
});

describe('parsePolicy', () => {
  it('reads every field of a full document (hex to bytes, versions to numbers)', () => {
    const p = parsePolicy({
      allowSimulated: true,
      requireGpu: false,
      crl: 'fetch',
      snp: {
        measurements: [M1, M2],
        minTcb: { bl: 3, tee: 0, snp: 8, ucode: 115 },
        minCurrentTcb: { ucode: 200 },
        minCommittedTcb: { snp: 1 },
        minLaunchTcb: { fmc: 1 },
        allowDebug: false,
        allowMigrateMA: true,
        allowSmt: false,
        minAbi: '1.51',
        minFirmware: '1.55.40',
        vmpls: [0, 1],
        maxVmpl: 1,
        reportData: '0x' + '01'.repeat(64),
        hostData: '02'.repeat(32),
        chipIds: ['03'.repeat(64)],
        idKeyDigests: ['04'.repeat(48)],
        authorKeyDigests: ['05'.repeat(48)],
        minGuestSvn: 4,
        products: ['Genoa', 'Turin'],
        signingKeys: ['VCEK'],
      },
      gpu: { measurements: 'rims', driver: { min: '550.90.07' }, vbios: { allowed: ['96.00.9F.00.01'] }, requireFwid: true, nras: { clockSkewSeconds: 30 } },
    });
    expect(p.allowSimulated).toBe(true);
    expect(p.requireGpu).toBe(false);
    expect(p.snp.crl).toBe('fetch');
    expect(p.snp.measurements.map(toHex)).toEqual([M1, M2.toLowerCase()]);
    expect(p.snp.minTcb).toEqual({ REPORTED_TCB: { bl: 3, tee: 0, snp: 8, ucode: 115 }, CURRENT_TCB: { ucode: 200 }, COMMITTED_TCB: { snp: 1 }, LAUNCH_TCB: { fmc: 1 } });
    expect(p.snp).toMatchObject({ allowDebug: false, allowMigrateMA: true, allowSmt: false, minAbi: { major: 1, minor: 51 }, minFirmware: { major: 1, minor: 55, build: 40 }, vmpls: [0, 1], maxVmpl: 1, minGuestSvn: 4, products: ['Genoa', 'Turin'], signingKeys: ['VCEK'] });
    expect(toHex(p.snp.reportData!)).toBe('01'.repeat(64));
    expect(toHex(p.snp.hostData!)).toBe('02'.repeat(32));
    expect(p.snp.chipIds!.map(toHex)).toEqual(['03'.repeat(64)]);
    expect(p.snp.idKeyDigests!.map(toHex)).toEqual(['04'.repeat(48)]);
    expect(p.snp.authorKeyDigests!.map(toHex)).toEqual(['05'.repeat(48)]);
    expect(p.gpu).toMatchObject({ measurements: 'rims', driver: { min: '550.90.07' }, vbios: { allowed: ['96.00.9F.00.01'] }, requireFwid: true });
    expect(p.gpu.nras.clockSkewSeconds).toBe(30);
    expect(p.gpu.deviceRootsPem).toEqual(defaultGpuPolicy.deviceRootsPem);
  });

  it('keeps production values for what a document leaves out (the settings document of the extension)', () => {
    const p = parsePolicy({ allowSimulated: false, snp: { measurements: [M1], minTcb: { ucode: 84 } } });
    expect(p.snp).toMatchObject({ allowDebug: false, allowMigrateMA: false, allowSmt: true, crl: 'fetch', vmpls: [0], minTcb: { REPORTED_TCB: { ucode: 84 } } });
    expect(p.snp.minTcbByProduct?.Milan).toEqual({ bl: 3, tee: 0, snp: 23, ucode: 213 });
    expect(p.requireGpu).toBe(true);
    expect(p.gpu.measurements).toBe('rims-or-nras');
    expect(parsePolicy({ snp: { minFirmware: '1.55' } }).snp.minFirmware).toEqual({ major: 1, minor: 55 });
  });

  it('reads JSON text', () => {
    expect(parsePolicy(JSON.stringify({ snp: { measurements: [M1] } })).snp.measurements.map(toHex)).toEqual([M1]);
  });

  it.each([
    ['not JSON', '{"snp":', 'policy', /not JSON/],
    ['an array', [] as unknown as Record<string, unknown>, 'policy', /want a JSON object/],
    ['an unknown top-level field', { allowSimulate: true }, 'policy.allowSimulate', /unknown field \(known: allowSimulated, requireGpu, crl, snp, gpu\)/],
    ['allowSimulated not a boolean', { allowSimulated: 'yes' }, 'policy.allowSimulated', /got "yes", want true or false/],
    ['an unknown crl mode', { crl: 'sometimes' }, 'policy.crl', /got "sometimes", want "if-given", "fetch" or "require"/],
    ['snp not an object', { snp: 3 }, 'policy.snp', /want an object/],
    ['an unknown snp field', { snp: { measurement: [M1] } }, 'policy.snp.measurement', /unknown field/],
    ['a short measurement', { snp: { measurements: [M1, 'ab'] } }, 'policy.snp.measurements[1]', /got 2 hex digits, want 96 \(48 bytes\)/],
    ['a non-hex measurement', { snp: { measurements: ['zz'.repeat(48)] } }, 'policy.snp.measurements[0]', /non-hex character "z"/],
    ['measurements not a list', { snp: { measurements: M1 } }, 'policy.snp.measurements', /want a list/],
    ['minTcb.ucode out of range', { snp: { minTcb: { ucode: 256 } } }, 'policy.snp.minTcb.ucode', /got 256, want an integer 0..255/],
    ['minTcb with an unknown part', { snp: { minTcb: { microcode: 1 } } }, 'policy.snp.minTcb.microcode', /unknown field/],
    ['minAbi not major.minor', { snp: { minAbi: '1' } }, 'policy.snp.minAbi', /want "major.minor"/],
    ['minFirmware garbage', { snp: { minFirmware: 'new' } }, 'policy.snp.minFirmware', /want "major.minor" or "major.minor.build"/],
    ['a VMPL of 4', { snp: { vmpls: [0, 4] } }, 'policy.snp.vmpls[1]', /want an integer 0..3/],
    ['an unknown product', { snp: { products: ['Rome'] } }, 'policy.snp.products', /want a non-empty list of Milan, Genoa, Turin/],
    ['an unknown signing key', { snp: { signingKeys: ['ASK'] } }, 'policy.snp.signingKeys', /"VCEK", "VLEK"/],
    ['a short reportData', { snp: { reportData: '00' } }, 'policy.snp.reportData', /want 128 \(64 bytes\)/],
    ['GPU roots in the document', { gpu: { deviceRootsPem: ['x'] } }, 'policy.gpu.deviceRootsPem', /trust anchors are pinned in code/],
    ['an NRAS pin in the document', { gpu: { nras: { intermediateSha256: ['00'.repeat(32)] } } }, 'policy.gpu.nras.intermediateSha256', /trust anchors are pinned in code/],
    ['an NRAS issuer in the document', { gpu: { nras: { issuer: 'https://evil.example' } } }, 'policy.gpu.nras.issuer', /trust anchors are pinned in code/],
    ['an unknown GPU appraisal', { gpu: { measurements: 'maybe' } }, 'policy.gpu.measurements', /want rims, nras, rims-or-nras or none/],
  ])('rejects %s, naming the field', (_n, doc, field, msg) => {
    try {
      parsePolicy(doc as Record<string, unknown>);
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).field).toBe(field);
      expect((e as ParseError).message).toMatch(msg);
    }
  });
});
