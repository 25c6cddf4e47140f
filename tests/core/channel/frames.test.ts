import { describe, expect, it } from 'vitest';
import { FrameOpener, FrameSealer } from '../../../src/core/channel/frames.ts';
import { openRequest, parseEnvelope, sealRequest } from '../../../src/core/channel/request.ts';
import { channelSuite, FRAME_DATA, FRAME_END } from '../../../src/core/channel/suite.ts';
import { concatBytes, utf8 } from '../../../src/core/bytes.ts';
import { ConfidantError } from '../../../src/core/errors.ts';

async function keyPair() {
  const suite = channelSuite();
  const kp = await suite.kem.generateKeyPair();
  return { kp, pub: new Uint8Array(await suite.kem.serializePublicKey(kp.publicKey)) };
}

const plaintext = { v: 1 as const, apiKey: 'sk-test', request: { messages: [{ role: 'user' as const, content: 'hello' }] } };

async function exchange() {
  const { kp, pub } = await keyPair();
  const client = await sealRequest({ publicKey: pub, keyId: 'k1', plaintext });
  const server = await openRequest(parseEnvelope(client.body), kp);
  return { kp, pub, client, server };
}

async function sealAll(sealer: FrameSealer, n: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(await sealer.sealJson(FRAME_DATA, { c: `part ${i}` }));
  out.push(await sealer.sealJson(FRAME_END, { finish_reason: 'stop' }));
  return out;
}

async function openAll(opener: FrameOpener, frames: Uint8Array[]) {
  const got = await opener.push(concatBytes(frames));
  opener.finish();
  return got;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as ConfidantError).code + ':' + String((e as ConfidantError).detail?.reason ?? '');
  }
  return 'no error';
}

describe('sealed request', () => {
  it('opens on the gateway side with the same request id and stream keys', async () => {
    const { client, server } = await exchange();
    expect(server.plaintext).toEqual(plaintext);
    expect(server.requestId).toEqual(client.requestId);
  });

  it('refuses a flipped ciphertext bit, a changed key id, and another key', async () => {
    const { kp, pub } = await keyPair();
    const { body } = await sealRequest({ publicKey: pub, keyId: 'k1', plaintext });
    const flipped = body.slice();
    flipped[flipped.length - 20]! ^= 1;
    expect(await codeOf(openRequest(parseEnvelope(flipped), kp))).toBe('E_CHANNEL:open');
    const renamed = body.slice();
    renamed[2] = 'j'.charCodeAt(0); // key id "k1" -> "j1": info and AAD change
    expect(await codeOf(openRequest(parseEnvelope(renamed), kp))).toBe('E_CHANNEL:open');
    const other = await keyPair();
    expect(await codeOf(openRequest(parseEnvelope(body), other.kp))).toBe('E_CHANNEL:open');
    expect(() => parseEnvelope(body.subarray(0, 100))).toThrow(ConfidantError);
  });
});

describe('sealed response stream', () => {
  it('round-trips frames in order and requires the end marker', async () => {
    const { client, server } = await exchange();
    const frames = await sealAll(new FrameSealer(server.streamKeys), 3);
    const got = await openAll(new FrameOpener(client.streamKeys), frames);
    expect(got.map((f) => f.seq)).toEqual([0, 1, 2, 3]);
    expect(new TextDecoder().decode(got[1]!.payload)).toBe('{"c":"part 1"}');
    expect(got[3]!.type).toBe(FRAME_END);
  });

  it('opens byte by byte as it would over a slow network', async () => {
    const { client, server } = await exchange();
    const all = concatBytes(await sealAll(new FrameSealer(server.streamKeys), 2));
    const opener = new FrameOpener(client.streamKeys);
    let n = 0;
    for (let i = 0; i < all.length; i += 7) n += (await opener.push(all.subarray(i, i + 7))).length;
    opener.finish();
    expect(n).toBe(3);
  });

  it('detects tampering, truncation, reordering, duplication, splicing and trailing bytes', async () => {
    const { client, server } = await exchange();
    const frames = await sealAll(new FrameSealer(server.streamKeys), 3);
    const open = (fs: Uint8Array[]) => codeOf(openAll(new FrameOpener(client.streamKeys), fs));

    const tampered = frames.map((f) => f.slice());
    tampered[1]![10]! ^= 0x80;
    expect(await open(tampered)).toBe('E_CHANNEL:open');

    const typeFlip = frames.map((f) => f.slice());
    typeFlip[1]![0] = FRAME_END; // claims to be the end: AAD differs
    expect(await open(typeFlip)).toBe('E_CHANNEL:open');

    expect(await open(frames.slice(0, 3))).toBe('E_CHANNEL:truncated');
    expect(await open([frames[0]!, frames[1]!.subarray(0, 9)])).toBe('E_CHANNEL:truncated');
    expect(await open([frames[0]!, frames[2]!, frames[1]!, frames[3]!])).toBe('E_CHANNEL:open');
    expect(await open([frames[0]!, frames[0]!, frames[1]!, frames[2]!, frames[3]!])).toBe('E_CHANNEL:open');
    expect(await open([...frames, frames[3]!])).toBe('E_CHANNEL:trailing');

    // a frame from another request under another exported key
    const other = await exchange();
    const otherFrames = await sealAll(new FrameSealer(other.server.streamKeys), 3);
    expect(await open([frames[0]!, otherFrames[1]!, frames[2]!, frames[3]!])).toBe('E_CHANNEL:open');
  });

  it('binds the request id in the AAD even under the same key material', async () => {
    const { client, server } = await exchange();
    const { importStreamKeys } = await import('../../../src/core/channel/frames.ts');
    // Same AES key and base nonce, another request id: every frame must fail.
    const raw = new Uint8Array(await crypto.subtle.exportKey('raw', await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt'])));
    const nonce = new Uint8Array(12);
    const a = await importStreamKeys(raw, nonce, new Uint8Array(32).fill(1));
    const b = await importStreamKeys(raw, nonce, new Uint8Array(32).fill(2));
    const f = await new FrameSealer(a).sealJson(FRAME_END, {});
    expect(await codeOf(new FrameOpener(b).push(f))).toBe('E_CHANNEL:open');
    expect((await new FrameOpener(a).push(f)).length).toBe(1);
    void client;
    void server;
  });

  it('exports identical stream keys on both sides (RFC 9180 exporter)', async () => {
    const { client, server } = await exchange();
    const f = await new FrameSealer(server.streamKeys).seal(FRAME_END, utf8('{}'));
    expect((await new FrameOpener(client.streamKeys).push(f))[0]!.type).toBe(FRAME_END);
  });
});
