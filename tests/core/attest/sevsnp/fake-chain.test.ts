/**
 * verify.ts branches the real vectors cannot reach, with chains from test keys: extension
 * mismatches, Turin's TCB layout and 8-byte hwID, certificate algorithms, and the CRL (given,
 * required, and fetched over real HTTP from a local server standing in for AMD KDS).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import '../../../../src/core/attest/x509/peculiar.ts';
import * as x509 from '@peculiar/x509';
import { AMD_TRUST_ANCHORS, OFFSET, clearVerifyCaches, defaultSnpPolicy, verifySnp } from '../../../../src/core/attest/sevsnp/index.ts';
import type { SnpPolicy, SnpTrustAnchor } from '../../../../src/core/attest/sevsnp/index.ts';
import { OID } from '../../../../src/core/attest/sevsnp/certs.ts';
import { ConfidantError } from '../../../../src/core/errors.ts';
import { vector } from './fixtures.ts';
import { FAKE_NOW, PSS, makeFakeChain, makeFakeCrl, makeFakeLeaf, putLE, resign } from './fake.ts';
import type { FakeChain, FakeLeaf } from './fake.ts';
import { check, failedIds } from '../helpers.ts';

const base = vector('milan-trustee'); // VERSION 2, REPORTED_TCB 3/0/8/115
const baseChip = () => base.report().slice(OFFSET.CHIP_ID, OFFSET.CHIP_ID + 64);
const SPL = { bl: 3, tee: 0, snp: 8, ucode: 115 };

let milan: FakeChain;
let leaf: FakeLeaf;
let report: Uint8Array;
let roots: SnpTrustAnchor[];

beforeAll(async () => {
  milan = await makeFakeChain('Milan');
  leaf = await makeFakeLeaf(milan, { hwID: baseChip(), spl: SPL });
  report = await resign(base.report(), leaf.keys.privateKey);
  roots = [milan.anchor];
});

async function run(r: Uint8Array, vcek: Uint8Array, extra: { policy?: Partial<SnpPolicy>; roots?: SnpTrustAnchor[]; crl?: Uint8Array; fetch?: typeof fetch; signal?: AbortSignal; now?: Date } = {}) {
  return verifySnp(
    { report: r, vcek, ...(extra.crl ? { crl: extra.crl } : {}) },
    { ...defaultSnpPolicy, ...extra.policy },
    { now: extra.now ?? FAKE_NOW, roots: extra.roots ?? roots, ...(extra.fetch ? { fetch: extra.fetch } : {}), ...(extra.signal ? { signal: extra.signal } : {}) },
  );
}

describe('a real report re-signed under a fake chain', () => {
  it('verifies against the fake (dev) roots, and says the root is a development one', async () => {
    const { checks, claims } = await run(report, leaf.der);
    expect(failedIds(checks)).toEqual([]);
    expect(claims.rootSource).toBe('dev');
    expect(check(checks, 'snp.chain.ark').detail).toMatch(/development root/);
  });

  it('is rejected when only AMD roots are trusted (simulated evidence never passes on AMD roots)', async () => {
    const { checks } = await run(report, leaf.der, { roots: [...AMD_TRUST_ANCHORS] });
    expect(failedIds(checks)).toEqual(['snp.chain.ark', 'snp.chain.ask', 'snp.chain.vcek']);
  });

  it('a fake chain named like AMD, next to AMD roots, still ends in the dev anchor', async () => {
    const { checks, claims } = await run(report, leaf.der, { roots: [...AMD_TRUST_ANCHORS, milan.anchor] });
    expect(failedIds(checks)).toEqual([]);
    expect(claims.rootSource).toBe('dev');
  });

  it('another fake chain with the same names but other keys fails at the VCEK', async () => {
    const other = await makeFakeChain('Milan');
    const { checks } = await run(report, leaf.der, { roots: [other.anchor] });
    expect(failedIds(checks)).toEqual(['snp.chain.vcek']);
    expect(check(checks, 'snp.chain.vcek').detail).toMatch(/signature does not verify/);
  });
});

describe('VCEK extensions versus the report', () => {
  it.each([
    ['blSPL', { ...SPL, bl: 4 }, 'snp.vcek.blSPL', 'REPORTED_TCB.BOOT_LOADER', '4', '3'],
    ['teeSPL', { ...SPL, tee: 1 }, 'snp.vcek.teeSPL', 'REPORTED_TCB.TEE', '1', '0'],
    ['snpSPL', { ...SPL, snp: 7 }, 'snp.vcek.snpSPL', 'REPORTED_TCB.SNP', '7', '8'],
    ['ucodeSPL', { ...SPL, ucode: 0xce }, 'snp.vcek.ucodeSPL', 'REPORTED_TCB.MICROCODE', '206', '115'],
  ])('%s mismatch', async (_n, spl, id, field, got, want) => {
    const l = await makeFakeLeaf(milan, { hwID: baseChip(), spl, keys: leaf.keys });
    const { checks } = await run(report, l.der);
    expect(failedIds(checks)).toEqual([id]);
    expect(check(checks, id)).toMatchObject({ field, got, want });
  });

  it('hwID of another chip', async () => {
    const l = await makeFakeLeaf(milan, { hwID: new Uint8Array(64).fill(1), spl: SPL, keys: leaf.keys });
    const { checks } = await run(report, l.der);
    expect(failedIds(checks)).toEqual(['snp.vcek.hwID']);
    expect(check(checks, 'snp.vcek.hwID')).toMatchObject({ field: 'CHIP_ID', got: '01'.repeat(64) });
  });

  it('hwID is not compared when SIGNER_INFO.MASK_CHIP_KEY is set', async () => {
    const l = await makeFakeLeaf(milan, { hwID: new Uint8Array(64).fill(1), spl: SPL, keys: leaf.keys });
    const r = await resign(report, leaf.keys.privateKey, (b) => putLE(b, OFFSET.SIGNER_INFO, 4, 2));
    const { checks } = await run(r, l.der);
    expect(failedIds(checks)).toEqual([]);
    expect(check(checks, 'snp.vcek.hwID').detail).toMatch(/MASK_CHIP_KEY/);
  });

  it('hwID is not compared when CHIP_ID is all zero (platform MASK_CHIP_ID)', async () => {
    const r = await resign(report, leaf.keys.privateKey, (b) => b.fill(0, OFFSET.CHIP_ID, OFFSET.CHIP_ID + 64));
    const { checks } = await run(r, leaf.der);
    expect(failedIds(checks)).toEqual([]);
    expect(check(checks, 'snp.vcek.hwID').detail).toMatch(/all zero/);
  });

  it.each([
    ['missing ucodeSPL', { omit: [OID.ucodeSPL] }, 'snp.vcek.ucodeSPL', /is missing/],
    ['blSPL not an INTEGER', { rawExt: { [OID.blSPL]: new Uint8Array([0x04, 0x01, 0x03]) } }, 'snp.vcek.blSPL', /is malformed: .*got 0x04, want 0x02/],
    ['snpSPL negative', { rawExt: { [OID.snpSPL]: new Uint8Array([0x02, 0x01, 0x88]) } }, 'snp.vcek.snpSPL', /negative/],
    ['missing hwID', { omit: [OID.hwID] }, 'snp.vcek.hwID', /is missing/],
    ['hwID of 63 bytes', { rawExt: { [OID.hwID]: new Uint8Array(63) } }, 'snp.vcek.hwID', /malformed/],
    ['missing productName', { omit: [OID.productName] }, 'snp.vcek.productName', /is missing/],
    ['productName of another product', { productName: 'Genoa' }, 'snp.vcek.productName', /"Genoa", but the chain is for Milan/],
  ] as const)('%s', async (_n, o, id, msg) => {
    const l = await makeFakeLeaf(milan, { hwID: baseChip(), spl: SPL, keys: leaf.keys, ...o });
    const { checks } = await run(report, l.der);
    expect(failedIds(checks)).toEqual([id]);
    expect(check(checks, id).detail).toMatch(msg);
  });

  it('accepts an ucodeSPL that needs a leading zero byte (0xD9 = 02 02 00 d9)', async () => {
    const spl = { bl: 4, tee: 0, snp: 24, ucode: 217 };
    const l = await makeFakeLeaf(milan, { hwID: baseChip(), spl, keys: leaf.keys });
    const r = await resign(report, leaf.keys.privateKey, (b) => putLE(b, OFFSET.REPORTED_TCB, 8, 0xd918000000000004n));
    const { checks } = await run(r, l.der);
    expect(failedIds(checks)).toEqual([]);
  });
});

describe('certificate signatures and keys', () => {
  it('a VCEK signed by the ARK instead of the ASK fails snp.chain.vcek', async () => {
    const l = await makeFakeLeaf(milan, { hwID: baseChip(), spl: SPL, keys: leaf.keys, signingKey: milan.arkKeys.privateKey });
    const { checks } = await run(report, l.der);
    expect(failedIds(checks)).toEqual(['snp.chain.vcek']);
  });

  it('a VCEK signed with RSASSA-PKCS1-v1_5 SHA-256 fails snp.chain.vcek, naming the algorithm', async () => {
    const pkcs = (await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.create({
      subject: leaf.cert.subject,
      issuer: milan.mid.subject,
      notBefore: leaf.cert.notBefore,
      notAfter: leaf.cert.notAfter,
      publicKey: leaf.keys.publicKey,
      signingKey: pkcs.privateKey,
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as Algorithm,
      extensions: leaf.cert.extensions,
    });
    const { checks } = await run(report, new Uint8Array(cert.rawData));
    expect(failedIds(checks)).toEqual(['snp.chain.vcek']);
    expect(check(checks, 'snp.chain.vcek').detail).toMatch(/RSASSA-PKCS1-v1_5 SHA-256 \(not RSASSA-PSS\), want RSA-PSS SHA-384 \(MGF1 SHA-384\) salt 48/);
  });

  it('a VCEK with a P-256 key fails snp.report.signature, naming the key type', async () => {
    const l = await makeFakeLeaf(milan, { hwID: baseChip(), spl: SPL, keyGen: { name: 'ECDSA', namedCurve: 'P-256' } });
    const { checks } = await run(report, l.der);
    expect(failedIds(checks)).toEqual(['snp.report.signature']);
    expect(check(checks, 'snp.report.signature').detail).toMatch(/ECDSA P-256, want ECDSA P-384/);
  });

  it.each([
    ['expired', { notBefore: new Date('2020-01-01'), notAfter: new Date('2025-01-01') }, /VCEK expired 2025-01-01/],
    ['not yet valid', { notBefore: new Date('2027-01-01'), notAfter: new Date('2030-01-01') }, /VCEK is not valid before 2027-01-01/],
  ])('a VCEK that is %s fails snp.cert.validity', async (_n, dates, msg) => {
    const l = await makeFakeLeaf(milan, { hwID: baseChip(), spl: SPL, keys: leaf.keys, ...dates });
    const { checks } = await run(report, l.der);
    expect(failedIds(checks)).toEqual(['snp.cert.validity']);
    expect(check(checks, 'snp.cert.validity').detail).toMatch(msg);
  });

  it('an invalid verification time fails snp.cert.validity', async () => {
    const { checks } = await run(report, leaf.der, { now: new Date('not a date') });
    expect(failedIds(checks)).toContain('snp.cert.validity');
  });
});

describe('Turin: fmc byte in TCB_VERSION, fmcSPL, 8-byte hwID', () => {
  let turin: FakeChain;
  let tLeaf: FakeLeaf;
  let tReport: Uint8Array;
  const chip = new Uint8Array(64).map((_, i) => i + 1);
  const tspl = { fmc: 2, bl: 3, tee: 4, snp: 5, ucode: 0x52 };
  const tcb = 0x5200000005040302n; // fmc 2, bl 3, tee 4, snp 5, ucode 0x52

  beforeAll(async () => {
    turin = await makeFakeChain('Turin');
    tLeaf = await makeFakeLeaf(turin, { hwID: chip.slice(0, 8), spl: tspl, productName: 'Turin-B0' });
    // A VERSION 3 report turned into a Turin VCEK-signed one: CPUID family 0x1A model 0x02.
    tReport = await resign(vector('milan-vlek-trustee').report(), tLeaf.keys.privateKey, (b) => {
      b[OFFSET.CPUID_FAM_ID] = 0x1a;
      b[OFFSET.CPUID_MOD_ID] = 0x02;
      putLE(b, OFFSET.SIGNER_INFO, 4, 0);
      b.set(chip, OFFSET.CHIP_ID);
      putLE(b, OFFSET.REPORTED_TCB, 8, tcb);
    });
  });

  it('verifies, decoding REPORTED_TCB with the fmc byte first', async () => {
    const { checks, claims } = await run(tReport, tLeaf.der, { roots: [turin.anchor] });
    expect(failedIds(checks)).toEqual([]);
    expect(check(checks, 'snp.vcek.fmcSPL').passed).toBe(true);
    expect(check(checks, 'snp.vcek.hwID').detail).toMatch(/first 8 bytes, Turin/);
    expect(claims.product).toBe('Turin');
    expect(claims.reportedTcb).toEqual({ ...tspl, hex: '0x5200000005040302' });
  });

  it('fmcSPL mismatch fails snp.vcek.fmcSPL', async () => {
    const l = await makeFakeLeaf(turin, { hwID: chip.slice(0, 8), spl: { ...tspl, fmc: 1 }, productName: 'Turin-B0', keys: tLeaf.keys });
    const { checks } = await run(tReport, l.der, { roots: [turin.anchor] });
    expect(failedIds(checks)).toEqual(['snp.vcek.fmcSPL']);
    expect(check(checks, 'snp.vcek.fmcSPL')).toMatchObject({ field: 'REPORTED_TCB.FMC', got: '1', want: '2' });
  });

  it('a Genoa CPUID in a report under a Turin chain fails snp.report.product', async () => {
    const r = await resign(tReport, tLeaf.keys.privateKey, (b) => {
      b[OFFSET.CPUID_FAM_ID] = 0x19;
      b[OFFSET.CPUID_MOD_ID] = 0x11;
    });
    const { checks } = await run(r, tLeaf.der, { roots: [turin.anchor] });
    expect(failedIds(checks)).toEqual(['snp.report.product']);
  });

  it('a minimum FMC applies on Turin only', async () => {
    const { checks } = await run(tReport, tLeaf.der, { roots: [turin.anchor], policy: { minTcb: { REPORTED_TCB: { fmc: 3 } } } });
    expect(check(checks, 'snp.policy.REPORTED_TCB.FMC')).toMatchObject({ passed: false, got: '2', want: '>= 3' });
    const m = await run(report, leaf.der, { policy: { minTcb: { REPORTED_TCB: { fmc: 3 } } } });
    expect(check(m.checks, 'snp.policy.REPORTED_TCB.FMC')).toMatchObject({ passed: true });
    expect(check(m.checks, 'snp.policy.REPORTED_TCB.FMC').detail).toMatch(/does not apply/);
  });
});

describe('VLEK chain through the ASVK', () => {
  it('verifies with an ASVK anchor and fails with only an ASK', async () => {
    const vlekChain = await makeFakeChain('Milan', 'VLEK');
    const l = await makeFakeLeaf(vlekChain, { kind: 'VLEK', spl: SPL });
    const r = await resign(report, l.keys.privateKey, (b) => putLE(b, OFFSET.SIGNER_INFO, 4, 1 << 2));
    const ok = await run(r, l.der, { roots: [vlekChain.anchor] });
    expect(failedIds(ok.checks)).toEqual([]);
    expect(check(ok.checks, 'snp.chain.asvk').passed).toBe(true);
    expect(ok.claims.cspId).toBe('CN=test-cloud.example');
    const bad = await run(r, l.der, { roots: [milan.anchor] });
    expect(failedIds(bad.checks)).toEqual(['snp.chain.ark', 'snp.chain.asvk', 'snp.chain.vlek']);
    const notAllowed = await run(r, l.der, { roots: [vlekChain.anchor], policy: { signingKeys: ['VCEK'] } });
    expect(failedIds(notAllowed.checks)).toEqual(['snp.policy.SIGNING_KEY']);
  });
});

describe('CRL', () => {
  it('absent with crl: if-given -> a passing check that says revocation was not checked', async () => {
    const { checks } = await run(report, leaf.der);
    expect(check(checks, 'snp.crl')).toMatchObject({ passed: true });
    expect(check(checks, 'snp.crl')).toMatchObject({ got: 'not checked' });
    expect(check(checks, 'snp.crl').detail).toMatch(/^revocation not checked: no CRL was given \(policy crl: if-given\)/);
  });

  it('absent with crl: require -> fails', async () => {
    const { checks } = await run(report, leaf.der, { policy: { crl: 'require' } });
    expect(failedIds(checks)).toEqual(['snp.crl']);
  });

  it('given, signed by the ARK, current, ASK not revoked -> passes', async () => {
    const crl = await makeFakeCrl(milan, { revoked: ['0a0b0c'] });
    const { checks } = await run(report, leaf.der, { crl });
    expect(failedIds(checks)).toEqual([]);
    expect(check(checks, 'snp.crl.ask').detail).toMatch(/not on the CRL/);
  });

  it('revoking the ASK fails snp.crl.ask', async () => {
    const crl = await makeFakeCrl(milan, { revoked: [milan.mid.serialNumber] });
    const { checks } = await run(report, leaf.der, { crl });
    expect(failedIds(checks)).toEqual(['snp.crl.ask']);
    expect(check(checks, 'snp.crl.ask').detail).toMatch(/revoked since 2025-06-01/);
  });

  it.each([
    ['signed by another key', async () => makeFakeCrl(milan, { signingKey: milan.midKeys.privateKey }), /not signed by ARK ARK-Milan: signature does not verify/],
    ['stale', async () => makeFakeCrl(milan, { thisUpdate: new Date('2025-01-01'), nextUpdate: new Date('2025-02-01') }), /is stale: nextUpdate 2025-02-01/],
    ['not yet valid', async () => makeFakeCrl(milan, { thisUpdate: new Date('2026-06-01') }), /not yet valid/],
    ['from another chain', async () => makeFakeCrl(await makeFakeChain('Milan')), /not signed by ARK/],
  ])('a CRL %s fails snp.crl under crl: require, and is "revocation not checked" otherwise', async (_n, make, msg) => {
    const crl = await make();
    const required = await run(report, leaf.der, { crl, policy: { crl: 'require' } });
    expect(failedIds(required.checks)).toEqual(['snp.crl']);
    expect(check(required.checks, 'snp.crl').detail).toMatch(msg);
    expect(check(required.checks, 'snp.crl')).toMatchObject({ got: 'not checked' });
    const soft = await run(report, leaf.der, { crl, policy: { crl: 'fetch' } });
    expect(failedIds(soft.checks)).toEqual([]);
    expect(check(soft.checks, 'snp.crl')).toMatchObject({ passed: true, got: 'not checked' });
    expect(check(soft.checks, 'snp.crl').detail).toMatch(/^revocation not checked: /);
  });

  it('accepts a PEM CRL', async () => {
    const der = await makeFakeCrl(milan);
    const pem = new TextEncoder().encode(x509.PemConverter.encode(der as BufferSource, 'X509 CRL'));
    const { checks } = await run(report, leaf.der, { crl: pem });
    expect(failedIds(checks)).toEqual([]);
  });

  describe('crl: fetch, from a local HTTP server standing in for KDS', () => {
    let server: ReturnType<typeof createServer>;
    let origin = '';
    const requested: string[] = [];
    let body: Uint8Array = new Uint8Array(0);
    let status = 200;

    beforeAll(async () => {
      body = await makeFakeCrl(milan);
      server = createServer((req, res) => {
        requested.push(req.url ?? '');
        res.writeHead(status, { 'content-type': 'application/pkix-crl' });
        res.end(status === 200 ? Buffer.from(body) : 'not found');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    // Sends KDS requests to the local server, keeping the path, so the test sees which URL was asked for.
    const kdsFetch: typeof fetch = (input, init) => fetch(origin + new URL(String(input)).pathname, init);
    // A fetched CRL is kept until its nextUpdate; each case here starts without it.
    beforeEach(() => clearVerifyCaches());

    it('keeps a fetched CRL until its nextUpdate: a second verification does not fetch it again', async () => {
      status = 200;
      requested.length = 0;
      await run(report, leaf.der, { policy: { crl: 'fetch' }, fetch: kdsFetch });
      const second = await run(report, leaf.der, { policy: { crl: 'fetch' }, fetch: kdsFetch });
      expect(requested).toEqual(['/vcek/v1/Milan/crl']);
      expect(check(second.checks, 'snp.crl').detail).toMatch(/kept until its nextUpdate/);
    });

    it('fetches /vcek/v1/Milan/crl and checks it', async () => {
      status = 200;
      requested.length = 0;
      const { checks } = await run(report, leaf.der, { policy: { crl: 'fetch' }, fetch: kdsFetch });
      expect(requested).toEqual(['/vcek/v1/Milan/crl']);
      expect(failedIds(checks)).toEqual([]);
      expect(check(checks, 'snp.crl').detail).toMatch(/fetched from https:\/\/kdsintf.amd.com\/vcek\/v1\/Milan\/crl/);
    });

    it('a CRL given in the input is used without fetching', async () => {
      requested.length = 0;
      await run(report, leaf.der, { policy: { crl: 'fetch' }, fetch: kdsFetch, crl: body });
      expect(requested).toEqual([]);
    });

    it('HTTP 404: "revocation not checked" under crl: fetch, a failure under crl: require', async () => {
      status = 404;
      const soft = await run(report, leaf.der, { policy: { crl: 'fetch' }, fetch: kdsFetch });
      const hard = await run(report, leaf.der, { policy: { crl: 'require' }, fetch: kdsFetch });
      status = 200;
      expect(failedIds(soft.checks)).toEqual([]);
      expect(check(soft.checks, 'snp.crl')).toMatchObject({ got: 'not checked' });
      expect(check(soft.checks, 'snp.crl').detail).toMatch(/^revocation not checked: .*HTTP 404/);
      expect(failedIds(hard.checks)).toEqual(['snp.crl']);
      expect(check(hard.checks, 'snp.crl').detail).toMatch(/HTTP 404; the policy requires a revocation check/);
    });

    it('garbage from the server is "revocation not checked" (crl: fetch), not a throw', async () => {
      const saved = body;
      body = new Uint8Array([1, 2, 3]);
      const { checks } = await run(report, leaf.der, { policy: { crl: 'fetch' }, fetch: kdsFetch });
      const hard = await run(report, leaf.der, { policy: { crl: 'require' }, fetch: kdsFetch });
      body = saved;
      expect(failedIds(checks)).toEqual([]);
      expect(check(checks, 'snp.crl').detail).toMatch(/fetched CRL/);
      expect(failedIds(hard.checks)).toEqual(['snp.crl']);
    });

    it('no fetch given (offline) says revocation was not checked, naming the URL', async () => {
      const { checks } = await run(report, leaf.der, { policy: { crl: 'fetch' } });
      expect(failedIds(checks)).toEqual([]);
      expect(check(checks, 'snp.crl').detail).toMatch(/^revocation not checked: no network access.*\/vcek\/v1\/Milan\/crl/);
    });

    it('a revoked ASK fails whatever the mode', async () => {
      const saved = body;
      body = await makeFakeCrl(milan, { revoked: [milan.mid.serialNumber] });
      const { checks } = await run(report, leaf.der, { policy: { crl: 'fetch' }, fetch: kdsFetch });
      body = saved;
      expect(failedIds(checks)).toEqual(['snp.crl.ask']);
    });

    it('an aborted fetch throws E_ABORTED', async () => {
      const ac = new AbortController();
      ac.abort();
      await expect(run(report, leaf.der, { policy: { crl: 'fetch' }, fetch: kdsFetch, signal: ac.signal })).rejects.toSatisfy(
        (e: unknown) => e instanceof ConfidantError && e.code === 'E_ABORTED',
      );
    });
  });
});

// (@peculiar/x509's generator cannot issue serial number 0, so fakes have random serials; the real
// vectors cover AMD's serial-0 VCEKs.)
it('fake certificates use the AMD signature algorithm', () => {
  expect(PSS).toMatchObject({ name: 'RSA-PSS', saltLength: 48 });
  expect(leaf.cert.signatureAlgorithm).toMatchObject({ name: 'RSA-PSS', hash: { name: 'SHA-384' }, saltLength: 48 });
});
