/**
 * Privatemode's field-level encryption (MIT; privatemode-public internal/oss/crypto/crypto.go and
 * forwarder.MutateJSONFields), re-implemented here:
 *
 *  - A request's top-level JSON fields, in byte-sorted key order, except the few the API gateway
 *    must read (model, stream, stream_options, max_tokens, max_completion_tokens, n), are replaced
 *    by the string "id:hex(nonce):hex(iv):hex(ct)", ct = AES-256-GCM(secret, iv, raw JSON of the
 *    value, aad = nonce ‖ uint32le(sequence number)). One 12-byte nonce per request; the sequence
 *    number counts the encrypted fields from 0.
 *  - The answer's fields (every JSON object: the whole body, or each streamed event), except `id`
 *    and `usage`, come back the same way under the same nonce with their own count from 0,
 *    continuing across the events of a stream. Opening uses this request's nonce, never the one
 *    the message names, so an answer cannot be replayed into another request, and the counter
 *    catches reordering, dropping or duplication.
 */
import { ConfidantError } from '../../errors.ts';
import { fromHex, randomBytes, toHex } from '../../bytes.ts';

export const PLAIN_REQUEST_FIELDS: ReadonlySet<string> = new Set(['model', 'stream_options', 'max_tokens', 'max_completion_tokens', 'n', 'stream']);
export const PLAIN_RESPONSE_FIELDS: ReadonlySet<string> = new Set(['id', 'usage']);

function aad(nonce: Uint8Array, seq: number): Uint8Array {
  const a = new Uint8Array(nonce.length + 4);
  a.set(nonce);
  new DataView(a.buffer).setUint32(nonce.length, seq, true);
  return a;
}

const sorted = (o: Record<string, unknown>) => Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** One request's cipher: encrypts its fields, then opens its answer's, each in order. */
export class FieldCipher {
  private encSeq = 0;
  private decSeq = 0;

  private constructor(
    private readonly key: CryptoKey,
    readonly secretId: string,
    readonly nonce: Uint8Array,
  ) {}

  static async create(secret: Uint8Array | CryptoKey, secretId: string, nonce: Uint8Array = randomBytes(12)): Promise<FieldCipher> {
    const key = secret instanceof Uint8Array ? await crypto.subtle.importKey('raw', secret as BufferSource, 'AES-GCM', false, ['encrypt', 'decrypt']) : secret;
    return new FieldCipher(key, secretId, nonce.slice());
  }

  async encrypt(plaintext: string): Promise<string> {
    if (this.decSeq !== 0) throw new ConfidantError('E_INTERNAL', 'A request cipher cannot encrypt after it has opened an answer.');
    const iv = randomBytes(12);
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv as BufferSource, additionalData: aad(this.nonce, this.encSeq++) as BufferSource }, this.key, new TextEncoder().encode(plaintext) as BufferSource));
    return `${this.secretId}:${toHex(this.nonce)}:${toHex(iv)}:${toHex(ct)}`;
  }

  async decrypt(value: string): Promise<string> {
    const parts = value.split(':');
    if (parts.length !== 4) throw new ConfidantError('E_CHANNEL', 'An answer field is not in the encrypted format.', { reason: 'payload' });
    let iv: Uint8Array;
    let ct: Uint8Array;
    try {
      iv = fromHex(parts[2]!, 'iv', 12);
      ct = fromHex(parts[3]!, 'ciphertext');
    } catch {
      throw new ConfidantError('E_CHANNEL', 'An answer field is not in the encrypted format.', { reason: 'payload' });
    }
    try {
      const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv as BufferSource, additionalData: aad(this.nonce, this.decSeq) as BufferSource }, this.key, ct as BufferSource);
      this.decSeq++;
      return new TextDecoder().decode(pt);
    } catch {
      throw new ConfidantError('E_CHANNEL', 'An answer field failed authentication (tampered, reordered, or from another request).', { reason: 'tag' });
    }
  }

  /** The request body: every field but the plain ones encrypted, in sorted key order. */
  async encryptRequest(payload: Record<string, unknown>): Promise<string> {
    const out: Record<string, unknown> = {};
    for (const k of sorted(payload)) out[k] = PLAIN_REQUEST_FIELDS.has(k) ? payload[k] : await this.encrypt(JSON.stringify(payload[k]));
    return JSON.stringify(out);
  }

  /** Opens one answer object (a body or one streamed event); returns its plaintext JSON text. */
  async decryptResponse(text: string): Promise<string> {
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch {
      throw new ConfidantError('E_CHANNEL', 'The answer carried an event that is not JSON.', { reason: 'payload' });
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ConfidantError('E_CHANNEL', 'The answer carried an event that is not a JSON object.', { reason: 'payload' });
    const obj = o as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of sorted(obj)) {
      const v = obj[k];
      if (PLAIN_RESPONSE_FIELDS.has(k)) {
        out[k] = v;
        continue;
      }
      // A field the endpoint should have encrypted but did not is refused, not shown.
      if (typeof v !== 'string') throw new ConfidantError('E_CHANNEL', `The answer's field "${k.slice(0, 40)}" arrived unencrypted.`, { reason: 'unsealed' });
      try {
        out[k] = JSON.parse(await this.decrypt(v));
      } catch (e) {
        if (e instanceof ConfidantError) throw e;
        throw new ConfidantError('E_CHANNEL', 'A decrypted answer field is not JSON.', { reason: 'payload' });
      }
    }
    return JSON.stringify(out);
  }
}
