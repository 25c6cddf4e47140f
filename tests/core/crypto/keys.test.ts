import { describe, it, expect, beforeAll } from 'vitest';
import {
  createKeyRecord,
  unwrapDataKey,
  rewrapKeyRecord,
  generateDeviceKey,
  keyCheckValue,
  parseKeyRecord,
  needsPassphrase,
  needsKdfUpgrade,
  PBKDF2_MIN_ITERATIONS,
  type KeyRecord,
} from '../../../src/core/crypto/keys.ts';
import { sealField, openFieldText } from '../../../src/core/crypto/seal.ts';
import { fromBase64Lenient, toBase64Url } from '../../../src/core/bytes.ts';

const REF = { table: 'documents', column: 'title', rowid: 7 };

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

async function rejectsWithCode(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toMatchObject({ name: 'ConfidantError', code });
}

/** The record with one base64url field's byte flipped. */
function flipByte(record: KeyRecord, field: 'wrappedKey' | 'keyCheck', i: number): KeyRecord {
  const r = clone(record);
  const b = fromBase64Lenient(r[field]);
  b[i]! ^= 0x01;
  r[field] = toBase64Url(b);
  return r;
}

// Argon2id (64 MiB, 3 passes) costs ~0.3-0.9 s a derivation here, so one record is shared.
let record: KeyRecord;
let sealed: Uint8Array;

beforeAll(async () => {
  const made = await createKeyRecord({ passphrase: 'correct horse battery staple' });
  record = made.record;
  sealed = await sealField(made.dataKey, REF, 'a private note');
});

