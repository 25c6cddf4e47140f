/**
 * verifySnp on the real vectors: each genuine report verifies when its certificates were valid,
 * with the claims FACTS.md states; and the rejections, each asserting the failing check.
 */
import { describe, expect, it } from 'vitest';
import { verifySnp, verifyReport, defaultSnpPolicy, AMD_TRUST_ANCHORS, OFFSET, SIGNED_LENGTH, parseCertificate, parseReport } from '../../../../src/core/attest/sevsnp/index.ts';
import type { SnpPolicy } from '../../../../src/core/attest/sevsnp/index.ts';
import { ParseError } from '../../../../src/core/errors.ts';
import { readVectorText } from '../../../helpers/vectors.ts';
import { VECTORS, vector } from './fixtures.ts';
import { check, failedIds, rejectsWith } from '../helpers.ts';
import { putLE } from './fake.ts';

const policy: SnpPolicy = defaultSnpPolicy;

describe('every genuine vector verifies at a time its certificates were valid', () => {
  it.each(VECTORS)('$name', async (v) => {
    const { checks, claims } = await verifySnp({ report: v.report(), vcek: v.vcek() }, policy, { now: v.validAt });
    const failed = failedIds(checks);
    // The go-sev-guest report is genuine but launched with DEBUG: only the policy check fails.
    expect(failed).toEqual(v.name === 'milan-go-sev-guest' ? ['snp.policy.DEBUG'] : []);
    for (const id of ['snp.report.signingKey', 'snp.chain.ark', 'snp.cert.validity', 'snp.report.signature', 'snp.report.product', 'snp.crl']) {
      expect(check(checks, id).passed).toBe(true);
    }
    const leaf = v.signingKey === 'VLEK' ? 'vlek' : 'vcek';
    for (const id of [`snp.chain.${leaf}`, `snp.chain.${leaf === 'vlek' ? 'asvk' : 'ask'}`, `snp.${leaf}.hwID`, `snp.${leaf}.blSPL`, `snp.${leaf}.teeSPL`, `snp.${leaf}.snpSPL`, `snp.${leaf}.ucodeSPL`, `snp.${leaf}.productName`]) {
      expect(check(checks, id).passed).toBe(true);
    }
    expect(claims.product).toBe(v.product);
    expect(claims.productName).toBe(v.productName);
    expect(claims.signingKey).toBe(v.signingKey);
    expect(claims.rootSource).toBe('amd');
    expect(claims.version).toBe(v.version);
    expect(claims.policy.hex).toBe('0x' + v.policy.toString(16).padStart(16, '0'));
    expect(claims.vmpl).toBe(v.vmpl);
    expect(claims.reportedTcb).toEqual({ ...v.reportedTcbParts, hex: '0x' + v.reportedTcb.toString(16).padStart(16, '0') });
    expect(claims.firmware.current).toEqual({ ...v.firmware, version: `${v.firmware.major}.${v.firmware.minor}` });
    expect(claims.measurement).toBe(v.measurement);
    if (v.reportData) expect(claims.reportData).toBe(v.reportData);
    if (v.chipIdPrefix) expect(claims.chipId.slice(0, 32)).toBe(v.chipIdPrefix);
    else expect(claims.chipId).toBe('00'.repeat(64));
    if (v.currentTcb !== undefined) expect(claims.currentTcb.hex).toBe('0x' + v.currentTcb.toString(16).padStart(16, '0'));
    expect(JSON.parse(JSON.stringify(claims))).toEqual(claims);
  });

  it('the VLEK names its cloud (cspID) in the claims', async () => {
    const v = vector('milan-vlek-trustee');
    const { claims } = await verifySnp({ report: v.report(), vcek: v.vcek() }, policy, { now: v.validAt });
    expect(claims.cspId).toBe('CN=cc-us-east-2.amazonaws.com');
  });

  it('accepts the VCEK as PEM and the KDS cert_chain carried in the evidence (compared with the pinned one)', async () => {
    const v = vector('milan-virtee');
    const der = v.vcek();
    const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
    const { checks } = await verifySnp(
      { report: v.report(), vcek: new TextEncoder().encode(pem), certChain: readVectorText('snp/milan-virtee/cert_chain_milan.pem') },
      policy,
      { now: v.validAt },
    );
    expect(failedIds(checks)).toEqual([]);
    expect(check(checks, 'snp.chain.evidence').detail).toMatch(/byte-identical/);
  });
});

