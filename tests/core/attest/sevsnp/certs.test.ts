/** The pinned AMD roots, certificate parsing (serial 0, DER/PEM) and the VCEK/VLEK extensions. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as amd from '../../../../src/core/attest/roots/amd/index.ts';
import { AMD_TRUST_ANCHORS, trustAnchorProblems } from '../../../../src/core/attest/sevsnp/index.ts';
import { amdSignatureProblem, parseCertificate, parseCertificateChain, vcekExtensions } from '../../../../src/core/attest/sevsnp/certs.ts';
import { derIa5, derUint } from '../../../../src/core/attest/x509/der.ts';
import { pemBlocks } from '../../../../src/core/attest/x509/pem.ts';
import { toHex } from '../../../../src/core/bytes.ts';
import { ParseError } from '../../../../src/core/errors.ts';
import { readVectorText } from '../../../helpers/vectors.ts';
import { AMD_CERT_FILES, VECTORS, vector } from './fixtures.ts';

const ROOTS_DIR = join(import.meta.dirname, '..', '..', '..', '..', 'src', 'core', 'attest', 'roots', 'amd');

describe('pinned AMD roots', () => {
  it.each([
    ['ARK_MILAN_PEM', amd.ARK_MILAN_PEM, AMD_CERT_FILES.ark_milan],
    ['ASK_MILAN_PEM', amd.ASK_MILAN_PEM, AMD_CERT_FILES.ask_milan],
    ['ARK_GENOA_PEM', amd.ARK_GENOA_PEM, AMD_CERT_FILES.ark_genoa],
    ['ASK_GENOA_PEM', amd.ASK_GENOA_PEM, AMD_CERT_FILES.ask_genoa],
    ['ARK_TURIN_PEM', amd.ARK_TURIN_PEM, AMD_CERT_FILES.ark_turin],
    ['ASK_TURIN_PEM', amd.ASK_TURIN_PEM, AMD_CERT_FILES.ask_turin],
  ])('%s is byte-identical to the published certificate', (_n, pinned, file) => {
    expect(pinned).toBe(readVectorText(file));
  });

  it('ASVK_MILAN_PEM is the first certificate of the VLEK cert_chain, whose second is ARK-Milan', () => {
    const blocks = pemBlocks(readVectorText(AMD_CERT_FILES.asvk_ark_milan_vlek), 'CERTIFICATE', 't');
    expect(blocks).toHaveLength(2);
    expect(toHex(pemBlocks(amd.ASVK_MILAN_PEM, 'CERTIFICATE', 't')[0]!)).toBe(toHex(blocks[0]!));
    expect(toHex(pemBlocks(amd.ARK_MILAN_PEM, 'CERTIFICATE', 't')[0]!)).toBe(toHex(blocks[1]!));
  });

  it.each([
    ['milan.ts', ['https://kdsintf.amd.com/vcek/v1/Milan/cert_chain', 'https://kdsintf.amd.com/vlek/v1/Milan/cert_chain']],
    ['genoa.ts', ['https://kdsintf.amd.com/vcek/v1/Genoa/cert_chain']],
    ['turin.ts', ['https://kdsintf.amd.com/vcek/v1/Turin/cert_chain']],
  ])('%s names the KDS address it is published at', (file, urls) => {
    const text = readFileSync(join(ROOTS_DIR, file), 'utf8');
    for (const u of urls) expect(text).toContain(u);
  });

  it.each(AMD_TRUST_ANCHORS.map((a) => [a.product, a] as const))('%s: ARK self-signed, ASK/ASVK signed by it (RSA-PSS SHA-384 salt 48)', async (_p, anchor) => {
    expect(await trustAnchorProblems(anchor)).toEqual([]);
  });

  it.each([
    ['Milan', 'ARK-Milan', 'SEV-Milan', '2045'],
    ['Genoa', 'ARK-Genoa', 'SEV-Genoa', '2047'],
    ['Turin', 'ARK-Turin', 'SEV-Turin', '2048'],
  ])('%s names and ARK expiry', (product, ark, ask, year) => {
    const a = AMD_TRUST_ANCHORS.find((x) => x.product === product)!;
    const arkCert = parseCertificate(a.ark, 'ark');
    expect(arkCert.subject).toMatch(new RegExp(`CN=${ark}$`));
    expect(parseCertificate(a.ask!, 'ask').subject).toMatch(new RegExp(`CN=${ask}$`));
    expect(arkCert.notAfter.toISOString().slice(0, 4)).toBe(year);
  });
});

describe('VCEK/VLEK certificates of the vectors', () => {
  it.each(VECTORS)('$name: serial 0, extensions match the report', (v) => {
    const cert = parseCertificate(v.vcek(), 'vcek');
    expect(cert.serialNumber).toBe('00');
    expect(cert.subject).toMatch(v.signingKey === 'VLEK' ? /CN=SEV-VLEK$/ : /CN=SEV-VCEK$/);
    expect(cert.issuer).toMatch(v.signingKey === 'VLEK' ? /CN=SEV-VLEK-Milan$/ : new RegExp(`CN=SEV-${v.product}$`));
    const ext = vcekExtensions(cert);
    expect(ext.structVersion).toBe(0);
    expect(ext.productName).toBe(v.productName);
    expect([ext.blSPL, ext.teeSPL, ext.snpSPL, ext.ucodeSPL]).toEqual([v.reportedTcbParts.bl, v.reportedTcbParts.tee, v.reportedTcbParts.snp, v.reportedTcbParts.ucode]);
    expect(ext.fmcSPL).toBeUndefined();
    if (v.signingKey === 'VLEK') {
      expect(ext.hwID).toBeUndefined();
      expect(ext.cspID).toBe('CN=cc-us-east-2.amazonaws.com');
    } else {
      expect(ext.hwID).toBeInstanceOf(Uint8Array);
      expect(toHex((ext.hwID as Uint8Array).subarray(0, 16))).toBe(v.chipIdPrefix);
      expect(ext.cspID).toBeUndefined();
    }
  });
});

describe('parsing', () => {
  it('reads a PEM chain in order (ASK then ARK)', () => {
    const chain = parseCertificateChain(readVectorText('snp/milan-virtee/cert_chain_milan.pem'), 'certChain');
    expect(chain.map((c) => c.subject.replace(/.*CN=/, ''))).toEqual(['SEV-Milan', 'ARK-Milan']);
  });

  it('ignores explanatory text around PEM blocks', () => {
    const text = 'subject=CN = ARK-Milan\n' + amd.ARK_MILAN_PEM + '\ntrailing words\n';
    expect(parseCertificate(text, 'x').subject).toMatch(/ARK-Milan/);
  });

  it('names the certificate of a chain that is broken', () => {
    const bad = amd.ASK_MILAN_PEM + '-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n';
    try {
      parseCertificateChain(bad, 'certChain');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).field).toBe('certChain[1]');
    }
  });

  it.each([
    [[0x02, 0x01, 0x00], 0],
    [[0x02, 0x01, 0x73], 115],
    [[0x02, 0x02, 0x00, 0xd9], 217],
    [[0x02, 0x04, 0x7f, 0xff, 0xff, 0xff], 0x7fffffff],
    [[0x02, 0x05, 0x00, 0xff, 0xff, 0xff, 0xff], 0xffffffff],
  ])('derUint %j = %i', (bytes, n) => {
    expect(derUint('t', new Uint8Array(bytes))).toBe(n);
  });

  it.each([
    ['negative', [0x02, 0x01, 0x80]],
    ['non-minimal', [0x02, 0x02, 0x00, 0x01]],
    ['empty', [0x02, 0x00]],
    ['too large', [0x02, 0x05, 0x01, 0, 0, 0, 0]],
    ['wrong tag', [0x04, 0x01, 0x01]],
    ['trailing byte', [0x02, 0x01, 0x01, 0x00]],
    ['truncated', [0x02, 0x03, 0x01]],
  ])('derUint rejects %s', (_n, bytes) => {
    expect(() => derUint('t', new Uint8Array(bytes))).toThrow(ParseError);
  });

  it('derIa5 reads ASCII and rejects other bytes', () => {
    expect(derIa5('t', new Uint8Array([0x16, 0x05, 0x47, 0x65, 0x6e, 0x6f, 0x61]))).toBe('Genoa');
    expect(() => derIa5('t', new Uint8Array([0x16, 0x01, 0xc3]))).toThrow(/want ASCII/);
  });
});

describe('AMD signature algorithm, checked on the DER (every unsigned byte is pinned)', () => {
  // milan-trustee VCEK: outer signatureAlgorithm at 771..842, signature BIT STRING header at 843.
  const der = () => vector('milan-trustee').vcek();

  it('the real certificates pass', () => {
    for (const v of VECTORS) expect(amdSignatureProblem(new Uint8Array(parseCertificate(v.vcek(), 'v').rawData))).toBeUndefined();
    for (const pem of [amd.ARK_MILAN_PEM, amd.ASK_GENOA_PEM, amd.ASVK_MILAN_PEM, amd.ARK_TURIN_PEM]) {
      expect(amdSignatureProblem(pemBlocks(pem, 'CERTIFICATE', 'x')[0]!)).toBeUndefined();
    }
  });

  it.each([
    ['MGF1 OID changed in the outer algorithm', 816, /differs from the signed one/],
    ['outer hash OID changed', 799, /differs from the signed one/],
    ['outer trailerField changed', 842, /differs from the signed one/],
    ['signature BIT STRING with unused bits', 847, /unused bits/],
  ])('%s', (_n, pos, msg) => {
    const d = der();
    d[pos]! ^= 0x01;
    expect(amdSignatureProblem(d)).toMatch(msg);
  });

  it('names the parameter that is wrong when the signed algorithm itself says so', () => {
    // Change the salt in both the signed and the outer AlgorithmIdentifier.
    const d = der();
    const alg = Buffer.from('a203020130', 'hex');
    const first = Buffer.from(d).indexOf(alg);
    const second = Buffer.from(d).indexOf(alg, first + 1);
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    d[first + 4] = 0x20;
    d[second + 4] = 0x20;
    expect(amdSignatureProblem(d)).toBe('salt length is 32, not 48');
  });
});
