/**
 * The gateway's abuse limits, against the real gateway process: the API key is checked before
 * the request is recorded (a keyless client cannot fill the replay memory or retire the key), the
 * attestation queue is bounded (429 with Retry-After, not an unbounded wait), and an upstream that
 * stops before its end marker ends the answer with a sealed error, never a clean end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSealedChat, type VerifiedChannel } from '../../src/core/channel/client.ts';
import { toBase64Url } from '../../src/core/bytes.ts';
import { capturingFetch, collect, failure, question as ask, startStack, type Stack } from '../helpers/gateway-fixture.ts';

const KEY = 'sk-limits';
let stack: Stack;
let channel: VerifiedChannel;

beforeAll(async () => {
  stack = await startStack(['--api-key', KEY]);
  ({ channel } = await stack.attest());
}, 40_000);
afterAll(async () => stack?.stop());

describe('gateway limits', () => {
  it('checks the API key before recording the request: a keyless replay is refused as unauthorized again, not as a replay', async () => {
    const cap = capturingFetch();
    expect((await failure(collect(openSealedChat(channel, ask('no key'), { fetch: cap.fetch, apiKey: 'wrong' })))).code).toBe('E_UNAUTHORIZED');
    const res = await fetch(`${stack.gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/vnd.confidant.sealed-request.v1' }, body: cap.bodies[0] as BodyInit });
    await res.arrayBuffer();
    expect(res.status).toBe(401);
    // With the key the same channel still works: nothing was retired or filled.
    expect((await collect(openSealedChat(channel, ask('with the key'), { apiKey: KEY }))).content).toBe('You said: with the key');
  });

  it('an upstream that stops before [DONE] ends the answer with a sealed error, not a clean end', async () => {
    const e = await failure(collect(openSealedChat(channel, ask('finish without the end marker [[no-done]]'), { apiKey: KEY })));
    expect(e.code).toBe('E_UPSTREAM');
    expect(e.detail).toMatchObject({ authenticated: true });
  });

  it('bounds the attestation queue: a flood gets 429 with Retry-After, and the gateway keeps serving', async () => {
    const nonce = () => toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
    const results = await Promise.all(Array.from({ length: 60 }, () => fetch(`${stack.gateway.url}/v1/attestation?nonce=${nonce()}`).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), _: await r.arrayBuffer() }))));
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((r) => r.retryAfter === '2')).toBe(true);
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThan(0);
    expect(results.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    expect((await collect(openSealedChat(channel, ask('still here'), { apiKey: KEY }))).content).toBe('You said: still here');
  });
});
