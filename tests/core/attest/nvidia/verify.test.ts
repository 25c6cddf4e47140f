import '../../../../src/core/attest/x509/peculiar.ts';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../../src/core/errors.ts';
import type { Check } from '../../../../src/core/attest/types.ts';
import {
  type Cert,
  NVIDIA_DEVICE_ROOT_DER_SHA256,
  NVIDIA_DEVICE_ROOT_PEM,
  NVIDIA_RIM_ROOT_PEM,
  leafDeviceId,
  leafFwid,
  parsePemCerts,
  parsePemChain,
  parseRim,
  parseSpdmEvidence,
  serialToDecimal,
  verifyGpuReport,
} from '../../../../src/core/attest/nvidia/index.ts';
import { KeyUsage } from '../../../../src/core/attest/nvidia/certs.ts';
import { FAKE_NOW, makeFakeGpuChain, resign } from './fake.ts';
import { mulberry32 } from '../../../helpers/prng.ts';
import { HAS_AGPL_VECTORS, RIM_TIME, agplNras, flipBit, h100Vectors, nvtrustNras, rimText } from './h100.ts';

const vectors = h100Vectors();
const byName = (n: string) => vectors.find((v) => v.name === n)!;
const nvRoots = parsePemCerts('root', NVIDIA_DEVICE_ROOT_PEM);

