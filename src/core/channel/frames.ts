/**
 * The sealed response stream (docs/protocol.md, "Response stream").
 *
 *   key       = HPKE.Export(EXPORT_KEY_LABEL, 32)
 *   baseNonce = HPKE.Export(EXPORT_NONCE_LABEL, 12)
 *   frame i   = type (u8) || len (u32be) || AES-256-GCM(key, nonce_i, aad_i, payload_i)
 *   nonce_i   = baseNonce XOR (i as a 96-bit big-endian integer), i = 0, 1, 2, ...
 *   aad_i     = "confidant/v1/response" || requestId (32) || u64be(i) || type (u8)
 *   requestId = SHA-256(enc)
 *
 * Exactly one END or ERROR frame closes the stream; nothing may follow it. A stream that stops
 * before it is truncated. Any failure to open a frame (tamper, reorder, replay of a frame,
 * a frame from another request) is E_CHANNEL.
 */
import { ConfidantError } from '../errors.ts';
import { concatBytes, u32be, u64be, utf8 } from '../bytes.ts';
import { FRAME_DATA, FRAME_END, FRAME_ERROR, MAX_FRAME_BYTES, RESPONSE_AAD_PREFIX } from './suite.ts';

export type FrameType = typeof FRAME_DATA | typeof FRAME_END | typeof FRAME_ERROR;
const HEADER_BYTES = 5;
const AAD_PREFIX = utf8(RESPONSE_AAD_PREFIX);

export interface StreamKeys {
  key: CryptoKey;
  baseNonce: Uint8Array;
  requestId: Uint8Array;
}

export async function importStreamKeys(rawKey: Uint8Array, baseNonce: Uint8Array, requestId: Uint8Array): Promise<StreamKeys> {
  if (rawKey.length !== 32 || baseNonce.length !== 12 || requestId.length !== 32) {
    throw new ConfidantError('E_INTERNAL', 'stream key material has the wrong size');
  }
  const key = await crypto.subtle.importKey('raw', rawKey as BufferSource, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  return { key, baseNonce: baseNonce.slice(), requestId: requestId.slice() };
}

function nonceFor(base: Uint8Array, seq: number): Uint8Array {
  const n = base.slice();
  const s = u64be(seq);
  for (let i = 0; i < 8; i++) n[4 + i]! ^= s[i]!;
  return n;
}

function aadFor(requestId: Uint8Array, seq: number, type: number): Uint8Array {
  return concatBytes([AAD_PREFIX, requestId, u64be(seq), new Uint8Array([type])]);
}

function channelError(reason: string, message: string): ConfidantError {
  return new ConfidantError('E_CHANNEL', message, { reason });
}

/** Gateway side: seals frames in order. */
export class FrameSealer {
  #seq = 0;
  #closed = false;
  constructor(private readonly keys: StreamKeys) {}

  async seal(type: FrameType, payload: Uint8Array): Promise<Uint8Array> {
    if (this.#closed) throw new ConfidantError('E_INTERNAL', 'the stream was already closed');
    if (type !== FRAME_DATA) this.#closed = true;
    const seq = this.#seq++;
    const ct = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv: nonceFor(this.keys.baseNonce, seq) as BufferSource, additionalData: aadFor(this.keys.requestId, seq, type) as BufferSource, tagLength: 128 },
        this.keys.key,
        payload as BufferSource,
      ),
    );
    if (ct.length > MAX_FRAME_BYTES) throw new ConfidantError('E_INTERNAL', 'frame too large');
    return concatBytes([new Uint8Array([type]), u32be(ct.length), ct]);
  }

  sealJson(type: FrameType, value: unknown): Promise<Uint8Array> {
    return this.seal(type, utf8(JSON.stringify(value)));
  }

  get closed(): boolean {
    return this.#closed;
  }
}

export interface OpenedFrame {
  type: FrameType;
  seq: number;
  payload: Uint8Array;
}

/**
 * Client side: feed raw bytes as they arrive, get opened frames back in order. `finish()` must
 * be called when the transport ends; it throws if the stream was truncated.
 */
export class FrameOpener {
  #buf: Uint8Array = new Uint8Array(0);
  #seq = 0;
  #closed = false;
  constructor(private readonly keys: StreamKeys) {}

  async push(chunk: Uint8Array): Promise<OpenedFrame[]> {
    if (chunk.length === 0) return [];
    if (this.#closed) throw channelError('trailing', 'Bytes followed the end of the sealed stream.');
    this.#buf = this.#buf.length ? concatBytes([this.#buf, chunk]) : chunk.slice();
    const out: OpenedFrame[] = [];
    while (this.#buf.length >= HEADER_BYTES) {
      if (this.#closed) throw channelError('trailing', 'Bytes followed the end of the sealed stream.');
      const type = this.#buf[0]!;
      if (type !== FRAME_DATA && type !== FRAME_END && type !== FRAME_ERROR) {
        throw channelError('frame-type', `Unknown frame type 0x${type.toString(16)} in the sealed stream.`);
      }
      const len = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength).getUint32(1, false);
      if (len < 16 || len > MAX_FRAME_BYTES) throw channelError('frame-length', `Frame length ${len} is out of range.`);
      if (this.#buf.length < HEADER_BYTES + len) break;
      const ct = this.#buf.subarray(HEADER_BYTES, HEADER_BYTES + len);
      const seq = this.#seq;
      let pt: ArrayBuffer;
      try {
        pt = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: nonceFor(this.keys.baseNonce, seq) as BufferSource, additionalData: aadFor(this.keys.requestId, seq, type) as BufferSource, tagLength: 128 },
          this.keys.key,
          ct as BufferSource,
        );
      } catch {
        throw channelError('open', `Frame ${seq} of the sealed stream did not open (tampered, reordered or from another request).`);
      }
      this.#seq++;
      this.#buf = this.#buf.subarray(HEADER_BYTES + len);
      if (type !== FRAME_DATA) this.#closed = true;
      out.push({ type: type as FrameType, seq, payload: new Uint8Array(pt) });
    }
    if (this.#closed && this.#buf.length > 0) throw channelError('trailing', 'Bytes followed the end of the sealed stream.');
    return out;
  }

  finish(): void {
    if (!this.#closed) {
      throw channelError('truncated', this.#buf.length ? 'The sealed stream stopped inside a frame.' : 'The sealed stream stopped before its end marker.');
    }
  }

  get closed(): boolean {
    return this.#closed;
  }
}
