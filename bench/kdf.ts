/**
 * The passphrase KDF: what a person waits for at unlock (and an attacker pays per guess).
 * Argon2id as new libraries use it (64 MiB, 3 passes, 1 lane; hash-wasm) beside the PBKDF2-SHA256
 * 600k records made before it (Web Crypto, native), median of 5 each, in Node on this machine.
 * The panel runs the same WASM in the engine worker; issue #13 asks for under 1.5 s.
 */
import { createKeyRecord, unwrapDataKey, PBKDF2_MIN_ITERATIONS } from '../src/core/crypto/keys.ts';
import { median, row, type BenchRow } from './lib.ts';

async function time(f: () => Promise<unknown>, n = 5): Promise<number> {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await f();
    ts.push(performance.now() - s);
  }
  return median(ts);
}

export async function run(): Promise<BenchRow[]> {
  const argon = (await createKeyRecord({ passphrase: 'correct horse battery staple' })).record;
  const pbkdf2 = (await createKeyRecord({ passphrase: 'correct horse battery staple', iterations: PBKDF2_MIN_ITERATIONS })).record;
  const a = await time(() => unwrapDataKey(argon, { passphrase: 'correct horse battery staple' }));
  const p = await time(() => unwrapDataKey(pbkdf2, { passphrase: 'correct horse battery staple' }));
  return [row('unlock: Argon2id m=64MiB t=3 p=1', a, 'ms', 'PBKDF2-SHA256 600k', p)];
}