const failed = (checks: Check[]) => checks.filter((c) => !c.passed).map((c) => c.id);
const check = (checks: Check[], id: string) => {
  const c = checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${checks.map((x) => x.id).join(', ')}`);
  return c;
};

async function run(report: Uint8Array, pem: string, now = RIM_TIME, roots: Cert[] = nvRoots, requireFwid = false) {
  return verifyGpuReport(parseSpdmEvidence(report), parsePemCerts('certChainPem', pem), { now, trustedRoots: roots, requireFwid });
}

describe('the pinned roots', () => {
  it('device-root.ts is the NVIDIA Device Identity CA with the SHA-256 in its comment', async () => {
    const [der] = parsePemChain('root', NVIDIA_DEVICE_ROOT_PEM);
    expect(Buffer.from(await crypto.subtle.digest('SHA-256', der! as BufferSource)).toString('hex')).toBe('102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48');
    expect(NVIDIA_DEVICE_ROOT_DER_SHA256).toBe('102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48');
    expect(nvRoots[0]!.name).toBe('NVIDIA Device Identity CA');
  });
  it('rim-root.ts is the NVIDIA CoRIM signing Root CA', async () => {
    const [der] = parsePemChain('root', NVIDIA_RIM_ROOT_PEM);
    expect(Buffer.from(await crypto.subtle.digest('SHA-256', der! as BufferSource)).toString('hex')).toBe('12977b5115acb0381179279fffeb5a8c4d264971ebb32298023a465fa41df5d1');
  });
});

describe('verifyGpuReport on the real H100 vectors', () => {
  it.each(vectors)('$name: chain, report signature and FWID all pass', async (v) => {
    const checks = await run(v.report, v.certChainPem);
    expect(failed(checks)).toEqual([]);
    expect(checks.map((c) => c.id)).toEqual([
      'gpu.chain.length',
      'gpu.chain.root',
      'gpu.chain.signature.0',
      'gpu.chain.signature.1',
      'gpu.chain.signature.2',
      'gpu.chain.signature.3',
      'gpu.chain.validity',
      'gpu.chain.algorithms',
      'gpu.chain.extensions',
      'gpu.spdm.signature',
      'gpu.fwid',
    ]);
    const certs = parsePemCerts('c', v.certChainPem);
    if (v.fwid === 'present') {
      expect(check(checks, 'gpu.fwid').got).toBe(parseSpdmEvidence(v.report).response.opaque.fwid);
      expect(check(checks, 'gpu.fwid').want).toBe(check(checks, 'gpu.fwid').got);
      expect(Buffer.from(leafFwid(certs[0]!).fwid!).toString('hex')).toBe(check(checks, 'gpu.fwid').got);
    } else {
      expect(check(checks, 'gpu.fwid').detail).toMatch(/^skipped: the report has no FWID/);
    }
    expect(leafDeviceId(certs[0]!)).toMatch(/^NVIDIA:GH100:[0-9A-F]{16}$/);
  });

  it('the sdk-535 report without FWID fails when the policy requires one', async () => {
    const checks = await run(byName('sdk-535-sample').report, byName('sdk-535-sample').certChainPem, RIM_TIME, nvRoots, true);
    expect(failed(checks)).toEqual(['gpu.fwid']);
  });

  it('the nvtrust leaf serial in decimal is the ueid NRAS reported for it', () => {
    expect(serialToDecimal(parsePemCerts('c', byName('nvtrust-sample').certChainPem)[0]!.serialHex)).toBe(nvtrustNras.ueid);
  });

  it('the leaf is the FMC certificate, signed by the BROM, and the root is the pinned one', async () => {
    const certs = parsePemCerts('c', byName('nvtrust-sample').certChainPem);
    expect(certs.map((c) => c.name)).toEqual(['GH100 A01 GSP FMC LF', 'GH100 A01 GSP BROM', 'NVIDIA GH100 Provisioner ICA 1', 'NVIDIA GH100 Identity', 'NVIDIA Device Identity CA']);
    expect(certs[0]!.keyUsage).toBe(KeyUsage.digitalSignature);
  });
});

describe('a flipped bit anywhere in the signed bytes fails gpu.spdm.signature', () => {
  const rnd = mulberry32(7);
  const cases: [string, string, number][] = [];
  for (const v of vectors) {
    const ev = parseSpdmEvidence(v.report);
    for (let i = 0; i < 4; i++) cases.push([v.name, 'requester nonce', 4 + Math.floor(rnd() * 32)]);
    for (let i = 0; i < 4; i++) {
      const b = ev.response.blocks[Math.floor(rnd() * 64)]!;
      cases.push([v.name, `measurement block ${b.index}`, b.offset + 7 + Math.floor(rnd() * 48)]);
    }
    cases.push([v.name, 'responder nonce', ev.signatureOffset - ev.response.opaqueLength - 2 - 32 + Math.floor(rnd() * 32)]);
    for (const e of ev.response.opaque.entries.filter((x) => [3, 6, 15, 17, 20, 21].includes(x.type))) {
      cases.push([v.name, `opaque ${e.name}`, e.offset + 4 + Math.floor(rnd() * e.value.length)]);
    }
    for (let i = 0; i < 3; i++) cases.push([v.name, 'signature', ev.signatureOffset + Math.floor(rnd() * 96)]);
  }
  it.each(cases)('%s: %s (byte %i)', async (name, what, pos) => {
    const v = byName(name);
    const bit = pos % 8;
    let checks: Check[];
    try {
      checks = await run(flipBit(v.report, pos, bit), v.certChainPem);
    } catch (e) {
      // Text fields can become non-ASCII: then the report does not even parse.
      expect(e).toBeInstanceOf(ParseError);
      expect(what).toMatch(/^opaque/);
      return;
    }
    const sig = check(checks, 'gpu.spdm.signature');
    expect(sig.passed).toBe(false);
    expect(sig.got).toBe('invalid');
    if (what === 'opaque FWID') expect(check(checks, 'gpu.fwid').passed).toBe(false);
  });
});

describe('chain rejections', () => {
  const v = byName('nvtrust-sample');
  const ders = parsePemChain('c', v.certChainPem);
  const toPem = (list: Uint8Array[]) => list.map((d) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(d).toString('base64')}\n-----END CERTIFICATE-----\n`).join('');
  const rimRoot = parsePemChain('r', NVIDIA_RIM_ROOT_PEM)[0]!;
  const cases: [string, Uint8Array[], string[]][] = [
    ['a wrong root (the RIM root) at the end', [...ders.slice(0, 4), rimRoot], ['gpu.chain.root', 'gpu.chain.signature.3']],
    ['4 certificates (root left out)', ders.slice(0, 4), ['gpu.chain.length', 'gpu.chain.root']],
    ['4 certificates (BROM left out)', [ders[0]!, ...ders.slice(2)], ['gpu.chain.length', 'gpu.chain.signature.0']],
    ['6 certificates (root twice)', [...ders, ders[4]!], ['gpu.chain.length']],
    ['BROM and provisioner swapped', [ders[0]!, ders[2]!, ders[1]!, ders[3]!, ders[4]!], ['gpu.chain.signature.0', 'gpu.chain.signature.1', 'gpu.chain.signature.2']],
    ['reversed', [...ders].reverse(), ['gpu.chain.root', 'gpu.chain.signature.0', 'gpu.chain.signature.1', 'gpu.chain.signature.2', 'gpu.chain.signature.3', 'gpu.chain.extensions', 'gpu.spdm.signature', 'gpu.fwid']],
    ['another GPU’s chain', parsePemChain('c', byName('trustee-coco').certChainPem), ['gpu.spdm.signature', 'gpu.fwid']],
    ['another GPU’s leaf on this chain', [parsePemChain('c', byName('trustee-coco').certChainPem)[0]!, ...ders.slice(1)], ['gpu.chain.signature.0', 'gpu.spdm.signature', 'gpu.fwid']],
  ];
  it.each(cases)('%s', async (_, list, want) => {
    const checks = await run(v.report, toPem(list));
    const f = failed(checks);
    for (const id of want) expect(f).toContain(id);
    for (const id of f) expect(want).toContain(id);
  });

  it('names got and want on the length check', async () => {
    const c = check(await run(v.report, toPem(ders.slice(0, 4))), 'gpu.chain.length');
    expect([c.got, c.want]).toEqual(['4', '5']);
    expect(c.detail).toBe('GPU device certificate chain: got 4 certificates, want exactly 5');
  });

  it('fails validity before the certificates were issued', async () => {
    const c = check(await run(v.report, v.certChainPem, new Date('2019-01-01T00:00:00Z')), 'gpu.chain.validity');
    expect(c.passed).toBe(false);
    expect(c.detail).toContain('certificate 0 (GH100 A01 GSP FMC LF) is valid 2020-10-17T00:00:00.000Z to 9999-12-31T23:59:59.000Z, not at 2019-01-01T00:00:00.000Z');
  });

  it('never trusts the root the evidence carries: an empty trust list fails the root check', async () => {
    expect(failed(await run(v.report, v.certChainPem, RIM_TIME, []))).toEqual(['gpu.chain.root']);
  });
});

