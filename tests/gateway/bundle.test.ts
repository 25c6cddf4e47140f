/**
 * The gateway bundle the measured image runs (scripts/bundle-gateway.mjs): the same source gives
 * the same bytes (a measurement is only worth publishing if a rebuild reproduces it), it carries
 * no development keys and cannot run simulated, and with real evidence it refuses to start
 * without an upstream and an API key rather than fall back to anything.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, timeout: 60_000, env: { PATH: process.env.PATH, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

let a: string;
let b: string;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'confidant-bundle-'));
  a = join(dir, 'a.mjs');
  b = join(dir, 'b', 'confidant-gateway.mjs');
  for (const out of [a, b]) {
    const r = await run(process.execPath, [join(ROOT, 'scripts', 'bundle-gateway.mjs'), out]);
    expect(r.code, r.stderr).toBe(0);
  }
}, 60_000);

describe('the gateway bundle for the measured image', () => {
  it('is byte-for-byte reproducible and names no path of the machine that built it', () => {
    const first = readFileSync(a);
    expect(readFileSync(b).equals(first)).toBe(true);
    expect(first.toString('utf8')).not.toContain(ROOT);
  });

  it('holds no development keys and refuses --simulated', async () => {
    const text = readFileSync(a, 'utf8');
    expect(text).not.toMatch(/PRIVATE KEY|dev-keys/);
    const r = await run(process.execPath, [a, '--simulated', '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--simulated: this gateway build has no development keys/);
  });

  it('with real evidence, requires an upstream and an API key instead of falling back', async () => {
    const gpu = ['--gpu-evidence-cmd', '["/bin/true","{nonce}"]'];
    const noUpstream = await run(process.execPath, [a, '--port', '0', ...gpu], { CONFIDANT_API_KEY: 'k' });
    expect(noUpstream.code).toBe(2);
    expect(noUpstream.stderr).toMatch(/--upstream is required without --simulated/);
    const noKey = await run(process.execPath, [a, '--port', '0', ...gpu, '--upstream', 'http://127.0.0.1:9']);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/an API key is required without --simulated/);
  });
});
