/**
 * The library's data key and the record that keeps it wrapped (encryption at rest). Pure Web
 * Crypto: runs in the engine worker, the service worker and Node alike.
 *
 * One random AES-256-GCM data key encrypts everything (seal.ts). It is never stored in the clear:
 * a key record holds it wrapped under a key-encryption key (KEK), which is either
 *   - derived from the user's passphrase: Argon2id (RFC 9106) with 64 MiB, 3 passes, 1 lane and a
 *     16-byte random salt, above OWASP's Password Storage Cheat Sheet minimums (19 MiB/2 passes,
 *     or 46 MiB/1 pass). Records made before Argon2id use PBKDF2-HMAC-SHA256 (600,000 iterations);
 *     they still open, and the worker re-wraps them under Argon2id at the next unlock; or
 *   - a "device key": a non-extractable AES-KW or AES-GCM CryptoKey that the caller generates
 *     (generateDeviceKey) and keeps in IndexedDB. Core never stores anything itself.
 * Changing or removing the passphrase re-wraps the same data key (rewrapKeyRecord): no data is
 * re-encrypted. Every function returns a new record and changes nothing it was given, so a
 * failure (a wrong passphrase) leaves the stored record exactly as it was.
 *
 * Argon2id is hash-wasm's (MIT, WebAssembly, the maintained implementation with a browser build;
 * Web Crypto has no memory-hard KDF). Why Argon2id: a GPU or ASIC guesses PBKDF2 passphrases far
 * faster than Argon2id's memory cost allows. Measured (npm run bench, "kdf" rows): about 0.3-0.9 s a
 * derivation on the 2-core machines this is built on, under the 1.5 s a person should wait to unlock.
 * Parameters are read from the record and bounded, so a tampered record cannot ask for gigabytes.
 *
 * Key record, JSON (all binary fields base64url, unpadded):
 *   {
 *     "format": "confidant-key-record", "version": 1,
 *     "kdf":  { "name": "Argon2id", "memoryKiB": 65536, "passes": 3, "lanes": 1, "salt": <16 bytes> }
 *           | { "name": "PBKDF2", "hash": "SHA-256", "iterations": 600000, "salt": <16 bytes> }
 *           | { "name": "device" },
 *     "wrap": { "name": "AES-GCM", "iv": <12 bytes> } | { "name": "AES-KW" },
 *     "wrappedKey": <AES-GCM: 32 + 16 tag bytes; AES-KW (RFC 3394): 40 bytes>,
 *     "keyCheck":   <32 bytes>
 *   }
 * AES-GCM wraps carry additional data that binds the record's header:
 *   "confidant/key-record/v1|" + kdfLabel + "|" + keyCheck
 *   kdfLabel = "argon2id|" + memoryKiB + "|" + passes + "|" + lanes + "|" + salt
 *            | "pbkdf2-sha256|" + iterations + "|" + salt   |   "device"
 * so changing the iterations, salt or key check of a record makes it unusable, not weaker.
 *
 * keyCheck = AES-256-GCM(dataKey, iv = 12 zero bytes, "confidant/kcv/v1") (16 bytes of
 * ciphertext + 16 of tag). It identifies the data key without revealing it: the worker keeps it
 * beside the database too, to tell "this record does not belong to this library" from data
 * damage, and unwrap checks it (so an AES-KW record's keyCheck is authenticated as well). The
 * zero IV is used with this one constant only; seal.ts uses random IVs.
 */
import { argon2id } from 'hash-wasm';
import { ConfidantError, ParseError } from '../errors.ts';
import { fromBase64Lenient, randomBytes, toBase64Url, utf8 } from '../bytes.ts';

export const KEY_RECORD_FORMAT = 'confidant-key-record';
export const KEY_RECORD_VERSION = 1;
/** OWASP's minimum for PBKDF2-HMAC-SHA256; also the least a record may ask for. */
export const PBKDF2_MIN_ITERATIONS = 600_000;
/** Refuse records asking for more: a tampered record must not hang the worker. */
export const PBKDF2_MAX_ITERATIONS = 10_000_000;
/** Argon2id for new records; bounds for what a record may ask for (RFC 9106 §4, OWASP). */
export const ARGON2ID_DEFAULT = Object.freeze({ memoryKiB: 64 * 1024, passes: 3, lanes: 1 });
const ARGON2ID_BOUNDS = { memoryKiB: [19 * 1024, 256 * 1024], passes: [1, 10], lanes: [1, 4] } as const;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const KCV_PLAINTEXT = utf8('confidant/kcv/v1');
const KCV_IV = new Uint8Array(IV_BYTES);

