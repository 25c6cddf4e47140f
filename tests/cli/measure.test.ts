/**
 * The measure CLI as the release workflow runs it: launch inputs in, the gateway predicate out;
 * that predicate, attested, is what `verify provenance` and the extension's release trust source
 * accept (the same measurements come back out).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mockSigstore, statement } from '../helpers/sigstore-mock.ts';
import { CONFIDANT_PREDICATE } from '../../src/core/provenance/predicates.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const OVMF = join(ROOT, 'tests', 'fixtures', 'measure', 'ovmf_AmdSev_suffix.bin');
// virtee/sev-snp-measure's vectors (tests/fixtures/measure/SOURCES.md).
const ONE_VCPU = '803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977';
const FOUR_VCPUS_NO_APPEND = '4953b1fb416fa874980e8442b3706d345926d5f38879134e00813c5d7abcbe78eafe7b422907be0b4698e2414a631942';

function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [join(ROOT, 'scripts', script), ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'confidant-measure-'));
  writeFileSync(join(dir, 'empty'), '');
  writeFileSync(join(dir, 'cmdline.txt'), 'console=ttyS0 loglevel=7\n');
});

describe('npm run measure', () => {
  it('prints the predicate: one measurement per vCPU count and product, with the digests of its inputs', async () => {
    const empty = join(dir, 'empty');
    const r = await run('measure.ts', ['--ovmf', OVMF, '--kernel', empty, '--initrd', empty, '--append-file', join(dir, 'cmdline.txt'), '--vcpus', '1', '--features', '0x21', '--product', 'Milan,Genoa']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout) as { snp: { product: string; vcpus: number; measurement: string }[]; inputs: Record<string, string> };
    expect(p.snp).toEqual([
      { vcpus: 1, cpu: 'EPYC-v4', product: 'Genoa', measurement: ONE_VCPU },
      { vcpus: 1, cpu: 'EPYC-v4', product: 'Milan', measurement: ONE_VCPU },
    ]);
    expect(p.inputs).toMatchObject({
      ovmf: createHash('sha256').update(readFileSync(OVMF)).digest('hex'),
      kernel: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      append: 'console=ttyS0 loglevel=7',
      guestFeatures: '0x21',
    });
  });

  it('names an input it cannot use (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['--vcpus', '1'], /--ovmf is required/],
      [['--ovmf', OVMF, '--vcpus', '0'], /--vcpus: got "0", want whole numbers 1\.\.512/],
      [['--ovmf', OVMF, '--vcpus', '1', '--cpu', 'Pentium'], /--cpu: got "Pentium", want one of EPYC-v4/],
      [['--ovmf', OVMF, '--vcpus', '1', '--product', 'Naples'], /--product: got "Naples"/],
      [['--ovmf', OVMF, '--vcpus', '1', '--append', 'x'], /need --kernel/],
      [['--ovmf', join(dir, 'missing.fd'), '--vcpus', '1'], /--ovmf: cannot read .*missing\.fd \(ENOENT\)/],
      [['--ovmf', join(dir, 'empty'), '--vcpus', '1'], /ovmf: no OVMF GUIDed footer table/],
    ];
    for (const [args, want] of cases) {
      const r = await run('measure.ts', args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(want);
    }
  });

  it('writes the predicate that, attested for a tag, verify provenance accepts with the same measurements', async () => {
    const out = join(dir, 'confidant-gateway.predicate.json');
    const empty = join(dir, 'empty');
    const r = await run('measure.ts', ['--ovmf', OVMF, '--kernel', empty, '--initrd', empty, '--vcpus', '4', '--features', '0x21', '--gpu-driver', '570.172.08', '--gpu-vbios', '96.00.CF.00.02', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Genoa EPYC-v4 4 vCPU  ${FOUR_VCPUS_NO_APPEND}`);
    const bytes = readFileSync(out);
    const digest = createHash('sha256').update(bytes).digest('hex');
    expect(r.stdout).toContain(`sha256 ${digest}`);

    const m = await mockSigstore();
    writeFileSync(join(dir, 'root.json'), JSON.stringify(m.trustedRoot));
    const bundle = await m.sign(statement(digest, CONFIDANT_PREDICATE, JSON.parse(bytes.toString('utf8'))), { repo: 'confidant/gateway', ref: 'refs/tags/v1.0.0' });
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify(bundle));
    const v = await run('verify.ts', ['provenance', '--bundle', join(dir, 'bundle.json'), '--trusted-root', join(dir, 'root.json'), '--repo', 'confidant/gateway', '--digest', digest]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, measurements: { snp: FOUR_VCPUS_NO_APPEND, gpu: { driver: '570.172.08' } } });
  });
});

describe('npm run measure --config', () => {
  it('takes the VM shapes and GPU versions from a release file, and refuses a shape given twice', async () => {
    const config = join(dir, 'release.json');
    writeFileSync(config, JSON.stringify({ vcpus: [1, 4], cpu: 'EPYC-v4', products: ['Genoa'], guestFeatures: '0x21', gpu: { driver: '570.172.08', vbios: '96.00.CF.00.02' } }));
    const empty = join(dir, 'empty');
    const r = await run('measure.ts', ['--ovmf', OVMF, '--kernel', empty, '--initrd', empty, '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout) as { snp: { vcpus: number; measurement: string }[]; gpu: unknown };
    expect(p.snp.map((s) => [s.vcpus, s.measurement])).toEqual([[1, '329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7ef198'], [4, FOUR_VCPUS_NO_APPEND]]);
    expect(p.gpu).toEqual({ driver: '570.172.08', vbios: '96.00.CF.00.02' });
    const twice = await run('measure.ts', ['--ovmf', OVMF, '--config', config, '--vcpus', '2']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/--vcpus and --config both say the VM shape/);
  });

  it('the project release file is one it accepts', async () => {
    const r = await run('measure.ts', ['--ovmf', OVMF, '--config', join(ROOT, 'gateway', 'release.json')]);
    expect(r.code, r.stderr).toBe(0);
  });
});
