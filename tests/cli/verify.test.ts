/**
 * The verify CLI, spawned as a user runs it: exit 0 verified, 1 rejected, 2 input unusable
 * (naming the input); human output and --json.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimulatedEvidence } from '../../gateway/evidence/simulated.ts';
import { buildBundle } from '../../gateway/attestation.ts';
import { toHex } from '../../src/core/bytes.ts';
import { vectorPath } from '../helpers/vectors.ts';
import { mockSigstore, statement } from '../helpers/sigstore-mock.ts';
import { CONFIDANT_PREDICATE } from '../../src/core/provenance/predicates.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const snp = (p: string) => vectorPath(`snp/${p}`);
const h100 = (p: string) => vectorPath(`h100/${p}`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], viaNpm = false): Promise<Run> {
  const [cmd, argv] = viaNpm ? ['npm', ['run', '--silent', 'verify', '--', ...args]] : [TSX, [join(ROOT, 'scripts', 'verify.ts'), ...args]];
  return new Promise((resolve) => {
    execFile(cmd, argv, { cwd: ROOT, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
const file = (name: string, content: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
let noGpu: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'confidant-verify-'));
  // The vectors predate AMD's 2025 fixes: these tests drop the production minimum TCB to look at
  // one thing at a time (one test below checks that minimum itself).
  noGpu = file('no-gpu.json', JSON.stringify({ requireGpu: false, snp: { minTcbByProduct: {} } }));
});

describe.concurrent('npm run verify', () => {
  it('verifies a real Milan report (hex text) with the KDS cert_chain: exit 0, every check printed', async () => {
    const r = await run(['--snp-report', snp('milan-virtee/report_milan.hex'), '--vcek', snp('milan-virtee/vcek_milan.der'), '--cert-chain', snp('milan-virtee/cert_chain_milan.pem'), '--policy', noGpu, '--at', '2025-06-01T00:00:00Z']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ snp\.report\.signature {2}SIGNATURE \(ECDSA P-384, SHA-384\)/m);
    expect(r.stdout).toMatch(/^✓ snp\.chain\.evidence /m);
    expect(r.stdout).toMatch(/^ {2}measurement: 7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f$/m);
    expect(r.stdout).toMatch(/VERIFIED: all \d+ checks passed/);
  });

  it('--json through npm run: {ok, checks, claims}', async () => {
    const r = await run(['--snp-report', snp('genoa-azure-trustee/snp-report.DERIVED.bin'), '--vcek', snp('genoa-azure-trustee/vcek-genoa.pem'), '--policy', noGpu, '--at', '2026-06-01T00:00:00Z', '--json'], true);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; checks: { id: string; passed: boolean }[]; claims: Record<string, unknown> };
    expect(out.ok).toBe(true);
    expect(out.checks.length).toBeGreaterThan(15);
    expect(out.claims).toMatchObject({ product: 'Genoa', reportedTcb: { bl: 10, tee: 0, snp: 23, ucode: 84, hex: '0x541700000000000a' }, firmware: { current: { version: '1.55', build: 40 } } });
  });

  it('rejects the DEBUG report under the production policy: exit 1, naming the check with got/want', async () => {
    const r = await run(['--snp-report', snp('milan-go-sev-guest/attestation.bin'), '--vcek', snp('milan-go-sev-guest/vcek.der'), '--policy', noGpu, '--at', '2025-06-01T00:00:00Z']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ snp\.policy\.DEBUG {2}POLICY\.DEBUG is 1.*\(got 1, want 0\)$/m);
    expect(r.stdout).toMatch(/REJECTED: 1 of \d+ checks failed/);
  });

  it('rejects the VLEK checked today (expired 2025-12-10), and a report without a GPU under the default policy', async () => {
    const r = await run(['--snp-report', snp('milan-vlek-trustee/test-vlek-report.bin'), '--vcek', snp('milan-vlek-trustee/test-vlek.der'), '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { checks: { id: string; passed: boolean }[] };
    // Also a report from VMPL 1: the production policy wants VMPL 0.
    expect(out.checks.filter((c) => !c.passed).map((c) => c.id)).toEqual(['snp.cert.validity', 'snp.policy.VMPL', 'evidence.gpu.count']);
  });

  it('rejects a Milan platform older than AMD-SB-3019 under the production policy, naming each TCB part', async () => {
    const r = await run(['--snp-report', snp('milan-trustee/test-report.bin'), '--vcek', snp('milan-trustee/test-vcek.der'), '--policy', file('no-gpu-prod-tcb.json', JSON.stringify({ requireGpu: false })), '--at', '2025-06-01T00:00:00Z', '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { checks: { id: string; passed: boolean; want?: string }[] };
    expect(out.checks.filter((c) => !c.passed).map((c) => c.id)).toEqual(['snp.policy.REPORTED_TCB.SNP', 'snp.policy.REPORTED_TCB.MICROCODE']);
    expect(out.checks.find((c) => c.id === 'snp.policy.REPORTED_TCB.MICROCODE')?.want).toBe('>= 213');
  });

  it('checks --report-data exactly', async () => {
    const r = await run(['--snp-report', snp('milan-trustee/test-report.bin'), '--vcek', snp('milan-trustee/test-vcek.der'), '--policy', noGpu, '--at', '2025-06-01T00:00:00Z', '--report-data', '00'.repeat(64), '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { checks: { id: string; passed: boolean; want?: string }[] };
    expect(out.checks.filter((c) => !c.passed).map((c) => c.id)).toEqual(['snp.policy.REPORT_DATA']);
  });

  it('verifies SNP + a real H100 report given its nonce (GPU appraisal off by policy), and fails the GPU nonce otherwise', async () => {
    const policy = file('gpu-none.json', JSON.stringify({ gpu: { measurements: 'none' }, snp: { minTcbByProduct: {} } }));
    const base = ['--snp-report', snp('milan-trustee/test-report.bin'), '--vcek', snp('milan-trustee/test-vcek.der'), '--gpu-report', h100('nvtrust-sample/hopperAttestationReport.txt'), '--gpu-certs', h100('nvtrust-sample/hopperCertChain.txt'), '--policy', policy, '--at', '2025-01-01T00:00:00Z'];
    const ok = await run([...base, '--gpu-nonce', '931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^✓ gpu0\.nonce /m);
    const bad = await run([...base, '--gpu-nonce', '11'.repeat(32)]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^✗ gpu0\.nonce /m);
  });

  it.each([
    ['a truncated report', () => ['--snp-report', file('short.bin', new Uint8Array(100)), '--vcek', snp('milan-trustee/test-vcek.der')], /^input unusable: --snp-report \S+short\.bin \(snp\.report\): truncated: got 100 bytes/],
    ['a VCEK that is not a certificate', () => ['--snp-report', snp('milan-trustee/test-report.bin'), '--vcek', snp('milan-trustee/test-report.bin')], /^input unusable: --vcek \S+ \(snp\.vcek\): not a DER X\.509 certificate/],
    ['a missing file', () => ['--snp-report', join(dir, 'nope.bin'), '--vcek', snp('milan-trustee/test-vcek.der')], /^input unusable: --snp-report \S+nope\.bin: cannot read the file \(ENOENT\)/],
    ['a bad policy field', () => ['--snp-report', snp('milan-trustee/test-report.bin'), '--vcek', snp('milan-trustee/test-vcek.der'), '--policy', file('bad.json', '{"snp":{"minTcb":{"ucode":300}}}')], /^input unusable: --policy \S+: got 300, want an integer 0\.\.255/],
    ['an unknown flag', () => ['--snp', 'x'], /unknown argument "--snp"/],
    ['no evidence at all', () => [], /--snp-report and --vcek are required/],
    ['a nonce of the wrong size', () => ['--snp-report', snp('milan-trustee/test-report.bin'), '--vcek', snp('milan-trustee/test-vcek.der'), '--nonce', 'abcd'], /--nonce: got 2 bytes of hex, want 32/],
    ['--evidence without --nonce', () => ['--evidence', noGpu], /--evidence needs --nonce/],
  ])('%s: exit 2, naming the input', async (_n, args, msg) => {
    const r = await run(args());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(msg);
  });
});

describe('--evidence (a simulated gateway bundle)', () => {
  let bundlePath: string;
  let nonce: Uint8Array;
  beforeAll(async () => {
    const source = await SimulatedEvidence.create();
    nonce = crypto.getRandomValues(new Uint8Array(32));
    const key = { keyId: 'k-cli', keyPair: undefined as unknown as CryptoKeyPair, publicKey: crypto.getRandomValues(new Uint8Array(1216)), createdAt: Date.now(), notAfter: Date.now() + 3_600_000, seen: new Set<string>() };
    bundlePath = file('bundle.json', JSON.stringify(await buildBundle({ nonce, key, source, model: 'm' })));
  });

  it.concurrent('is rejected by the production policy (exit 1) and verified with allowSimulated (exit 0)', async () => {
    const [prod, dev] = await Promise.all([
      run(['--evidence', bundlePath, '--nonce', toHex(nonce), '--json']),
      run(['--evidence', bundlePath, '--nonce', toHex(nonce), '--policy', file('dev.json', '{"allowSimulated": true}'), '--json']),
    ]);
    expect(prod.code).toBe(1);
    expect((JSON.parse(prod.stdout) as { checks: { id: string; passed: boolean }[] }).checks.find((c) => c.id === 'evidence.simulated')!.passed).toBe(false);
    expect(dev.stderr).toBe('');
    expect(dev.code).toBe(0);
    expect(JSON.parse(dev.stdout)).toMatchObject({ ok: true, claims: { simulated: true, keyId: 'k-cli', nonce: toHex(nonce) } });
  });

  it('with another nonce, the binding fails (exit 1)', async () => {
    const r = await run(['--evidence', bundlePath, '--nonce', '00'.repeat(32), '--policy', file('dev2.json', '{"allowSimulated": true}')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ evidence\.binding\.REPORT_DATA /m);
  });
});

describe('release provenance (bundles from @sigstore/mock, checked offline against its trusted root)', () => {
  const REPO = 'confidant/gateway';
  const DIGEST = '7e'.repeat(32);
  const MILAN = '7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f';
  let root: string;
  let good: string;
  let branch: string;
  let other: string;
  beforeAll(async () => {
    const m = await mockSigstore();
    root = file('trusted-root.json', JSON.stringify(m.trustedRoot));
    const predicate = { snp: [{ vcpus: 8, cpu: 'EPYC-v3', product: 'Milan', measurement: MILAN }], gpu: { driver: '570.172.08', vbios: '96.00.CF.00.02' } };
    good = file('good.sigstore.json', JSON.stringify(await m.sign(statement(DIGEST, CONFIDANT_PREDICATE, predicate), { repo: REPO, ref: 'refs/tags/v1.2.0' })));
    branch = file('branch.sigstore.json', JSON.stringify(await m.sign(statement(DIGEST, CONFIDANT_PREDICATE, predicate), { repo: REPO, ref: 'refs/heads/main' })));
    other = file('other.sigstore.json', JSON.stringify(await m.sign(statement(DIGEST, CONFIDANT_PREDICATE, { snp: [{ vcpus: 8, cpu: 'EPYC-v3', product: 'Milan', measurement: 'ab'.repeat(48) }] }), { repo: REPO, ref: 'refs/tags/v1.3.0' })));
  });

  it('verify provenance: prints the predicate type, measurements, workflow ref and Rekor entry as JSON, exit 0', async () => {
    const r = await run(['provenance', '--bundle', good, '--trusted-root', root, '--repo', REPO, '--digest', DIGEST], true);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ ok: true, predicateType: CONFIDANT_PREDICATE, measurements: { snp: MILAN }, workflowRef: 'refs/tags/v1.2.0' });
    expect(typeof out.rekorLogIndex).toBe('number');
    expect(typeof out.integratedTime).toBe('number');
  });

  it('verify provenance: a branch build, another repository, another digest or an earlier --at each fail, naming the check (exit 1)', async () => {
    const cases: [string[], string][] = [
      [['--bundle', branch, '--repo', REPO, '--digest', DIGEST], 'provenance.identity.ref'],
      [['--bundle', good, '--repo', 'someone/else', '--digest', DIGEST], 'provenance.identity.repository'],
      [['--bundle', good, '--repo', REPO, '--digest', '00'.repeat(32)], 'provenance.subject'],
      [['--bundle', good, '--repo', REPO, '--digest', DIGEST, '--at', '1600000000'], 'provenance.time'],
    ];
    for (const [args, id] of cases) {
      const r = await run(['provenance', ...args, '--trusted-root', root]);
      expect(r.code, id).toBe(1);
      expect((JSON.parse(r.stdout) as { ok: boolean; failed: { id: string } }).failed.id).toBe(id);
    }
  });

  it('verify provenance: the bundled public-good root does not trust the mock CA (exit 1, provenance.fulcio.chain)', async () => {
    const r = await run(['provenance', '--bundle', good, '--repo', REPO, '--digest', DIGEST]);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { failed: { id: string } }).failed.id).toBe('provenance.fulcio.chain');
  });

  it('a report passes only when its MEASUREMENT is the one the release names', async () => {
    const base = ['--snp-report', snp('milan-virtee/report_milan.hex'), '--vcek', snp('milan-virtee/vcek_milan.der'), '--policy', noGpu, '--at', '2025-06-01T00:00:00Z', '--trusted-root', root, '--repo', REPO, '--digest', DIGEST, '--json'];
    const ok = await run([...base, '--provenance-bundle', good]);
    expect(ok.code).toBe(0);
    const checks = (JSON.parse(ok.stdout) as { checks: { id: string; passed: boolean }[] }).checks;
    expect(checks.find((c) => c.id === 'provenance.measurement')).toMatchObject({ passed: true });
    const bad = await run([...base, '--provenance-bundle', other]);
    expect(bad.code).toBe(1);
    expect((JSON.parse(bad.stdout) as { checks: { id: string; passed: boolean }[] }).checks.filter((c) => !c.passed).map((c) => c.id)).toEqual(['provenance.measurement']);
  });

  it('GPU evidence alone: only the GPU is appraised (exit 0), and a wrong nonce fails gpu0.nonce (exit 1)', async () => {
    const policy = file('gpu-only.json', JSON.stringify({ gpu: { measurements: 'none' } }));
    const base = ['--gpu-report', h100('nvtrust-sample/hopperAttestationReport.txt'), '--gpu-certs', h100('nvtrust-sample/hopperCertChain.txt'), '--policy', policy, '--at', '2025-01-01T00:00:00Z'];
    const ok = await run([...base, '--gpu-nonce', '931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).not.toMatch(/snp\./);
    const bad = await run([...base, '--gpu-nonce', '11'.repeat(32)]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^✗ gpu0\.nonce /m);
  });
});
