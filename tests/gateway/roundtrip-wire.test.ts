/**
 * Attestation + chat round trip through the real gateway process and the stand-in upstream, with
 * a recording TCP proxy between client and gateway: nothing secret may appear on that wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSealedChat } from '../../src/core/channel/client.ts';
import { startRecorder, type Recorder } from '../helpers/tcp-recorder.ts';
import { collect, startStack, type Stack } from '../helpers/gateway-fixture.ts';

const API_KEY = 'sk-confidant-test-7f3a9c1e5b';
const QUESTION = 'What colour is the lighthouse of Quillhaven?';
const CONTEXT = 'The lighthouse of Quillhaven is painted vermilion and stands on basalt cliffs.';

let stack: Stack;
let recorder: Recorder;

beforeAll(async () => {
  stack = await startStack(['--api-key', API_KEY], { quiet: false });
  recorder = await startRecorder(stack.gateway.url);
}, 40_000);

afterAll(async () => {
  await recorder?.close();
  const code = await stack?.gateway.stop();
  await stack?.stop();
  expect(code).toBe(0); // SIGTERM: clean exit
});

describe('sealed chat through the gateway', () => {
  it('attests, verifies, streams reasoning and content separately, and leaks nothing on the wire', async () => {
    const { channel, bundle } = await stack.attest({ url: recorder.url });
    expect(bundle.json.simulated).toBe(true);
    expect(bundle.json.model).toBe('stand-in-gpt-oss');
    expect(channel.simulated).toBe(true);

    const answer = await collect(
      openSealedChat(
        channel,
        {
          messages: [
            { role: 'system', content: `Answer from this context only:\n${CONTEXT}` },
            { role: 'user', content: QUESTION },
          ],
          max_tokens: 64,
        },
        { apiKey: API_KEY },
      ),
    );
    expect(answer.reasoning).toBe('Thinking about what the user asked.');
    expect(answer.content).toBe(`You said: ${QUESTION}`);
    expect(answer.finishReason).toBe('stop');

    const last = await (await fetch(`${stack.standIn.url}/__last`)).json();
    expect(last).toMatchObject({ model: 'stand-in-gpt-oss', stream: true, messageCount: 2, hasAuthorization: false, max_tokens: 64 });

    const wire = Buffer.concat([recorder.sent(), recorder.received()]);
    expect(recorder.sent().length).toBeGreaterThan(1120);
    for (const secret of [QUESTION, 'Quillhaven', 'vermilion', CONTEXT, API_KEY, 'sk-confidant', 'You said']) {
      for (const enc of [Buffer.from(secret), Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex'), encodeURIComponent(secret)]) {
        expect(wire.includes(enc), `"${secret}" appeared on the wire`).toBe(false);
      }
    }
  });

  it('logs requests without bodies, keys or API keys, and stops cleanly on SIGTERM', async () => {
    const log = stack.gateway.stderr();
    expect(log).toMatch(/POST \/v1\/chat\/completions 200/);
    for (const secret of [QUESTION, 'Quillhaven', API_KEY, 'You said']) expect(log.includes(secret)).toBe(false);
  });

  it('serves the extension origin with CORS and ignores other origins', async () => {
    const origin = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
    const pre = await fetch(`${stack.gateway.url}/v1/chat/completions`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
    const other = await fetch(`${stack.gateway.url}/healthz`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rejects malformed nonces and oversized bodies with stable codes', async () => {
    const bad = await fetch(`${stack.gateway.url}/v1/attestation?nonce=abc`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('E_BAD_REQUEST');
    const big = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.confidant.sealed-request.v1' },
      body: new Uint8Array(5 << 20),
    });
    expect(big.status).toBe(413);
  });
});