describe('rejections', () => {
  it('the expired VLEK checked today fails snp.cert.validity (it expired 2025-12-10)', async () => {
    const v = vector('milan-vlek-trustee');
    const { checks } = await verifySnp({ report: v.report(), vcek: v.vcek() }, policy, { now: new Date() });
    expect(failedIds(checks)).toEqual(['snp.cert.validity']);
    const c = check(checks, 'snp.cert.validity');
    expect(c.detail).toMatch(/VLEK expired 2025-12-10T22:14:21.000Z/);
    expect(c.want).toMatch(/VLEK: 2024-12-10T22:14:21.000Z..2025-12-10T22:14:21.000Z/);
  });

  it('a VCEK before its notBefore fails snp.cert.validity', async () => {
    const v = vector('genoa-azure-trustee');
    const { checks } = await verifySnp({ report: v.report(), vcek: v.vcek() }, policy, { now: new Date('2025-01-01T00:00:00Z') });
    expect(failedIds(checks)).toEqual(['snp.cert.validity']);
    expect(check(checks, 'snp.cert.validity').detail).toMatch(/VCEK is not valid before 2025-01-24/);
  });

  it('go-sev-guest (DEBUG set) under the default policy fails snp.policy.DEBUG with got/want', async () => {
    const v = vector('milan-go-sev-guest');
    const { checks } = await verifySnp({ report: v.report(), vcek: v.vcek() }, policy, { now: v.validAt });
    const c = check(checks, 'snp.policy.DEBUG');
    expect(c).toMatchObject({ passed: false, field: 'POLICY.DEBUG', got: '1', want: '0' });
    expect(c.detail).toMatch(/POLICY.DEBUG is 1/);
  });

  it('a VCEK from another report (same TCB, other chip) fails the signature and hwID, nothing else', async () => {
    const a = vector('milan-virtee');
    const b = vector('milan-trustee');
    const { checks } = await verifySnp({ report: a.report(), vcek: b.vcek() }, policy, { now: a.validAt });
    expect(failedIds(checks)).toEqual(['snp.vcek.hwID', 'snp.report.signature']);
    const hw = check(checks, 'snp.vcek.hwID');
    expect(hw.got!.slice(0, 32)).toBe(b.chipIdPrefix);
    expect(hw.want!.slice(0, 32)).toBe(a.chipIdPrefix);
  });

  it('a VCEK of another TCB fails the SPL checks with got/want', async () => {
    const a = vector('milan-virtee');
    const b = vector('milan-go-sev-guest');
    const { checks } = await verifySnp({ report: a.report(), vcek: b.vcek() }, policy, { now: a.validAt });
    expect(failedIds(checks)).toEqual(['snp.vcek.hwID', 'snp.vcek.blSPL', 'snp.vcek.snpSPL', 'snp.vcek.ucodeSPL', 'snp.report.signature']);
    expect(check(checks, 'snp.vcek.ucodeSPL')).toMatchObject({ field: 'REPORTED_TCB.MICROCODE', got: '68', want: '115' });
    expect(check(checks, 'snp.vcek.blSPL')).toMatchObject({ got: '2', want: '3' });
  });

  it('a Genoa VCEK against Milan roots fails the chain', async () => {
    const g = vector('genoa-azure-trustee');
    const milanOnly = AMD_TRUST_ANCHORS.filter((a) => a.product === 'Milan');
    const { checks, claims } = await verifySnp({ report: g.report(), vcek: g.vcek() }, policy, { now: g.validAt, roots: milanOnly });
    expect(failedIds(checks)).toEqual(['snp.chain.ark', 'snp.chain.ask', 'snp.chain.vcek']);
    expect(check(checks, 'snp.chain.ark').detail).toMatch(/SEV-Genoa.*product Genoa; trusted roots: amd\/Milan/);
    expect(claims.rootSource).toBe('none');
    // The report signature itself still verifies under the VCEK: the chain is what failed.
    expect(check(checks, 'snp.report.signature').passed).toBe(true);
  });

  it('a Genoa ASK+ARK carried in the evidence for a Milan VCEK fails snp.chain.evidence', async () => {
    const v = vector('milan-trustee');
    const genoaChain = readVectorText('snp/amd-certs/ask_genoa.pem') + readVectorText('snp/amd-certs/ark_genoa.pem');
    const { checks } = await verifySnp({ report: v.report(), vcek: v.vcek(), certChain: genoaChain }, policy, { now: v.validAt });
    expect(failedIds(checks)).toEqual(['snp.chain.evidence']);
    expect(check(checks, 'snp.chain.evidence').detail).toMatch(/#0 \(SEV-Genoa\), #1 \(ARK-Genoa\)/);
  });

  it('a Milan report with a Genoa VCEK fails chain-independent checks (hwID, SPLs, productName, signature)', async () => {
    const m = vector('milan-trustee');
    const g = vector('genoa-azure-trustee');
    const { checks } = await verifySnp({ report: m.report(), vcek: g.vcek() }, policy, { now: g.validAt });
    expect(failedIds(checks)).toEqual(['snp.vcek.hwID', 'snp.vcek.blSPL', 'snp.vcek.snpSPL', 'snp.vcek.ucodeSPL', 'snp.report.signature']);
  });

  it('a Genoa (CPUID) report with a Milan VCEK fails snp.report.product', async () => {
    const g = vector('genoa-azure-trustee');
    const m = vector('milan-trustee');
    const { checks } = await verifySnp({ report: g.report(), vcek: m.vcek() }, policy, { now: g.validAt });
    expect(check(checks, 'snp.report.product')).toMatchObject({ passed: false, got: 'Genoa', want: 'Milan' });
  });

  it('a VLEK report presented with a VCEK fails snp.report.signingKey', async () => {
    const l = vector('milan-vlek-trustee');
    const m = vector('milan-trustee');
    const { checks } = await verifySnp({ report: l.report(), vcek: m.vcek() }, policy, { now: l.validAt });
    expect(check(checks, 'snp.report.signingKey')).toMatchObject({ passed: false, got: 'VCEK', want: 'VLEK' });
    expect(check(checks, 'snp.report.signature').passed).toBe(false);
  });

  it('an unsigned report (SIGNING_KEY 7) fails snp.report.signingKey and snp.report.signature', async () => {
    const v = vector('milan-trustee');
    const r = v.report();
    putLE(r, OFFSET.SIGNER_INFO, 4, 7 << 2);
    const { checks } = await verifySnp({ report: r, vcek: v.vcek() }, policy, { now: v.validAt });
    expect(failedIds(checks)).toEqual(['snp.report.signingKey', 'snp.report.signature']);
    expect(check(checks, 'snp.report.signingKey').got).toBe('NONE');
  });
});

/**
 * What a one-bit flip at (byte, bit) of the signed region does: a ParseError naming a field (the
 * flip hit a must-be-zero range, a must-be-one bit or an enumeration), or a report that parses
 * but whose signature fails. Derived from FACTS.md independently of abi.ts.
 */
function flipOutcome(version: number, pos: number, bit: number): { parse: string } | 'signature' {
  const inRange = (a: number, b: number) => pos >= a && pos < b;
  if (inRange(0x000, 0x004)) {
    const v = version ^ (1 << (bit + 8 * pos));
    if (v === 2 || v === 3 || v === 5) {
      // A VERSION 2 report has zero CPUID bytes and mitigation vectors, so reading it as 3 or 5 still parses;
      // a VERSION 3 report read as 2 has non-zero bytes in the (then reserved) CPUID range.
      return version >= 3 && v === 2 ? { parse: 'report.RESERVED(0x188, CPUID before VERSION 3)' } : 'signature';
    }
    return { parse: 'report.VERSION' };
  }
  if (inRange(0x008, 0x010)) {
    const b = (pos - 0x008) * 8 + bit;
    return b === 17 || b >= 26 ? { parse: 'report.POLICY' } : 'signature';
  }
  if (inRange(0x034, 0x038)) return { parse: 'report.SIGNATURE_ALGO' };
  if (inRange(0x048, 0x04c)) {
    const b = (pos - 0x048) * 8 + bit;
    if (b >= 5) return { parse: 'report.SIGNER_INFO' };
    if (b === 3 || b === 4) return { parse: 'report.SIGNER_INFO.SIGNING_KEY' }; // 0 -> 2 or 4 (VCEK) / 1 -> 3 or 5 (VLEK)
    return 'signature';
  }
  if (inRange(0x04c, 0x050)) return { parse: 'report.RESERVED(0x04C)' };
  if (inRange(0x188, 0x18b) && version < 3) return { parse: 'report.RESERVED(0x188, CPUID before VERSION 3)' };
  if (inRange(0x18b, 0x1a0)) return { parse: 'report.RESERVED(0x18B)' };
  if (pos === 0x1eb) return { parse: 'report.RESERVED(0x1EB)' };
  if (pos === 0x1ef) return { parse: 'report.RESERVED(0x1EF)' };
  if (inRange(0x1f8, 0x208) && version < 5) return { parse: 'report.RESERVED(0x1F8, MIT_VECTORs before VERSION 5)' };
  if (inRange(0x208, 0x2a0)) return { parse: 'report.RESERVED(0x208)' };
  return 'signature';
}

describe('a flipped bit anywhere in the signed region is caught', () => {
  const subjects = ['milan-trustee', 'milan-vlek-trustee', 'genoa-azure-trustee'];
  for (const name of subjects) {
    const v = vector(name);
    // Every third byte of 0x000..0x29F, a different bit each time, plus every byte of the enumerated words.
    const positions = new Set<number>();
    for (let p = 0; p < SIGNED_LENGTH; p += 3) positions.add(p);
    for (const p of [0, 1, 2, 3, 0x0a, 0x0b, 0x0f, 0x34, 0x48, 0x49, 0x4c]) positions.add(p);
    const cases = [...positions].map((p) => ({ pos: p, bit: (p * 5) % 8 }));

    it(`${name}: ${cases.length} flips`, async () => {
      const base = v.report();
      const vcek = parseCertificate(v.vcek(), 'vcek'); // parsed once; each flipped report goes through parse + verify
      const version = parseReport(base).VERSION;
      let signatureFailures = 0;
      let parseErrors = 0;
      for (const { pos, bit } of cases) {
        const r = base.slice();
        r[pos]! ^= 1 << bit;
        const want = flipOutcome(version, pos, bit);
        const where = `flip byte 0x${pos.toString(16)} bit ${bit}`;
        try {
          const { checks } = await verifyReport({ report: parseReport(r), vcek }, { now: v.validAt });
          expect(want, where).toBe('signature');
          expect(check(checks, 'snp.report.signature').passed, where).toBe(false);
          signatureFailures++;
        } catch (e) {
          expect(e, where).toBeInstanceOf(ParseError);
          expect(want, `${where}: ${(e as Error).message}`).toEqual({ parse: (e as ParseError).field });
          parseErrors++;
        }
      }
      expect(signatureFailures + parseErrors).toBe(cases.length);
      expect(signatureFailures).toBeGreaterThan(150);
      expect(parseErrors).toBeGreaterThan(20);
    });
  }

  it('flips in the signature: low 48 bytes of R and S fail the signature, the upper bytes and the tail are ParseErrors', async () => {
    const v = vector('milan-virtee');
    const base = v.report();
    const vcek = v.vcek();
    const sigCases: Array<[number, string]> = [];
    for (let i = 0; i < 48; i += 4) sigCases.push([OFFSET.SIGNATURE_R + i, 'signature'], [OFFSET.SIGNATURE_S + i, 'signature']);
    sigCases.push(
      [OFFSET.SIGNATURE_R + 48, 'report.SIGNATURE.R upper bytes'],
      [OFFSET.SIGNATURE_R + 71, 'report.SIGNATURE.R upper bytes'],
      [OFFSET.SIGNATURE_S + 48, 'report.SIGNATURE.S upper bytes'],
      [OFFSET.SIGNATURE_S + 71, 'report.SIGNATURE.S upper bytes'],
      [0x330, 'report.SIGNATURE reserved'],
      [0x400, 'report.SIGNATURE reserved'],
      [0x49f, 'report.SIGNATURE reserved'],
    );
    for (const [pos, want] of sigCases) {
      const r = base.slice();
      r[pos]! ^= 0x10;
      if (want === 'signature') {
        const { checks } = await verifySnp({ report: r, vcek }, policy, { now: v.validAt });
        expect(failedIds(checks), `0x${pos.toString(16)}`).toEqual(['snp.report.signature']);
      } else {
        const e = await rejectsWith(verifySnp({ report: r, vcek }, policy, { now: v.validAt }), want);
        expect(e.message).toMatch(/must be zero: got 0x/);
      }
    }
  });
});

describe('unusable input: ParseError naming the input', () => {
  const v = vector('milan-trustee');
  const now = v.validAt;
  const vcek = v.vcek();

  it.each([
    ['empty report', () => ({ report: new Uint8Array(0), vcek }), 'report', /empty/],
    ['truncated report', () => ({ report: v.report().subarray(0, 1000), vcek }), 'report', /truncated/],
    ['oversized report', () => ({ report: new Uint8Array([...v.report(), 1, 2]), vcek }), 'report', /oversized/],
    ['empty VCEK', () => ({ report: v.report(), vcek: new Uint8Array(0) }), 'vcek', /empty/],
    ['truncated VCEK', () => ({ report: v.report(), vcek: vcek.subarray(0, 500) }), 'vcek', /not a DER X.509 certificate/],
    ['VCEK with trailing bytes', () => ({ report: v.report(), vcek: new Uint8Array([...vcek, 0]) }), 'vcek', /got 1 bytes after the DER element, want 0/],
    ['VCEK of random bytes', () => ({ report: v.report(), vcek: new Uint8Array(64).fill(7) }), 'vcek', /not a DER/],
    ['VCEK that is a report', () => ({ report: v.report(), vcek: v.report() }), 'vcek', /not a DER/],
    ['PEM with two certificates as VCEK', () => ({ report: v.report(), vcek: new TextEncoder().encode(readVectorText('snp/milan-virtee/cert_chain_milan.pem')) }), 'vcek', /exactly one CERTIFICATE block, found 2/],
    ['certChain without PEM', () => ({ report: v.report(), vcek, certChain: 'hello' }), 'certChain', /no PEM CERTIFICATE block/],
    ['certChain with bad base64', () => ({ report: v.report(), vcek, certChain: '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----' }), 'certChain', /base64/],
    ['empty CRL', () => ({ report: v.report(), vcek, crl: new Uint8Array(0) }), 'crl', /empty/],
    ['CRL of garbage', () => ({ report: v.report(), vcek, crl: new Uint8Array([0x30, 3, 1, 2, 3]) }), 'crl', /not a usable DER X.509 CRL/],
    ['a certificate given as the CRL', () => ({ report: v.report(), vcek, crl: vcek }), 'crl', /not a usable DER X.509 CRL/],
  ])('%s', async (_n, input, field, msg) => {
    const e = await rejectsWith(verifySnp(input(), policy, { now }), field);
    expect(e.message).toMatch(msg);
  });

  it('the report is checked before the VCEK', async () => {
    await rejectsWith(verifySnp({ report: new Uint8Array(0), vcek: new Uint8Array(0) }, policy, { now }), 'report');
  });

  it('inputs are copied before the first await', async () => {
    const report = v.report();
    const vc = v.vcek();
    const p = verifySnp({ report, vcek: vc }, policy, { now });
    report.fill(0);
    vc.fill(0);
    expect(failedIds((await p).checks)).toEqual([]);
  });
});