export type Kdf =
  | { name: 'Argon2id'; memoryKiB: number; passes: number; lanes: number; salt: string }
  | { name: 'PBKDF2'; hash: 'SHA-256'; iterations: number; salt: string }
  | { name: 'device' };
export type Wrap = { name: 'AES-GCM'; iv: string } | { name: 'AES-KW' };

export interface KeyRecord {
  format: typeof KEY_RECORD_FORMAT;
  version: typeof KEY_RECORD_VERSION;
  kdf: Kdf;
  wrap: Wrap;
  wrappedKey: string;
  keyCheck: string;
}

/**
 * What locks or unlocks a record: the passphrase, or the device key. When locking, a passphrase
 * record uses Argon2id with ARGON2ID_DEFAULT, or PBKDF2 with `iterations` when those are given
 * (older records, tests); unlocking reads the KDF and its parameters from the record.
 */
export type KeySource = { passphrase: string; iterations?: number } | { deviceKey: CryptoKey };

const buf = (b: Uint8Array) => b as BufferSource;

// ---------------------------------------------------------------------------------------------

/** A new non-extractable AES-KW key for the "no passphrase" mode; store it in IndexedDB. */
export async function generateDeviceKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: 'AES-KW', length: 256 }, false, ['wrapKey', 'unwrapKey']);
}

/** The key check value of a data key, base64url (see the header comment). */
export async function keyCheckValue(dataKey: CryptoKey): Promise<string> {
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: buf(KCV_IV) }, dataKey, buf(KCV_PLAINTEXT));
  return toBase64Url(new Uint8Array(ct));
}

/**
 * Makes a new random data key and its record. Returns the record to store and the data key,
 * non-extractable, ready for seal.ts.
 */
export async function createKeyRecord(lock: KeySource): Promise<{ record: KeyRecord; dataKey: CryptoKey }> {
  checkSource(lock, 'lock');
  const extractable = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const record = await wrapDataKey(extractable, lock);
  return { record, dataKey: await unwrapDataKey(record, lock) };
}

/**
 * Unwraps the data key (non-extractable unless asked). Errors, by code:
 *   E_WRONG_PASSPHRASE  the passphrase does not open this record
 *   E_LOCKED            the record needs a passphrase and a device key was given
 *   E_BAD_REQUEST       a passphrase was given for a device-key record, or the key is unusable
 *   E_DB                the device key does not open it, or the record is inconsistent
 *   E_PARSE             the record is malformed or of another version
 */
export async function unwrapDataKey(record: unknown, unlock: KeySource, opts: { extractable?: boolean } = {}): Promise<CryptoKey> {
  const r = parseKeyRecord(record); // a copy, taken before the first await
  checkSource(unlock, 'unlock');
  const kek = await kekFor(r, unlock);
  const wrapped = fromBase64Lenient(r.wrappedKey);
  let key: CryptoKey;
  try {
    key = await crypto.subtle.unwrapKey(
      'raw',
      buf(wrapped),
      kek,
      wrapParams(r),
      { name: 'AES-GCM', length: 256 },
      opts.extractable ?? false,
      ['encrypt', 'decrypt'],
    );
  } catch (e) {
    if (!(e instanceof DOMException && e.name === 'OperationError')) {
      throw new ConfidantError('E_BAD_REQUEST', `The key cannot unwrap this record: ${String(e)}`);
    }
    if ('passphrase' in unlock) throw new ConfidantError('E_WRONG_PASSPHRASE', 'The passphrase is not correct.');
    throw new ConfidantError('E_DB', 'The stored device key does not open this library.', { reason: 'integrity' });
  }
  if ((await keyCheckValue(key)) !== r.keyCheck) {
    throw new ConfidantError('E_DB', 'The key record is inconsistent: its key check does not match its key.', { reason: 'integrity' });
  }
  return key;
}

/**
 * Opens `record` with `unlock` and wraps the same data key under `lock`: change the passphrase,
 * set one (device → passphrase) or remove it (passphrase → device). Returns the new record;
 * throws as unwrapDataKey does, and then nothing has changed.
 */
export async function rewrapKeyRecord(record: unknown, unlock: KeySource, lock: KeySource): Promise<KeyRecord> {
  checkSource(lock, 'lock');
  const dataKey = await unwrapDataKey(record, unlock, { extractable: true });
  return wrapDataKey(dataKey, lock);
}

/** True when the record needs the passphrase (for the panel's unlock screen). */
export function needsPassphrase(record: KeyRecord): boolean {
  return record.kdf.name !== 'device';
}

/** True for a passphrase record made before Argon2id: the worker re-wraps it at the next unlock. */
export function needsKdfUpgrade(record: KeyRecord): boolean {
  return record.kdf.name === 'PBKDF2';
}

