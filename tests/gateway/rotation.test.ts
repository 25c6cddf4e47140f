/** Key rotation: a short key lifetime and grace lead to E_KEY_EXPIRED; re-attestation recovers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSealedChat } from '../../src/core/channel/client.ts';
import type { ConfidantError } from '../../src/core/errors.ts';
import { collect, startStack, type Stack } from '../helpers/gateway-fixture.ts';

let stack: Stack;
const ask = { messages: [{ role: 'user' as const, content: 'rotate' }] };

beforeAll(async () => {
  stack = await startStack(['--key-lifetime', '2', '--key-grace', '2']);
}, 40_000);
afterAll(async () => stack?.stop());

describe('key rotation', () => {
  it('accepts the old key in its grace period, then answers E_KEY_EXPIRED until the client re-attests', async () => {
    const first = await stack.attest();
    expect((await collect(openSealedChat(first.channel, ask))).content).toBe('You said: rotate');

    const until = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));
    await until(first.channel.expiresAt.getTime() + 150); // past lifetime, inside the 2 s grace
    const during = await collect(openSealedChat(first.channel, ask, { now: () => new Date(first.channel.expiresAt.getTime() - 1) }));
    expect(during.content).toBe('You said: rotate');
    const second = await stack.attest();
    expect(second.channel.keyId).not.toBe(first.channel.keyId);

    await until(first.channel.expiresAt.getTime() + 2150); // past grace
    let code = '';
    try {
      await collect(openSealedChat(first.channel, ask, { now: () => new Date(first.channel.expiresAt.getTime() - 1) }));
    } catch (e) {
      code = (e as ConfidantError).code;
    }
    expect(code).toBe('E_KEY_EXPIRED');
    // the client's own clock also refuses the expired channel
    await expect(collect(openSealedChat(first.channel, ask))).rejects.toMatchObject({ code: 'E_KEY_EXPIRED' });

    const again = await stack.attest();
    expect((await collect(openSealedChat(again.channel, ask))).content).toBe('You said: rotate');
  });
});
