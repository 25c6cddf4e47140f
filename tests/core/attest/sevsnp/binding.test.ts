/**
 * REPORT_DATA bindings other systems use, on their real evidence (FACTS.md §5): the Azure HCL
 * report binds its runtime-claims JSON; Tinfoil binds its TLS key and HPKE key. They show what a
 * REPORT_DATA binding looks like on real hardware output; Confidant's own is in binding.ts.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import '../../../../src/core/attest/x509/peculiar.ts';
import { SubjectAlternativeNameExtension, X509Certificate } from '@peculiar/x509';
import { REPORT_SIZE, defaultSnpPolicy, parseReport, verifySnp } from '../../../../src/core/attest/sevsnp/index.ts';
import { toHex } from '../../../../src/core/bytes.ts';
import { HAS_AGPL_VECTORS, readVector, readVectorText } from '../../../helpers/vectors.ts';
import { vector } from './fixtures.ts';

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

describe('Azure HCL report (genoa-azure-trustee)', () => {
  const evidence = JSON.parse(readVectorText('snp/genoa-azure-trustee/evidence-genoa.json')) as { report: number[] };
  const hcl = new Uint8Array(evidence.report);

  it('holds the SNP report at bytes 32..1215 (the DERIVED .bin), which verifies', async () => {
    const snp = hcl.subarray(32, 32 + REPORT_SIZE);
    expect(toHex(snp)).toBe(toHex(readVector('snp/genoa-azure-trustee/snp-report.DERIVED.bin')));
    const v = vector('genoa-azure-trustee');
    const { checks } = await verifySnp({ report: snp.slice(), vcek: v.vcek() }, defaultSnpPolicy, { now: v.validAt });
    expect(checks.every((c) => c.passed)).toBe(true);
  });

  it('REPORT_DATA[0..32] is SHA-256 of the runtime-claims JSON that follows the 20-byte header', () => {
    const hdrOff = 32 + REPORT_SIZE;
    const dv = new DataView(hcl.buffer, hcl.byteOffset + hdrOff, 20);
    const [dataSize, version, reportType, hashType, claimSize] = [0, 4, 8, 12, 16].map((o) => dv.getUint32(o, true));
    expect({ dataSize, version, reportType, hashType, claimSize }).toEqual({ dataSize: 1220, version: 1, reportType: 2, hashType: 1, claimSize: 1200 });
    const claims = hcl.subarray(hdrOff + 20, hdrOff + 20 + claimSize!);
    const json = JSON.parse(new TextDecoder().decode(claims)) as { keys?: Array<{ kid?: string }> };
    expect(JSON.stringify(json)).toContain('HCLAkPub');
    const r = parseReport(hcl.slice(32, 32 + REPORT_SIZE));
    expect(toHex(r.REPORT_DATA.subarray(0, 32))).toBe(toHex(sha256(claims)));
    expect(r.REPORT_DATA.subarray(32).every((b) => b === 0)).toBe(true);
    // One changed byte of the claims breaks the binding.
    const tampered = claims.slice();
    tampered[10]! ^= 1;
    expect(toHex(r.REPORT_DATA.subarray(0, 32))).not.toBe(toHex(sha256(tampered)));
  });
});

describe.skipIf(!HAS_AGPL_VECTORS)('Tinfoil bundle (agpl-origin/genoa-tinfoil, test input only; not committed, see tests/helpers/vectors.ts)', () => {
  const bundle = (HAS_AGPL_VECTORS ? JSON.parse(readVectorText('snp/agpl-origin/genoa-tinfoil/attestation-bundle.json')) : {}) as {
    enclaveAttestationReport: { body: string };
    vcek: string;
    enclaveCert: string;
  };

  it('the DERIVED files are the gunzipped report body and the base64 VCEK of the bundle', () => {
    const report = new Uint8Array(gunzipSync(Buffer.from(bundle.enclaveAttestationReport.body, 'base64')));
    expect(toHex(report)).toBe(toHex(readVector('snp/agpl-origin/genoa-tinfoil/snp-report.DERIVED.bin')));
    expect(Buffer.from(bundle.vcek, 'base64').equals(Buffer.from(readVector('snp/agpl-origin/genoa-tinfoil/vcek.DERIVED.der')))).toBe(true);
  });

  it('REPORT_DATA[0..32] = SHA-256(SPKI of the TLS certificate); REPORT_DATA[32..64] = the HPKE key named in its SANs', () => {
    const r = parseReport(readVector('snp/agpl-origin/genoa-tinfoil/snp-report.DERIVED.bin'));
    const tls = new X509Certificate(bundle.enclaveCert);
    expect(tls.subject).toBe('CN=inference.tinfoil.sh');
    expect(toHex(r.REPORT_DATA.subarray(0, 32))).toBe(toHex(sha256(new Uint8Array(tls.publicKey.rawData))));

    // The HPKE key is spread over DNS labels `NN<base32>.hpke.tinfoil.sh`, NN being the label's index.
    const san = tls.getExtension(SubjectAlternativeNameExtension)!;
    const labels = san.names.items
      .map((n) => n.value)
      .filter((d) => d.endsWith('.hpke.tinfoil.sh'))
      .map((d) => d.split('.')[0]!)
      .sort();
    const b32 = labels.map((l) => l.slice(2)).join('').toUpperCase();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let bits = '';
    for (const ch of b32) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
    const key = new Uint8Array(Math.floor(bits.length / 8)).map((_, i) => parseInt(bits.slice(8 * i, 8 * i + 8), 2));
    expect(toHex(key)).toBe(toHex(r.REPORT_DATA.subarray(32, 64)));
  });
});
