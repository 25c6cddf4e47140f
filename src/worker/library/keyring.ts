/**
 * The key record (the data key, wrapped by a passphrase or by this browser's device key) and
 * where the wrapping key comes from when locking and unlocking.
 */
import type { Database } from 'sqlite-vec-wasm-demo';
import { generateDeviceKey, needsPassphrase, parseKeyRecord, type KeyRecord, type KeySource } from '../../core/crypto/keys.ts';
import { ConfidantError } from '../../core/errors.ts';
// The one rule, which the panel also shows and checks first; the engine enforces it.
import { MIN_PASSPHRASE } from '../../core/settings/input.ts';
import { loadDeviceKey, storeDeviceKey } from './device-key.ts';


export function readKeyRecord(db: Database): KeyRecord | null {
  const raw = db.selectValue('SELECT record FROM keyring WHERE id = 1');
  return raw == null ? null : parseKeyRecord(JSON.parse(String(raw)));
}

export function writeKeyRecord(db: Database, record: KeyRecord, created = false): void {
  if (created) db.exec('INSERT INTO keyring(id, record, created_at) VALUES (1, ?, ?)', { bind: [JSON.stringify(record), Date.now()] });
  else db.exec('UPDATE keyring SET record = ? WHERE id = 1', { bind: [JSON.stringify(record)] });
}

/** What wraps the data key from now on: the passphrase, or a new device key (stored here). */
export async function lockSource(passphrase: string | null, what = 'a passphrase'): Promise<KeySource> {
  if (passphrase !== null) {
    if (passphrase.length < MIN_PASSPHRASE) throw new ConfidantError('E_BAD_REQUEST', `Choose ${what} of at least ${MIN_PASSPHRASE} characters.`);
    return { passphrase };
  }
  const key = await generateDeviceKey();
  await storeDeviceKey(key);
  return { deviceKey: key };
}

/** What unwraps the data key of `rec`: the passphrase given, or this browser's device key. */
export async function unlockSource(rec: KeyRecord, passphrase: string | null | undefined): Promise<KeySource> {
  if (needsPassphrase(rec)) {
    if (!passphrase) throw new ConfidantError('E_WRONG_PASSPHRASE', 'Enter your passphrase to unlock the library.');
    return { passphrase };
  }
  const key = await loadDeviceKey();
  if (!key) throw new ConfidantError('E_LOCKED', "This browser's device key is missing, so the library cannot be opened. Import a backup or wipe the library.");
  return { deviceKey: key };
}
