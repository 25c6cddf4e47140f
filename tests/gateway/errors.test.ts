/** Error mapping: gateway 401, upstream 429 (Retry-After) / 500 / 401, mid-stream failure, network, abort. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSealedChat, type VerifiedChannel } from '../../src/core/channel/client.ts';
import { collect, failure, question as ask, startStack, type Stack } from '../helpers/gateway-fixture.ts';

const API_KEY = 'sk-errors-test';
let stack: Stack;
let channel: VerifiedChannel;

beforeAll(async () => {
  stack = await startStack(['--api-key', API_KEY]);
  ({ channel } = await stack.attest());
}, 40_000);
afterAll(async () => stack?.stop());

describe('errors', () => {
  it('wrong or missing API key -> E_UNAUTHORIZED (sealed, authenticated)', async () => {
    const e = await failure(collect(openSealedChat(channel, ask('hi'), { apiKey: 'sk-wrong' })));
    expect(e.code).toBe('E_UNAUTHORIZED');
    expect(e.detail).toMatchObject({ status: 401, authenticated: true });
    expect((await failure(collect(openSealedChat(channel, ask('hi'))))).code).toBe('E_UNAUTHORIZED');
  });

  it('upstream 429 -> E_RATE_LIMITED with retryAfter from Retry-After', async () => {
    const e = await failure(collect(openSealedChat(channel, ask('[[status:429]]'), { apiKey: API_KEY })));
    expect(e.code).toBe('E_RATE_LIMITED');
    expect(e.detail).toMatchObject({ status: 429, retryAfter: 7, authenticated: true });
  });

  it('upstream 500 -> E_UPSTREAM; upstream 401 (gateway credentials) -> E_UPSTREAM', async () => {
    const e = await failure(collect(openSealedChat(channel, ask('[[status:500]]'), { apiKey: API_KEY })));
    expect(e.code).toBe('E_UPSTREAM');
    expect(e.detail).toMatchObject({ status: 502 });
    expect((await failure(collect(openSealedChat(channel, ask('[[status:401]]'), { apiKey: API_KEY })))).code).toBe('E_UPSTREAM');
  });

  it('upstream failing mid-answer -> content so far, then E_UPSTREAM', async () => {
    const seen: string[] = [];
    const e = await failure(
      (async () => {
        for await (const d of openSealedChat(channel, ask('break [[midstream-fail]] please now'), { apiKey: API_KEY })) if (d.content) seen.push(d.content);
      })(),
    );
    expect(e.code).toBe('E_UPSTREAM');
    expect(seen.join('')).toBe('You said: ');
  });

  it('unreachable gateway -> E_NETWORK', async () => {
    const dead: typeof fetch = (input, init) => fetch(String(input).replace(/:\d+\//, ':1/'), init);
    expect((await failure(collect(openSealedChat(channel, ask('hi'), { apiKey: API_KEY, fetch: dead })))).code).toBe('E_NETWORK');
  });

  it('abort -> E_ABORTED, before and during the stream', async () => {
    const ac = new AbortController();
    ac.abort();
    expect((await failure(collect(openSealedChat(channel, ask('hi'), { apiKey: API_KEY, signal: ac.signal })))).code).toBe('E_ABORTED');
    const ac2 = new AbortController();
    const e = await failure(
      (async () => {
        for await (const d of openSealedChat(channel, ask('[[delay:50]] slow answer with several words in it'), { apiKey: API_KEY, signal: ac2.signal })) {
          if (d.content) ac2.abort();
        }
      })(),
    );
    expect(e.code).toBe('E_ABORTED');
  });
});