describe('fake chains from test keys', () => {
  const real = byName('nvtrust-sample');
  const nonce = new Uint8Array(32).fill(7);

  it('a development root supplied by the caller verifies; the pinned NVIDIA root rejects it', async () => {
    const fwid = parseSpdmEvidence(real.report).response.opaque.fwid!;
    const fake = await makeFakeGpuChain({ fwid: Buffer.from(fwid, 'hex') });
    const report = await resign(real.report, fake.leafKeys.privateKey, { nonce });
    const devRoots = parsePemCerts('dev', fake.rootPem);
    expect(failed(await run(report, fake.pem, FAKE_NOW, devRoots))).toEqual([]);
    expect(failed(await run(report, fake.pem, FAKE_NOW, nvRoots))).toEqual(['gpu.chain.root']);
    // And the real chain cannot vouch for the fake-signed report.
    expect(failed(await run(report, real.certChainPem, FAKE_NOW))).toEqual(['gpu.spdm.signature']);
  });

  it('an FWID different from the leaf’s fails gpu.fwid with got and want', async () => {
    const fake = await makeFakeGpuChain({ fwid: new Uint8Array(48).fill(0xaa) });
    const report = await resign(real.report, fake.leafKeys.privateKey, { fwid: new Uint8Array(48).fill(0xbb) });
    const c = check(await run(report, fake.pem, FAKE_NOW, parsePemCerts('dev', fake.rootPem)), 'gpu.fwid');
    expect(c).toMatchObject({ passed: false, got: 'bb'.repeat(48), want: 'aa'.repeat(48) });
  });

  it('a report FWID with a leaf lacking TcbInfo fails gpu.fwid', async () => {
    const fake = await makeFakeGpuChain({ fwid: null });
    const report = await resign(real.report, fake.leafKeys.privateKey);
    const c = check(await run(report, fake.pem, FAKE_NOW, parsePemCerts('dev', fake.rootPem)), 'gpu.fwid');
    expect(c.passed).toBe(false);
    expect(c.detail).toContain('2.23.133.5.4.1 absent');
  });

  it.each([
    ['a leaf that is a CA', { leafIsCa: true }, 'gpu.chain.extensions', /certificate 0 \(leaf\) is a CA/],
    ['a leaf without digitalSignature', { leafKeyUsage: x509.KeyUsageFlags.keyEncipherment }, 'gpu.chain.extensions', /lacks digitalSignature/],
    ['an expired leaf', { leafNotAfter: new Date('2025-06-01T00:00:00Z') }, 'gpu.chain.validity', /certificate 0 .* not at 2026-01-01/],
  ] as const)('%s fails %s', async (_, opts, id, msg) => {
    const fwid = Buffer.from(parseSpdmEvidence(real.report).response.opaque.fwid!, 'hex');
    const fake = await makeFakeGpuChain({ fwid, ...opts });
    const report = await resign(real.report, fake.leafKeys.privateKey);
    const checks = await run(report, fake.pem, FAKE_NOW, parsePemCerts('dev', fake.rootPem));
    expect(failed(checks)).toEqual([id]);
    expect(check(checks, id).detail).toMatch(msg);
  });
});

