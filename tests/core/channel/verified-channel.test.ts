import { describe, expect, it } from 'vitest';
import { channelFromVerdict, isVerifiedChannel, openSealedChat, type VerifiedChannel } from '../../../src/core/channel/client.ts';
import { expectedReportData } from '../../../src/core/attest/binding.ts';
import type { EvidenceBundle } from '../../../src/core/attest/bundle.ts';
import { channelSuite } from '../../../src/core/channel/suite.ts';
import { ConfidantError } from '../../../src/core/errors.ts';

async function fakeBundle(nonce: Uint8Array, opts: { bind?: boolean } = {}): Promise<EvidenceBundle> {
  const suite = channelSuite();
  const kp = await suite.kem.generateKeyPair();
  const publicKey = new Uint8Array(await suite.kem.serializePublicKey(kp.publicKey));
  const gpus = [{ report: new Uint8Array([1, 2, 3]), certChainPem: 'x' }];
  const snpReport = new Uint8Array(0x4a0);
  const expiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000);
  if (opts.bind !== false) snpReport.set(await expectedReportData({ clientNonce: nonce, hpkePublicKey: publicKey, keyId: 'k1', gpus, version: 2, expiresAt, model: 'm' }), 0x50);
  return {
    json: { model: 'm', simulated: true } as EvidenceBundle['json'],
    version: 2,
    nonce: nonce.slice(),
    publicKey,
    keyId: 'k1',
    snpReport,
    gpus,
    issuedAt: new Date(),
    expiresAt,
  };
}

const pass = { ok: true, checks: [{ id: 'a', passed: true, detail: '' }] };

async function code(p: Promise<unknown> | (() => Promise<unknown>)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return (e as ConfidantError).code;
  }
  return 'no error';
}

describe('VerifiedChannel', () => {
  it('is made only from a passing verdict whose report binds the key and nonce', async () => {
    const nonce = crypto.getRandomValues(new Uint8Array(32));
    const b = await fakeBundle(nonce);
    const ch = await channelFromVerdict(pass, b, { gatewayUrl: 'http://127.0.0.1:1/', nonce });
    expect(isVerifiedChannel(ch)).toBe(true);
    expect(ch.gatewayUrl).toBe('http://127.0.0.1:1');

    expect(await code(channelFromVerdict({ ok: false, checks: [{ id: 'snp.report.signature', passed: false, detail: '' }] }, b, { gatewayUrl: 'http://x', nonce }))).toBe('E_NOT_ATTESTED');
    expect(await code(channelFromVerdict({ ok: true, checks: [{ id: 'x', passed: false, detail: '' }] }, b, { gatewayUrl: 'http://x', nonce }))).toBe('E_NOT_ATTESTED');
    const otherNonce = crypto.getRandomValues(new Uint8Array(32));
    expect(await code(channelFromVerdict(pass, b, { gatewayUrl: 'http://x', nonce: otherNonce }))).toBe('E_NOT_ATTESTED');
    const unbound = await fakeBundle(nonce, { bind: false });
    expect(await code(channelFromVerdict(pass, unbound, { gatewayUrl: 'http://x', nonce }))).toBe('E_NOT_ATTESTED');
  });

  it('refuses to send through a forged channel object, before any network use', async () => {
    let called = false;
    const forged = { gatewayUrl: 'http://127.0.0.1:1', keyId: 'k1', publicKey: new Uint8Array(1216), expiresAt: new Date(Date.now() + 1e6), model: 'm', simulated: false } as unknown as VerifiedChannel;
    const it = openSealedChat(forged, { messages: [{ role: 'user', content: 'secret' }] }, { fetch: (async () => ((called = true), new Response())) as typeof fetch });
    expect(await code(() => it.next())).toBe('E_NOT_ATTESTED');
    expect(called).toBe(false);
  });

  it('refuses an expired channel with E_KEY_EXPIRED (client must re-attest)', async () => {
    const nonce = crypto.getRandomValues(new Uint8Array(32));
    const ch = await channelFromVerdict(pass, await fakeBundle(nonce), { gatewayUrl: 'http://127.0.0.1:1', nonce });
    const it = openSealedChat(ch, { messages: [{ role: 'user', content: 'q' }] }, { now: () => new Date(Date.now() + 120_000) });
    expect(await code(() => it.next())).toBe('E_KEY_EXPIRED');
  });
});
