/**
 * Cost of verifying one NVIDIA H100 report locally (src/core/attest/nvidia): parse the SPDM
 * blob and the PEM chain, check the 5-certificate chain to the pinned root, the report
 * signature and the FWID (verifyGpu with measurements not appraised). Baseline, measured in
 * the same run: the least any verifier must do, one bare ECDSA P-384 verify (key import +
 * verify) of the same report signature over the same bytes.
 *
 * warm: median of RUNS calls in this process after a warm-up call.
 * cold: median over COLD_PROCESSES fresh Node processes of the first call after the modules are
 *       loaded (like a service worker that has just been woken); the baseline's cold figure is
 *       taken in separate fresh processes, so neither warms the other.
 * Also: the driver RIM's XML signature (parse, C14N 1.1, digest, signature, 4-cert chain), and
 * certificate decoding by our strict DER reader versus @peculiar/x509.
 *
 * Run: npx tsx -e "import('./bench/attest-gpu.ts').then(async m => (await import('./bench/lib.ts')).printRows(await m.run()))"
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, medianMs, row, type BenchRow } from './lib.ts';
import { readVectorText } from '../tests/helpers/vectors.ts';

const RUNS = 15;
const COLD_PROCESSES = 5;
const REPORT = 'h100/nvtrust-sample/hopperAttestationReport.txt';
const CHAIN = 'h100/nvtrust-sample/hopperCertChain.txt';
const NONCE = '931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb';
const NOW = new Date('2025-01-01T00:00:00Z');

async function load() {
  const nv = await import('../src/core/attest/nvidia/index.ts');
  const report = nv.parseReportHex(readVectorText(REPORT));
  const certChainPem = readVectorText(CHAIN);
  const ev = nv.parseSpdmEvidence(report);
  const leaf = nv.parsePemCerts('c', certChainPem)[0]!;
  const policy = { ...nv.defaultGpuPolicy, measurements: 'none' as const };
  const expectedNonce = new Uint8Array(Buffer.from(NONCE, 'hex'));
  return {
    nv,
    verify: async () => {
      const { checks } = await nv.verifyGpu({ report, certChainPem }, policy, { now: NOW, expectedNonce });
      if (!checks.every((c) => c.passed)) throw new Error('bench vector did not verify');
    },
    bare: async () => {
      const key = await crypto.subtle.importKey('spki', leaf.spki as BufferSource, { name: 'ECDSA', namedCurve: 'P-384' }, false, ['verify']);
      const ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-384' }, key, ev.response.signature as BufferSource, ev.signedBytes as BufferSource);
      if (!ok) throw new Error('bare verify failed');
    },
  };
}

/** In a child process: time the first call of one kind and print it. */
async function coldChild(kind: string): Promise<void> {
  const b = await load();
  const fn = kind === 'verify' ? b.verify : b.bare;
  const t0 = performance.now();
  await fn();
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0 }));
}

function coldMedian(kind: 'verify' | 'bare'): number {
  const self = fileURLToPath(import.meta.url);
  const times: number[] = [];
  for (let i = 0; i < COLD_PROCESSES; i++) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', self], { env: { ...process.env, CONFIDANT_BENCH_GPU_COLD: kind }, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`cold ${kind} run failed: ${r.stderr}`);
    times.push((JSON.parse(r.stdout) as { ms: number }).ms);
  }
  return median(times);
}

export async function run(): Promise<BenchRow[]> {
  const b = await load();
  const { nv } = b;
  const rows: BenchRow[] = [];
  const warmVerify = await medianMs(b.verify, RUNS, 2);
  const warmBare = await medianMs(b.bare, RUNS, 2);
  rows.push(row('GPU report verify (parse+chain+signature), warm', warmVerify, 'ms', 'bare ECDSA P-384 verify, warm', warmBare));
  rows.push(row('GPU report verify (parse+chain+signature), cold', coldMedian('verify'), 'ms', 'bare ECDSA P-384 verify, cold', coldMedian('bare')));

  const rimText = readVectorText('h100/rims/NV_GPU_DRIVER_GH100_550.144.03.xml');
  const rimRoots = nv.parsePemCerts('r', nv.NVIDIA_RIM_ROOT_PEM);
  const rimVerify = await medianMs(async () => {
    const checks = await nv.verifyRim(nv.parseRim(rimText), { now: NOW, trustedRoots: rimRoots, prefix: 'gpu.rim.driver' });
    if (!checks.every((c) => c.passed)) throw new Error('bench RIM did not verify');
  }, 7, 1);
  rows.push(row('driver RIM verify (XML parse, C14N 1.1, signature, chain), warm', rimVerify, 'ms', 'bare ECDSA P-384 verify, warm', warmBare));

  await import('../src/core/attest/x509/peculiar.ts');
  const { X509Certificate } = await import('@peculiar/x509');
  const pem = readVectorText(CHAIN);
  const ders = nv.parsePemChain('c', pem);
  const ours = await medianMs(() => nv.parsePemCerts('c', pem), RUNS, 2);
  const theirs = await medianMs(() => {
    for (const d of ders) {
      const x = new X509Certificate(d as BufferSource);
      void [x.subject, x.issuer, x.notBefore, x.notAfter, x.serialNumber, x.extensions, x.publicKey];
    }
  }, RUNS, 2);
  rows.push(row('decode the 5-cert chain (strict DER reader)', ours, 'ms', '@peculiar/x509 decoding the same fields', theirs));
  return rows;
}

const coldKind = process.env.CONFIDANT_BENCH_GPU_COLD;
if (coldKind) await coldChild(coldKind);
