/** Tampered, truncated, reordered, spliced and replayed messages against the real gateway. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSealedChat, type VerifiedChannel } from '../../src/core/channel/client.ts';
import { REQUEST_CONTENT_TYPE } from '../../src/core/channel/suite.ts';
import type { ConfidantError } from '../../src/core/errors.ts';
import { capturingFetch, collect, rewritingFetch, startStack, type Stack } from '../helpers/gateway-fixture.ts';

let stack: Stack;
let channel: VerifiedChannel;
const ask = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

async function failure(p: Promise<unknown>): Promise<{ code: string; reason?: unknown }> {
  try {
    await p;
  } catch (e) {
    return { code: (e as ConfidantError).code, reason: (e as ConfidantError).detail?.reason };
  }
  return { code: 'no error' };
}

beforeAll(async () => {
  stack = await startStack();
  ({ channel } = await stack.attest());
}, 40_000);
afterAll(async () => stack?.stop());

describe('response stream integrity', () => {
  it('flags a flipped byte in a frame', async () => {
    const f = rewritingFetch((fr) => fr.map((x, i) => (i === 2 ? x.map((b, j) => (j === 12 ? b ^ 1 : b)) : x)));
    expect(await failure(collect(openSealedChat(channel, ask('tamper me'), { fetch: f })))).toEqual({ code: 'E_CHANNEL', reason: 'open' });
  });

  it('flags a stream cut before its end marker', async () => {
    const f = rewritingFetch((fr) => fr.slice(0, -1));
    expect(await failure(collect(openSealedChat(channel, ask('truncate me'), { fetch: f })))).toEqual({ code: 'E_CHANNEL', reason: 'truncated' });
  });

  it('flags reordered frames', async () => {
    const f = rewritingFetch((fr) => [fr[0]!, fr[2]!, fr[1]!, ...fr.slice(3)]);
    expect(await failure(collect(openSealedChat(channel, ask('reorder me'), { fetch: f })))).toEqual({ code: 'E_CHANNEL', reason: 'open' });
  });

  it('flags a frame replayed from another response (cross-request splicing)', async () => {
    let stolen: Uint8Array | undefined;
    const steal = rewritingFetch((fr) => {
      stolen = fr[1];
      return fr;
    });
    await collect(openSealedChat(channel, ask('first request'), { fetch: steal }));
    const splice = rewritingFetch((fr) => [fr[0]!, stolen!, ...fr.slice(2)]);
    expect(await failure(collect(openSealedChat(channel, ask('second request'), { fetch: splice })))).toEqual({ code: 'E_CHANNEL', reason: 'open' });
  });

  it('flags bytes appended after the end marker', async () => {
    const f = rewritingFetch((fr) => [...fr, fr[fr.length - 1]!]);
    expect((await failure(collect(openSealedChat(channel, ask('trail me'), { fetch: f })))).code).toBe('E_CHANNEL');
  });
});

describe('request replay and tampering', () => {
  it('refuses a replayed sealed request with E_CHANNEL', async () => {
    const cap = capturingFetch();
    await collect(openSealedChat(channel, ask('only once'), { fetch: cap.fetch }));
    const body = cap.bodies[0]! as BodyInit & Uint8Array;
    const again = await fetch(`${stack.gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': REQUEST_CONTENT_TYPE }, body });
    expect(again.status).toBe(400);
    expect((await again.json()).error.code).toBe('E_CHANNEL');

    // and through the client: its fresh request is swapped for the captured one
    const replaying: typeof fetch = (input, init) => fetch(input, { ...init, body });
    expect((await failure(collect(openSealedChat(channel, ask('x'), { fetch: replaying })))).code).toBe('E_CHANNEL');
  });

  it('refuses a tampered sealed request with E_CHANNEL', async () => {
    const flip: typeof fetch = (input, init) => {
      const b = (init!.body as Uint8Array).slice();
      b[b.length - 5]! ^= 0xff;
      return fetch(input, { ...init, body: b });
    };
    expect((await failure(collect(openSealedChat(channel, ask('flip'), { fetch: flip })))).code).toBe('E_CHANNEL');
  });

  it('answers an unknown key id with E_KEY_EXPIRED', async () => {
    const rename: typeof fetch = (input, init) => {
      const b = (init!.body as Uint8Array).slice();
      b[3] = b[3] === 0x41 ? 0x42 : 0x41; // second character of the key id
      return fetch(input, { ...init, body: b });
    };
    expect((await failure(collect(openSealedChat(channel, ask('who'), { fetch: rename })))).code).toBe('E_KEY_EXPIRED');
  });
});