describe('certificate decoding agrees with @peculiar/x509', () => {
  const all: [string, Uint8Array][] = [];
  for (const v of vectors) parsePemChain('c', v.certChainPem).forEach((d, i) => all.push([`${v.name}[${i}]`, d]));
  for (const [n, t] of [
    ['driver RIM', rimText.driver550_144_03()],
    ['VBIOS RIM', rimText.vbios535()],
  ] as const) {
    parseRim(t).signature.certs.forEach((c, i) => all.push([`${n} KeyInfo[${i}]`, c.der]));
  }
  if (HAS_AGPL_VECTORS) (agplNras.jwks() as { keys: { x5c: string[] }[] }).keys[0]!.x5c.forEach((b, i) => all.push([`NRAS x5c[${i}]`, new Uint8Array(Buffer.from(b, 'base64'))]));

  it.each(all)('%s', (_, der) => {
    const mine = parsePemCerts('c', `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64')}\n-----END CERTIFICATE-----`)[0]!;
    const theirs = new x509.X509Certificate(der as BufferSource);
    expect(mine.serialHex).toBe(theirs.serialNumber.toLowerCase().replace(/^00(?=[89a-f])/, ''));
    expect(mine.notBefore.getTime()).toBe(theirs.notBefore.getTime());
    expect(mine.notAfter.getTime()).toBe(theirs.notAfter.getTime());
    expect(mine.name).toBe(/CN=([^,]+)/.exec(theirs.subject)?.[1]);
    expect(mine.extensions.map((e) => [e.oid, e.critical, Buffer.from(e.value).toString('hex')])).toEqual(theirs.extensions.map((e) => [e.type, e.critical, Buffer.from(e.value).toString('hex')]));
    const bc = theirs.getExtension(x509.BasicConstraintsExtension);
    expect(mine.ca).toBe(bc ? bc.ca : null);
    const ku = theirs.getExtension(x509.KeyUsagesExtension);
    expect(mine.keyUsage).toBe(ku ? ku.usages : null);
    expect(Buffer.from(mine.spki).toString('hex')).toBe(Buffer.from(theirs.publicKey.rawData).toString('hex'));
  });
});