// ---------------------------------------------------------------------------------------------

async function wrapDataKey(dataKey: CryptoKey, lock: KeySource): Promise<KeyRecord> {
  const keyCheck = await keyCheckValue(dataKey);
  let kdf: Kdf;
  let kek: CryptoKey;
  if ('passphrase' in lock) {
    const salt = toBase64Url(randomBytes(SALT_BYTES));
    kdf = lock.iterations !== undefined ? { name: 'PBKDF2', hash: 'SHA-256', iterations: lock.iterations, salt } : { name: 'Argon2id', ...ARGON2ID_DEFAULT, salt };
    kek = await derivePassphraseKek(lock.passphrase, kdf);
  } else {
    kdf = { name: 'device' };
    kek = lock.deviceKey;
  }
  const wrap: Wrap = kek.algorithm.name === 'AES-KW' ? { name: 'AES-KW' } : { name: 'AES-GCM', iv: toBase64Url(randomBytes(IV_BYTES)) };
  const partial = { format: KEY_RECORD_FORMAT, version: KEY_RECORD_VERSION, kdf, wrap, keyCheck } as const;
  const wrapped = await crypto.subtle.wrapKey('raw', dataKey, kek, wrapParams({ ...partial, wrappedKey: '' }));
  return { ...partial, wrappedKey: toBase64Url(new Uint8Array(wrapped)) };
}

function wrapParams(r: KeyRecord): AlgorithmIdentifier | AesGcmParams {
  if (r.wrap.name === 'AES-KW') return 'AES-KW';
  const k = r.kdf;
  const kdfLabel = k.name === 'Argon2id' ? `argon2id|${k.memoryKiB}|${k.passes}|${k.lanes}|${k.salt}` : k.name === 'PBKDF2' ? `pbkdf2-sha256|${k.iterations}|${k.salt}` : 'device';
  return {
    name: 'AES-GCM',
    iv: buf(fromBase64Lenient(r.wrap.iv)),
    additionalData: buf(utf8(`confidant/key-record/v1|${kdfLabel}|${r.keyCheck}`)),
  };
}

async function kekFor(r: KeyRecord, unlock: KeySource): Promise<CryptoKey> {
  if (r.kdf.name !== 'device') {
    if (!('passphrase' in unlock)) throw new ConfidantError('E_LOCKED', 'This library is protected by a passphrase.');
    return derivePassphraseKek(unlock.passphrase, r.kdf);
  }
  if (!('deviceKey' in unlock)) {
    throw new ConfidantError('E_BAD_REQUEST', 'This library has no passphrase; it opens with its device key.');
  }
  const want = r.wrap.name;
  if (unlock.deviceKey.algorithm.name !== want) {
    throw new ConfidantError('E_BAD_REQUEST', `The device key is ${unlock.deviceKey.algorithm.name}; this record was wrapped with ${want}.`);
  }
  return unlock.deviceKey;
}

