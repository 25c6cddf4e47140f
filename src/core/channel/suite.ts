/**
 * The HPKE suite and every constant of the sealed channel (docs/protocol.md, "Sealing").
 *
 * Suite: RFC 9180 base mode with KEM X-Wing (hybrid ML-KEM-768 + X25519, draft-connolly-cfrg-xwing-kem,
 * KEM id 0x647a), KDF HKDF-SHA256 (0x0001), AEAD AES-256-GCM (0x0002). X-Wing is pure JavaScript
 * in @hpke/hybridkem-x-wing (ML-KEM from `mlkem`, X25519 from noble), so it runs the same in
 * Node 20 and in Chromium's service worker; AES-GCM and HKDF go through Web Crypto.
 */
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { XWing } from '@hpke/hybridkem-x-wing';
import { concatBytes, utf8 } from '../bytes.ts';

export const KEM_ID = 0x647a;
export const KDF_ID = 0x0001;
export const AEAD_ID = 0x0002;
export const SUITE_NAME = 'X-Wing/HKDF-SHA256/AES-256-GCM';
/** X-Wing sizes (bytes). */
export const PUBLIC_KEY_BYTES = 1216;
export const ENC_BYTES = 1120;

/** Version byte at the start of a sealed request. */
export const REQUEST_VERSION = 1;
/** HPKE `info` = INFO_PREFIX || 0x00 || keyId (ASCII). */
export const INFO_PREFIX = 'confidant/channel/v1';
/** Exporter labels for the response stream key and base nonce. */
export const EXPORT_KEY_LABEL = 'confidant/v1/response key';
export const EXPORT_NONCE_LABEL = 'confidant/v1/response nonce';
/** Prefix of every response frame's AAD. */
export const RESPONSE_AAD_PREFIX = 'confidant/v1/response';

export const REQUEST_CONTENT_TYPE = 'application/vnd.confidant.sealed-request.v1';
export const STREAM_CONTENT_TYPE = 'application/vnd.confidant.sealed-stream.v1';

/** Frame types (cleartext in the frame header, authenticated through the AAD). */
export const FRAME_DATA = 0x01;
export const FRAME_END = 0x02;
export const FRAME_ERROR = 0x03;
/** Largest ciphertext one frame may carry (plaintext + 16-byte tag). */
export const MAX_FRAME_BYTES = 1 << 20;
export const KEY_ID_MAX = 64;
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

let suite: CipherSuite | undefined;

type Expand = (sk: Uint8Array) => Promise<[Uint8Array, Uint8Array, Uint8Array, Uint8Array]>;

/**
 * X-Wing's private key is a 32-byte seed, and @hpke/hybridkem-x-wing expands it (SHAKE256, an
 * ML-KEM-768 key pair, an X25519 public key) on every decapsulation: about half of the gateway's
 * ~5 ms per request. The gateway decapsulates many requests under one key, so the expansion is
 * kept for the last few keys (a pure function of the seed; the seed itself is already in memory).
 * `_expandDecapsulationKey` is the library's internal method (0.7.0): if it is ever renamed, this
 * does nothing and decapsulation is only slower.
 */
function withExpandedKeys(kem: XWing): XWing {
  const k = kem as unknown as { _expandDecapsulationKey?: Expand };
  const expand = k._expandDecapsulationKey?.bind(kem);
  if (typeof expand !== 'function') return kem;
  const kept = new Map<string, ReturnType<Expand>>();
  k._expandDecapsulationKey = (sk) => {
    const id = Array.from(sk, (b) => b.toString(16).padStart(2, '0')).join('');
    let e = kept.get(id);
    if (!e) {
      e = expand(sk);
      e.catch(() => kept.delete(id));
      kept.set(id, e);
      if (kept.size > 8) kept.delete(kept.keys().next().value!);
    }
    return e;
  };
  return kem;
}

export function channelSuite(): CipherSuite {
  suite ??= new CipherSuite({ kem: withExpandedKeys(new XWing()), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  return suite;
}

export function hpkeInfo(keyId: string): Uint8Array {
  return concatBytes([utf8(INFO_PREFIX), new Uint8Array([0]), utf8(keyId)]);
}
