/**
 * Cost of verifying one SEV-SNP report (src/core/attest/sevsnp): parse the report and the VCEK,
 * chain ARK -> ASK -> VCEK (RSA-PSS), VCEK extensions, report signature (ECDSA P-384), policy.
 *
 * Baseline, measured in the same run: the least any verifier must do, one bare ECDSA P-384 /
 * SHA-384 verify of the same 672 signed bytes with the same signature (WebCrypto).
 *
 *  - warm: the chain's signature results and imported keys are cached (a second report from the
 *    same machine); baseline with the key already imported.
 *  - cold: every cache cleared before each run (fresh key imports, all three RSA-PSS signatures
 *    and the ECDSA signature verified again); baseline including the key import.
 *  - parts: parsing the VCEK with @peculiar/x509 and parsing the report, against the warm baseline.
 *
 * Each figure is the median of RUNS runs after a warm-up. Nothing here asserts a time.
 * Run: npm run bench -- attest
 */
import { median, medianMs, row, type BenchRow } from './lib.ts';
import { readVector } from '../tests/helpers/vectors.ts';

const RUNS = 25;
const REPORT = 'snp/milan-trustee/test-report.bin';
const VCEK = 'snp/milan-trustee/test-vcek.der';
const NOW = new Date('2025-06-01T00:00:00Z');

export async function run(): Promise<BenchRow[]> {
  const snp = await import('../src/core/attest/sevsnp/index.ts');
  const report = readVector(REPORT);
  const vcek = readVector(VCEK);
  const policy = snp.defaultSnpPolicy;

  const verify = async () => {
    const { checks } = await snp.verifySnp({ report, vcek }, policy, { now: NOW });
    if (!checks.every((c) => c.passed)) throw new Error('bench input did not verify');
  };

  // The baseline's inputs: the VCEK's SPKI, the signed bytes and the P1363 signature.
  const parsed = snp.parseReport(report);
  const spki = new Uint8Array(snp.parseCertificate(vcek, 'vcek').publicKey.rawData);
  const signed = snp.signedBytes(parsed).slice();
  const sig = snp.signatureP1363(parsed);
  const importKey = () => crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-384' }, false, ['verify']);
  const key = await importKey();
  const bare = async (k: CryptoKey) => {
    if (!(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-384' }, k, sig as BufferSource, signed as BufferSource))) throw new Error('baseline did not verify');
  };

  const warmBase = await medianMs(() => bare(key), RUNS, 3);
  const coldBase = await medianMs(async () => bare(await importKey()), RUNS, 3);

  const warm = await medianMs(verify, RUNS, 2);
  const coldTimes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    snp.clearVerifyCaches();
    const t0 = performance.now();
    await verify();
    coldTimes.push(performance.now() - t0);
  }
  const cold = median(coldTimes);

  const parseVcek = await medianMs(() => snp.parseCertificate(vcek, 'vcek'), RUNS, 2);
  const parseReport = await medianMs(() => snp.parseReport(report), RUNS, 2);

  return [
    row('snp: verifySnp, warm (chain cached)', warm, 'ms', 'bare ECDSA P-384 verify, 672 B (key imported)', warmBase),
    row('snp: verifySnp, cold (caches cleared)', cold, 'ms', 'bare ECDSA P-384 import + verify, 672 B', coldBase),
    row('snp: parse VCEK (@peculiar/x509)', parseVcek, 'ms', 'bare ECDSA P-384 verify, 672 B (key imported)', warmBase),
    row('snp: parse report (abi.ts)', parseReport, 'ms', 'bare ECDSA P-384 verify, 672 B (key imported)', warmBase),
  ];
}