describe('passphrase records', () => {
  it('are JSON with the KDF parameters needed to unlock them', () => {
    const back = clone(record);
    expect(back).toEqual(record);
    expect(back.kdf).toMatchObject({ name: 'Argon2id', memoryKiB: 65536, passes: 3, lanes: 1 });
    expect(fromBase64Lenient((back.kdf as { salt: string }).salt)).toHaveLength(16);
    expect(back.wrap.name).toBe('AES-GCM');
    expect(needsPassphrase(back)).toBe(true);
  });

  it('unlock with the right passphrase to a non-extractable key that opens the data', async () => {
    const key = await unwrapDataKey(clone(record), { passphrase: 'correct horse battery staple' });
    expect(key.extractable).toBe(false);
    expect(key.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    expect(await openFieldText(key, REF, sealed)).toBe('a private note');
    expect(await keyCheckValue(key)).toBe(record.keyCheck);
  });

  it('refuse a wrong passphrase with E_WRONG_PASSPHRASE, and the record still opens after', async () => {
    const before = clone(record);
    await rejectsWithCode(unwrapDataKey(record, { passphrase: 'correct horse battery stapler' }), 'E_WRONG_PASSPHRASE');
    await rejectsWithCode(rewrapKeyRecord(record, { passphrase: 'wrong' }, { passphrase: 'new one' }), 'E_WRONG_PASSPHRASE');
    expect(record).toEqual(before);
    const key = await unwrapDataKey(record, { passphrase: 'correct horse battery staple' });
    expect(await openFieldText(key, REF, sealed)).toBe('a private note');
  });

  it('change passphrase by re-wrapping only: old data stays readable, the old passphrase stops working', async () => {
    const next = await rewrapKeyRecord(record, { passphrase: 'correct horse battery staple' }, { passphrase: 'a new passphrase' });
    expect(next.keyCheck).toBe(record.keyCheck); // same data key
    expect(next.wrappedKey).not.toBe(record.wrappedKey);
    expect((next.kdf as { salt: string }).salt).not.toBe((record.kdf as { salt: string }).salt);
    const key = await unwrapDataKey(clone(next), { passphrase: 'a new passphrase' });
    expect(await openFieldText(key, REF, sealed)).toBe('a private note');
    await rejectsWithCode(unwrapDataKey(next, { passphrase: 'correct horse battery staple' }), 'E_WRONG_PASSPHRASE');
  });

  it('normalize the passphrase (NFC), so composed and decomposed accents are the same passphrase', async () => {
    const { record: r } = await createKeyRecord({ passphrase: 'caf\u00e9 au lait' });
    await expect(unwrapDataKey(r, { passphrase: 'cafe\u0301 au lait' })).resolves.toBeDefined();
  });

  it('do not open when a header field was changed (bound as additional data)', async () => {
    const moreIterations = clone(record);
    (moreIterations.kdf as { passes: number }).passes += 1;
    // A changed KDF derives another KEK: indistinguishable from a wrong passphrase, and no weaker.
    await rejectsWithCode(unwrapDataKey(moreIterations, { passphrase: 'correct horse battery staple' }), 'E_WRONG_PASSPHRASE');
    await rejectsWithCode(unwrapDataKey(flipByte(record, 'keyCheck', 0), { passphrase: 'correct horse battery staple' }), 'E_WRONG_PASSPHRASE');
  });

  it('do not open when any byte of the wrapped key was changed', async () => {
    const n = fromBase64Lenient(record.wrappedKey).length;
    for (const i of [0, 1, n / 2, n - 17, n - 1]) {
      await rejectsWithCode(unwrapDataKey(flipByte(record, 'wrappedKey', i), { passphrase: 'correct horse battery staple' }), 'E_WRONG_PASSPHRASE');
    }
  });

  it('refuse to be opened by a device key, and refuse weak or empty passphrases', async () => {
    await rejectsWithCode(unwrapDataKey(record, { deviceKey: await generateDeviceKey() }), 'E_LOCKED');
    await rejectsWithCode(createKeyRecord({ passphrase: '' }), 'E_BAD_REQUEST');
    await rejectsWithCode(createKeyRecord({ passphrase: 'x', iterations: 100_000 }), 'E_BAD_REQUEST');
  });
});

describe('device-key records (no passphrase)', () => {
  it.each(['AES-KW', 'AES-GCM'] as const)('open with the %s device key and no other', async (alg) => {
    const deviceKey =
      alg === 'AES-KW'
        ? await generateDeviceKey()
        : await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey']);
    expect(deviceKey.extractable).toBe(false);
    const { record: r, dataKey } = await createKeyRecord({ deviceKey });
    expect(r.kdf).toEqual({ name: 'device' });
    expect(r.wrap.name).toBe(alg);
    expect(needsPassphrase(r)).toBe(false);
    const s = await sealField(dataKey, REF, 'offline');
    const key = await unwrapDataKey(clone(r), { deviceKey });
    expect(await openFieldText(key, REF, s)).toBe('offline');

    const other =
      alg === 'AES-KW'
        ? await generateDeviceKey()
        : await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey']);
    await rejectsWithCode(unwrapDataKey(r, { deviceKey: other }), 'E_DB');
    await rejectsWithCode(unwrapDataKey(r, { passphrase: 'anything' }), 'E_BAD_REQUEST');
  });

  it('detect a changed key check even where AES-KW has no additional data', async () => {
    const deviceKey = await generateDeviceKey();
    const { record: r } = await createKeyRecord({ deviceKey });
    await rejectsWithCode(unwrapDataKey(flipByte(r, 'keyCheck', 5), { deviceKey }), 'E_DB');
  });

  it('switch to a passphrase and back without touching the data', async () => {
    const deviceKey = await generateDeviceKey();
    const { record: r, dataKey } = await createKeyRecord({ deviceKey });
    const s = await sealField(dataKey, REF, 'kept');
    const withPass = await rewrapKeyRecord(r, { deviceKey }, { passphrase: 'now protected' });
    expect(needsPassphrase(withPass)).toBe(true);
    await rejectsWithCode(unwrapDataKey(withPass, { deviceKey }), 'E_LOCKED');
    const k1 = await unwrapDataKey(withPass, { passphrase: 'now protected' });
    expect(await openFieldText(k1, REF, s)).toBe('kept');
    const back = await rewrapKeyRecord(withPass, { passphrase: 'now protected' }, { deviceKey });
    const k2 = await unwrapDataKey(back, { deviceKey });
    expect(await openFieldText(k2, REF, s)).toBe('kept');
  });

  it('reject device keys that cannot wrap', async () => {
    const hmac = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    await rejectsWithCode(createKeyRecord({ deviceKey: hmac }), 'E_BAD_REQUEST');
    const unwrapOnly = await crypto.subtle.generateKey({ name: 'AES-KW', length: 256 }, false, ['unwrapKey']);
    await rejectsWithCode(createKeyRecord({ deviceKey: unwrapOnly }), 'E_BAD_REQUEST');
  });
});

describe('parseKeyRecord', () => {
  it.each([
    ['another version', (r: Record<string, unknown>) => (r.version = 2), 'record.version'],
    ['another format', (r: Record<string, unknown>) => (r.format = 'x'), 'record.format'],
    ['too few PBKDF2 iterations', (r: Record<string, unknown>) => (r.kdf = { name: 'PBKDF2', hash: 'SHA-256', iterations: 1000, salt: (r.kdf as { salt: string }).salt }), 'record.kdf.iterations'],
    ['absurd PBKDF2 iterations', (r: Record<string, unknown>) => (r.kdf = { name: 'PBKDF2', hash: 'SHA-256', iterations: 1e9, salt: (r.kdf as { salt: string }).salt }), 'record.kdf.iterations'],
    ['too few Argon2id passes', (r: Record<string, unknown>) => ((r.kdf as Record<string, unknown>).passes = 0), 'record.kdf.passes'],
    ['an unknown KDF', (r: Record<string, unknown>) => ((r.kdf as Record<string, unknown>).name = 'scrypt'), 'record.kdf.name'],
    ['a short salt', (r: Record<string, unknown>) => ((r.kdf as Record<string, unknown>).salt = 'AAAA'), 'record.kdf.salt'],
    ['padded base64', (r: Record<string, unknown>) => (r.keyCheck = `${r.keyCheck as string}=`), 'record.keyCheck'],
    ['a bad character', (r: Record<string, unknown>) => (r.wrappedKey = '!!!!'), 'record.wrappedKey'],
    ['AES-KW under a passphrase', (r: Record<string, unknown>) => (r.wrap = { name: 'AES-KW' }), 'record.wrap.name'],
  ])('rejects %s, naming the field', (_label, mutate, field) => {
    const r = clone(record) as unknown as Record<string, unknown>;
    mutate(r);
    expect(() => parseKeyRecord(r)).toThrow(expect.objectContaining({ code: 'E_PARSE', detail: { field } }));
  });

  it('rejects what is not an object', () => {
    expect(() => parseKeyRecord('{}')).toThrow(expect.objectContaining({ code: 'E_PARSE' }));
    expect(() => parseKeyRecord(null)).toThrow(expect.objectContaining({ code: 'E_PARSE' }));
  });
});

describe('Argon2id and the PBKDF2 records made before it', () => {
  it('a PBKDF2 record still opens, is marked for upgrade, and re-wraps to Argon2id around the same data key', async () => {
    const { record: old, dataKey } = await createKeyRecord({ passphrase: 'an older passphrase', iterations: PBKDF2_MIN_ITERATIONS });
    expect(old.kdf.name).toBe('PBKDF2');
    expect(needsKdfUpgrade(old)).toBe(true);
    const note = await sealField(dataKey, REF, 'kept across the upgrade');
    const upgraded = await rewrapKeyRecord(old, { passphrase: 'an older passphrase' }, { passphrase: 'an older passphrase' });
    expect(upgraded.kdf.name).toBe('Argon2id');
    expect(needsKdfUpgrade(upgraded)).toBe(false);
    expect(upgraded.keyCheck).toBe(old.keyCheck);
    const key = await unwrapDataKey(upgraded, { passphrase: 'an older passphrase' });
    expect(await openFieldText(key, REF, note)).toBe('kept across the upgrade');
    await rejectsWithCode(unwrapDataKey(upgraded, { passphrase: 'a wrong one' }), 'E_WRONG_PASSPHRASE');
  });

  it('refuses a record whose Argon2id parameters were changed, or that asks for absurd memory', async () => {
    const cheaper = clone(record);
    (cheaper.kdf as { passes: number }).passes = 1;
    await rejectsWithCode(unwrapDataKey(cheaper, { passphrase: 'correct horse battery staple' }), 'E_WRONG_PASSPHRASE');
    const greedy = clone(record) as unknown as { kdf: Record<string, unknown> };
    greedy.kdf.memoryKiB = 8 * 1024 * 1024;
    expect(() => parseKeyRecord(greedy)).toThrow(/record\.kdf\.memoryKiB: got 8388608, want an integer from 19456 to 262144/);
    const weak = clone(record) as unknown as { kdf: Record<string, unknown> };
    weak.kdf.memoryKiB = 1024;
    expect(() => parseKeyRecord(weak)).toThrow(/record\.kdf\.memoryKiB/);
  });
});