async function derivePassphraseKek(passphrase: string, kdf: Exclude<Kdf, { name: 'device' }>): Promise<CryptoKey> {
  // NFC so that the same passphrase typed on another keyboard or OS gives the same bytes.
  const secret = utf8(passphrase.normalize('NFC'));
  const salt = fromBase64Lenient(kdf.salt);
  if (kdf.name === 'Argon2id') {
    const raw = await argon2id({ password: secret, salt, memorySize: kdf.memoryKiB, iterations: kdf.passes, parallelism: kdf.lanes, hashLength: 32, outputType: 'binary' });
    try {
      return await crypto.subtle.importKey('raw', buf(raw), { name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey']);
    } finally {
      raw.fill(0);
    }
  }
  const base = await crypto.subtle.importKey('raw', buf(secret), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: buf(salt), iterations: kdf.iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['wrapKey', 'unwrapKey'],
  );
}

function checkSource(s: KeySource, role: 'lock' | 'unlock'): void {
  if ('passphrase' in s) {
    if (typeof s.passphrase !== 'string' || s.passphrase.length === 0) {
      throw new ConfidantError('E_BAD_REQUEST', 'The passphrase is empty.');
    }
    if (role === 'lock' && s.iterations !== undefined) {
      if (!Number.isInteger(s.iterations) || s.iterations < PBKDF2_MIN_ITERATIONS || s.iterations > PBKDF2_MAX_ITERATIONS) {
        throw new ConfidantError(
          'E_BAD_REQUEST',
          `PBKDF2 iterations must be an integer from ${PBKDF2_MIN_ITERATIONS} to ${PBKDF2_MAX_ITERATIONS}, got ${s.iterations}.`,
        );
      }
    }
    return;
  }
  const k = s.deviceKey;
  const name = k?.algorithm?.name;
  if (name !== 'AES-KW' && name !== 'AES-GCM') {
    throw new ConfidantError('E_BAD_REQUEST', `The device key must be AES-KW or AES-GCM, got ${String(name)}.`);
  }
  const usage = role === 'lock' ? 'wrapKey' : 'unwrapKey';
  if (!k.usages.includes(usage)) throw new ConfidantError('E_BAD_REQUEST', `The device key is not allowed to ${usage}.`);
}

// ---------------------------------------------------------------------------------------------
// Parsing: every field checked, each failure naming the field. Returns a fresh copy.

function b64Field(x: unknown, field: string, bytes?: number): string {
  if (typeof x !== 'string') throw new ParseError(field, 'must be a base64url string');
  let b: Uint8Array;
  try {
    b = fromBase64Lenient(x);
  } catch (e) {
    throw new ParseError(field, (e as Error).message);
  }
  if (toBase64Url(b) !== x) throw new ParseError(field, 'must be unpadded base64url (RFC 4648 section 5)');
  if (bytes !== undefined && b.length !== bytes) throw new ParseError(field, `got ${b.length} bytes, want ${bytes}`);
  return x;
}

export function parseKeyRecord(x: unknown): KeyRecord {
  if (typeof x !== 'object' || x === null) throw new ParseError('record', 'must be an object');
  const o = x as Record<string, unknown>;
  if (o.format !== KEY_RECORD_FORMAT) throw new ParseError('record.format', `got ${JSON.stringify(o.format)}, want "${KEY_RECORD_FORMAT}"`);
  if (o.version !== KEY_RECORD_VERSION) {
    throw new ParseError('record.version', `version ${JSON.stringify(o.version)} is not supported (this build reads ${KEY_RECORD_VERSION})`);
  }
  const k = o.kdf as Record<string, unknown> | null;
  if (typeof k !== 'object' || k === null) throw new ParseError('record.kdf', 'must be an object');
  let kdf: Kdf;
  if (k.name === 'PBKDF2') {
    if (k.hash !== 'SHA-256') throw new ParseError('record.kdf.hash', `got ${JSON.stringify(k.hash)}, want "SHA-256"`);
    const it = k.iterations;
    if (typeof it !== 'number' || !Number.isInteger(it) || it < PBKDF2_MIN_ITERATIONS || it > PBKDF2_MAX_ITERATIONS) {
      throw new ParseError('record.kdf.iterations', `got ${JSON.stringify(it)}, want an integer from ${PBKDF2_MIN_ITERATIONS} to ${PBKDF2_MAX_ITERATIONS}`);
    }
    kdf = { name: 'PBKDF2', hash: 'SHA-256', iterations: it, salt: b64Field(k.salt, 'record.kdf.salt', SALT_BYTES) };
  } else if (k.name === 'Argon2id') {
    const int = (name: 'memoryKiB' | 'passes' | 'lanes') => {
      const v = k[name];
      const [lo, hi] = ARGON2ID_BOUNDS[name];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new ParseError(`record.kdf.${name}`, `got ${JSON.stringify(v)}, want an integer from ${lo} to ${hi}`);
      return v;
    };
    kdf = { name: 'Argon2id', memoryKiB: int('memoryKiB'), passes: int('passes'), lanes: int('lanes'), salt: b64Field(k.salt, 'record.kdf.salt', SALT_BYTES) };
  } else if (k.name === 'device') {
    kdf = { name: 'device' };
  } else {
    throw new ParseError('record.kdf.name', `got ${JSON.stringify(k.name)}, want "Argon2id", "PBKDF2" or "device"`);
  }
  const w = o.wrap as Record<string, unknown> | null;
  if (typeof w !== 'object' || w === null) throw new ParseError('record.wrap', 'must be an object');
  let wrap: Wrap;
  if (w.name === 'AES-GCM') wrap = { name: 'AES-GCM', iv: b64Field(w.iv, 'record.wrap.iv', IV_BYTES) };
  else if (w.name === 'AES-KW' && kdf.name === 'device') wrap = { name: 'AES-KW' };
  else throw new ParseError('record.wrap.name', `got ${JSON.stringify(w.name)}, want "AES-GCM"${kdf.name === 'device' ? ' or "AES-KW"' : ''}`);
  return {
    format: KEY_RECORD_FORMAT,
    version: KEY_RECORD_VERSION,
    kdf,
    wrap,
    wrappedKey: b64Field(o.wrappedKey, 'record.wrappedKey', wrap.name === 'AES-KW' ? 40 : 48),
    keyCheck: b64Field(o.keyCheck, 'record.keyCheck', 32),
  };
}
